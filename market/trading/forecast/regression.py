"""Ridge regression per node: yesterday's and last week's prices plus the exchange's day-ahead
forecasts of demand and wind/solar capacity factors.

For node n, market day d and interval i (local time of day t in hours) the model is

    price[n, d, i] = b0 + w . standardise(x[n, d, i]),   x = (
        p[d-1, i], p[d-7, i],                          lagged published prices
        D[d, i], D[d, i]^2, W[d, i], S[d, i],           forecasts for the day itself
        D[d-1, i], W[d-1, i], S[d-1, i],                the forecasts that went with p[d-1]
        sin(2 pi k t / 24), cos(2 pi k t / 24), k=1..K, time of day
        weekend(d))

D is forecast demand (MW), W and S the wind and solar capacity-factor forecasts. Net load is
D - cap_W * W - cap_S * S with capacities the model does not know, so the linear terms learn them.
Only forecast fields are read, never the actuals: the features of a past training day are the ones
that would have been available when bidding for it. Weights solve (X'X + a n I) w = X'y in closed
form on standardised features (a per-row penalty, n rows); a is chosen from ``alphas`` by MAE on
the last ``validation_days`` training days, then the model is refitted on all of them.
Predictions are clipped to [floor, cap] (default: the exchange's configured price floor and cap).
Nodes with too little history fall back to the seasonal-naive forecast.
"""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

import numpy as np

from vpp.intervals import day_intervals, to_local

from .base import (
    Series,
    day_vector,
    days_with_data,
    fill_missing,
    lagged_day,
    pivot_exogenous,
    pivot_prices,
    price_bounds,
)
from .naive import SeasonalNaive

if TYPE_CHECKING:
    from market.exchange.client import ExogenousPoint, PricePoint

_EXOG_FIELDS = ("demand_mw_forecast", "wind_cf_forecast", "solar_cf_forecast")


