"""The clearing engine: a DC optimal power flow over all intervals of an auction, as one LP.

Pure Python on plain dataclasses (no ORM), so the case-file command, the services and the tests
all clear the same way. See ``docs/exchange.md`` for the maths: ``model.py`` writes it in PuLP
(the readable reference), ``highs.py`` builds the same LP as arrays straight into HiGHS (the
default, for speed); ``engine.clear`` chooses.
"""

from .engine import clear
from .problem import (
    BidSegmentSpec,
    ClearingCase,
    ClearingError,
    ClearingOutcome,
    GeneratorSpec,
    LineSpec,
)

__all__ = [
    "BidSegmentSpec",
    "ClearingCase",
    "ClearingError",
    "ClearingOutcome",
    "GeneratorSpec",
    "LineSpec",
    "clear",
]
