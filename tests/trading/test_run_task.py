"""The optimiser run through the real Celery worker: started from the API, progress written
while it works, done with its schedule and curves; a second delivery of the task is harmless."""

from __future__ import annotations

import time

import pytest
from django.urls import reverse

from market.trading.models import OptimisationRun, ProposedCurve, ScheduleLine
from market.trading.tasks import run_optimisation
from tests.trading.conftest import NAIVE, TRADING_DAY

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


def _wait(run_id: int, seconds: float = 240) -> tuple[OptimisationRun, set[int]]:
    seen: set[int] = set()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        run = OptimisationRun.objects.get(pk=run_id)
        seen.add(run.progress_pct)
        if run.state in ("done", "failed"):
            return run, seen
        time.sleep(0.2)
    raise AssertionError(f"run {run_id} still {run.state} after {seconds} s")


def test_a_run_started_from_the_api_is_done_by_the_worker(
    celery_worker_process, portfolio, trader_api
):
    response = trader_api.post(
        reverse("api:trading-run-list"),
        {"market_day": TRADING_DAY.isoformat(), "model": NAIVE},
        format="json",
    )
    assert response.status_code == 201, response.data
    run, seen = _wait(response.data["id"])
    assert run.state == "done", run.error
    assert run.progress_pct == 100 and max(seen - {100}, default=0) < 100
    assert ScheduleLine.objects.filter(run=run).count() == 3 * 96
    curves = ProposedCurve.objects.filter(run=run).count()
    assert curves > 0

    # a redelivered task (acks_late after a lost worker) finds the run done and changes nothing
    assert run_optimisation.delay(run.pk).get(timeout=60) == "done"
    assert ProposedCurve.objects.filter(run=run).count() == curves
    detail = trader_api.get(reverse("api:trading-run-detail", args=[run.pk])).data
    assert detail["state"] == "done" and detail["summary"]["sites"] == 3
