"""Seasonal-naive reference: tomorrow looks like the same interval one day (or one week) ago.

For each node and interval of ``day`` the forecast is the published price at the same interval
position of ``day - lag_days``. Missing values fall back in order: the other lag (one week ->
one day), then the most recent earlier day with any price, holes inside a day are interpolated;
a node with no history at all gets the mean of every node's history (0 when there is none).

Quantiles (``predict_quantiles``): the point forecast plus the empirical tau-quantile of the
model's own errors (published price minus what it would have forecast) over the last
``ERROR_DAYS`` days before the day, per node (so the median level is the point corrected by the
median error; ``predict`` stays the plain reference).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import numpy as np

from vpp.intervals import day_intervals, market_day_of

from .base import (
    LEVELS,
    Quantiles,
    Series,
    day_vector,
    days_with_data,
    lagged_day,
    pivot_prices,
    series_mean,
    sort_levels,
)

if TYPE_CHECKING:
    from market.exchange.client import ExogenousPoint, PricePoint


ERROR_DAYS = 28


class SeasonalNaive:
    """``lag_days=1``: yesterday's prices; ``lag_days=7``: last week's, else yesterday's."""

    def __init__(self, lag_days: int = 1, *, kind: str | None = None):
        if lag_days < 1:
            raise ValueError("lag_days must be at least 1")
        self.lag_days = lag_days
        self.kind = kind
        self.name = "seasonal_naive" if lag_days == 1 else f"seasonal_naive_{lag_days}d"
        self._prices: dict[str, Series] = {}

    def fit(self, history: list[PricePoint], exogenous: list[ExogenousPoint]) -> None:
        self._prices = pivot_prices(history, kind=self.kind)

    def _point(self, series: Series, day: date) -> list[float] | None:
        lags = tuple(dict.fromkeys((self.lag_days, 1)))
        values = lagged_day(series, day, lags)
        if values is None:
            earlier = sorted({market_day_of(at) for at in series if market_day_of(at) < day})
            if earlier:
                values = lagged_day(series, day, ((day - earlier[-1]).days,))
        return values

    def predict(
        self, day: date, nodes: list[str], exogenous: list[ExogenousPoint]
    ) -> dict[str, list[float]]:
        n = len(day_intervals(day))
        everything = [v for s in self._prices.values() for v in s.values()]
        global_mean = sum(everything) / len(everything) if everything else 0.0
        out: dict[str, list[float]] = {}
        for node in nodes:
            series = self._prices.get(node, {})
            values = self._point(series, day)
            if values is None:
                values = [series_mean(series, global_mean)] * n
            out[node] = values
        return out

    def errors(self, node: str, day: date) -> list[float]:
        """Published minus forecast price over the ``ERROR_DAYS`` days with prices before
        ``day``, each forecast from the days before it."""
        series = self._prices.get(node, {})
        out: list[float] = []
        for d in [d for d in days_with_data(series) if d < day][-ERROR_DAYS:]:
            guess = self._point(series, d)
            if guess is not None:
                actual = day_vector(series, d)
                out += [a - g for a, g in zip(actual, guess, strict=False) if a is not None]
        return out

    def predict_quantiles(
        self,
        day: date,
        nodes: list[str],
        exogenous: list[ExogenousPoint],
        *,
        levels: tuple[float, ...] = LEVELS,
    ) -> dict[str, Quantiles]:
        point = self.predict(day, nodes, exogenous)
        out: dict[str, Quantiles] = {}
        for node in nodes:
            errors = self.errors(node, day)
            shift = {q: float(np.quantile(errors, q)) if errors else 0.0 for q in levels}
            out[node] = sort_levels({q: [p + shift[q] for p in point[node]] for q in levels})
        return out
