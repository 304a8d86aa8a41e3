"""Reports posted by VENs, and the delivery readings they carry.

A report names the event it answers (``eventID``, one the VEN can see) and lists resources, each
with intervals. Readings are taken from ``USAGE`` payloads (energy over the interval) or, when an
interval has none, ``DEMAND`` payloads (mean power), in the units the report's
``payloadDescriptors`` give for that payload type, or else the units the event asked for
(``KWH`` for USAGE). Converted once, here:

    USAGE  [KWH|MWH|WH]  load_mw = energy_mwh / interval_hours
    DEMAND [KW|MW|W]     load_mw = power_mw

An interval's period is its own ``intervalPeriod``, else the resource's (or, failing that, the
event's) ``start + k x duration`` for the k-th interval. It must be one market interval
(``PT15M``), start on an interval boundary and have started by now (market clock). Values are
one non-negative number. The site's load is the sum over the report's resources per interval; a
resource giving the same interval twice is a 400 (overlap).

Each interval becomes the site's :class:`dispatch.models.DeliveryReading` with source
``openadr``, written by dispatch's ``post_readings`` (one row per site, interval and source: the
latest figure wins, ``revision`` counts the posts, so a retried POST leaves the same figures).
The whole report is one transaction: a bad interval stores neither the report nor any reading.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction

from dispatch.models import DeliveryReading
from dispatch.services import post_readings
from vpp import clock
from vpp.errors import ApplicationError
from vpp.intervals import interval_hours, interval_length, is_interval_start

from ..auth import Principal
from ..models import Event, Report
from ..wire import parse_duration, parse_instant
from .visibility import events_for

ENERGY_TO_MWH = {"WH": Decimal("0.000001"), "KWH": Decimal("0.001"), "MWH": Decimal("1")}
POWER_TO_MW = {"W": Decimal("0.000001"), "KW": Decimal("0.001"), "MW": Decimal("1")}
READING_TYPES = {"USAGE": ENERGY_TO_MWH, "DEMAND": POWER_TO_MW}
MW_STEP = Decimal("0.001")


def _event_for(principal: Principal, event_id: str) -> Event:
    event = (
        events_for(principal, requested=[], program_id=None)
        .filter(pk=int(event_id) if event_id.isdigit() else -1)
        .first()
    )
    if event is None:
        raise ApplicationError("no event with this id is visible to this client", field="eventID")
    return event


def _units(body: dict, event: Event) -> dict[str, str]:
    units = {
        d["payloadType"]: d["units"].upper()
        for d in event.body.get("reportDescriptors") or []
        if isinstance(d, dict) and d.get("units") and d.get("payloadType")
    }
    for d in body.get("payloadDescriptors") or []:
        if d.get("units"):
            units[d["payloadType"]] = d["units"].upper()
    return units


def _period(item: dict, fallback: dict | None, k: int, where: str) -> tuple[datetime, timedelta]:
    own = item.get("intervalPeriod")
    period, offset = (own, 0) if own else (fallback, k)
    if not period or not period.get("duration"):
        raise ApplicationError(
            "give the interval's start and duration (here or on the resource)",
            field=f"{where}.intervalPeriod",
        )
    field = f"{where}.intervalPeriod" if own else where
    step = parse_duration(period["duration"], field=f"{field}.duration", exact=True)
    start = parse_instant(period["start"], field=f"{field}.start") + offset * step
    return start, step


def readings_of(body: dict, event: Event) -> dict[datetime, tuple[Decimal, str]]:
    """``{interval_start: (load_mw, field)}`` of a validated report body (see the module
    docstring); ``field`` names the first value that went into the interval's figure."""
    units = _units(body, event)
    now, length = clock.now(), interval_length()
    hours = Decimal(str(interval_hours()))
    totals: dict[datetime, Decimal] = {}
    fields: dict[datetime, str] = {}
    for r, resource in enumerate(body["resources"]):
        fallback = resource.get("intervalPeriod") or event.body.get("intervalPeriod")
        seen: set[datetime] = set()
        for k, item in enumerate(resource["intervals"]):
            where = f"resources[{r}].intervals[{k}]"
            payloads = {p["type"]: (j, p) for j, p in enumerate(item["payloads"])}
            kind = "USAGE" if "USAGE" in payloads else "DEMAND" if "DEMAND" in payloads else None
            if kind is None:
                continue
            j, payload = payloads[kind]
            vfield = f"{where}.payloads[{j}].values"
            unit = units.get(kind)
            if unit not in READING_TYPES[kind]:
                raise ApplicationError(
                    f"{kind} units must be one of {', '.join(READING_TYPES[kind])} "
                    f"(got {unit!r}); give them in payloadDescriptors",
                    field="payloadDescriptors",
                )
            start, step = _period(item, fallback, k, where)
            if step != length:
                raise ApplicationError(
                    f"an interval lasts one market interval ({length})",
                    field=f"{where}.intervalPeriod.duration",
                )
            if not is_interval_start(start):
                raise ApplicationError(
                    "not a market interval start", field=f"{where}.intervalPeriod.start"
                )
            if start > now:
                raise ApplicationError(
                    "this interval has not started yet", field=f"{where}.intervalPeriod.start"
                )
            if start in seen:
                raise ApplicationError("overlaps another interval of this resource", field=where)
            seen.add(start)
            values = payload["values"]
            if (
                len(values) != 1
                or isinstance(values[0], bool)
                or not isinstance(values[0], int | float)
            ):
                raise ApplicationError("give exactly one number", field=vfield)
            if values[0] < 0:
                raise ApplicationError(
                    "a reading is not negative (consumption is positive)", field=vfield
                )
            amount = Decimal(str(values[0])) * READING_TYPES[kind][unit]
            load_mw = amount / hours if kind == "USAGE" else amount
            totals[start] = totals.get(start, Decimal(0)) + load_mw
            fields.setdefault(start, vfield)
    return {
        start: (mw.quantize(MW_STEP, rounding=ROUND_HALF_UP), fields[start])
        for start, mw in totals.items()
    }


def _store_readings(site, readings: dict[datetime, tuple[Decimal, str]]) -> None:
    """Through dispatch's own door (``post_readings``, source ``openadr``); its refusals name
    ``rows[i]...``, told back here as the report field the row came from."""
    starts = sorted(readings)
    rows = [{"site": site.pk, "interval_start": t, "load_mw": readings[t][0]} for t in starts]
    try:
        post_readings(user=None, rows=rows, source=DeliveryReading.Source.OPENADR)
    except ApplicationError as exc:
        match = re.match(r"rows\[(\d+)\]", exc.field or "")
        field = readings[starts[int(match.group(1))]][1] if match else exc.field
        raise ApplicationError(exc.message, field=field, code=exc.code) from exc


@transaction.atomic
def save_report(*, principal: Principal, body: dict, report: Report | None = None) -> Report:
    """Create (``report=None``) or replace a report and write its readings."""
    if principal.ven is None:
        raise ApplicationError("this client has no ven object: register it first", field="clientID")
    event = _event_for(principal, body["eventID"])
    readings = readings_of(body, event)
    now = clock.now()
    if report is None:
        report = Report(created_at=now, ven=principal.ven, client_id=principal.client_id)
    report.body = {**body, "clientID": principal.client_id}
    report.event, report.client_name, report.modified_at = event, body["clientName"], now
    report.full_clean()
    report.save()
    if readings and principal.ven.site_id:
        _store_readings(principal.ven.site, readings)
    return report
