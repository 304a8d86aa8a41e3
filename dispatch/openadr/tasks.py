"""Celery adapters: take an id, call one service. Idempotent (the service is) and retried."""

from __future__ import annotations

from celery import shared_task


@shared_task(
    name="dispatch.openadr.sync_instruction_event",
    acks_late=True,
    autoretry_for=(Exception,),
    retry_backoff=True,
    max_retries=5,
)
def sync_instruction_event(instruction_id: int) -> int | None:
    """Publish (or refresh) the event of an instruction; returns the event id, or None when the
    instruction's site is not automated."""
    from .services.instructions import sync_instruction_event as sync

    event = sync(instruction_id=instruction_id)
    return event.pk if event else None


def on_instruction_created(instruction_id: int) -> None:
    """Dispatch's hook (runs on commit): queue the publication, never do it inline, so a slow or
    failing VTN cannot hold up dispatch."""
    sync_instruction_event.delay(instruction_id)
