"""Baseline engine: per-interval ``baseline_mw`` of one site for one day from its load history.

Pure Python: the caller hands in the interval loads (UTC interval start -> MW, the current meter
readings) for the look-back and the target day, the zone, the event window and the event days.

Similar days (X-of-Y), for a target day D with event window E (the whole day when none):

1. candidates: the ``lookback_days`` days before D, newest first. Each is dropped, with the first
   reason that applies: ``event_day``, ``holiday``, ``day_type`` (does not match D's type),
   ``missing_data`` (a slot of the day has no reading), ``low_usage`` (window mean
   ``m_d = mean(load_d[s] for s in E)`` below ``low_usage_fraction * mean(m_d over eligible)``),
   ``beyond_pool`` (older than the Y most recent eligible days), ``not_highest`` (with
   ``selection = highest``: not among the N pool days of highest ``m_d``; ties: newer first).
2. raw baseline per interval t at slot s: ``b[t] = mean(load_d[s] for d in used)``.
3. same-day adjustment over the window A = [E.start - offset - window, E.start - offset):
   additive ``delta = mean(actual_A) - mean(b_A)`` clipped to ``+/- cap * mean(b_A)``,
   ``b'[t] = b[t] + delta``; ratio ``r = mean(actual_A) / mean(b_A)`` clipped to
   ``[1 - cap, 1 + cap]``, ``b'[t] = r * b[t]``. Applied to every interval of D.

Meter before/after: a constant ``b = mean(load over [E.start - W, E.start))`` (before),
``mean(load over [E.end, E.end + W))`` (after), or the mean of the two (both).
Maximum base load: a constant, the mean over the used days of each day's peak interval load.
Regression: :mod:`.regression`, fitted on the used days.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from statistics import fmean
from zoneinfo import ZoneInfo

from ..holidays_cn import CALENDARS
from .calendar import day_starts, local_day_and_slot, localise
from .params import BaselineParams


class BaselineError(ValueError):
    """The baseline cannot be computed from these inputs; ``field`` names the input."""

    def __init__(self, message: str, *, field: str = "readings") -> None:
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class BaselineInput:
    day: date
    loads_mw: Mapping[datetime, float]
    zone: ZoneInfo
    interval_minutes: int = 15
    event_start: datetime | None = None
    event_end: datetime | None = None
    event_days: frozenset[date] = frozenset()
    temperatures_c: Mapping[datetime, float] | None = None


@dataclass
class BaselineOutcome:
    interval_starts: list[datetime]
    baseline_mw: list[float]
    used_days: list[date]
    excluded_days: list[dict] = field(default_factory=list)  # {day, reason, detail}
    adjustment: dict = field(default_factory=dict)

    def used_days_json(self) -> list[str]:
        return [d.isoformat() for d in self.used_days]

    def excluded_days_json(self) -> list[dict]:
        return [{**e, "day": e["day"].isoformat()} for e in self.excluded_days]


class _Days:
    """The history regrouped as local day -> slot -> mean load (a repeated slot is averaged)."""

    def __init__(self, inp: BaselineInput) -> None:
        groups: dict[date, dict[int, list[float]]] = {}
        for instant, (day, slot) in localise(inp.loads_mw, inp.zone).items():
            groups.setdefault(day, {}).setdefault(slot, []).append(float(inp.loads_mw[instant]))
        self.slots = {
            d: {s: v[0] if len(v) == 1 else fmean(v) for s, v in g.items()}
            for d, g in groups.items()
        }
        self.inp = inp
        self._expected: dict[date, set[int]] = {}

    def expected_slots(self, day: date) -> set[int]:
        if day not in self._expected:
            starts = day_starts(day, self.inp.zone, self.inp.interval_minutes)
            self._expected[day] = {s for _, s in localise(starts, self.inp.zone).values()}
        return self._expected[day]

    def missing(self, day: date) -> int:
        have = self.slots.get(day, {})
        return len(self.expected_slots(day) - set(have))

    def window_mean(self, day: date, window: set[int]) -> float:
        have = self.slots.get(day, {})
        values = [have[s] for s in window if s in have]
        return fmean(values) if values else 0.0


def _day_type_matches(params: BaselineParams, day: date, target: date) -> bool:
    cal = CALENDARS[params.holiday_calendar]
    if params.day_type == "working":
        return cal.is_working_day(day) == cal.is_working_day(target)
    if params.day_type == "calendar":
        return (day.weekday() < 5) == (target.weekday() < 5)
    if params.day_type == "same_weekday":
        return day.weekday() == target.weekday()
    return True


def _is_working_target(params: BaselineParams, target: date) -> bool:
    if params.day_type == "calendar":
        return target.weekday() < 5
    return CALENDARS[params.holiday_calendar].is_working_day(target)


def select_days(
    inp: BaselineInput, params: BaselineParams, days: _Days, window: set[int]
) -> tuple[list[date], list[dict]]:
    """Step 1 of the module docstring: the used days (newest first) and the excluded ones."""
    cal = CALENDARS[params.holiday_calendar]
    excluded: list[dict] = []
    eligible: list[date] = []

    def drop(day: date, reason: str, detail: str) -> None:
        excluded.append({"day": day, "reason": reason, "detail": detail})

    for back in range(1, params.lookback_days + 1):
        day = inp.day - timedelta(days=back)
        if params.exclude_event_days and day in inp.event_days:
            drop(day, "event_day", "a dispatch event day")
        elif params.exclude_holidays and cal.is_holiday(day):
            drop(day, "holiday", f"public holiday: {cal.holiday_name(day)}")
        elif not _day_type_matches(params, day, inp.day):
            drop(day, "day_type", f"not the target day's type ({params.day_type})")
        elif missing := days.missing(day):
            drop(day, "missing_data", f"{missing} interval(s) without a reading")
        else:
            eligible.append(day)

    if params.low_usage_fraction is not None and eligible:
        means = {d: days.window_mean(d, window) for d in eligible}
        floor = params.low_usage_fraction * fmean(means.values())
        for d in [d for d in eligible if means[d] < floor]:
            eligible.remove(d)
            drop(
                d,
                "low_usage",
                f"window mean {means[d]:.3f} MW below {params.low_usage_fraction:.0%} of the "
                f"eligible days' mean ({floor / params.low_usage_fraction:.3f} MW)",
            )

    pool_n, use_n = params.pool_and_use(_is_working_target(params, inp.day))
    pool, beyond = eligible[:pool_n], eligible[pool_n:]
    for d in beyond:
        drop(d, "beyond_pool", f"older than the {pool_n} most recent eligible days")
    used = pool
    if params.selection == "highest":
        ranked = sorted(pool, key=lambda d: (-days.window_mean(d, window), -d.toordinal()))
        used = sorted(ranked[:use_n], reverse=True)
        for rank, d in enumerate(ranked[use_n:], start=use_n + 1):
            drop(d, "not_highest", f"window mean ranks {rank} of {len(pool)}")
    if len(used) < params.min_days:
        raise BaselineError(
            f"only {len(used)} usable day(s) in the {params.lookback_days}-day look-back; "
            f"the method needs at least {params.min_days}"
        )
    excluded.sort(key=lambda e: e["day"], reverse=True)
    return used, excluded


def _event_slots(inp: BaselineInput, starts: list[datetime]) -> set[int]:
    if inp.event_start is None or inp.event_end is None:
        return {local_day_and_slot(t, inp.zone)[1] for t in starts}
    inside = [t for t in starts if inp.event_start <= t < inp.event_end]
    if not inside:
        raise BaselineError("the event window has no interval on this day", field="event_start")
    return {local_day_and_slot(t, inp.zone)[1] for t in inside}


def _window_actuals(inp: BaselineInput, start: datetime, end: datetime) -> list[float]:
    step = timedelta(minutes=inp.interval_minutes)
    n = int((end - start) / step)
    instants = [start + i * step for i in range(n)]
    missing = [t for t in instants if t not in inp.loads_mw]
    if not instants or missing:
        raise BaselineError(
            f"no meter reading for {missing[0].isoformat() if missing else start.isoformat()} "
            "in the window the method needs"
        )
    return [float(inp.loads_mw[t]) for t in instants]


def _adjust(
    inp: BaselineInput, params: BaselineParams, starts: list[datetime], raw: list[float]
) -> tuple[list[float], dict]:
    if params.adjustment == "none":
        return raw, {"kind": "none"}
    if inp.event_start is None:
        raise BaselineError("a same-day adjustment needs the event start", field="event_start")
    end = inp.event_start - timedelta(hours=params.adjustment_offset_hours)
    start = end - timedelta(hours=params.adjustment_window_hours)
    actual = fmean(_window_actuals(inp, start, end))
    base = fmean([b for t, b in zip(starts, raw, strict=True) if start <= t < end] or [0.0])
    cap = params.adjustment_cap_fraction
    if params.adjustment == "additive":
        uncapped = actual - base
        applied = uncapped if cap is None else max(-cap * base, min(cap * base, uncapped))
        values = [b + applied for b in raw]
    else:
        uncapped = actual / base if base > 0 else 1.0
        applied = uncapped if cap is None else max(1 - cap, min(1 + cap, uncapped))
        values = [b * applied for b in raw]
    info = {
        "kind": params.adjustment,
        "window_start": start.isoformat(),
        "window_end": end.isoformat(),
        "actual_mean_mw": actual,
        "baseline_mean_mw": base,
        "uncapped": uncapped,
        "applied": applied,
        "capped": applied != uncapped,
    }
    return values, info


def _slot_profile(days: _Days, used: list[date], slot: int) -> float:
    values = [days.slots[d][slot] for d in used if slot in days.slots.get(d, {})]
    if values:
        return fmean(values)
    # a slot none of the used days has (their DST spring-forward hour): the nearest earlier slot
    earlier = [(s, v) for d in used for s, v in days.slots[d].items() if s < slot]
    return max(earlier)[1] if earlier else 0.0


def compute(inp: BaselineInput, params: BaselineParams) -> BaselineOutcome:
    """The baseline of ``inp.day`` by ``params`` (see the module docstring for the maths)."""
    for name in ("event_start", "event_end"):
        value = getattr(inp, name)
        if value is not None and (value.tzinfo is None or value.utcoffset() is None):
            raise BaselineError("naive datetime: give an offset", field=name)
    starts = day_starts(inp.day, inp.zone, inp.interval_minutes)
    slots = [local_day_and_slot(t, inp.zone)[1] for t in starts]
    if params.kind == "meter_before_after":
        return _meter_before_after(inp, params, starts)
    days = _Days(inp)

    window = _event_slots(inp, starts)
    used, excluded = select_days(inp, params, days, window)
    if params.kind == "max_base_load":
        level = fmean(max(days.slots[d].values()) for d in used)
        return BaselineOutcome(starts, [level] * len(starts), used, excluded, {"kind": "none"})
    if params.kind == "regression":
        from .regression import regression_baseline

        raw = regression_baseline(inp, params, days, used, starts)
    else:
        raw = [_slot_profile(days, used, s) for s in slots]
    values, adjustment = _adjust(inp, params, starts, raw)
    return BaselineOutcome(starts, values, used, excluded, adjustment)


def _meter_before_after(
    inp: BaselineInput, params: BaselineParams, starts: list[datetime]
) -> BaselineOutcome:
    if inp.event_start is None or inp.event_end is None:
        raise BaselineError("meter before/after needs the event window", field="event_start")
    width = timedelta(hours=params.mba_window_hours)
    parts: dict[str, float] = {}
    if params.mba_window in ("before", "both"):
        parts["before_mw"] = fmean(_window_actuals(inp, inp.event_start - width, inp.event_start))
    if params.mba_window in ("after", "both"):
        parts["after_mw"] = fmean(_window_actuals(inp, inp.event_end, inp.event_end + width))
    level = fmean(parts.values())
    info = {"kind": "meter_before_after", "window": params.mba_window, **parts}
    return BaselineOutcome(starts, [level] * len(starts), [inp.day], [], info)
