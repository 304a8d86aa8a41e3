"""A Celery worker killed (SIGKILL, the whole process group: a node crash) in the middle of a
long task, then a new worker: the task is redelivered and finishes once; nothing lost, nothing
doubled.

The task is the trading desk's optimiser run (``market.trading.run_optimisation``, acks_late):
the settlement statement pipeline (settlement/tasks.py) was still being written when this test
was. Delivery is the real one: Redis keeps the unacknowledged message and hands it back after
the visibility timeout, set to 3 s for these workers (``CELERY_VISIBILITY_TIMEOUT_SECONDS``;
2 h in production, above the task time limit). The workers listen on a queue of their own so
the session's shared worker cannot take the task.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime

import pytest
from django.conf import settings

from market.trading.forecasting import make_forecast
from market.trading.models import OptimisationRun, ProposedCurve, ScheduleLine
from market.trading.tasks import run_optimisation
from tests.trading.conftest import NAIVE, TRADING_DAY, _history, make_portfolio

ROOT = settings.BASE_DIR
QUEUE = "hardening-kill"


def _worker(name: str, log_path) -> subprocess.Popen:
    db = settings.DATABASES["default"]
    url = "postgres://{}:{}@{}:{}/{}".format(
        db["USER"] or "postgres", db["PASSWORD"], db["HOST"] or "127.0.0.1",
        db["PORT"] or 5432, db["NAME"],
    )  # fmt: skip
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "vpp.settings.test", "DATABASE_URL": url,
           "TEST_DATABASE_NAME": db["NAME"], "CELERY_VISIBILITY_TIMEOUT_SECONDS": "3"}  # fmt: skip
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "vpp", "worker", "-Q", QUEUE, "--concurrency=1",
         "--loglevel=INFO", "-n", f"{name}-{os.getpid()}@%h"],
        cwd=ROOT, env=env, stdout=open(log_path, "w"), stderr=subprocess.STDOUT,  # noqa: SIM115
        start_new_session=True,
    )  # fmt: skip


def _stop(proc: subprocess.Popen, sig=signal.SIGTERM) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def _wait(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_worker_killed_mid_run_the_redelivered_task_finishes_it_once(
    sim_now, operator_a, operator_b, nodes, tmp_path
):
    auction = _history(sim_now, 2)
    sites = make_portfolio(operator_a, operator_b, nodes)
    run = OptimisationRun.objects.create(
        market_day=TRADING_DAY, auction_id=auction.pk,
        forecast=make_forecast(market_day=TRADING_DAY, model_name=NAIVE),
        created_at=datetime(2026, 7, 1, 0, 0, tzinfo=UTC), progress_message="queued",
    )  # fmt: skip
    first = _worker("doomed", tmp_path / "doomed.log")
    second = None
    try:
        run_optimisation.apply_async((run.pk,), queue=QUEUE)
        _wait(
            lambda: OptimisationRun.objects.filter(pk=run.pk, state="running").exists(),
            120, "the first worker to start the run",
        )  # fmt: skip
        os.killpg(first.pid, signal.SIGKILL)  # main process and pool child, no goodbye
        first.wait(timeout=10)
        killed = OptimisationRun.objects.get(pk=run.pk)
        assert killed.state == "running", "the run finished before the kill; nothing was tested"
        assert not ScheduleLine.objects.filter(run=run).exists()  # nothing half-saved

        second = _worker("rescuer", tmp_path / "rescuer.log")
        done = _wait(
            lambda: OptimisationRun.objects.filter(pk=run.pk, state__in=["done", "failed"]).first(),
            240, "the redelivered task to finish the run",
        )  # fmt: skip
    finally:
        _stop(first)
        if second is not None:
            _stop(second)
    assert done.state == "done", done.error
    assert OptimisationRun.objects.count() == 1
    lines = Counter(ScheduleLine.objects.filter(run=run).values_list("site_id", "interval_start"))
    assert lines and max(lines.values()) == 1  # nothing doubled
    assert {site for site, _ in lines} == {s.pk for s in sites}  # nothing lost
    assert len({start for _, start in lines}) == 96
    curves = Counter(
        ProposedCurve.objects.filter(run=run).values_list("node_code", "interval_start", "side")
    )
    assert curves and max(curves.values()) == 1
    # The second worker did it, from the redelivered message (no second apply_async here).
    assert "Task market.trading.run_optimisation" in (tmp_path / "rescuer.log").read_text()
