"""The Chinese holiday table against the ``holidays`` package, the ``baseline`` command on a
CSV, and OpenADR delivery readings becoming meter readings."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from settlement.baselines.calendar import day_starts
from settlement.holidays_cn import ADJUSTED_WORKING_DAYS, HOLIDAYS, ChinaCalendar
from vpp.intervals import market_tz


@pytest.mark.parametrize("year", [2025, 2026])
def test_the_holiday_table_agrees_with_the_holidays_package(year):
    holidays = pytest.importorskip("holidays")
    theirs = holidays.China(years=year, language="en_US")
    off = {d for d in HOLIDAYS if d.year == year}
    # every day off they list is in a holiday period of ours
    assert set(theirs) <= off
    # every weekday of our periods is a listed day off there (weekends need no listing)
    assert {d for d in off if d.weekday() < 5} <= set(theirs)
    # the adjusted working days are the days their substitutions name
    named = {
        date(int(m[3]), int(m[1]), int(m[2]))
        for label in theirs.values()
        for m in [re.search(r"substituted from (\d\d)/(\d\d)/(\d{4})", label)]
        if m
    }
    assert named == {date.fromisoformat(d) for d in ADJUSTED_WORKING_DAYS[year]}


def test_2027_statutory_days_match_the_lunar_calendar():
    holidays = pytest.importorskip("holidays")
    theirs = set(holidays.China(years=2027, observed=False))
    assert theirs == {d for d in HOLIDAYS if d.year == 2027}


def test_the_calendar_knows_adjusted_working_days():
    cal = ChinaCalendar()
    assert cal.is_working_day(date(2026, 2, 14))  # Saturday before the Spring Festival
    assert not cal.is_working_day(date(2026, 2, 20))  # Friday inside it
    assert cal.is_holiday(date(2026, 2, 21)) and not cal.is_holiday(date(2026, 2, 14))


def _csv(tmp_path, first: date, last: date, level) -> str:
    lines = ["interval_start,load_mw"]
    day = first
    while day <= last:
        for t in day_starts(day, market_tz(), 15):
            lines.append(f"{t.astimezone(market_tz()).isoformat()},{level(day)}")
        day += timedelta(days=1)
    path = tmp_path / "loads.csv"
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def test_the_baseline_command_prints_days_reasons_and_values(tmp_path):
    path = _csv(
        tmp_path,
        date(2026, 9, 1),
        date(2026, 10, 12),
        lambda d: 10 if ChinaCalendar().is_working_day(d) else 3,
    )
    out = StringIO()
    call_command("baseline", path, day="2026-10-12", method="cn_similar_days", stdout=out)
    text = out.getvalue()
    assert "used days (5): 2026-10-10, 2026-10-09, 2026-10-08, 2026-09-30, 2026-09-29" in text
    assert re.search(r"2026-10-01\s+holiday\s+public holiday: National Day", text)
    assert "2026-10-12 00:00" in text and text.count("\n2026-10-12 ") == 96
    params = tmp_path / "mine.json"
    params.write_text(json.dumps({"pool_days": 2, "use_days": 2, "lookback_days": 5}))
    out = StringIO()
    call_command("baseline", path, day="2026-10-12", method=str(params), json=True, stdout=out)
    body = json.loads(out.getvalue())
    assert body["used_days"] == ["2026-10-10", "2026-10-09"]
    assert body["intervals"][0]["baseline_mw"] == 10.0 and len(body["intervals"]) == 96


def test_the_baseline_command_refuses_naive_times_and_unknown_methods(tmp_path):
    path = tmp_path / "naive.csv"
    path.write_text("interval_start,load_mw\n2026-10-12T00:00:00,1\n")
    with pytest.raises(CommandError, match="naive"):
        call_command("baseline", str(path), day="2026-10-12", method="cn_similar_days")
    with pytest.raises(CommandError, match="neither a preset"):
        call_command("baseline", str(path), day="2026-10-12", method="nope")


@pytest.mark.django_db
def test_openadr_delivery_readings_become_meter_readings(site_a, clock_after):
    from dispatch.models import DeliveryReading
    from settlement.meter_store import ingest_delivery_readings
    from settlement.models import MeterReading

    starts = day_starts(date(2026, 7, 1), market_tz(), 15)[:4]
    for i, t in enumerate(starts):
        DeliveryReading.objects.create(site=site_a, interval_start=t, load_mw=Decimal(5 + i),
                                       source="openadr", received_at=t + timedelta(minutes=20))  # fmt: skip
    DeliveryReading.objects.create(site=site_a, interval_start=starts[0], load_mw=Decimal("99"),
                                   source="api", received_at=starts[0])  # fmt: skip
    window = (starts[0], starts[-1] + timedelta(minutes=15))
    result = ingest_delivery_readings(start=window[0], end=window[1])
    assert result.upload.source == "openadr" and result.upload.rows_stored == 4
    got = list(MeterReading.objects.order_by("interval_start").values_list("load_mw", "source"))
    assert got == [(Decimal(5 + i), "openadr") for i in range(4)]
    again = ingest_delivery_readings(start=window[0], end=window[1])
    assert again.created is False and MeterReading.objects.count() == 4
    DeliveryReading.objects.filter(interval_start=starts[1], source="openadr").update(
        load_mw=Decimal("7.5")
    )
    third = ingest_delivery_readings(start=window[0], end=window[1])
    assert third.upload.rows_stored == 1
    assert MeterReading.objects.current().get(interval_start=starts[1]).version == 2
