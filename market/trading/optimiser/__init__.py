"""The bid optimiser: one MIP over the portfolio (``model``), its solve (``solve``), and bid
curves from price scenarios (``curves``). Pure Python on ``sites.specs``; no ORM."""

from .inputs import OptimiserError, OptimiserInput, Schedule
from .solve import optimise

__all__ = ["OptimiserError", "OptimiserInput", "Schedule", "optimise"]
