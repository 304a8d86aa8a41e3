"""The settlement pipeline on a REAL Celery worker: committed rows, the worker's own
connection, the chain collect -> validate -> baselines -> statement, twice."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from settlement import pipeline
from settlement.models import SettlementRun, Statement
from vpp.models import AuditEvent

from .statement_world import DAY, build


def wait_done(run: SettlementRun, timeout: float = 120) -> SettlementRun:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run.refresh_from_db()
        if run.state != "running":
            return run
        time.sleep(0.3)
    raise AssertionError(f"run {run.pk} still running: {run.message}")


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_pipeline_on_a_real_worker_once_and_twice(celery_worker_process, site_a, site_b, sim_now):
    sim_now(datetime(2026, 7, 10, tzinfo=UTC))
    build(site_a, site_b)
    run, created = pipeline.start_run(day=DAY, actor=None)
    assert created
    again, created_again = pipeline.start_run(day=DAY, actor=None)  # claimed: the same run
    assert again == run and not created_again
    run = wait_done(run)
    assert (run.state, run.progress_pct, run.stage, run.new_version) == (
        "done", 100, "statement", True)  # fmt: skip
    assert run.statement.net_amount == Decimal("760.00")

    second, created = pipeline.start_run(day=DAY, actor=None)  # unchanged inputs
    assert created
    second = wait_done(second)
    assert second.state == "done" and not second.new_version
    assert second.statement == run.statement
    assert Statement.objects.filter(market_day=DAY).count() == 1
    assert AuditEvent.objects.filter(action="settlement.statement_created").count() == 1
