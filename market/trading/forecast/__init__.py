"""Price forecasts per node and interval for the next market day, and their backtest.

Pure Python + numpy over the exchange client's dataclasses (``PricePoint``, ``ExogenousPoint``);
no ORM. See ``docs/forecast.md``.
"""

from .backtest import BacktestResult, ForecastRow, Score, backtest, forecast_day
from .base import PriceModel, fill_missing, known_for_day, pivot_exogenous, pivot_prices
from .naive import SeasonalNaive
from .regression import RidgeRegression

__all__ = [
    "BacktestResult",
    "ForecastRow",
    "PriceModel",
    "RidgeRegression",
    "Score",
    "SeasonalNaive",
    "backtest",
    "fill_missing",
    "forecast_day",
    "known_for_day",
    "pivot_exogenous",
    "pivot_prices",
]
