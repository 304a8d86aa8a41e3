"""Hooks other apps register to, so dispatch never imports them (the OpenADR app is one).

``on_instruction_created`` (also reached as :func:`register`): callables
``f(instruction_id: int) -> None`` run after the transaction commits in which an *automated*
site's instruction (an active :class:`dispatch.models.AutomatedSite`) was created **or changed
state** (confirmed, declined, expired, superseded, cancelled), so the OpenADR app can publish,
update or withdraw the VEN's event. The hook reads the instruction's current state itself; it
calls :func:`dispatch.services.confirm_delivered` once the VEN has read a pending one.

A hook runs on commit, outside the transaction, with an id (not a row), so it sees committed
data and may queue a Celery task. A failing hook is logged and does not undo the dispatch.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import transaction

log = logging.getLogger(__name__)

InstructionHook = Callable[[int], None]
_on_instruction_created: list[InstructionHook] = []


def register_on_instruction_created(hook: InstructionHook) -> InstructionHook:
    """Register ``hook`` (idempotent; usable as a decorator)."""
    if hook not in _on_instruction_created:
        _on_instruction_created.append(hook)
    return hook


register = register_on_instruction_created


def unregister_on_instruction_created(hook: InstructionHook) -> None:
    if hook in _on_instruction_created:
        _on_instruction_created.remove(hook)


unregister = unregister_on_instruction_created


def _run(instruction_id: int) -> None:
    for hook in list(_on_instruction_created):
        try:
            hook(instruction_id)
        except Exception:  # a hook's failure must not break dispatch; it retries on its side
            log.exception("on_instruction_created hook %r failed for %s", hook, instruction_id)


def instruction_created(instruction_id: int) -> None:
    """Called by dispatch inside its transaction (creation or state change of an automated
    site's instruction); the hooks run once it commits, not at all if it rolls back."""
    transaction.on_commit(lambda: _run(instruction_id))


instruction_changed = instruction_created
