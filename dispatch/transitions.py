"""The instruction state machine.

::

    pending --confirm (operator, before deadline)-------------> confirmed
    pending --confirm_delivered (VEN read the event, before deadline)--> confirmed
    pending --decline (operator, reason, before deadline)-----> declined   => reallocate
    pending --expire_due (beat, deadline passed)--------------> expired    => reallocate
    pending|confirmed --newer award / reallocation pick-up---> superseded (a new version)
    pending|confirmed --award withdrawn by a newer version----> cancelled

Nothing else moves: declined, expired, superseded and cancelled are final. Every move writes an
:class:`InstructionChange` (who: the user, or null for the system and VENs; when: the market
clock) and an audit event.

Locking: each command locks the instruction row (``select_for_update``) and re-reads its state,
so of two confirmations racing one wins and the other sees ``confirmed`` and is refused with
:class:`TransitionRefused` (HTTP 409). A decline or an expiry also takes a transaction-scoped
advisory lock on (node, interval) before touching the row, so two reallocations at the same node
and interval run one after the other and never lock each other's pick-up rows in opposite order.
"""

from __future__ import annotations

import zlib
from datetime import datetime

from django.db import connection, transaction

from sites.selectors import can_manage
from vpp import audit, clock
from vpp.errors import ApplicationError
from vpp.models import User

from .instructions import notify_automated
from .models import Instruction, InstructionChange

S = Instruction.State


class TransitionRefused(ApplicationError):
    """The instruction is not in a state (or time) that allows the command: a conflict."""

    def __init__(self, message: str, *, field: str | None = None, code: str = "conflict"):
        super().__init__(message, field=field, code=code)


def node_interval_lock(node_code: str, interval_start: datetime) -> None:
    """Serialise reallocations of one node and interval (PostgreSQL advisory lock, released at
    commit). SQLite (the demo) has one writer at a time anyway."""
    if connection.vendor != "postgresql":
        return
    key = zlib.crc32(f"dispatch:{node_code}:{interval_start.isoformat()}".encode())
    with connection.cursor() as cur:
        cur.execute("SELECT pg_advisory_xact_lock(%s, %s)", [7001, key - 2**31])


def record_change(
    instruction: Instruction,
    *,
    from_state: str,
    to_state: str,
    by: User | None,
    reason: str = "",
    at: datetime | None = None,
) -> InstructionChange:
    change = InstructionChange(
        instruction=instruction,
        from_state=from_state,
        to_state=to_state,
        by=by if by is not None and by.pk else None,
        at=at or clock.now(),
        reason=reason,
    )
    change.full_clean()
    change.save()
    return change


def move(
    instruction: Instruction, to_state: str, *, by: User | None, reason: str = "", **fields
) -> Instruction:
    """Set the state (and ``fields``) of a row the caller has locked; record who and when."""
    from_state = instruction.state
    instruction.state = to_state
    for name, value in fields.items():
        setattr(instruction, name, value)
    instruction.full_clean(validate_constraints=False, validate_unique=False)
    instruction.save(update_fields=["state", *fields])
    record_change(instruction, from_state=from_state, to_state=to_state, by=by, reason=reason)
    notify_automated([instruction.pk], {instruction.site_id})
    audit.record(
        actor=by,
        action=f"dispatch.instruction_{to_state}",
        obj=instruction,
        organisation=instruction.site.organisation,
        changes={"from": from_state, "to": to_state, "reason": reason},
    )
    return instruction


def _locked(instruction_id: int) -> Instruction:
    try:
        return (
            Instruction.objects.select_for_update(of=("self",))
            .select_related("site__organisation")
            .get(pk=instruction_id)
        )
    except Instruction.DoesNotExist:
        raise ApplicationError(
            f"no instruction {instruction_id}", field="instruction", code="not_found"
        ) from None


