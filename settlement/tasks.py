"""Celery tasks of settlement: thin adapters taking a run id; every stage is idempotent
(:mod:`settlement.pipeline`), acknowledged late and retried on database hiccups."""

from __future__ import annotations

from celery import chain, shared_task
from django.db import OperationalError

from . import pipeline

RETRY = {"acks_late": True, "autoretry_for": (OperationalError,), "max_retries": 3,
         "retry_backoff": True}  # fmt: skip


def _run(stage, run_id: int) -> int:
    try:
        stage(run_id=run_id)
    except OperationalError:
        raise
    except Exception as exc:
        pipeline.fail(run_id=run_id, error=f"{stage.__name__}: {exc}")
        raise
    return run_id


@shared_task(name="settlement.collect", **RETRY)
def collect(run_id: int) -> int:
    return _run(pipeline.collect, run_id)


@shared_task(name="settlement.validate", **RETRY)
def validate(run_id: int) -> int:
    return _run(pipeline.validate, run_id)


@shared_task(name="settlement.baselines", **RETRY)
def baselines(run_id: int) -> int:
    return _run(pipeline.baselines, run_id)


@shared_task(name="settlement.statement", **RETRY)
def statement(run_id: int) -> int:
    return _run(pipeline.statement, run_id)


@shared_task(name="settlement.settle_due", acks_late=True)
def settle_due() -> list[int]:
    return pipeline.settle_due()


@shared_task(name="settlement.sweep_stuck_runs", acks_late=True)
def sweep_stuck_runs() -> list[int]:
    return pipeline.sweep_stuck_runs()


def queue_pipeline(run_id: int) -> None:
    chain(
        collect.si(run_id), validate.si(run_id), baselines.si(run_id), statement.si(run_id)
    ).apply_async()
