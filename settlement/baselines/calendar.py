"""Market days in any time zone, for the pure baseline engine (no Django settings read here).

Same layout as :mod:`vpp.intervals` (a day is local midnight to local midnight cut into
``interval_minutes`` pieces of absolute time: 92 or 100 fifteen-minute intervals on a DST day),
but with the zone a parameter so the engine can be checked on a zone that has DST.

A **slot** is the local wall-clock minute of the day at which an interval starts (0, 15, ...,
1425). Days are compared slot by slot: on the day clocks go back, two intervals share a slot;
on the day they go forward, a few slots do not exist.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

UTC = ZoneInfo("UTC")


def day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
    return start, end


def day_starts(day: date, zone: ZoneInfo, interval_minutes: int) -> list[datetime]:
    """UTC starts of every interval of ``day`` in ``zone``."""
    start, end = day_bounds(day, zone)
    step = timedelta(minutes=interval_minutes)
    return [start + i * step for i in range(int((end - start) / step))]


def local_day_and_slot(instant: datetime, zone: ZoneInfo) -> tuple[date, int]:
    local = instant.astimezone(zone)
    return local.date(), local.hour * 60 + local.minute


def localise(instants, zone: ZoneInfo) -> dict[datetime, tuple[date, int]]:
    """``local_day_and_slot`` for many instants, fast: one zone lookup per UTC day when the
    offset is the same at both ends of that day (every day but a DST change's)."""
    out: dict[datetime, tuple[date, int]] = {}
    offsets: dict[date, timedelta | None] = {}
    for t in instants:
        u = t.astimezone(UTC) if t.tzinfo is not UTC else t
        key = u.date()
        if key not in offsets:
            first = datetime.combine(key, time(0), tzinfo=UTC)
            a = first.astimezone(zone).utcoffset()
            b = (first + timedelta(hours=24, microseconds=-1)).astimezone(zone).utcoffset()
            offsets[key] = a if a == b else None
        off = offsets[key]
        if off is None:
            out[t] = local_day_and_slot(t, zone)
        else:
            local = u + off
            out[t] = (local.date(), local.hour * 60 + local.minute)
    return out
