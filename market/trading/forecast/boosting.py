"""Gradient-boosted quantile regression with a conformal correction: the desk's default model.

Library: scikit-learn's ``HistGradientBoostingRegressor`` (histogram gradient boosting, the
LightGBM algorithm; its wheels bundle OpenMP, so it installs from PyPI alone), with the quantile
(pinball) loss. One pooled model per quantile level learns every node, the node being a
categorical feature; the rows and columns are ``features.FeatureSpace``.

Fit on the days before D (at most ``train_days`` of them):

1. **Calibration.** The last ``calibration_days`` days are held out; a model per level tau is
   fitted on the days before them, and per node the shift ``s[n, tau]`` is the tau-quantile of
   the held-out residuals ``y - q_tau(x)``. Shifted, each level holds the share tau of the
   held-out outcomes below it (a conformalised quantile, Romano et al. 2019, one level at a
   time), so the 10-90 % band holds about 80 % of them.
2. **Refit** the median (``refit_levels``) on all the days, so the most recent days inform the
   point forecast (unshifted: the median loss already aims at it, and the shift of step 1 was
   another model's). The other levels keep the models of step 1, so
   the band that is shifted is the band that was calibrated (a refitted band would be tighter
   than its calibration and hold more than 80 %), and a forecast costs six fits, not ten.

Predict D: ``q_tau(x) + s[n, tau]``, clipped to [floor, cap], levels sorted per interval so they
never cross. The point forecast is the calibrated median (the MAE-optimal value).

With fewer than ``min_train_days`` days of prices (or a node it has not seen) the model falls
back to the weekly seasonal-naive forecast and its empirical error quantiles.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import numpy as np
import sklearn
from sklearn.ensemble import HistGradientBoostingRegressor
from threadpoolctl import threadpool_limits

from .base import (
    LEVELS,
    day_vector,
    days_with_data,
    pivot_exogenous,
    pivot_prices,
    price_bounds,
    sort_levels,
)
from .features import FeatureSpace
from .naive import SeasonalNaive

if TYPE_CHECKING:
    from market.exchange.client import ExogenousPoint, PricePoint

VERSION = "1"  # bump when features or the method change: stored with every forecast


class GradientBoosting:
    def __init__(
        self,
        *,
        levels: tuple[float, ...] = LEVELS,
        train_days: int = 56,
        calibration_days: int = 7,
        min_train_days: int = 10,
        refit_levels: tuple[float, ...] = (0.5,),
        max_iter: int = 100,
        learning_rate: float = 0.1,
        max_leaf_nodes: int = 31,
        min_samples_leaf: int = 20,
        floor: float | None = None,
        cap: float | None = None,
        kind: str | None = None,
        name: str = "gradient_boosting",
        threads: int = 1,
    ):
        if 0.5 not in levels:
            raise ValueError("levels must include the median (0.5), the point forecast")
        if not all(0.0 < q < 1.0 for q in levels):
            raise ValueError("levels must lie strictly between 0 and 1")
        self.levels = tuple(sorted(levels))
        self.train_days = train_days
        self.calibration_days = calibration_days
        self.min_train_days = min_train_days
        self.refit_levels = tuple(refit_levels)
        self.hyper = {
            "max_iter": max_iter,
            "learning_rate": learning_rate,
            "max_leaf_nodes": max_leaf_nodes,
            "min_samples_leaf": min_samples_leaf,
        }
        self.floor, self.cap = floor, cap
        # OpenMP threads per fit. One: a Celery worker runs a task per core, and on a busy core
        # OpenMP's spinning threads slow a fit many times over instead of speeding it up.
        self.threads = threads
        self.kind = kind
        self.name = name
        self._fallback = SeasonalNaive(7, kind=kind)
        self._space: FeatureSpace | None = None
        self._models: dict[float, HistGradientBoostingRegressor] = {}
        self.shifts: dict[str, dict[float, float]] = {}  # node -> level -> CNY/MWh
        self.trained_days: list[date] = []
        self.calibration: list[date] = []

    # ----------------------------------------------------------------- fitting
    def _regressor(self, level: float) -> HistGradientBoostingRegressor:
        return HistGradientBoostingRegressor(
            loss="quantile",
            quantile=level,
            categorical_features=[0],
            early_stopping=False,  # no random validation split: the same data, the same model
            random_state=0,
            **self.hyper,
        )

    def _rows(self, days: list[date]):
        """Stacked (X, y, node per row) over ``days``, only node-intervals with a price."""
        xs, ys, owners = [], [], []
        for day in days:
            for node, x in self._space.day_rows(day).items():
                target = day_vector(self._space.prices.get(node, {}), day)
                keep = [i for i, v in enumerate(target) if v is not None]
                if keep:
                    xs.append(x[keep])
                    ys.append(np.array([target[i] for i in keep], dtype=float))
                    owners += [node] * len(keep)
        if not xs:
            return None
        return np.vstack(xs), np.concatenate(ys), np.array(owners)

    def fit(self, history: list[PricePoint], exogenous: list[ExogenousPoint]) -> None:
        with threadpool_limits(limits=self.threads, user_api="openmp"):
            self._fit(history, exogenous)

    def _fit(self, history: list[PricePoint], exogenous: list[ExogenousPoint]) -> None:
        prices = pivot_prices(history, kind=self.kind)
        exog = pivot_exogenous(exogenous)
        self._fallback.fit(history, exogenous)
        self._models, self.shifts, self.trained_days, self.calibration = {}, {}, [], []
        self._space = FeatureSpace(sorted(set(prices) | set(exog)), prices, exog)
        days = sorted({d for s in prices.values() for d in days_with_data(s)})
        days = days[-self.train_days :]
        if len(days) < self.min_train_days:
            return
        n_cal = min(self.calibration_days, len(days) // 3)
        fit_days, cal_days = days[:-n_cal], days[-n_cal:]
        train, held_out = self._rows(fit_days), self._rows(cal_days)
        if train is None or held_out is None:
            return
        for level in self.levels:
            model = self._regressor(level).fit(train[0], train[1])
            residual = held_out[1] - model.predict(held_out[0])
            pooled = float(np.quantile(residual, level))
            for node in self._space.nodes:
                mine = residual[held_out[2] == node]
                # a node with too few held-out outcomes borrows the pooled shift
                shift = float(np.quantile(mine, level)) if len(mine) >= 48 else pooled
                self.shifts.setdefault(node, {})[level] = shift
            self._models[level] = model
        refit = [q for q in self.levels if q in self.refit_levels]
        if refit:
            everything = self._rows(days)
            for level in refit:
                self._models[level] = self._regressor(level).fit(everything[0], everything[1])
                for levels in self.shifts.values():
                    levels[level] = 0.0  # the shift of step 1 belonged to the other model
        self.trained_days, self.calibration = days, cal_days

    # -------------------------------------------------------------- prediction
    def predict_quantiles(
        self, day: date, nodes: list[str], exogenous: list[ExogenousPoint]
    ) -> dict[str, dict[float, list[float]]]:
        lo, hi = price_bounds(self.floor, self.cap)
        fallback = self._fallback.predict_quantiles(day, nodes, exogenous, levels=self.levels)
        rows = {}
        if self._models:
            space = self._space.with_exogenous(pivot_exogenous(exogenous))
            rows = space.day_rows(day, [n for n in nodes if n in self.shifts])
        out: dict[str, dict[float, list[float]]] = {}
        for node in nodes:
            x = rows.get(node)
            if x is None:
                out[node] = fallback[node]
                continue
            with threadpool_limits(limits=self.threads, user_api="openmp"):
                raw = {
                    q: np.clip(self._models[q].predict(x) + self.shifts[node][q], lo, hi)
                    for q in self.levels
                }
            out[node] = sort_levels(raw)
        return out

    def predict(
        self, day: date, nodes: list[str], exogenous: list[ExogenousPoint]
    ) -> dict[str, list[float]]:
        return {n: q[0.5] for n, q in self.predict_quantiles(day, nodes, exogenous).items()}

    def provenance(self) -> dict:
        """What to store with a forecast so it can be explained and reproduced."""
        return {
            "model_version": VERSION,
            "library": f"scikit-learn {sklearn.__version__} HistGradientBoostingRegressor",
            "hyperparameters": self.hyper,
            "levels": list(self.levels),
            "refit_levels": list(self.refit_levels),
            "trained_days": [self.trained_days[0].isoformat(), self.trained_days[-1].isoformat()]
            if self.trained_days
            else [],
            "calibration_days": [d.isoformat() for d in self.calibration],
            "shifts_per_mwh": {
                n: {str(q): round(s, 3) for q, s in levels.items()}
                for n, levels in self.shifts.items()
            },
            "fallback": "seasonal_naive_7d" if not self._models else None,
        }
