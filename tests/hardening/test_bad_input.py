"""Hostile and impossible input: every kind answers a 4xx naming the field (413 for a body
beyond its limit), never a 500, and nothing of a refused batch is stored.

Each case is one the attack report found answering 500 (or accepted) on main."""

from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime

import pytest
from django.test import Client

from settlement.models import MeterReading, MeterUpload
from tests.factories import SiteFactory

IMPOSSIBLE_INSTANTS = [
    "2026-02-30T10:00:00+08:00",  # no such day
    "2026-06-30T24:00:00+08:00",  # no such hour
    "2026-06-30T10:00:00+25:00",  # no such offset
    "2026-06-30T10:00:00+20:00",  # no zone is that far from UTC
    "0001-01-01T00:00:00+08:00",  # before UTC can represent it
    "9999-12-31T23:45:00-08:00",  # after
    "2026-06-30T10:00:00\x00+08:00",
]
IMPOSSIBLE_DAYS = ["2026-02-30", "0001-01-01", "9999-12-31", "2026-13-01", "2026-W27-3", "x" * 5000]


@pytest.fixture
def site(sim_now, org_a, nodes):
    sim_now(datetime(2026, 7, 1, 2, 0, tzinfo=UTC))
    return SiteFactory(organisation=org_a, node=nodes["E-LOAD"])


def _reading(site, **overrides):
    row = {"site_code": site.code, "interval_start": "2026-06-30T10:00:00+08:00"}
    return {**row, "value": "1500", "unit": "kW", **overrides}


@pytest.mark.parametrize("instant", IMPOSSIBLE_INSTANTS)
def test_impossible_instants_in_meter_data_are_a_400_naming_the_field(
    instant, site, operator_a_api
):
    body = {"readings": [_reading(site, interval_start=instant)]}
    response = operator_a_api.post("/api/settlement/meter-readings/", body, format="json")
    assert response.status_code == 400, response.content
    assert "readings[0].interval_start" in response.json()
    assert not MeterReading.objects.exists() and not MeterUpload.objects.exists()


@pytest.mark.parametrize(
    ("value", "unit"),
    [("1e22", "MW"), ("99999999999", "MW"), ("1e26", "kW"), ("-99999999999", "MW"), ("NaN", "MW")],
)
def test_absurd_meter_values_are_a_400(value, unit, site, operator_a_api):
    body = {"readings": [_reading(site, value=value, unit=unit)]}
    response = operator_a_api.post("/api/settlement/meter-readings/", body, format="json")
    assert response.status_code == 400, response.content
    assert "readings[0].value" in response.json()
    assert not MeterReading.objects.exists()


def test_a_real_but_large_meter_value_is_still_accepted(site, operator_a_api):
    body = {"readings": [_reading(site, value="950", unit="MW")]}  # a very large campus
    response = operator_a_api.post("/api/settlement/meter-readings/", body, format="json")
    assert response.status_code == 201, response.content


API_DAYS = [
    ("/api/sites/{site}/envelope/", "day"),
    ("/api/settlement/meter-readings/", "day"),
    ("/api/settlement/baselines/", "day"),
    ("/api/settlement/statements/", "market_day"),
    ("/api/settlement/my-lines/", "market_day"),
    ("/api/dispatch/instructions/", "market_day"),
    ("/api/trading/runs/", "market_day"),
    ("/api/trading/forecast/", "market_day"),
    ("/api/trading/envelope/", "market_day"),
]
PAGE_DAYS = ["/dispatch/", "/dashboard/", "/trading/", "/sites/{site}/"]


@pytest.mark.parametrize("day", IMPOSSIBLE_DAYS)
def test_impossible_days_on_every_api_are_a_400_naming_the_parameter(
    day, site, admin_api, personas
):
    for path, param in API_DAYS:
        url = path.format(site=site.pk)
        response = admin_api.get(url, {param: day})
        assert response.status_code == 400, (url, response.status_code, response.content[:300])
        assert param in response.json(), (url, response.json())


