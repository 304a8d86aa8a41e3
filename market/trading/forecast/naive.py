"""Seasonal-naive reference: tomorrow looks like the same interval one day (or one week) ago.

For each node and interval of ``day`` the forecast is the published price at the same interval
position of ``day - lag_days``. Missing values fall back in order: the other lag (one week ->
one day), then the most recent earlier day with any price, holes inside a day are interpolated;
a node with no history at all gets the mean of every node's history (0 when there is none).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from vpp.intervals import day_intervals, market_day_of

from .base import Series, lagged_day, pivot_prices, series_mean

if TYPE_CHECKING:
    from market.exchange.client import ExogenousPoint, PricePoint


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

    def predict(
        self, day: date, nodes: list[str], exogenous: list[ExogenousPoint]
    ) -> dict[str, list[float]]:
        n = len(day_intervals(day))
        everything = [v for s in self._prices.values() for v in s.values()]
        global_mean = sum(everything) / len(everything) if everything else 0.0
        out: dict[str, list[float]] = {}
        for node in nodes:
            series = self._prices.get(node, {})
            lags = tuple(dict.fromkeys((self.lag_days, 1)))
            values = lagged_day(series, day, lags)
            if values is None:
                earlier = sorted({market_day_of(at) for at in series if market_day_of(at) < day})
                if earlier:
                    values = lagged_day(series, day, ((day - earlier[-1]).days,))
            if values is None:
                values = [series_mean(series, global_mean)] * n
            out[node] = values
        return out
