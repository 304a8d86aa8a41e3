"""The one parser for what a client types: instants, days, durations, numbers, ids and paging.

Everything it cannot represent is an :class:`~vpp.errors.ApplicationError` naming the field (a
400 in the API, a 400 page elsewhere), never a ``ValueError`` or ``OverflowError`` deep inside:
``2026-02-30``, ``T24:00``, an offset of ``+25:00`` (or any beyond ±14:00, the widest a real zone
uses), years 0001 and 9999, ``P9999999999D``, ``1e22`` MW, ``99999999999999999999`` as a limit,
``abc`` as an id.

Bounds: an instant or a day must lie in [:data:`EARLIEST_DAY`, :data:`LATEST_DAY`] (1970 to
2099: every computation the platform makes on a day, its intervals in any zone included, stays
representable there). The domain's own rules come on top (settlement refuses a day before the
market existed; see ``settlement``).
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from django.utils.dateparse import parse_datetime

from .errors import ApplicationError

UTC = ZoneInfo("UTC")
EARLIEST_DAY = date(1970, 1, 1)
LATEST_DAY = date(2099, 12, 31)
MAX_OFFSET = timedelta(hours=14)
MAX_TEXT = 64  # no date, instant or duration is longer; a megabyte "date" is not parsed
MAX_ID = 2**63 - 1  # PostgreSQL bigint

_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DURATION = re.compile(
    r"^(?P<sign>-)?P(?!$)(?:(?P<years>\d+)Y)?(?:(?P<months>\d+)M)?(?:(?P<weeks>\d+)W)?"
    r"(?:(?P<days>\d+)D)?(?:T(?=\d)(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?"
    r"(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?$",
    re.ASCII,
)


def _text(value, *, field: str, what: str) -> str:
    if not isinstance(value, str):
        raise ApplicationError(f"give {what} as a string", field=field)
    value = value.strip()
    if not value or len(value) > MAX_TEXT or "\x00" in value:
        raise ApplicationError(f"{value[:MAX_TEXT]!r} is not {what}", field=field)
    return value


def _in_range(day: date, *, field: str, shown: str) -> None:
    if not (EARLIEST_DAY <= day <= LATEST_DAY):
        raise ApplicationError(
            f"{shown} is outside {EARLIEST_DAY.isoformat()} .. {LATEST_DAY.isoformat()}",
            field=field,
            code="out_of_range",
        )


def parse_day(value, *, field: str) -> date:
    """``YYYY-MM-DD`` (nothing else ISO 8601 allows: no week dates, no basic format)."""
    text = _text(value, field=field, what="a date (YYYY-MM-DD)")
    if not _DAY.match(text):
        raise ApplicationError(f"{text!r} is not a date (YYYY-MM-DD)", field=field)
    try:
        day = date.fromisoformat(text)
    except ValueError as exc:  # 2026-02-30, month 13
        raise ApplicationError(f"{text!r} is not a date: {exc}", field=field) from exc
    _in_range(day, field=field, shown=text)
    return day


def parse_optional_day(value, *, field: str) -> date | None:
    """A day, or ``None`` when the parameter is absent or empty."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return parse_day(value, field=field)


def require_aware(value: datetime, *, field: str) -> datetime:
    """Return ``value`` in UTC, or refuse it when it carries no offset or lies out of range."""
    offset = value.utcoffset() if value.tzinfo is not None else None
    if offset is None:
        raise ApplicationError(
            f"naive datetime {value.isoformat()}: give an offset, e.g. +08:00 or Z",
            field=field,
            code="naive_datetime",
        )
    if abs(offset) > MAX_OFFSET:
        raise ApplicationError(f"offset {offset} is beyond ±14:00", field=field)
    _in_range(value.date(), field=field, shown=value.isoformat())
    return value.astimezone(UTC)


def parse_instant(value, *, field: str) -> datetime:
    """ISO 8601 / RFC 3339 with an offset, in UTC."""
    text = _text(value, field=field, what="an ISO 8601 datetime")
    try:
        parsed = parse_datetime(text)
    except ValueError as exc:  # 2026-02-30T00:00, T24:00, +25:00
        raise ApplicationError(f"{text!r} is not a datetime: {exc}", field=field) from exc
    if parsed is None:
        raise ApplicationError(f"{text!r} is not an ISO 8601 datetime", field=field)
    return require_aware(parsed, field=field)


def parse_duration(
    value, *, field: str, exact: bool = True, maximum: timedelta = timedelta(days=366)
) -> timedelta | None:
    """An ISO 8601 duration (``PT15M``), at most ``maximum`` long. Years and months have no
    fixed length: refused with ``exact``, else ``None`` ("open-ended", as OpenADR's ``P9999Y``)."""
    text = _text(value, field=field, what="an ISO 8601 duration (e.g. PT15M)")
    match = _DURATION.match(text)
    if match is None:
        raise ApplicationError(f"{text!r} is not an ISO 8601 duration (e.g. PT15M)", field=field)
    parts = match.groupdict()
    if parts["years"] or parts["months"]:
        if exact:
            raise ApplicationError("give the duration without years or months", field=field)
        return None
    try:
        span = timedelta(
            weeks=int(parts["weeks"] or 0),
            days=int(parts["days"] or 0),
            hours=int(parts["hours"] or 0),
            minutes=int(parts["minutes"] or 0),
            seconds=float(parts["seconds"] or 0),
        )
    except OverflowError:
        span = None
    if span is None or span > maximum:
        raise ApplicationError(f"{text} is longer than {maximum.days} days", field=field)
    return -span if parts["sign"] else span


def parse_decimal(
    value, *, field: str, minimum: Decimal | None = None, maximum: Decimal | None = None
) -> Decimal:
    """A finite decimal within [minimum, maximum] (NaN, infinities and 1e22 MW are refused)."""
    try:
        number = Decimal(str(value).strip()) if not isinstance(value, bool) else None
    except (InvalidOperation, ValueError):
        number = None
    if number is None or not number.is_finite():
        raise ApplicationError(f"{str(value)[:MAX_TEXT]!r} is not a number", field=field)
    check_bounds(number, field=field, minimum=minimum, maximum=maximum)
    return number


def check_bounds(number, *, field: str, minimum=None, maximum=None) -> None:
    if isinstance(number, float) and not math.isfinite(number):
        raise ApplicationError("give a finite number", field=field)
    if minimum is not None and number < minimum:
        raise ApplicationError(f"must be at least {minimum}", field=field, code="min_value")
    if maximum is not None and number > maximum:
        raise ApplicationError(f"must be at most {maximum}", field=field, code="max_value")


def parse_int(
    value, *, field: str, minimum: int = 0, maximum: int = MAX_ID, default: int | None = None
) -> int:
    """A whole number in ASCII digits within [minimum, maximum] (ids, limits, offsets, counts).
    ``default`` when absent; superscript or other Unicode digits are refused."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if default is None:
            raise ApplicationError("required", field=field, code="required")
        return default
    text = str(value).strip()
    if not re.fullmatch(r"-?[0-9]{1,19}", text):
        raise ApplicationError(f"{text[:MAX_TEXT]!r} is not a whole number", field=field)
    number = int(text)
    check_bounds(number, field=field, minimum=minimum, maximum=maximum)
    return number
