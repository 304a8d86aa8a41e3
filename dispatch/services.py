"""The dispatch commands, in one place for callers (API, pages, tasks, the OpenADR app).

Each is a keyword-only function in one transaction; see the modules for the contracts:
``disaggregation`` (awards -> instructions), ``transitions`` (the state machine),
``reallocation`` (a decline's share to the node's other sites), ``delivery`` (live loads).
"""

from __future__ import annotations

from vpp import claims

from .delivery import delivery_summary, post_readings
from .disaggregation import dispatch_awards
from .models import DispatchRun
from .reallocation import reallocate
from .transitions import (
    TransitionRefused,
    confirm,
    confirm_delivered,
    decline,
    expire_due,
)

__all__ = [
    "TransitionRefused",
    "confirm",
    "confirm_delivered",
    "decline",
    "delivery_summary",
    "dispatch_awards",
    "expire_due",
    "post_readings",
    "reallocate",
    "sweep_stuck_runs",
]


def sweep_stuck_runs() -> list[int]:
    """Beat: fail dispatch runs that made no progress within one task's budget (vpp.claims);
    a failed run is work to do, so dispatching the submission again re-runs it."""
    return claims.fail_stale(
        DispatchRun.objects.all(),
        states=(DispatchRun.State.RUNNING,),
        budget=claims.claim_budget(stages=1),
    )