@pytest.mark.parametrize("day", IMPOSSIBLE_DAYS)
def test_impossible_days_on_every_page_are_a_400_naming_the_parameter(day, site, admin_user):
    client = Client()
    client.force_login(admin_user)
    for path in PAGE_DAYS:
        url = path.format(site=site.pk)
        response = client.get(url, {"day": day})
        assert response.status_code == 400, (url, response.status_code)
        assert "<strong>day</strong>" in response.content.decode(), url


def test_period_report_and_settlement_form_name_the_bad_day(admin_user, trader):
    client = Client()
    client.force_login(admin_user)
    response = client.get(
        "/settlement/period-report/", {"start": "0001-01-01", "end": "2026-07-01"}
    )
    assert response.status_code == 400 and response.content.startswith(b"start:")


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"limit": "99999999999999999999"}, "limit"),
        ({"limit": "0"}, "limit"),
        ({"limit": "abc"}, "limit"),
        ({"offset": "99999999999999999999"}, "offset"),
        ({"offset": "-1"}, "offset"),
    ],
)
def test_paging_parameters_are_validated(query, field, site, trader_api):
    response = trader_api.get("/api/settlement/meter-uploads/", query)
    assert response.status_code == 400, response.content
    assert field in response.json()


def test_a_reasonable_limit_still_pages(site, trader_api):
    assert trader_api.get("/api/settlement/meter-uploads/", {"limit": "5"}).status_code == 200


@pytest.mark.parametrize("value", ["abc", "\u00b3", "99999999999999999999", "1.5"])
def test_id_parameters_are_validated(value, site, trader_api, trader):
    response = trader_api.get("/api/dispatch/instructions/", {"site": value})
    assert response.status_code == 400, response.content
    assert "site" in response.json()
    client = Client()
    client.force_login(trader)
    assert client.get("/market/results/", {"auction": value}).status_code == 400


def test_an_unknown_instruction_state_is_a_400(trader_api, db):
    response = trader_api.get("/api/dispatch/instructions/", {"state": "nonsense"})
    assert response.status_code == 400 and "state" in response.json()


def _csv_upload(client, content: bytes, name="readings.csv"):
    upload = io.BytesIO(content)
    upload.name = name
    return client.post("/api/settlement/meter-uploads/", {"file": upload}, format="multipart")


def test_nul_bytes_in_a_meter_csv_are_a_400(site, operator_a_api):
    content = (
        f"site_code,interval_start,value,unit\n{site.code},2026-06-30T10:00:00+08:00,1\x00500,kW\n"
    ).encode()
    response = _csv_upload(operator_a_api, content)
    assert response.status_code == 400, response.content
    assert "file" in response.json()


def test_nul_bytes_in_a_fleet_csv_are_a_400(operator_a_api, nodes):
    upload = io.BytesIO(b"record,code\nsite,A\x00B\n")
    upload.name = "fleet.csv"
    response = operator_a_api.post("/api/sites/import/", {"file": upload}, format="multipart")
    assert response.status_code == 400 and "file" in response.json(), response.content


def test_a_fleet_json_nested_5000_deep_is_a_400(operator_a_api, nodes):
    upload = io.BytesIO(b'{"sites": ' + b"[" * 5000 + b"]" * 5000 + b"}")
    upload.name = "fleet.json"
    response = operator_a_api.post("/api/sites/import/", {"file": upload}, format="multipart")
    assert response.status_code == 400, response.content
    assert "nested deeper" in response.json()["file"][0]


def test_a_json_body_nested_5000_deep_is_a_400(operator_a_api, db):
    body = '{"readings": ' + "[" * 5000 + "]" * 5000 + "}"
    response = operator_a_api.post(
        "/api/settlement/meter-readings/", body, content_type="application/json"
    )
    assert response.status_code == 400, response.content
    assert "nested deeper" in response.json()["detail"]


def test_json_infinity_and_nan_are_refused(operator_a_api, db):
    body = '{"readings": [{"value": Infinity}]}'
    response = operator_a_api.post(
        "/api/settlement/meter-readings/", body, content_type="application/json"
    )
    assert response.status_code == 400


