"""Price forecasts per node and interval for the next market day, their quantiles, and their
rolling-origin backtest.

Plain Python, numpy and scikit-learn over the exchange client's dataclasses (``PricePoint``,
``ExogenousPoint``); no ORM. See ``docs/forecast.md``.
"""

from .backtest import (
    BacktestResult,
    ForecastRow,
    Score,
    backtest,
    forecast_day,
    forecast_distribution,
)
from .base import (
    LEVELS,
    PriceModel,
    QuantileModel,
    Quantiles,
    fill_missing,
    known_for_day,
    pivot_exogenous,
    pivot_prices,
)
from .boosting import GradientBoosting
from .naive import SeasonalNaive
from .regression import RidgeRegression

__all__ = [
    "LEVELS",
    "BacktestResult",
    "ForecastRow",
    "GradientBoosting",
    "PriceModel",
    "QuantileModel",
    "Quantiles",
    "RidgeRegression",
    "Score",
    "SeasonalNaive",
    "backtest",
    "fill_missing",
    "forecast_day",
    "forecast_distribution",
    "known_for_day",
    "pivot_exogenous",
    "pivot_prices",
]
