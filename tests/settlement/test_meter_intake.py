"""Meter intake: units converted at the door, idempotent re-upload, corrections as versions,
all-or-nothing batches, the COPY path on PostgreSQL, and another company's site."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection

from settlement import meter_store
from settlement.meters import MeterIntakeError
from settlement.models import Flag, MeterReading, MeterUpload
from tests.settlement.conftest import DAY, csv_bytes, day_rows
from vpp.intervals import day_intervals

pytestmark = pytest.mark.django_db

T0 = day_intervals(DAY)[40]  # 2026-06-30 10:00 +08:00


def current(site):
    return {r.interval_start: r for r in MeterReading.objects.current().filter(site=site)}


@pytest.mark.parametrize(
    ("value", "unit", "load_mw"),
    [("1500", "kW", "1.5"), ("250", "kWh", "1.0"), ("0.5", "MWh", "2.0"), ("3.25", "MW", "3.25")],
)
def test_units_are_converted_to_mw_once(operator_a, site_a, clock_after, value, unit, load_mw):
    meter_store.submit_readings(
        actor=operator_a,
        readings=[
            {"site_code": "alpha-1", "interval_start": T0.isoformat(), "value": value, "unit": unit}
        ],  # fmt: skip
    )
    assert current(site_a)[T0].load_mw == Decimal(load_mw)


def test_the_same_file_twice_changes_nothing(operator_a, site_a, clock_after):
    content = csv_bytes(day_rows("alpha-1"))
    first = meter_store.upload_csv(actor=operator_a, content=content, filename="d.csv")
    assert first.created and first.upload.rows_stored == 96
    again = meter_store.upload_csv(actor=operator_a, content=content, filename="d.csv")
    assert not again.created and again.upload.pk == first.upload.pk
    assert MeterReading.objects.count() == 96 and MeterUpload.objects.count() == 1
    # the same values in another file (reordered): a new batch that stores nothing
    shuffled = csv_bytes(list(reversed(day_rows("alpha-1"))))
    third = meter_store.upload_csv(actor=operator_a, content=shuffled)
    assert third.created and third.upload.rows_stored == 0 and third.upload.rows_unchanged == 96
    assert MeterReading.objects.count() == 96


def test_a_correction_makes_version_2_and_keeps_version_1(operator_a, site_a, clock_after):
    meter_store.upload_csv(actor=operator_a, content=csv_bytes(day_rows("alpha-1")))
    fix = [("alpha-1", T0.isoformat(), 1200, "kW")]
    result = meter_store.upload_csv(actor=operator_a, content=csv_bytes(fix))
    assert result.upload.rows_stored == 1
    versions = list(MeterReading.objects.filter(site=site_a, interval_start=T0).order_by("version"))
    assert [(v.version, v.is_current, v.load_mw) for v in versions] == [
        (1, False, Decimal("1.000000")),
        (2, True, Decimal("1.200000")),
    ]
    assert versions[0].upload_id != versions[1].upload_id
    assert MeterReading.objects.current().filter(site=site_a).count() == 96


def test_a_bad_row_stores_nothing_and_every_bad_row_is_named(operator_a, site_a, clock_after):
    rows = day_rows("alpha-1", count=4)
    rows[1] = ("alpha-1", "2026-06-30T10:15:00", 5, "kW")  # naive
    rows[2] = ("alpha-1", rows[2][1], 5, "furlongs")
    rows[3] = ("nowhere", rows[3][1], 5, "kW")
    with pytest.raises(MeterIntakeError) as err:
        meter_store.upload_csv(actor=operator_a, content=csv_bytes(rows))
    assert set(err.value.errors) == {"line 3.interval_start", "line 4.unit", "line 5.site_code"}
    assert "naive" in err.value.errors["line 3.interval_start"][0]
    assert MeterReading.objects.count() == 0 and MeterUpload.objects.count() == 0


@pytest.mark.parametrize(
    ("start", "message"),
    [
        ("2026-06-30T10:07:00+08:00", "not the start of a market interval"),
        ("2026-07-10T08:00:00+08:00", "has not ended yet"),
        ("yesterday", "not an ISO 8601 datetime"),
    ],
)
def test_timestamps_are_checked(operator_a, site_a, clock_after, start, message):
    with pytest.raises(MeterIntakeError) as err:
        meter_store.submit_readings(
            actor=operator_a,
            readings=[
                {"site_code": "alpha-1", "interval_start": start, "value": "1", "unit": "MW"}
            ],  # fmt: skip
        )
    assert message in err.value.errors["readings[0].interval_start"][0]


def test_another_companys_site_is_refused_like_an_unknown_one(operator_b, site_a, clock_after):
    with pytest.raises(MeterIntakeError) as err:
        meter_store.upload_csv(actor=operator_b, content=csv_bytes(day_rows("alpha-1", count=2)))
    assert err.value.errors["line 2.site_code"] == ["no site 'alpha-1' among the sites you manage"]
    assert MeterReading.objects.count() == 0


def test_negative_duplicate_and_out_of_order_rows_are_flagged(operator_a, site_a, clock_after):
    t = [t.isoformat() for t in day_intervals(DAY)[:4]]
    rows = [("alpha-1", t[0], -200, "kW"), ("alpha-1", t[2], 1, "MW"), ("alpha-1", t[1], 1, "MW"),
            ("alpha-1", t[2], 1000, "kW")]  # fmt: skip
    result = meter_store.upload_csv(actor=operator_a, content=csv_bytes(rows))
    assert result.upload.rows_received == 3
    got = {r.interval_start.isoformat(): r.flag_list for r in MeterReading.objects.all()}
    starts = day_intervals(DAY)
    assert got[starts[0].isoformat()] == ["negative"]
    assert got[starts[1].isoformat()] == ["out_of_order"]
    assert got[starts[2].isoformat()] == ["duplicate"]
    assert MeterReading.objects.with_flag(Flag.NEGATIVE).get().load_mw == Decimal("-0.2")


def test_a_repeat_with_another_value_is_refused(operator_a, site_a, clock_after):
    rows = [("alpha-1", T0.isoformat(), 1, "MW"), ("alpha-1", T0.isoformat(), 2, "MW")]
    with pytest.raises(MeterIntakeError) as err:
        meter_store.upload_csv(actor=operator_a, content=csv_bytes(rows))
    assert "line 2 gives 1.000000 MW" in err.value.errors["line 3.value"][0]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's")
def test_the_copy_path_applies_the_same_versioning_rule(operator_a, site_a, clock_after):
    days = [DAY - timedelta(days=k) for k in range(3)]
    rows = [r for d in days for r in day_rows("alpha-1", d, value=2, unit="MW")]
    first = meter_store.upload_csv(actor=operator_a, content=csv_bytes(rows), method="copy")
    assert first.upload.bulk_path == "copy" and first.upload.rows_stored == 288
    rows[5] = (rows[5][0], rows[5][1], 2.5, "MW")  # one correction, 287 unchanged
    second = meter_store.upload_csv(actor=operator_a, content=csv_bytes(rows), method="copy")
    assert (second.upload.rows_stored, second.upload.rows_unchanged) == (1, 287)
    corrected = MeterReading.objects.filter(interval_start=datetime.fromisoformat(rows[5][1]))
    assert sorted(corrected.values_list("version", "is_current", "load_mw")) == [
        (1, False, Decimal("2.000000")),
        (2, True, Decimal("2.500000")),
    ]
    assert MeterReading.objects.current().count() == 288
    # the ORM path agrees on the same batch: nothing left to store
    third = meter_store.submit_readings(
        actor=operator_a,
        readings=[
            dict(zip(("site_code", "interval_start", "value", "unit"), r, strict=True))
            for r in rows
        ],  # fmt: skip
        method="orm",
    )
    assert third.upload.rows_stored == 0


@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's")
def test_large_batches_take_the_copy_path(operator_a, site_a, clock_after):
    days = [DAY - timedelta(days=k) for k in range(22)]  # 2,112 rows >= COPY_THRESHOLD
    rows = [r for d in days for r in day_rows("alpha-1", d)]
    result = meter_store.upload_csv(actor=operator_a, content=csv_bytes(rows))
    assert result.upload.bulk_path == "copy"
    assert MeterReading.objects.count() == len(rows)


def test_a_real_reading_replaces_an_estimate_as_its_next_version(operator_a, site_a, clock_after):
    MeterReading.objects.create(
        site=site_a, interval_start=T0, load_mw=Decimal("1"), source="estimate",
        flags=Flag.ESTIMATED, estimation_method="linear", received_at=T0,
    )  # fmt: skip
    meter_store.upload_csv(actor=operator_a, content=csv_bytes([("alpha-1", T0.isoformat(), 1,
                                                                  "MW")]))  # fmt: skip
    now = current(site_a)[T0]
    assert (now.version, now.source, now.flags) == (2, "csv", 0)