def test_a_100_mb_upload_is_refused_before_it_is_read(site, operator_a_api):
    """The declared length alone decides: the server answers 413 without reading the body (on
    main the whole file was parsed inside the request, 26 s for 100 MB)."""
    response = operator_a_api.post(
        "/api/settlement/meter-uploads/",
        b"x" * 10,
        content_type="multipart/form-data; boundary=b",
        CONTENT_LENGTH=str(100 * 1024 * 1024),
    )
    assert response.status_code == 413, response.content
    assert "larger than" in response.json()["detail"][0]
    assert not MeterUpload.objects.exists()


def test_a_meter_csv_beyond_its_own_limit_is_a_413(site, operator_a_api, settings):
    settings.METER_UPLOAD_MAX_BYTES = 1000
    header = "site_code,interval_start,value,unit\n"
    line = f"{site.code},2026-06-30T10:00:00+08:00,1500,kW\n"
    content = (header + line * 40).encode()
    assert len(content) > 1000
    response = _csv_upload(operator_a_api, content)
    assert response.status_code == 413, response.content
    assert "limit" in response.json()["file"][0]
    assert not MeterUpload.objects.exists()


@pytest.mark.parametrize("pue", [1e308, 6.0, 0.5, True])
def test_an_absurd_hourly_pue_is_a_400(pue, site, operator_a_api):
    body = {"pue_kind": "hourly", "pue_hourly": [1.3] * 23 + [pue]}
    response = operator_a_api.patch(f"/api/sites/{site.pk}/", body, format="json")
    assert response.status_code == 400, response.content
    assert "pue_hourly" in response.json()


def test_a_plausible_hourly_pue_is_accepted(site, operator_a_api):
    body = {"pue_kind": "hourly", "pue_hourly": [1.2] * 12 + [1.45] * 12}
    response = operator_a_api.patch(f"/api/sites/{site.pk}/", body, format="json")
    assert response.status_code == 200, response.content


def test_a_huge_query_string_day_is_not_parsed(site, trader_api):
    response = trader_api.get("/api/settlement/meter-readings/", {"day": "2026-07-01" * 1000})
    assert response.status_code == 400
    assert len(json.dumps(response.json())) < 500  # the message does not echo the input


@pytest.fixture
def curve(sim_now, trader):
    """A proposed curve of a run for the open day-ahead auction (the access matrix's rows)."""
    from market.exchange import services as exchange
    from market.trading.models import OptimisationRun
    from tests.test_access_matrix import trading_world

    made = trading_world.__wrapped__(sim_now)
    sim_now(datetime(2026, 7, 1, 0, 0, tzinfo=UTC))  # before the 10:00 gate of 2 July
    exchange.install_default_market()
    auction = exchange.open_day_ahead(day=date(2026, 7, 2))
    OptimisationRun.objects.update(auction_id=auction.pk, market_day=date(2026, 7, 2))
    return made["tcurve"]["pk"]


@pytest.mark.parametrize(
    ("segment", "field"),
    [
        (["1e30", "1"], "segments[0].price_per_mwh"),  # overflowed Decimal's quantize: a 500
        (["100", "1e22"], "segments[0].quantity_mw"),
        (["NaN", "1"], "segments[0].price_per_mwh"),
        (["-1e30", "1"], "segments[0].price_per_mwh"),
    ],
)
def test_absurd_curve_segments_are_a_400_naming_the_entry(segment, field, curve, trader_api):
    response = trader_api.patch(
        f"/api/trading/curves/{curve}/", {"segments": [segment]}, format="json"
    )
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_impossible_market_days_in_bodies_are_a_400(day, trader_api, sim_now):
    """Found by the 50-example schema run: POST /api/trading/forecast/ with 0001-01-01 was a
    500 (the look-back before it overflowed)."""
    for path in ("/api/trading/forecast/", "/api/trading/runs/", "/api/settlement/runs/"):
        response = trader_api.post(path, {"market_day": day}, format="json")
        assert response.status_code == 400, (path, response.content)
        assert "market_day" in response.json(), (path, response.json())


def test_an_out_of_range_instant_in_a_body_is_a_400(site, operator_a_api):
    rows = [{"site": site.pk, "interval_start": "0001-01-01T00:00:00+08:00", "load_mw": "3"}]
    response = operator_a_api.post("/api/dispatch/readings/", {"rows": rows}, format="json")
    assert response.status_code == 400, response.content
