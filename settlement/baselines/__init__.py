"""The baseline engine: pure Python, no ORM. See :mod:`.engine` and docs/settlement.md."""

from .engine import BaselineError, BaselineInput, BaselineOutcome, compute
from .params import PRESETS, BaselineParams, ParamsError

__all__ = [
    "PRESETS",
    "BaselineError",
    "BaselineInput",
    "BaselineOutcome",
    "BaselineParams",
    "ParamsError",
    "compute",
]
