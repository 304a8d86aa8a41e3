"""The wire form of the VTN's objects, and the JSON values inside them.

``to_wire`` adds the metadata the VTN owns (``id``, ``createdDateTime``,
``modificationDateTime``, ``objectType``) to the stored request body; the VTN ignores those
fields when a client sends them (Definition, "POST and PUT").

Durations are ISO 8601 (``PT15M``, ``P1D``, ``P9999Y`` = open-ended); instants RFC 3339 with an
offset; ``0001-01-01`` means "now" in event timing (User Guide) and is kept as given.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from vpp.errors import ApplicationError
from vpp.intervals import parse_aware

VTN_OWNED = ("id", "createdDateTime", "modificationDateTime", "objectType")

_DURATION = re.compile(
    r"^(?P<sign>-)?P(?!$)(?:(?P<years>\d+)Y)?(?:(?P<months>\d+)M)?(?:(?P<weeks>\d+)W)?"
    r"(?:(?P<days>\d+)D)?(?:T(?=\d)(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?"
    r"(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?$"
)


def rfc3339(instant: datetime) -> str:
    return instant.isoformat().replace("+00:00", "Z")


def duration_text(span: timedelta) -> str:
    """``timedelta(minutes=15)`` -> ``PT15M`` (whole seconds)."""
    total = int(span.total_seconds())
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    time = "".join(f"{n}{u}" for n, u in ((hours, "H"), (minutes, "M"), (seconds, "S")) if n)
    out = "P" + (f"{days}D" if days else "") + (f"T{time}" if time else "")
    return out if out != "P" else "PT0S"


def parse_duration(text, *, field: str, exact: bool = False) -> timedelta | None:
    """An ISO 8601 duration. Years and months have no fixed length: ``None`` when they appear
    (``P9999Y`` is how OpenADR says "open-ended"), refused with ``exact``."""
    match = _DURATION.match(text) if isinstance(text, str) else None
    if match is None:
        raise ApplicationError(f"{text!r} is not an ISO 8601 duration (e.g. PT15M)", field=field)
    parts = match.groupdict()
    if parts["years"] or parts["months"]:
        if exact:
            raise ApplicationError("give the duration without years or months", field=field)
        return None
    span = timedelta(
        weeks=int(parts["weeks"] or 0),
        days=int(parts["days"] or 0),
        hours=int(parts["hours"] or 0),
        minutes=int(parts["minutes"] or 0),
        seconds=float(parts["seconds"] or 0),
    )
    return -span if parts["sign"] else span


def parse_instant(text, *, field: str, allow_now: bool = False) -> datetime | None:
    """RFC 3339 with an offset (naive is a 400). ``0001-01-01...`` ("now") gives ``None``."""
    if allow_now and isinstance(text, str) and text.startswith("0001-01-01"):
        return None
    if not isinstance(text, str):
        raise ApplicationError("give an RFC 3339 date-time string", field=field)
    return parse_aware(text, field=field)


def to_wire(obj, object_type: str, body: dict | None = None) -> dict:
    data = dict(obj.body if body is None else body)
    data.update(
        id=str(obj.pk),
        createdDateTime=rfc3339(obj.created_at),
        modificationDateTime=rfc3339(obj.modified_at),
        objectType=object_type,
    )
    return data


def strip_owned(body: dict) -> dict:
    return {k: v for k, v in body.items() if k not in VTN_OWNED}
