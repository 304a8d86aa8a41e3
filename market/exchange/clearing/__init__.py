"""The clearing engine: a DC optimal power flow over all intervals of an auction, as one LP.

Pure Python on plain dataclasses (no ORM), so the case-file command, the services and the tests
all clear the same way. See ``docs/exchange.md`` for the maths.
"""

from .model import clear
from .problem import (
    BidSegmentSpec,
    ClearingCase,
    ClearingOutcome,
    GeneratorSpec,
    LineSpec,
)

__all__ = [
    "BidSegmentSpec",
    "ClearingCase",
    "ClearingOutcome",
    "GeneratorSpec",
    "LineSpec",
    "clear",
]
