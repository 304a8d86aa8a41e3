"""Writing the audit trail. Services call :func:`record` inside their transaction."""

from __future__ import annotations

from typing import Any

from . import clock
from .models import AuditEvent, Organisation, User


def record(
    *,
    actor: User | None,
    action: str,
    obj: Any,
    organisation: Organisation | None = None,
    changes: dict | None = None,
) -> AuditEvent:
    return AuditEvent.objects.create(
        at=clock.now(),
        actor=actor if actor is not None and actor.pk else None,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        organisation=organisation,
        changes=changes or {},
    )
