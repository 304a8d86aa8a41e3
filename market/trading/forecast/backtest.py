"""Walk-forward backtest: for each day, refit every model on what was known before it, forecast it.

For market day D each model is fitted on prices of intervals starting strictly before D's local
midnight and on exogenous points before D; it then predicts D from the exchange's forecasts for D
(the actuals of D and later are blanked, points after D dropped), exactly what a trader would have
had when bidding. Errors are scored against the published prices of D: per model and node the
MAE and RMSE in currency per MWh over the node-intervals that have a published price, and the
skill against the reference model, ``1 - MAE / MAE_ref`` (positive: better than the reference).
Node ``"*"`` aggregates every node.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING

from vpp.intervals import day_bounds, day_intervals

from .base import PriceModel, before, known_for_day, pivot_prices
from .naive import SeasonalNaive

if TYPE_CHECKING:
    from market.exchange.client import ExogenousPoint, PricePoint

ALL_NODES = "*"


@dataclass(frozen=True)
class ForecastRow:
    model: str
    node: str
    interval_start: datetime
    forecast: float
    actual: float | None  # None: no published price for that interval


@dataclass(frozen=True)
class Score:
    model: str
    node: str  # a node code, or "*" for all nodes together
    mae: float | None
    rmse: float | None
    count: int
    skill: float | None  # 1 - MAE/MAE_ref; None when undefined


@dataclass
class BacktestResult:
    reference: str
    days: list[date]
    nodes: list[str]
    scores: list[Score] = field(default_factory=list)
    rows: list[ForecastRow] = field(default_factory=list)

    def score(self, model: str, node: str = ALL_NODES) -> Score:
        for s in self.scores:
            if s.model == model and s.node == node:
                return s
        raise KeyError((model, node))

    @property
    def models(self) -> list[str]:
        return list(dict.fromkeys(s.model for s in self.scores))


def forecast_day(
    model: PriceModel,
    history: list[PricePoint],
    exogenous: list[ExogenousPoint],
    day: date,
    nodes: list[str],
) -> dict[str, list[float]]:
    """Fit ``model`` on what was known before ``day`` and forecast it: prices of intervals before
    the day's start, exogenous points before it for training, and for the day itself the
    forecasts only (actuals of ``day`` and later blanked, later days dropped). Safe to call with
    more data than that; the live desk and the backtest both go through here."""
    start, _ = day_bounds(day)
    known = known_for_day(exogenous, day)
    model.fit(before(history, start), [e for e in known if e.interval_start < start])
    forecast = model.predict(day, list(nodes), known)
    expected = len(day_intervals(day))
    for node in nodes:
        if len(forecast.get(node, ())) != expected:
            raise ValueError(f"{model.name}: not {expected} prices for {node} on {day}")
    return forecast


def _metrics(pairs: list[tuple[float, float]]) -> tuple[float | None, float | None]:
    if not pairs:
        return None, None
    errors = [f - a for f, a in pairs]
    mae = sum(abs(e) for e in errors) / len(errors)
    rmse = math.sqrt(sum(e * e for e in errors) / len(errors))
    return mae, rmse


def backtest(
    models: list[PriceModel],
    history: list[PricePoint],
    exogenous: list[ExogenousPoint],
    days: list[date],
    nodes: list[str],
    *,
    reference: str | None = None,
    kind: str | None = None,
) -> BacktestResult:
    """Score ``models`` over ``days``. ``reference`` names the model skill is measured against;
    by default the first ``SeasonalNaive`` in ``models``, which is added when there is none.
    ``kind`` ("da"/"rt") restricts which published prices count as the actual outcome."""
    models = list(models)
    names = [m.name for m in models]
    if len(set(names)) != len(names):
        raise ValueError(f"model names must be unique: {names}")
    if reference is None:
        ref = next((m for m in models if isinstance(m, SeasonalNaive)), None)
        if ref is None:
            ref = SeasonalNaive(1, kind=kind)
            models.insert(0, ref)
        reference = ref.name
    elif reference not in names:
        raise ValueError(f"reference {reference!r} is not one of {names}")

    actual = pivot_prices(history, kind=kind)
    days = sorted(set(days))
    result = BacktestResult(reference=reference, days=days, nodes=list(nodes))
    pairs: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for day in days:
        starts = day_intervals(day)
        for model in models:
            forecast = forecast_day(model, history, exogenous, day, nodes)
            for node in nodes:
                values = forecast[node]
                observed = actual.get(node, {})
                for at, f in zip(starts, values, strict=True):
                    a = observed.get(at)
                    result.rows.append(ForecastRow(model.name, node, at, float(f), a))
                    if a is not None:
                        pairs.setdefault((model.name, node), []).append((float(f), a))
                        pairs.setdefault((model.name, ALL_NODES), []).append((float(f), a))

    for node in [*nodes, ALL_NODES]:
        ref_mae, _ = _metrics(pairs.get((reference, node), []))
        for model in models:
            got = pairs.get((model.name, node), [])
            mae, rmse = _metrics(got)
            skill = None
            if mae is not None and ref_mae:
                skill = 1.0 - mae / ref_mae
            result.scores.append(Score(model.name, node, mae, rmse, len(got), skill))
    return result
