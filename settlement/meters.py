"""Meter data at the door: parse a CSV file or JSON rows into checked readings in MW.

Row format (CSV columns, JSON object keys): ``site_code``, ``interval_start`` (ISO 8601 with an
offset, on an interval boundary), ``value`` and ``unit``:

- ``MW`` or ``kW``: the average power over the interval;
- ``MWh`` or ``kWh``: the energy over the interval, turned into MW by dividing by the interval's
  length in hours (0.25 h for 15 minutes).

Converted once, here, into ``load_mw`` (Decimal, 6 decimals, half-up). Refused, with every bad
row named (``line 7.unit`` in a CSV where the header is line 1; ``readings[3].unit`` in JSON):
an unknown site or another organisation's site (the same message, so a name does not reveal
another company's site), a missing, malformed or naive timestamp, one not on an interval
boundary or whose interval has not ended on the market clock, a value that is not a finite
number, an unknown unit, a repeat of a row with a different value. Accepted and flagged: a
negative load (``NEGATIVE``: a site exporting through its batteries or UPS is physically
possible, so the number is kept for the statement to see), an exact repeat (``DUPLICATE``, kept
once), and a row earlier than a row before it for the same site (``OUT_OF_ORDER``).
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from sites.selectors import sites_managed_by
from vpp import clock
from vpp.errors import ApplicationError
from vpp.intervals import interval_hours, interval_length, is_interval_start, parse_aware
from vpp.models import User
from vpp.units import MAX_FACILITY_MW

from .models import Flag

COLUMNS = ("site_code", "interval_start", "value", "unit")
POWER_UNITS = {"MW": Decimal("1"), "kW": Decimal("0.001")}
ENERGY_UNITS = {"MWh": Decimal("1"), "kWh": Decimal("0.001")}
MW_PLACES = Decimal("0.000001")


@dataclass
class Incoming:
    """One accepted row: the site, the interval and the load in MW, with intake flags."""

    where: str
    site_id: int
    interval_start: datetime
    load_mw: Decimal
    flags: int = 0


class MeterIntakeError(ApplicationError):
    """A refused batch: ``errors`` maps ``<row>.<field>`` to its messages. Nothing is stored."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        first = next(iter(errors))
        super().__init__(
            f"{len(errors)} problem(s), first {first}: {errors[first][0]}; nothing was stored",
            field=first,
            code="meter_rows_rejected",
        )
        self.errors = errors

    def as_dict(self) -> dict[str, list[str]]:
        return self.errors


def to_mw(value: Decimal, unit: str) -> Decimal:
    """``value`` in ``unit`` as MW (energy units are spread over one interval)."""
    if unit in POWER_UNITS:
        mw = value * POWER_UNITS[unit]
    elif unit in ENERGY_UNITS:
        mw = value * ENERGY_UNITS[unit] / Decimal(str(interval_hours()))
    else:
        raise ValueError(unit)
    return mw.quantize(MW_PLACES, rounding=ROUND_HALF_UP)


def checksum_bytes(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def checksum_rows(rows: list[Incoming], source: str) -> str:
    """Checksum of a batch's meaning (not its spelling): site, interval, MW, sorted."""
    lines = sorted(f"{r.site_id}|{r.interval_start.isoformat()}|{r.load_mw}" for r in rows)
    return hashlib.sha256("\n".join([source, *lines]).encode()).hexdigest()


def parse_csv(content: bytes) -> list[tuple[str, dict]]:
    """``(where, row)`` pairs of a CSV file with the four columns (any order, extra ignored)."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ApplicationError("the file is not UTF-8 text", field="file") from exc
    if "\x00" in text:
        raise ApplicationError("the file contains NUL bytes: not a CSV text file", field="file")
    reader = csv.DictReader(io.StringIO(text))
    try:
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise ApplicationError(
                f"missing column(s) {', '.join(missing)}; the header is {','.join(COLUMNS)}",
                field="file",
            )
        rows = [(f"line {reader.line_num}", row) for row in reader]
    except csv.Error as exc:
        raise ApplicationError(f"line {reader.line_num}: {exc}", field="file") from exc
    if not rows:
        raise ApplicationError("the file has no data rows", field="file")
    return rows


def json_rows(readings: list) -> list[tuple[str, dict]]:
    if not isinstance(readings, list) or not readings:
        raise ApplicationError("give a non-empty list of readings", field="readings")
    return [(f"readings[{i}]", r if isinstance(r, dict) else {}) for i, r in enumerate(readings)]


def check_rows(*, actor: User, rows: list[tuple[str, dict]]) -> list[Incoming]:
    """The rows as :class:`Incoming` in MW, or :class:`MeterIntakeError` naming every bad one."""
    codes = {str(r.get("site_code") or "").strip() for _, r in rows}
    managed = dict(sites_managed_by(actor).filter(code__in=codes).values_list("code", "pk"))
    now = clock.now()
    errors: dict[str, list[str]] = {}
    accepted: list[Incoming] = []
    seen: dict[tuple[int, datetime], Incoming] = {}
    latest: dict[int, datetime] = {}

    for where, row in rows:

        def bad(name: str, message: str, where: str = where) -> None:
            errors.setdefault(f"{where}.{name}", []).append(message)

        code = str(row.get("site_code") or "").strip()
        site_id = managed.get(code)
        if not code:
            bad("site_code", "required")
        elif site_id is None:
            bad("site_code", f"no site {code!r} among the sites you manage")
        start = _interval_start(row.get("interval_start"), now, bad)
        load_mw = _load_mw(row.get("value"), row.get("unit"), bad)
        if site_id is None or start is None or load_mw is None:
            continue
        flags = Flag.NEGATIVE if load_mw < 0 else 0
        if start < latest.get(site_id, start):
            flags |= Flag.OUT_OF_ORDER
        latest[site_id] = max(start, latest.get(site_id, start))
        earlier = seen.get((site_id, start))
        if earlier is not None:
            if earlier.load_mw != load_mw:
                bad("value", f"{earlier.where} gives {earlier.load_mw} MW for the same interval")
            else:
                earlier.flags |= Flag.DUPLICATE
            continue
        item = Incoming(where, site_id, start, load_mw, int(flags))
        seen[(site_id, start)] = item
        accepted.append(item)
    if errors:
        raise MeterIntakeError(errors)
    return accepted


def _interval_start(text, now: datetime, bad) -> datetime | None:
    if not text:
        bad("interval_start", "required")
        return None
    try:
        start = parse_aware(str(text), field="interval_start")
    except ApplicationError as exc:
        bad("interval_start", exc.message)
        return None
    if not is_interval_start(start):
        bad("interval_start", f"{text} is not the start of a market interval")
        return None
    if start + interval_length() > now:
        bad("interval_start", f"the interval starting {text} has not ended yet")
        return None
    return start


def _load_mw(value, unit, bad) -> Decimal | None:
    unit = str(unit or "").strip()
    if unit not in POWER_UNITS and unit not in ENERGY_UNITS:
        bad("unit", f"unknown unit {unit!r}; use MW, kW (power) or MWh, kWh (energy per interval)")
        unit = None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        number = None
    if value in (None, "") or number is None or not math.isfinite(number):
        bad("value", f"{value!r} is not a number")
        return None
    if not unit:
        return None
    try:
        load_mw = to_mw(number, unit)
    except InvalidOperation:  # beyond Decimal's precision at six places: far beyond the bound
        load_mw = None
    if load_mw is None or abs(load_mw) > MAX_FACILITY_MW:
        bad("value", f"{value} {unit} is beyond any facility ({MAX_FACILITY_MW} MW)")
        return None
    return load_mw
