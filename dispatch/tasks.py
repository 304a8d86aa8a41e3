"""Celery tasks of dispatch: thin adapters taking ids; each is idempotent (see the services)."""

from __future__ import annotations

from datetime import datetime

from celery import shared_task

from . import services


@shared_task(name="dispatch.dispatch_awards", acks_late=True)
def dispatch_awards(submission_id: int) -> str:
    return services.dispatch_awards(submission_id=submission_id).state


@shared_task(name="dispatch.dispatch_awards_with_gate", acks_late=True)
def dispatch_awards_with_gate(submission_id: int, confirm_by: str) -> str:
    gate = datetime.fromisoformat(confirm_by)
    return services.dispatch_awards(submission_id=submission_id, confirm_by=gate).state


@shared_task(name="dispatch.sweep_stuck_runs", acks_late=True)
def sweep_stuck_runs() -> list[int]:
    return services.sweep_stuck_runs()


@shared_task(name="dispatch.expire_due_instructions", acks_late=True)
def expire_due_instructions() -> list[int]:
    return services.expire_due()
