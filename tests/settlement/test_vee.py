"""VEE: spikes flagged, short gaps interpolated, long gaps filled like-day, methods recorded,
a second run changes nothing, and a late real reading supersedes an estimate."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from settlement import meter_store
from settlement.models import Flag, MeterReading
from settlement.vee import validate_site_day
from tests.settlement.conftest import DAY, csv_bytes
from vpp.intervals import day_intervals

pytestmark = pytest.mark.django_db


def upload(actor, rows):
    return meter_store.upload_csv(actor=actor, content=csv_bytes(rows))


@pytest.fixture
def gappy_day(operator_a, site_a, clock_after):
    """2026-06-30 (Tuesday) at 1 MW with a 10 MW spike at 20, a 2.5 MW reading at 32, a
    two-interval gap at 30-31 and a twelve-interval gap at 60-71; earlier working days at
    3, 5 and 4 MW (Jun 29, 26, 25), the weekend between at 9 MW."""
    starts = day_intervals(DAY)
    rows = []
    for i, t in enumerate(starts):
        if i in (30, 31) or 60 <= i <= 71:
            continue
        value = 10 if i == 20 else 2.5 if i == 32 else 1
        rows.append(("alpha-1", t.isoformat(), value, "MW"))
    history = {date(2026, 6, 29): 3, date(2026, 6, 28): 9, date(2026, 6, 27): 9,
               date(2026, 6, 26): 5, date(2026, 6, 25): 4}  # fmt: skip
    for day, value in history.items():
        rows += [("alpha-1", t.isoformat(), value, "MW") for t in day_intervals(day)]
    upload(operator_a, rows)
    return starts


def test_vee_flags_the_spike_and_fills_both_gaps_by_their_methods(site_a, gappy_day):
    report = validate_site_day(site=site_a, day=DAY)
    assert (report.intervals, report.metered) == (96, 82)
    assert (report.filled_linear, report.filled_like_day, report.unfilled) == (2, 12, 0)
    assert report.spikes == 1
    spike = MeterReading.objects.current().with_flag(Flag.SPIKE).get()
    assert spike.interval_start == gappy_day[20]
    est = {r.interval_start: r for r in MeterReading.objects.filter(source="estimate")}
    # linear between 1 MW (29) and 2.5 MW (32): 1.5 and 2.0
    assert est[gappy_day[30]].load_mw == Decimal("1.5")
    assert est[gappy_day[31]].load_mw == Decimal("2.0")
    assert {est[gappy_day[i]].estimation_method for i in (30, 31)} == {"linear"}
    # like-day: the same interval on the three most recent working days: (3 + 5 + 4) / 3
    assert {est[gappy_day[i]].load_mw for i in range(60, 72)} == {Decimal("4")}
    assert {est[gappy_day[i]].estimation_method for i in range(60, 72)} == {"like_day"}
    assert all(r.flags == Flag.ESTIMATED for r in est.values())
    assert MeterReading.objects.current().filter(site=site_a, interval_start__gte=gappy_day[0],
                                                 interval_start__lt=gappy_day[-1] + timedelta(minutes=15)).count() == 96  # fmt: skip


def test_a_second_run_changes_nothing(site_a, gappy_day):
    validate_site_day(site=site_a, day=DAY)
    before = list(MeterReading.objects.values_list("pk", "flags", "load_mw").order_by("pk"))
    again = validate_site_day(site=site_a, day=DAY)
    assert (again.filled_linear, again.filled_like_day, again.spikes) == (0, 0, 1)
    assert list(MeterReading.objects.values_list("pk", "flags", "load_mw").order_by("pk")) == before


def test_a_late_real_reading_supersedes_the_estimate(operator_a, site_a, gappy_day):
    validate_site_day(site=site_a, day=DAY)
    upload(operator_a, [("alpha-1", gappy_day[30].isoformat(), 1.1, "MW")])
    versions = MeterReading.objects.filter(interval_start=gappy_day[30]).order_by("version")
    assert [(r.version, r.source, r.is_current) for r in versions] == [
        (1, "estimate", False),
        (2, "csv", True),
    ]


def test_a_corrected_spike_loses_its_flag(operator_a, site_a, gappy_day):
    validate_site_day(site=site_a, day=DAY)
    upload(operator_a, [("alpha-1", gappy_day[20].isoformat(), 1, "MW")])
    assert validate_site_day(site=site_a, day=DAY).spikes == 0
    assert not MeterReading.objects.current().with_flag(Flag.SPIKE).exists()


def test_a_gap_with_nothing_to_go_on_stays_a_gap(operator_a, site_a, clock_after):
    upload(operator_a, [("alpha-1", day_intervals(DAY)[0].isoformat(), 1, "MW")])
    report = validate_site_day(site=site_a, day=DAY)
    assert report.unfilled == 95 and report.filled_like_day == 0
    assert not MeterReading.objects.filter(source="estimate").exists()
