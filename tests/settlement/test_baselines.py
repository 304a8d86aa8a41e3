"""Baseline engine against hand-computed cases: every preset, the adjustment cap, a holiday and
an earlier event day in the look-back, Chinese adjusted working days, and DST days (in
Europe/Berlin: the market zone Asia/Shanghai has none). Pure: no database."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from settlement.baselines import (
    PRESETS,
    BaselineError,
    BaselineInput,
    BaselineParams,
    ParamsError,
    compute,
)
from settlement.baselines.calendar import day_starts

SHANGHAI = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")


def history(level, first: date, last: date, zone=SHANGHAI) -> dict[datetime, float]:
    """Loads for every interval of first..last; ``level(day, local_time)`` gives the MW."""
    loads = {}
    day = first
    while day <= last:
        for t in day_starts(day, zone, 15):
            loads[t] = float(level(day, t.astimezone(zone)))
        day += timedelta(days=1)
    return loads


def at(day: date, hour: int, minute: int = 0, zone=SHANGHAI) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)


def reasons(outcome) -> dict[str, str]:
    return {e["day"].isoformat(): e["reason"] for e in outcome.excluded_days}


def run(params, day, loads, event=(14, 16), zone=SHANGHAI, **kw):
    start = at(day, event[0], zone=zone) if event else None
    end = at(day, event[1], zone=zone) if event else None
    inp = BaselineInput(day=day, loads_mw=loads, zone=zone, event_start=start, event_end=end, **kw)
    return compute(inp, params)


def test_caiso_10in10_skips_holidays_and_an_event_day_and_caps_the_ratio():
    target = date(2026, 5, 20)  # Wednesday; Labour Day holiday May 1-5 in the look-back
    special = {date(2026, 5, 19): 12, date(2026, 4, 30): 8, date(2026, 5, 12): 20}

    def level(day, local):
        if day == target:
            return 13  # the same-day window reads 13 MW: ratio 13/10 = 1.3, capped to 1.2
        if date(2026, 5, 1) <= day <= date(2026, 5, 5):
            return 5  # holidays
        if day.weekday() >= 5:
            return 6
        if day < date(2026, 4, 30):
            return 30  # older than the ten days: must not count
        return special.get(day, 10)

    out = run(
        PRESETS["caiso_10in10"],
        target,
        history(level, date(2026, 4, 1), target),
        event_days=frozenset({date(2026, 5, 12)}),
    )
    used = [d.isoformat() for d in out.used_days]
    assert used == ["2026-05-19", "2026-05-18", "2026-05-15", "2026-05-14", "2026-05-13",
                    "2026-05-11", "2026-05-08", "2026-05-07", "2026-05-06", "2026-04-30"]  # fmt: skip
    why = reasons(out)
    assert why["2026-05-12"] == "event_day"
    assert why["2026-05-05"] == why["2026-05-01"] == why["2026-05-03"] == "holiday"
    assert why["2026-05-09"] == "day_type"  # Saturday (adjusted working day, calendar day type)
    assert why["2026-04-29"] == "beyond_pool"
    # raw = (12 + 8 x 10 + 8) / 10 = 10.0; ratio 1.3 capped at 1 + 0.2
    assert out.adjustment["baseline_mean_mw"] == pytest.approx(10.0)
    assert out.adjustment["uncapped"] == pytest.approx(1.3)
    assert out.adjustment["applied"] == pytest.approx(1.2)
    assert out.adjustment["capped"] is True
    assert out.adjustment["window_start"] == at(target, 10).isoformat()
    assert len(out.baseline_mw) == 96
    assert out.baseline_mw == pytest.approx([12.0] * 96)


def test_pjm_high_4of5_drops_a_low_usage_day_and_adds_the_symmetric_adjustment():
    target = date(2026, 7, 15)  # Wednesday
    special = {date(2026, 7, 14): 10, date(2026, 7, 13): 2, date(2026, 7, 10): 12,
               date(2026, 7, 9): 9, date(2026, 7, 8): 14, date(2026, 7, 7): 11}  # fmt: skip

    def level(day, local):
        if day == target:
            return 12.75
        return special.get(day, 11 if day.weekday() < 5 else 4)

    out = run(PRESETS["pjm_high_4of5"], target, history(level, date(2026, 5, 25), target))
    assert [d.isoformat() for d in out.used_days] == [
        "2026-07-14", "2026-07-10", "2026-07-08", "2026-07-07"]  # fmt: skip
    why = reasons(out)
    assert why["2026-07-13"] == "low_usage"  # 2 MW < 25 % of ~11 MW
    assert why["2026-07-09"] == "not_highest"  # 9 MW ranks 5 of 5
    assert why["2026-06-19"] == "holiday"  # Dragon Boat Festival
    # raw = (10 + 12 + 14 + 11) / 4 = 11.75; additive +1.0 (no cap)
    assert out.adjustment["uncapped"] == pytest.approx(1.0)
    assert out.adjustment["capped"] is False
    assert out.baseline_mw == pytest.approx([12.75] * 96)


def test_nyiso_5of10_on_a_weekend_takes_the_highest_2_of_3_weekend_days():
    target = date(2026, 7, 19)  # Sunday
    special = {date(2026, 7, 18): 6, date(2026, 7, 12): 8, date(2026, 7, 11): 7}

    def level(day, local):
        if day == target:
            return 8.25
        return special.get(day, 5 if day.weekday() >= 5 else 20)

    out = run(PRESETS["nyiso_5of10"], target, history(level, date(2026, 6, 15), target))
    assert [d.isoformat() for d in out.used_days] == ["2026-07-12", "2026-07-11"]
    assert reasons(out)["2026-07-18"] == "not_highest"
    assert reasons(out)["2026-07-17"] == "day_type"
    # raw 7.5; ratio 8.25 / 7.5 = 1.1 within the +/-20 % cap
    assert out.adjustment["applied"] == pytest.approx(1.1)
    assert out.adjustment["capped"] is False
    assert out.adjustment["window_start"] == at(target, 11).isoformat()
    assert out.baseline_mw == pytest.approx([8.25] * 96)


def test_cn_similar_days_uses_an_adjusted_working_day_and_skips_the_golden_week():
    target = date(2026, 10, 12)  # Monday after the National Day week
    special = {date(2026, 10, 10): 12, date(2026, 10, 9): 10, date(2026, 10, 8): 5,
               date(2026, 9, 30): 8, date(2026, 9, 29): 10, date(2026, 9, 28): 11, date(2026, 9, 20): 9}  # fmt: skip

    def level(day, local):
        if date(2026, 10, 1) <= day <= date(2026, 10, 7) or day.weekday() >= 5:
            if day not in special:
                return 3
        return special.get(day, 9)

    out = run(PRESETS["cn_similar_days"], target, history(level, date(2026, 9, 1), target))
    # Oct 10 is a Saturday made a working day; Oct 8 is below 75 % of the eligible mean
    assert [d.isoformat() for d in out.used_days] == [
        "2026-10-10", "2026-10-09", "2026-09-30", "2026-09-29", "2026-09-28"]  # fmt: skip
    why = reasons(out)
    assert why["2026-10-11"] == "day_type"
    assert why["2026-10-08"] == "low_usage"
    assert {why[f"2026-10-0{d}"] for d in range(1, 8)} == {"holiday"}
    assert why["2026-09-25"] == "holiday"  # Mid-Autumn
    assert why["2026-09-20"] == "beyond_pool"  # a Sunday made a working day, older than 5
    assert out.adjustment == {"kind": "none"}
    assert out.baseline_mw == pytest.approx([(12 + 10 + 8 + 10 + 11) / 5] * 96)


def test_meter_before_and_after():
    day = date(2026, 7, 15)
    quarter = {(13, 0): 8, (13, 15): 9, (13, 30): 10, (13, 45): 11, (16, 0): 11.5}

    def level(d, local):
        return quarter.get((local.hour, local.minute), 11.5 if local.hour == 16 else 50)

    loads = history(level, day, day)
    out = run(PRESETS["meter_before_after"], day, loads)
    assert out.baseline_mw == pytest.approx([9.5] * 96)  # mean of 8, 9, 10, 11
    assert out.used_days == [day] and out.excluded_days == []
    both = BaselineParams.from_dict(
        {**PRESETS["meter_before_after"].as_dict(), "mba_window": "both"}
    )
    assert run(both, day, loads).baseline_mw[0] == pytest.approx((9.5 + 11.5) / 2)
    with pytest.raises(BaselineError) as err:
        run(PRESETS["meter_before_after"], day, loads, event=None)
    assert err.value.field == "event_start"


def test_max_base_load_is_the_mean_of_daily_peaks():
    target = date(2026, 7, 15)
    peaks = {date(2026, 7, 14): 10, date(2026, 7, 13): 12, date(2026, 7, 12): 14}

    def level(day, local):
        return peaks.get(day, 0) if local.hour == 19 else 1

    params = BaselineParams(kind="max_base_load", lookback_days=3, pool_days=3, use_days=3,
                            day_type="any")  # fmt: skip
    out = run(params, target, history(level, date(2026, 7, 12), target), event=None)
    assert out.baseline_mw == pytest.approx([12.0] * 96)
    assert len(out.used_days) == 3


def test_regression_recovers_a_linear_load_model():
    """load = 3 + 0.1 * hour + 0.2 * T + 0.5 * max(T - 24, 0): the fit must reproduce it."""
    target = date(2026, 7, 15)
    temps = {}

    def temp(day, local):
        return 18 + (day.toordinal() % 7) + 6 * (local.hour / 23)

    def level(day, local):
        t = temp(day, local)
        temps[local.astimezone(ZoneInfo("UTC"))] = t
        return 3 + 0.1 * local.hour + 0.2 * t + 0.5 * max(t - 24, 0)

    loads = history(level, date(2026, 6, 1), target)
    params = BaselineParams(kind="regression", lookback_days=30, pool_days=30, use_days=30,
                            day_type="any", exclude_holidays=False)  # fmt: skip
    out = run(params, target, loads, event=None, temperatures_c=temps)
    expected = [loads[t] for t in out.interval_starts]
    assert max(abs(a - b) for a, b in zip(out.baseline_mw, expected, strict=True)) < 1e-3
    assert len(out.used_days) == 30


def test_a_fall_back_dst_day_has_100_intervals_matched_by_local_clock_time():
    target = date(2026, 10, 25)  # Europe/Berlin: 02:00-02:59 happens twice
    offsets = {date(2026, 10, 24): 1, date(2026, 10, 23): 2, date(2026, 10, 22): 3}
    params = BaselineParams(lookback_days=3, pool_days=3, use_days=3, day_type="any",
                            holiday_calendar="none")  # fmt: skip
    loads = history(lambda d, lt: lt.hour + offsets.get(d, 0), date(2026, 10, 22), target, BERLIN)
    out = run(params, target, loads, event=None, zone=BERLIN)
    assert len(out.baseline_mw) == 100
    local_hours = [t.astimezone(BERLIN).hour for t in out.interval_starts]
    assert local_hours.count(2) == 8
    assert out.baseline_mw == pytest.approx([h + 2 for h in local_hours])  # mean offset 2


def test_a_spring_forward_day_has_92_intervals_and_a_dst_day_in_the_look_back_counts():
    target = date(2026, 3, 30)  # the day after the change; Mar 29 lacks 02:00-02:59
    params = BaselineParams(lookback_days=2, pool_days=2, use_days=2, day_type="any",
                            holiday_calendar="none")  # fmt: skip
    loads = history(lambda d, lt: lt.hour, date(2026, 3, 28), target, BERLIN)
    assert len(day_starts(date(2026, 3, 29), BERLIN, 15)) == 92
    out = run(params, target, loads, event=None, zone=BERLIN)
    assert len(out.baseline_mw) == 96
    assert [d.isoformat() for d in out.used_days] == ["2026-03-29", "2026-03-28"]
    local_hours = [t.astimezone(BERLIN).hour for t in out.interval_starts]
    assert out.baseline_mw == pytest.approx([float(h) for h in local_hours])
    spring = run(params, date(2026, 3, 29), loads, event=None, zone=BERLIN)
    assert len(spring.baseline_mw) == 92
    assert spring.interval_starts[0].isoformat() == "2026-03-28T23:00:00+00:00"


def test_missing_data_days_are_excluded_and_too_few_days_is_an_error():
    target = date(2026, 7, 15)
    loads = history(lambda d, lt: 10, date(2026, 7, 10), target)
    del loads[at(date(2026, 7, 14), 3)]
    params = BaselineParams(lookback_days=5, pool_days=3, use_days=3, day_type="any", min_days=3)
    out = run(params, target, loads, event=None)
    assert reasons(out)["2026-07-14"] == "missing_data"
    assert [d.isoformat() for d in out.used_days] == ["2026-07-13", "2026-07-12", "2026-07-11"]
    strict = BaselineParams(lookback_days=2, pool_days=2, use_days=2, day_type="any", min_days=2)
    with pytest.raises(BaselineError, match="only 1 usable day"):
        run(strict, target, loads, event=None)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"kind": "magic"}, "kind"),
        ({"use_days": 6, "pool_days": 5}, "use_days"),
        ({"adjustment_cap_fraction": 1.5}, "adjustment_cap_fraction"),
        ({"lookback_days": 0}, "lookback_days"),
        ({"speed": 3}, "params"),
    ],
)
def test_bad_parameter_sets_name_the_parameter(data, field):
    with pytest.raises(ParamsError) as err:
        BaselineParams.from_dict(data)
    assert err.value.field == field


def test_an_adjustment_without_the_event_is_refused():
    target = date(2026, 7, 15)
    loads = history(lambda d, lt: 10, date(2026, 5, 25), target)
    with pytest.raises(BaselineError) as err:
        run(PRESETS["caiso_10in10"], target, loads, event=None)
    assert err.value.field == "event_start"
