"""Dispatch instructions as OpenADR events, and their confirmation on delivery.

An instruction of an automated site (an active :class:`dispatch.models.AutomatedSite` whose
``ven_id`` names a registered :class:`Ven`) becomes one event of the program
``suandian-dispatch``, targeted at that VEN (target = its ``venName``), with one interval of the
market interval length (``PT15M``) starting at the instruction's ``interval_start``.

Payloads (units in the event's ``payloadDescriptors``; kW because OpenADR's units enumeration has
no MW: ``value_kw = value_mw x 1000``):

- ``DISPATCH_SETPOINT`` [kW]: the facility load to hold (``target_mw``); always present.
- ``IMPORT_CAPACITY_LIMIT`` [kW]: the same figure as a cap on import, when the instruction is a
  reduction (``reduction_mw > 0``): the site may draw less, never more.
- ``SIMPLE``: 1 (moderate shed) for a reduction, 0 (normal operation) otherwise.

The event asks for a ``USAGE`` report in ``KWH`` per interval (``reportDescriptors``), which
``services/reports.py`` turns into delivery readings.

:func:`sync_instruction_event` is idempotent (rerunning it rewrites nothing when nothing
changed). :func:`confirm_on_read` confirms an instruction the first time its VEN reads the
event: the read is claimed with a conditional UPDATE, so two polls racing confirm once.
"""

from __future__ import annotations

import logging
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from dispatch.models import AutomatedSite, Instruction
from vpp import clock
from vpp.errors import ApplicationError
from vpp.intervals import interval_length, to_local

from ..auth import Principal
from ..models import Event, EventTarget, Program, Ven
from ..wire import duration_text, rfc3339

log = logging.getLogger(__name__)

DISPATCH_PROGRAM = "suandian-dispatch"
KW_PER_MW = Decimal(1000)


def _descriptor(payload_type: str, units: str | None = None) -> dict:
    out = {"objectType": "EVENT_PAYLOAD_DESCRIPTOR", "payloadType": payload_type}
    if units:
        out["units"] = units
    return out


USAGE_REPORT_REQUEST = {
    "payloadType": "USAGE",
    "readingType": "DIRECT_READ",
    "units": "KWH",
    "aggregate": False,
    "startInterval": -1,
    "numIntervals": -1,
    "historical": True,
    "frequency": -1,
    "repeat": 1,
}


def dispatch_program() -> Program:
    """The one program of the VPP's dispatch, created on first use."""
    now = clock.now()
    body = {
        "programName": DISPATCH_PROGRAM,
        "intervalPeriod": {
            "start": "0001-01-01T00:00:00Z",
            "duration": duration_text(interval_length()),
        },
        "payloadDescriptors": [
            _descriptor("DISPATCH_SETPOINT", "KW"),
            _descriptor("IMPORT_CAPACITY_LIMIT", "KW"),
            _descriptor("SIMPLE"),
        ],
    }
    program, _ = Program.objects.get_or_create(
        program_name=DISPATCH_PROGRAM,
        defaults={"body": body, "created_at": now, "modified_at": now},
    )
    return program


def _kw(mw: Decimal) -> float:
    return float((mw * KW_PER_MW).quantize(Decimal("0.001")))


def event_body(instruction: Instruction, *, program: Program, ven: Ven) -> dict:
    reduction = instruction.reduction_mw > 0
    payloads = [{"type": "DISPATCH_SETPOINT", "values": [_kw(instruction.target_mw)]}]
    descriptors = [_descriptor("DISPATCH_SETPOINT", "KW")]
    if reduction:
        payloads.append({"type": "IMPORT_CAPACITY_LIMIT", "values": [_kw(instruction.target_mw)]})
        descriptors.append(_descriptor("IMPORT_CAPACITY_LIMIT", "KW"))
    payloads.append({"type": "SIMPLE", "values": [1 if reduction else 0]})
    descriptors.append(_descriptor("SIMPLE"))
    local = to_local(instruction.interval_start)
    return {
        "programID": str(program.pk),
        "eventName": f"dispatch {instruction.site.code} {local:%Y-%m-%d %H:%M}",
        "priority": 0,
        "targets": [ven.ven_name],
        "payloadDescriptors": descriptors,
        "reportDescriptors": [USAGE_REPORT_REQUEST],
        "intervalPeriod": {
            "start": rfc3339(instruction.interval_start),
            "duration": duration_text(instruction.interval_end - instruction.interval_start),
        },
        "intervals": [{"id": 0, "payloads": payloads}],
    }


def sync_instruction_event(*, instruction_id: int) -> Event | None:
    """Create or refresh the event of an instruction; ``None`` when its site is not automated
    (or its VEN is not registered here). Safe to run again and to race: the instruction is
    one-to-one with its event, a second creation hits the unique key and re-reads."""
    try:
        return _sync(instruction_id)
    except IntegrityError:
        return Event.objects.filter(instruction_id=instruction_id).first()


@transaction.atomic
def _sync(instruction_id: int) -> Event | None:
    instruction = Instruction.objects.select_related("site").get(pk=instruction_id)
    automated = AutomatedSite.objects.filter(site_id=instruction.site_id, active=True).first()
    ven = Ven.objects.filter(ven_name=automated.ven_id).first() if automated else None
    if ven is None:
        if automated:
            log.warning(
                "automated site %s names VEN %r, not registered",
                automated.site_id,
                automated.ven_id,
            )
        return None
    program = dispatch_program()
    body = event_body(instruction, program=program, ven=ven)
    now = clock.now()
    event = Event.objects.select_for_update().filter(instruction=instruction).first()
    if event is not None:
        if event.body != body:
            event.body, event.modified_at, event.targets = body, now, body["targets"]
            event.full_clean()
            event.save(update_fields=["body", "modified_at", "targets"])
        return event
    event = Event(
        program=program,
        body=body,
        targets=body["targets"],
        instruction=instruction,
        ven=ven,
        created_at=now,
        modified_at=now,
    )
    event.full_clean()
    event.save()
    EventTarget.objects.bulk_create([EventTarget(event=event, label=t) for t in event.targets])
    return event


def confirm_on_read(principal: Principal, events) -> None:
    """The targeted VEN has read these events: confirm each one's instruction, once.

    Each claim is its own transaction with the confirmation, so a confirmation that fails for
    an unexpected reason leaves the event unclaimed and the next read tries again. A refusal
    by dispatch (deadline passed, instruction superseded) is kept in ``delivery_error``."""
    if principal.ven is None:
        return
    from dispatch import services as dispatch_services

    for event in events:
        if event.instruction_id is None or event.delivered_at or event.ven_id != principal.ven.pk:
            continue
        with transaction.atomic():
            claimed = Event.objects.filter(pk=event.pk, delivered_at__isnull=True).update(
                delivered_at=clock.now()
            )
            if not claimed:
                continue
            try:
                with transaction.atomic():
                    dispatch_services.confirm_delivered(
                        instruction_id=event.instruction_id, ven_id=principal.ven.ven_name
                    )
            except (ApplicationError, ValidationError) as exc:
                message = getattr(exc, "message", None) or "; ".join(getattr(exc, "messages", []))
                Event.objects.filter(pk=event.pk).update(delivery_error=str(message)[:2000])
