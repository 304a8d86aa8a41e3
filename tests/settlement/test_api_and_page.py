"""The meter intake API and page: all-or-nothing, idempotent, scoped to one's own sites."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse

from settlement.models import MeterReading
from tests.settlement.conftest import DAY, csv_bytes, day_rows

pytestmark = pytest.mark.django_db

READINGS = reverse("api:settlement-meter-readings")
UPLOADS = reverse("api:settlement-meter-uploads")


def as_json(rows):
    keys = ("site_code", "interval_start", "value", "unit")
    return {"readings": [dict(zip(keys, (str(v) for v in r), strict=True)) for r in rows]}


def csv_file(rows, name="meter.csv"):
    f = io.BytesIO(csv_bytes(rows))
    f.name = name
    return f


def test_bulk_json_stores_once_and_then_reports_unchanged(operator_a_api, site_a, clock_after):
    body = as_json(day_rows("alpha-1", unit="kW", value=2500))
    first = operator_a_api.post(READINGS, body, format="json")
    assert first.status_code == 201, first.data
    assert (first.data["rows_stored"], first.data["created"]) == (96, True)
    second = operator_a_api.post(READINGS, body, format="json")
    assert second.status_code == 200 and second.data["created"] is False
    assert MeterReading.objects.count() == 96
    assert {str(r.load_mw) for r in MeterReading.objects.all()} == {"2.500000"}


def test_bad_rows_are_400s_naming_row_and_field(operator_a_api, site_a, clock_after):
    rows = day_rows("alpha-1", count=2)
    rows[1] = ("alpha-1", "2026-06-30T00:15:00", 1, "kW")
    response = operator_a_api.post(READINGS, as_json(rows), format="json")
    assert response.status_code == 400
    assert list(response.data) == ["readings[1].interval_start"]
    assert MeterReading.objects.count() == 0
    empty = operator_a_api.post(READINGS, {"readings": []}, format="json")
    assert empty.status_code == 400 and "readings" in empty.data


def test_another_companys_site_is_a_400_and_nothing_is_stored(
    operator_b_api, site_a, site_b, clock_after
):
    rows = day_rows("beta-1", count=2) + day_rows("alpha-1", count=1)
    response = operator_b_api.post(UPLOADS, {"file": csv_file(rows)}, format="multipart")
    assert response.status_code == 400
    assert response.data == {"line 4.site_code": ["no site 'alpha-1' among the sites you manage"]}
    assert MeterReading.objects.count() == 0


def test_regulators_and_traders_read_but_never_upload(
    regulator_api, trader_api, operator_a_api, operator_b_api, site_a, clock_after
):
    operator_a_api.post(UPLOADS, {"file": csv_file(day_rows("alpha-1"))}, format="multipart")
    for client in (regulator_api, trader_api):
        refused = client.post(UPLOADS, {"file": csv_file(day_rows("alpha-1"))}, format="multipart")
        assert refused.status_code == 403
        listed = client.get(READINGS, {"site": "alpha-1", "day": DAY.isoformat()})
        assert listed.status_code == 200 and listed.data["count"] == 96
    assert operator_b_api.get(READINGS).data["count"] == 0
    assert operator_b_api.get(UPLOADS).data["count"] == 0
    assert regulator_api.get(UPLOADS).data["count"] == 1


def test_readings_list_shows_versions_and_flags(operator_a_api, site_a, clock_after):
    t = day_rows("alpha-1", count=1)[0][1]
    operator_a_api.post(READINGS, as_json([("alpha-1", t, -1, "MW")]), format="json")
    operator_a_api.post(READINGS, as_json([("alpha-1", t, 1, "MW")]), format="json")
    current = operator_a_api.get(READINGS).data["results"]
    assert [(r["version"], r["flags"]) for r in current] == [(2, [])]
    every = operator_a_api.get(READINGS, {"all_versions": "1"}).data["results"]
    assert [(r["version"], r["is_current"], r["flags"]) for r in every] == [
        (1, False, ["negative"]),
        (2, True, []),
    ]
    assert operator_a_api.get(READINGS, {"day": "30-06"}).status_code == 400


def test_the_upload_page_stores_a_file_and_lists_bad_rows(client, operator_a, site_a, clock_after):
    client.force_login(operator_a)
    url = reverse("settlement:meter-upload")
    ok = client.post(url, {"file": csv_file(day_rows("alpha-1"))})
    assert ok.status_code == 302 and MeterReading.objects.count() == 96
    page = client.get(url)
    assert b"meter.csv" in page.content
    rows = day_rows("alpha-1", count=2)
    rows[0] = ("alpha-1", rows[0][1], "lots", "kW")
    bad = client.post(url, {"file": csv_file(rows, "bad.csv")})
    assert bad.status_code == 400
    assert b"line 2" in bad.content and b"is not a number" in bad.content


def test_baseline_methods_are_public_methodology(regulator_api, db):
    from settlement.baseline_services import ensure_presets

    ensure_presets()
    names = {
        m["name"]
        for m in regulator_api.get(reverse("api:settlement-baseline-methods")).data["results"]
    }
    assert {"caiso_10in10", "pjm_high_4of5", "nyiso_5of10", "cn_similar_days", "regression",
            "meter_before_after", "max_base_load"} <= names  # fmt: skip
