"""The instruction state machine: every transition, the refused ones, the deadline, history."""

from __future__ import annotations

from datetime import timedelta

import pytest

from dispatch import services
from dispatch.models import Instruction, InstructionChange
from vpp import clock
from vpp.errors import ApplicationError
from vpp.models import AuditEvent

from .conftest import T0

S = Instruction.State


def states(instruction):
    return list(instruction.changes.values_list("from_state", "to_state"))


def test_created_pending_with_history(fleet, instruct):
    row = instruct(fleet["a1"], 5)
    assert row.state == S.PENDING
    assert row.reduction_mw == row.baseline_mw - row.target_mw
    assert states(row) == [("", "pending")]


def test_confirm_records_who_and_when(fleet, instruct, operator_a):
    row = instruct(fleet["a1"], 5)
    done = services.confirm(instruction_id=row.pk, user=operator_a)
    assert done.state == S.CONFIRMED
    assert done.confirmed_by == operator_a and done.confirmed_at == clock.now()
    change = InstructionChange.objects.filter(instruction=row).last()
    assert (change.from_state, change.to_state, change.by) == ("pending", "confirmed", operator_a)
    assert AuditEvent.objects.filter(action="dispatch.instruction_confirmed").count() == 1


def test_second_confirmation_refused(fleet, instruct, operator_a):
    row = instruct(fleet["a1"], 5)
    services.confirm(instruction_id=row.pk, user=operator_a)
    with pytest.raises(services.TransitionRefused, match="already confirmed"):
        services.confirm(instruction_id=row.pk, user=operator_a)
    with pytest.raises(services.TransitionRefused):
        services.decline(instruction_id=row.pk, user=operator_a, reason="changed my mind")


def test_confirm_after_deadline_refused_nothing_changed(fleet, instruct, operator_a, sim_now):
    row = instruct(fleet["a1"], 5)
    sim_now(row.deadline_at)  # at the deadline is too late
    before = Instruction.objects.filter(pk=row.pk).values().get()
    with pytest.raises(services.TransitionRefused) as err:
        services.confirm(instruction_id=row.pk, user=operator_a)
    assert err.value.field == "deadline_at"
    assert Instruction.objects.filter(pk=row.pk).values().get() == before
    assert states(row) == [("", "pending")]


def test_decline_needs_reason(fleet, instruct, operator_a):
    row = instruct(fleet["a1"], 5)
    with pytest.raises(ApplicationError) as err:
        services.decline(instruction_id=row.pk, user=operator_a, reason="  ")
    assert err.value.field == "reason"
    row.refresh_from_db()
    assert row.state == S.PENDING


def test_decline_records_reason(fleet, instruct, operator_a):
    row = instruct(fleet["a1"], 5)
    services.decline(instruction_id=row.pk, user=operator_a, reason="chiller maintenance")
    row.refresh_from_db()
    assert row.state == S.DECLINED and row.decline_reason == "chiller maintenance"
    assert states(row)[-1] == ("pending", "declined")


def test_other_company_cannot_answer(fleet, instruct, operator_b, regulator, trader):
    row = instruct(fleet["a1"], 5)
    for user in (operator_b, regulator, trader):
        with pytest.raises(ApplicationError):
            services.confirm(instruction_id=row.pk, user=user)
    row.refresh_from_db()
    assert row.state == S.PENDING


def test_expire_due_after_deadline_only(fleet, instruct, sim_now):
    row = instruct(fleet["a1"], 5)
    sim_now(row.deadline_at - timedelta(seconds=1))
    assert services.expire_due() == []
    sim_now(row.deadline_at)
    assert services.expire_due() == [row.pk]
    assert services.expire_due() == []  # twice: nothing more
    row.refresh_from_db()
    assert row.state == S.EXPIRED
    change = row.changes.last()
    assert change.to_state == "expired" and change.by is None


def test_new_instruction_supersedes_active_one(fleet, instruct, operator_a):
    first = instruct(fleet["a1"], 5)
    services.confirm(instruction_id=first.pk, user=operator_a)
    second = instruct(fleet["a1"], 8)
    first.refresh_from_db()
    assert first.state == S.SUPERSEDED and second.supersedes == first
    assert second.version == first.version + 1
    with pytest.raises(services.TransitionRefused, match=f"superseded by instruction {second.pk}"):
        services.confirm(instruction_id=first.pk, user=operator_a)


def test_final_states_stay_final(fleet, instruct, operator_a, sim_now):
    declined = instruct(fleet["a1"], 5)
    services.decline(instruction_id=declined.pk, user=operator_a, reason="no")
    for call in (
        lambda: services.confirm(instruction_id=declined.pk, user=operator_a),
        lambda: services.decline(instruction_id=declined.pk, user=operator_a, reason="x"),
        lambda: services.confirm_delivered(instruction_id=declined.pk),
    ):
        with pytest.raises(services.TransitionRefused):
            call()


def test_one_active_per_site_interval_is_a_db_constraint(fleet, instruct):
    from django.db import IntegrityError, transaction

    row = instruct(fleet["a1"], 5)
    clone = Instruction.objects.filter(pk=row.pk).values().get()
    clone.pop("id")
    clone["version"] += 1
    with pytest.raises(IntegrityError), transaction.atomic():
        Instruction.objects.create(**clone)


def test_confirm_delivered_is_idempotent(fleet, instruct):
    row = instruct(fleet["a1"], 5)
    services.confirm_delivered(instruction_id=row.pk, ven_id="ven-a1")
    services.confirm_delivered(instruction_id=row.pk, ven_id="ven-a1")
    row.refresh_from_db()
    assert row.state == S.CONFIRMED and row.confirmed_by is None
    assert [c.to_state for c in row.changes.all()] == ["pending", "confirmed"]
    assert "ven-a1" in row.changes.last().reason


def test_deadline_never_after_interval_start(fleet, instruct):
    row = instruct(fleet["a1"], 5)
    assert row.deadline_at == T0 - timedelta(minutes=fleet["a1"].notice_minutes)
