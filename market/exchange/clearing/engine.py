"""The front door: ``clear(case)`` builds the LP straight into HiGHS (``highs.py``) and falls
back to the PuLP build solved by CBC (``model.py``) when HiGHS does not reach an optimum;
``builder="pulp"`` asks for the PuLP build (HiGHS through PuLP, then CBC) outright."""

from __future__ import annotations

from typing import Literal

from .highs import clear_highs
from .model import clear_pulp
from .problem import ClearingCase, ClearingError, ClearingOutcome, check_case


def clear(case: ClearingCase, *, builder: Literal["highs", "pulp"] = "highs") -> ClearingOutcome:
    """Build, solve and read back one clearing. Raises :class:`ClearingError`."""
    if builder == "pulp":
        return clear_pulp(case)
    if builder != "highs":
        raise ValueError(f"unknown LP builder {builder!r}")
    check_case(case)  # a malformed case fails here, not after two solvers have tried it
    try:
        return clear_highs(case)
    except ClearingError as highs_error:
        try:
            return clear_pulp(case, solvers=("cbc",))
        except ClearingError as cbc_error:
            raise ClearingError(f"{highs_error}; {cbc_error}") from cbc_error
