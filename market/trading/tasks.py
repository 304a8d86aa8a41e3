"""Celery tasks of the trading desk: thin adapters over the services, ids in, idempotent."""

from __future__ import annotations

from celery import shared_task

from . import bidding, runs


@shared_task(name="market.trading.run_optimisation", acks_late=True)
def run_optimisation(run_id: int) -> str:
    return runs.execute_run(run_id=run_id).state


@shared_task(name="market.trading.sweep_stuck_runs", acks_late=True)
def sweep_stuck_runs() -> list[int]:
    return runs.sweep_stuck_runs()


@shared_task(name="market.trading.fetch_awards")
def fetch_due_awards() -> list[int]:
    return bidding.fetch_due_awards()
