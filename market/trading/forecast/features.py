"""The design matrix of the gradient-boosting model: one row per node and interval of a market day,
built only from what is known when bidding for that day (D-1, before the gate).

Columns (``FeatureSpace.columns`` names them):

- ``node``: the node's index (a categorical feature: one pooled model learns every node);
- ``interval``, ``hour``: the interval's position in the day and its local time of day;
- ``weekday``, ``working_day``, ``holiday``, ``adjusted_working_day``: the day on the market's
  working-day calendar (``vpp.calendar``: public holidays and weekend days made working days);
- ``demand_mw``, ``wind_cf``, ``solar_cf``: the exchange's published forecasts for this node;
- ``system_demand_mw``: the forecast demand summed over every node;
- ``<NODE>:demand_mw`` ... for every node: prices are nodal duals of one network, so the price at
  one node depends on the demand and the renewables everywhere (congestion splits them);
- ``price_d1``, ``price_d7``: this node's published price at the same interval yesterday and a
  week ago; ``price_d1_mean``: yesterday's daily mean.

Missing values stay ``NaN`` (the library's trees route them natively): a node without a forecast,
a lag that was never published. Only ``*_forecast`` fields are read, never the actuals, so a
training day has the inputs it would have had at bid time.
"""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

import numpy as np

from vpp import calendar
from vpp.intervals import day_intervals, to_local

from .base import Series

if TYPE_CHECKING:
    from market.exchange.client import ExogenousPoint

_EXOG = (
    ("demand_mw", "demand_mw_forecast"),
    ("wind_cf", "wind_cf_forecast"),
    ("solar_cf", "solar_cf_forecast"),
)
CALENDAR_COLUMNS = ("weekday", "working_day", "holiday", "adjusted_working_day")
LAG_COLUMNS = ("price_d1", "price_d7", "price_d1_mean")


def _finite(value) -> float:
    if value is None:
        return math.nan
    value = float(value)
    return value if math.isfinite(value) else math.nan


def calendar_row(day: date) -> list[float]:
    cal = calendar.calendar()
    return [
        float(day.weekday()),
        float(cal.is_working_day(day)),
        float(cal.is_holiday(day)),
        float(cal.is_adjusted_working_day(day)),
    ]


class FeatureSpace:
    """Builds rows for a fixed node list (the nodes seen when the model was fitted)."""

    def __init__(
        self,
        nodes: list[str],
        prices: dict[str, Series],
        exogenous: dict[str, dict[datetime, ExogenousPoint]],
    ):
        self.nodes = list(nodes)
        self.index = {node: k for k, node in enumerate(self.nodes)}
        self.prices = prices
        self.exogenous = exogenous
        self.columns = [
            "node",
            "interval",
            "hour",
            *CALENDAR_COLUMNS,
            *(name for name, _ in _EXOG),
            "system_demand_mw",
            *(f"{node}:{name}" for node in self.nodes for name, _ in _EXOG),
            *LAG_COLUMNS,
        ]

    def with_exogenous(self, extra: dict[str, dict[datetime, ExogenousPoint]]) -> FeatureSpace:
        """The same space with more (or newer) exogenous points, e.g. the forecasts of the day
        being predicted."""
        merged = {n: {**self.exogenous.get(n, {}), **extra.get(n, {})} for n in self.nodes}
        return FeatureSpace(self.nodes, self.prices, merged)

    def _exog_matrix(self, starts: list[datetime]) -> np.ndarray:
        """(intervals, nodes, 3) forecasts; NaN where missing."""
        out = np.full((len(starts), len(self.nodes), len(_EXOG)), np.nan)
        for j, node in enumerate(self.nodes):
            points = self.exogenous.get(node, {})
            for i, at in enumerate(starts):
                point = points.get(at)
                if point is not None:
                    out[i, j] = [_finite(getattr(point, attr)) for _, attr in _EXOG]
        return out

    def _lag(self, node: str, day: date, lag: int, n: int) -> np.ndarray:
        series = self.prices.get(node, {})
        values = [series.get(at) for at in day_intervals(day - timedelta(days=lag))]
        values = (values + [None] * n)[:n]  # a DST day longer or shorter: match by position
        return np.array([_finite(v) for v in values])

    def day_rows(self, day: date, nodes: list[str] | None = None) -> dict[str, np.ndarray]:
        """node -> (intervals x columns) for ``day``; nodes outside the space are left out."""
        starts = day_intervals(day)
        n = len(starts)
        local = [to_local(at) for at in starts]
        hours = np.array([t.hour + t.minute / 60.0 for t in local])
        exog = self._exog_matrix(starts)
        demand = exog[:, :, 0]
        system = np.where(np.isnan(demand).all(axis=1), np.nan, np.nansum(demand, axis=1))
        everywhere = exog.reshape(n, -1)
        shared = np.column_stack(
            [np.arange(n, dtype=float), hours, np.tile(calendar_row(day), (n, 1))]
        )
        out = {}
        for node in nodes or self.nodes:
            j = self.index.get(node)
            if j is None:
                continue
            d1 = self._lag(node, day, 1, n)
            d1_mean = np.full(n, np.nanmean(d1) if not np.isnan(d1).all() else np.nan)
            out[node] = np.column_stack(
                [
                    np.full(n, float(j)),
                    shared,
                    exog[:, j, :],
                    system,
                    everywhere,
                    d1,
                    self._lag(node, day, 7, n),
                    d1_mean,
                ]
            )
        return out
