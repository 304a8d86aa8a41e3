"""The dispatch commands, in one place for callers (API, pages, tasks, the OpenADR app).

Each is a keyword-only function in one transaction; see the modules for the contracts:
``disaggregation`` (awards -> instructions), ``transitions`` (the state machine),
``reallocation`` (a decline's share to the node's other sites), ``delivery`` (live loads).
"""

from __future__ import annotations

from .delivery import delivery_summary, post_readings
from .disaggregation import dispatch_awards
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
]