def _check_open(instruction: Instruction, now: datetime, verb: str) -> None:
    if instruction.state != S.PENDING:
        hint = ""
        if instruction.state == S.SUPERSEDED:
            newer = instruction.superseded_by.order_by("-version").first()
            hint = f" by instruction {newer.pk}" if newer else ""
        raise TransitionRefused(
            f"cannot {verb}: the instruction is already {instruction.state}{hint}",
            field="state",
        )
    if now >= instruction.deadline_at:
        raise TransitionRefused(
            f"cannot {verb}: the deadline {instruction.deadline_at.isoformat()} has passed "
            f"(market clock {now.isoformat()})",
            field="deadline_at",
            code="deadline_passed",
        )


def _check_user(user: User, instruction: Instruction) -> None:
    if not can_manage(user, instruction.site):
        raise ApplicationError(
            "only the site's operator may answer its instructions",
            field="instruction",
            code="forbidden",
        )


@transaction.atomic
def confirm(*, instruction_id: int, user: User) -> Instruction:
    """The operator commits to hold ``target_mw``. Refused (nothing changed) when it is not
    pending or its deadline has passed on the market clock."""
    instruction = _locked(instruction_id)
    _check_user(user, instruction)
    now = clock.now()
    _check_open(instruction, now, "confirm")
    return move(instruction, S.CONFIRMED, by=user, confirmed_by=user, confirmed_at=now)


@transaction.atomic
def confirm_delivered(*, instruction_id: int, ven_id: str = "") -> Instruction:
    """An automated site's VEN has received the instruction's event: that is its confirmation.

    Idempotent: a VEN reading the same event again finds it confirmed and nothing changes.
    After the deadline, or once superseded or cancelled, it is refused like a person's."""
    instruction = _locked(instruction_id)
    if instruction.state == S.CONFIRMED:
        return instruction
    now = clock.now()
    _check_open(instruction, now, "confirm")
    return move(
        instruction,
        S.CONFIRMED,
        by=None,
        reason=f"event delivered to VEN {ven_id}".strip(),
        confirmed_at=now,
    )


@transaction.atomic
def decline(*, instruction_id: int, user: User, reason: str) -> Instruction:
    """The operator cannot hold it; ``reason`` is required. The missing MW are reallocated in
    the same transaction (see :mod:`dispatch.reallocation`)."""
    from .reallocation import reallocate

    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError("say why the site cannot follow the instruction", field="reason")
    head = Instruction.objects.filter(pk=instruction_id).values("node_code", "interval_start")
    if not head:
        raise ApplicationError(f"no instruction {instruction_id}", field="instruction")
    node_interval_lock(head[0]["node_code"], head[0]["interval_start"])
    instruction = _locked(instruction_id)
    _check_user(user, instruction)
    _check_open(instruction, clock.now(), "decline")
    move(instruction, S.DECLINED, by=user, reason=reason, decline_reason=reason)
    reallocate(instruction=instruction)
    return instruction


def expire_one(instruction_id: int) -> bool:
    """Expire one instruction if it is still pending past its deadline, and reallocate."""
    from .reallocation import reallocate

    with transaction.atomic():
        head = Instruction.objects.filter(pk=instruction_id).values("node_code", "interval_start")
        if not head:
            return False
        node_interval_lock(head[0]["node_code"], head[0]["interval_start"])
        instruction = _locked(instruction_id)
        if instruction.state != S.PENDING or clock.now() < instruction.deadline_at:
            return False
        move(instruction, S.EXPIRED, by=None, reason="not confirmed before the deadline")
        reallocate(instruction=instruction)
        return True


def expire_due() -> list[int]:
    """Expire every pending instruction whose deadline has passed (market clock); each in its
    own transaction, so one failure does not hold back the rest. Safe to run twice: an
    instruction already moved is skipped. Returns the ids expired now."""
    due = Instruction.objects.filter(state=S.PENDING, deadline_at__lte=clock.now())
    ids = list(due.order_by("deadline_at", "pk").values_list("pk", flat=True))
    return [pk for pk in ids if expire_one(pk)]
