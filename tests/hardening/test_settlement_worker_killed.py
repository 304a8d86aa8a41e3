"""The settlement pipeline with its worker SIGKILLed mid-run, then a new worker: one statement,
the same amounts as an undisturbed run (tests/settlement/test_statement_pipeline.py: 760.00),
one audit row. Same mechanism as test_worker_killed.py (own queue, 3 s visibility timeout)."""

from __future__ import annotations

import os
import signal
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from celery import chain

from settlement import pipeline, tasks
from settlement.models import SettlementRun, Statement
from tests.factories import SiteFactory
from tests.hardening.test_worker_killed import QUEUE, _stop, _wait, _worker
from tests.settlement.statement_world import DAY, build
from vpp.models import AuditEvent


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_settlement_worker_killed_mid_pipeline_one_statement(
    org_a, org_b, nodes, sim_now, tmp_path
):
    site_a = SiteFactory(organisation=org_a, node=nodes["E-LOAD"], code="alpha-1")
    site_b = SiteFactory(organisation=org_b, node=nodes["S-LOAD"], code="beta-1")
    sim_now(datetime(2026, 7, 10, tzinfo=UTC))
    build(site_a, site_b)
    run, created = pipeline.start_run(day=DAY, actor=None, queue=False)
    assert created
    first = _worker("doomed-settle", tmp_path / "doomed.log")
    second = None
    try:
        stages = (tasks.collect, tasks.validate, tasks.baselines, tasks.statement)
        chain(*(t.si(run.pk).set(queue=QUEUE) for t in stages)).apply_async()
        _wait(
            lambda: SettlementRun.objects.filter(pk=run.pk, progress_pct__gte=20).exists(),
            120, "the first worker to start the pipeline",
        )  # fmt: skip
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
        run.refresh_from_db()
        if run.state != "running":
            pytest.skip(f"the pipeline finished ({run.stage}) before the kill landed")
        assert not Statement.objects.filter(market_day=DAY).exists()
        second = _worker("rescuer-settle", tmp_path / "rescuer.log")
        _wait(
            lambda: SettlementRun.objects.filter(pk=run.pk).exclude(state="running").exists(),
            240, "the redelivered stage to finish the pipeline",
        )  # fmt: skip
    finally:
        _stop(first)
        if second is not None:
            _stop(second)
    run.refresh_from_db()
    assert run.state == "done", run.message
    assert Statement.objects.filter(market_day=DAY).count() == 1
    assert run.statement.net_amount == Decimal("760.00")
    assert AuditEvent.objects.filter(action="settlement.statement_created").count() == 1
