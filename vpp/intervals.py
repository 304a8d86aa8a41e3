"""Market intervals: named by their UTC start, laid out from local midnight of a market day.

A market day D is [local midnight of D, local midnight of D+1) in the market's time zone; its
intervals are that span cut into ``MARKET_INTERVAL_MINUTES`` pieces of absolute time, so a day
with a DST change has 92 or 100 fifteen-minute intervals in zones that have one, and 96 otherwise.
Every instant here is aware; a naive datetime is refused, never guessed.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings

from . import parsing
from .errors import ApplicationError

UTC = ZoneInfo("UTC")


def market_tz() -> ZoneInfo:
    return ZoneInfo(settings.MARKET_TIME_ZONE)


def interval_length() -> timedelta:
    return timedelta(minutes=settings.MARKET_INTERVAL_MINUTES)


def interval_hours() -> float:
    return settings.MARKET_INTERVAL_MINUTES / 60.0


def require_aware(value: datetime, *, field: str) -> datetime:
    """Return ``value`` in UTC, or refuse it when it carries no offset (vpp.parsing)."""
    return parsing.require_aware(value, field=field)


def parse_aware(text: str, *, field: str) -> datetime:
    return parsing.parse_instant(text, field=field)


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """UTC start and end of market day ``day``."""
    tz = market_tz()
    start = datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz).astimezone(UTC)
    return start, end


def day_intervals(day: date) -> list[datetime]:
    """UTC starts of every interval of market day ``day`` (96, or 92/100 on a DST day)."""
    start, end = day_bounds(day)
    step = interval_length()
    count = int((end - start) / step)
    return [start + i * step for i in range(count)]


def market_day_of(instant: datetime) -> date:
    return require_aware(instant, field="instant").astimezone(market_tz()).date()


def floor_to_interval(instant: datetime) -> datetime:
    """Start of the interval that contains ``instant``."""
    instant = require_aware(instant, field="instant")
    start, _ = day_bounds(market_day_of(instant))
    step = interval_length()
    return start + ((instant - start) // step) * step


def is_interval_start(instant: datetime) -> bool:
    return floor_to_interval(instant) == require_aware(instant, field="instant")


def interval_index(day: date, instant: datetime) -> int:
    """Position of ``instant`` (an interval start) within market day ``day``."""
    start, end = day_bounds(day)
    instant = require_aware(instant, field="interval_start")
    if not (start <= instant < end) or not is_interval_start(instant):
        raise ApplicationError(
            f"{instant.isoformat()} is not an interval start of market day {day.isoformat()}",
            field="interval_start",
        )
    return int((instant - start) / interval_length())


def to_local(instant: datetime) -> datetime:
    return instant.astimezone(market_tz())


def day_param(value: str | None, default) -> date:
    """A page's ``?day=YYYY-MM-DD`` as a date; ``default()`` when absent or empty. A day it
    cannot represent (``2026-02-30``, year 0001) is an ApplicationError naming ``day``: the page
    answers 400 with the message (vpp.limits.RequestLimitsMiddleware)."""
    return parsing.parse_optional_day(value, field="day") or default()