class RidgeRegression:
    def __init__(
        self,
        *,
        floor: float | None = None,
        cap: float | None = None,
        alphas: tuple[float, ...] = (1e-4, 1e-3, 1e-2, 1e-1, 1.0, 10.0),
        validation_days: int = 7,
        train_days: int = 56,
        min_train_days: int = 7,
        harmonics: int = 3,
        kind: str | None = None,
        name: str = "ridge",
    ):
        self.floor, self.cap = floor, cap
        self.alphas = tuple(sorted(alphas))
        self.validation_days = validation_days
        self.train_days = train_days
        self.min_train_days = min_train_days
        self.harmonics = harmonics
        self.kind = kind
        self.name = name
        self._prices: dict[str, Series] = {}
        self._exog: dict[str, dict[datetime, ExogenousPoint]] = {}
        self._fallback = SeasonalNaive(1, kind=kind)
        # node -> (feature means, feature stds, weights, intercept, alpha)
        self.coefficients: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray, float, float]] = {}

    # ----------------------------------------------------------------- features
    def _exog_day(
        self, exog: dict[datetime, ExogenousPoint], day: date
    ) -> list[list[float]] | None:
        """The three forecast vectors of ``day``, holes interpolated; ``None`` if all missing."""
        at = day_intervals(day)
        out = []
        for field in _EXOG_FIELDS:
            raw = [getattr(exog[t], field) if t in exog else None for t in at]
            raw = [None if v is None or not math.isfinite(v) else float(v) for v in raw]
            filled = fill_missing(raw)
            if filled is None:
                return None
            out.append(filled)
        return out

    def _features(
        self, node: str, day: date, exog: dict[datetime, ExogenousPoint]
    ) -> np.ndarray | None:
        """One row per interval of ``day``; ``None`` without lagged prices or forecasts."""
        series = self._prices.get(node, {})
        p1 = lagged_day(series, day, (1, 2, 3))
        if p1 is None:
            return None
        p7 = lagged_day(series, day, (7, 1, 2, 3))
        today = self._exog_day(exog, day)
        yesterday = self._exog_day(exog, day - timedelta(days=1)) or today
        if today is None:
            return None
        starts = day_intervals(day)
        n = len(starts)
        yesterday = [(v + [v[-1]] * n)[:n] for v in yesterday]
        local = [to_local(s) for s in starts]
        hours = np.array([t.hour + t.minute / 60.0 for t in local])
        demand = np.array(today[0])
        cols = [np.array(p1), np.array(p7), demand, demand**2, np.array(today[1])]
        cols += [np.array(today[2])] + [np.array(v) for v in yesterday]
        for k in range(1, self.harmonics + 1):
            angle = 2.0 * math.pi * k * hours / 24.0
            cols += [np.sin(angle), np.cos(angle)]
        cols.append(np.full(n, 1.0 if day.weekday() >= 5 else 0.0))
        return np.column_stack(cols)

    # ---------------------------------------------------------------- fitting
    @staticmethod
    def _solve(x: np.ndarray, y: np.ndarray, alpha: float):
        mean = x.mean(axis=0)
        std = x.std(axis=0)
        std[std < 1e-9] = 1.0
        z = (x - mean) / std
        intercept = float(y.mean())
        gram = z.T @ z + alpha * len(y) * np.eye(z.shape[1])
        weights = np.linalg.solve(gram, z.T @ (y - intercept))
        return mean, std, weights, intercept

    @staticmethod
    def _apply(x: np.ndarray, mean, std, weights, intercept) -> np.ndarray:
        return intercept + ((x - mean) / std) @ weights

    def _training_rows(self, node: str) -> list[tuple[date, np.ndarray, np.ndarray]]:
        series = self._prices.get(node, {})
        exog = self._exog.get(node, {})
        days = days_with_data(series)[-self.train_days :]
        rows = []
        for d in days:
            x = self._features(node, d, exog)
            if x is None:
                continue
            target = day_vector(series, d)
            keep = [i for i, v in enumerate(target) if v is not None]
            if keep:
                y = np.array([target[i] for i in keep], dtype=float)
                rows.append((d, x[keep], y))
        return rows

    def fit(self, history: list[PricePoint], exogenous: list[ExogenousPoint]) -> None:
        self._prices = pivot_prices(history, kind=self.kind)
        self._exog = pivot_exogenous(exogenous)
        self._fallback.fit(history, exogenous)
        self.coefficients = {}
        for node in sorted(self._prices):
            rows = self._training_rows(node)
            if len(rows) < self.min_train_days:
                continue
            alpha = self._choose_alpha(rows)
            x = np.vstack([r[1] for r in rows])
            y = np.concatenate([r[2] for r in rows])
            self.coefficients[node] = (*self._solve(x, y, alpha), alpha)

    def _choose_alpha(self, rows) -> float:
        n_val = min(self.validation_days, len(rows) - self.min_train_days + 1)
        if n_val < 1 or len(self.alphas) == 1:
            return self.alphas[len(self.alphas) // 2]
        train, val = rows[:-n_val], rows[-n_val:]
        x = np.vstack([r[1] for r in train])
        y = np.concatenate([r[2] for r in train])
        xv = np.vstack([r[1] for r in val])
        yv = np.concatenate([r[2] for r in val])
        best, best_mae = self.alphas[0], math.inf
        for alpha in self.alphas:
            mae = float(np.mean(np.abs(self._apply(xv, *self._solve(x, y, alpha)) - yv)))
            if mae < best_mae - 1e-12:
                best, best_mae = alpha, mae
        return best

    # ------------------------------------------------------------- prediction
    def predict(
        self, day: date, nodes: list[str], exogenous: list[ExogenousPoint]
    ) -> dict[str, list[float]]:
        lo, hi = price_bounds(self.floor, self.cap)
        given = pivot_exogenous(exogenous)
        fallback = self._fallback.predict(day, nodes, exogenous)
        out: dict[str, list[float]] = {}
        for node in nodes:
            exog = {**self._exog.get(node, {}), **given.get(node, {})}
            coef = self.coefficients.get(node)
            x = self._features(node, day, exog) if coef else None
            if coef is None or x is None:
                values = np.array(fallback[node], dtype=float)
            else:
                values = self._apply(x, *coef[:4])
            out[node] = [float(v) for v in np.clip(values, lo, hi)]
        return out
