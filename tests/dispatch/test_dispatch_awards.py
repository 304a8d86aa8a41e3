"""Awards -> per-site instructions with the real optimiser; idempotency; new bid versions."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from dispatch import hooks, services
from dispatch.models import AutomatedSite, DispatchRun, Instruction, OpenPosition
from vpp.errors import ApplicationError

from .conftest import STEP, T0, award, make_submission

S = Instruction.State


def reduction_award(sub, mw, intervals=4, segments=2):
    for k in range(intervals):
        award(sub, "E-LOAD", T0 + k * STEP, mw, segments=segments)


def node_reduction(start, sub=None):
    qs = Instruction.objects.filter(interval_start=start, state__in=["pending", "confirmed"])
    if sub is not None:
        qs = qs.filter(submission_id=sub.pk)
    return sum(r.reduction_mw for r in qs)


def test_award_split_within_site_limits(fleet):
    sub = make_submission()
    reduction_award(sub, 30)
    run = services.dispatch_awards(submission_id=sub.pk)
    assert run.state == "done" and run.progress_pct == 100
    for k in range(4):
        start = T0 + k * STEP
        assert abs(node_reduction(start) - Decimal("30")) <= Decimal("0.005")
        for row in Instruction.objects.filter(interval_start=start):
            assert row.site.node.code == "E-LOAD" and row.state == S.PENDING
            assert Decimal("5") <= row.target_mw <= row.site.grid_connection_mw  # min load
            assert Decimal("0") <= row.reduction_mw <= Decimal("15.001")  # envelope depth
            assert row.deadline_at == start - timedelta(minutes=row.site.notice_minutes)
            assert row.side == "reduction" and row.submission_id == sub.pk
    assert not Instruction.objects.filter(site=fleet["s1"]).exists()
    assert not OpenPosition.objects.exists()


def test_dispatch_is_idempotent(fleet):
    sub = make_submission()
    reduction_award(sub, 30)
    services.dispatch_awards(submission_id=sub.pk)
    rows = sorted(Instruction.objects.values_list("pk", "state", "target_mw"))
    again = services.dispatch_awards(submission_id=sub.pk)
    assert again.state == "done"
    assert sorted(Instruction.objects.values_list("pk", "state", "target_mw")) == rows
    assert DispatchRun.objects.count() == 1


def test_award_beyond_the_fleet_is_an_open_position(fleet):
    sub = make_submission()
    award(sub, "E-LOAD", T0, 50, price="900")  # 3 sites x 15 MW down at most
    services.dispatch_awards(submission_id=sub.pk)
    assert abs(node_reduction(T0) - Decimal("45")) <= Decimal("0.005")
    pos = OpenPosition.objects.get()
    assert abs(pos.missing_mw - Decimal("5")) <= Decimal("0.005")
    assert pos.expected_cost == (pos.missing_mw * Decimal("0.25") * 900).quantize(Decimal("0.01"))


def test_award_at_node_without_sites_is_open(fleet):
    sub = make_submission()
    award(sub, "NW-WIND", T0, 4, price="300")
    services.dispatch_awards(submission_id=sub.pk)
    assert not Instruction.objects.exists()
    assert OpenPosition.objects.get().missing_mw == Decimal("4")


def test_confirm_by_gate_caps_deadlines(fleet):
    sub = make_submission()
    reduction_award(sub, 30, intervals=1)
    gate = T0 - timedelta(hours=6)
    services.dispatch_awards(submission_id=sub.pk, confirm_by=gate)
    assert set(Instruction.objects.values_list("deadline_at", flat=True)) == {gate}


def test_naive_gate_refused(fleet):
    sub = make_submission()
    with pytest.raises(ApplicationError) as err:
        services.dispatch_awards(submission_id=sub.pk, confirm_by=T0.replace(tzinfo=None))
    assert err.value.field == "confirm_by"


def test_new_version_supersedes_and_cancels(fleet, operator_a):
    v1 = make_submission(version=1)
    reduction_award(v1, 30, intervals=2)
    services.dispatch_awards(submission_id=v1.pk)
    old = list(Instruction.objects.filter(state="pending"))
    v2 = make_submission(version=2)
    award(v2, "E-LOAD", T0, 12)  # second interval no longer awarded
    services.dispatch_awards(submission_id=v2.pk)
    assert abs(node_reduction(T0) - Decimal("12")) <= Decimal("0.005")
    assert node_reduction(T0 + STEP) == 0
    for row in old:
        row.refresh_from_db()
        assert row.state in (S.SUPERSEDED, S.CANCELLED)
        if row.interval_start == T0 + STEP:
            assert row.state == S.CANCELLED
    # the older version dispatched late is stale and writes nothing
    v1_run = DispatchRun.objects.get(submission_id=v1.pk)
    v1_run.delete()
    count = Instruction.objects.count()
    assert services.dispatch_awards(submission_id=v1.pk).state == "stale"
    assert Instruction.objects.count() == count


def test_automated_site_hook_runs_on_commit(fleet, django_capture_on_commit_callbacks):
    AutomatedSite.objects.create(site=fleet["b1"], ven_id="ven-b1")
    heard = []
    hooks.register(heard.append)
    try:
        sub = make_submission()
        reduction_award(sub, 40, intervals=1)  # needs all three sites
        with django_capture_on_commit_callbacks(execute=True):
            services.dispatch_awards(submission_id=sub.pk)
    finally:
        hooks.unregister(heard.append)
    b1_rows = list(Instruction.objects.filter(site=fleet["b1"]).values_list("pk", flat=True))
    assert b1_rows and heard == b1_rows
