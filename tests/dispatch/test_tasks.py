"""The dispatch tasks on a real Celery worker (committed rows, the worker's own connection)."""

from __future__ import annotations

import pytest

from dispatch import tasks
from dispatch.models import DispatchRun, Instruction

from .conftest import STEP, T0, award, make_submission


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_tasks_on_a_real_worker(celery_worker_process, fleet, instruct, sim_now):
    sub = make_submission()
    award(sub, "E-LOAD", T0 + STEP, 20)
    assert tasks.dispatch_awards.delay(sub.pk).get(timeout=120) == "done"
    assert tasks.dispatch_awards.delay(sub.pk).get(timeout=60) == "done"  # again: nothing new
    assert DispatchRun.objects.get().summary["instructions_created"] == Instruction.objects.count()
    row = instruct(fleet["a1"], 3)
    sim_now(row.deadline_at)
    assert tasks.expire_due_instructions.delay().get(timeout=60) == [row.pk]
    assert tasks.expire_due_instructions.delay().get(timeout=60) == []
    row.refresh_from_db()
    assert row.state == "expired"
