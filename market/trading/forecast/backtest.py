"""Walk-forward backtest: for each day, refit every model on what was known before it, forecast it.

For market day D each model is fitted on prices of intervals starting strictly before D's local
midnight and on exogenous points before D; it then predicts D from the exchange's forecasts for D
(the actuals of D and later are blanked, points after D dropped), exactly what a trader would have
had when bidding. Errors are scored against the published prices of D: per model and node the
MAE and RMSE in currency per MWh over the node-intervals that have a published price, and the
skill against the reference model, ``1 - MAE / MAE_ref`` (positive: better than the reference),
and against every seasonal-naive model in the run (``skills``: yesterday's and last week's prices
when both are there). For a model with quantiles the score also gives the share of outcomes
inside its 10-90 % band (``coverage_80``) and 25-75 % band (``coverage_50``), and its point
forecast is the median. Node ``"*"`` aggregates every node.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING

from vpp.intervals import day_bounds, day_intervals

from .base import PriceModel, QuantileModel, Quantiles, before, known_for_day, pivot_prices
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
    low: float | None = None  # the 10 % quantile, for a model with quantiles
    high: float | None = None  # the 90 % quantile


@dataclass(frozen=True)
class Score:
    model: str
    node: str  # a node code, or "*" for all nodes together
    mae: float | None
    rmse: float | None
    count: int
    skill: float | None  # 1 - MAE/MAE_ref; None when undefined
    skills: dict[str, float | None] = field(default_factory=dict)  # per naive reference
    # Share of outcomes in the 10-90 % (25-75 %) band. Cleared prices sit on price steps (a
    # unit's marginal cost), so an outcome often equals a band edge exactly: it counts half
    # inside (the mid-point convention for distributions with point masses, as the randomised
    # PIT of Czado, Gneiting and Held 2009); ``edge_80`` is the share on a 10-90 % edge, so
    # ``coverage_80 +- edge_80 / 2`` are the edges-inside and edges-outside counts.
    coverage_80: float | None = None
    coverage_50: float | None = None
    edge_80: float | None = None


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


def forecast_distribution(
    model: PriceModel,
    history: list[PricePoint],
    exogenous: list[ExogenousPoint],
    day: date,
    nodes: list[str],
) -> tuple[dict[str, list[float]], dict[str, Quantiles] | None]:
    """As ``forecast_day`` (the same fit on the same known data), also returning the quantiles
    of a ``QuantileModel`` (``None`` for a model without them)."""
    prices = forecast_day(model, history, exogenous, day, nodes)
    if not isinstance(model, QuantileModel):
        return prices, None
    quantiles = model.predict_quantiles(day, list(nodes), known_for_day(exogenous, day))
    expected = len(day_intervals(day))
    for node in nodes:
        levels = quantiles.get(node, {})
        if 0.5 not in levels or any(len(v) != expected for v in levels.values()):
            raise ValueError(f"{model.name}: not {expected} quantiles for {node} on {day}")
    return prices, quantiles


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
    progress=None,
) -> BacktestResult:
    """Score ``models`` over ``days``. ``reference`` names the model skill is measured against;
    by default the first ``SeasonalNaive`` in ``models``, which is added when there is none;
    ``Score.skills`` holds the skill against every seasonal-naive model of the run.
    ``kind`` ("da"/"rt") restricts which published prices count as the actual outcome.
    ``progress(done, total)`` is called after each day."""
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
    naive = [m.name for m in models if isinstance(m, SeasonalNaive)]
    pairs: dict[tuple[str, str], list[tuple[float, float]]] = {}
    # (model, node) -> per outcome: (inside 10-90 %, inside 25-75 %)
    inside: dict[tuple[str, str], list[tuple[bool, bool]]] = {}
    for k, day in enumerate(days, start=1):
        starts = day_intervals(day)
        for model in models:
            forecast, quantiles = forecast_distribution(model, history, exogenous, day, nodes)
            for node in nodes:
                observed = actual.get(node, {})
                q = quantiles[node] if quantiles else None
                for i, (at, f) in enumerate(zip(starts, forecast[node], strict=True)):
                    a = observed.get(at)
                    low = q[0.1][i] if q and 0.1 in q else None
                    high = q[0.9][i] if q and 0.9 in q else None
                    result.rows.append(ForecastRow(model.name, node, at, float(f), a, low, high))
                    if a is None:
                        continue
                    for key in ((model.name, node), (model.name, ALL_NODES)):
                        pairs.setdefault(key, []).append((float(f), a))
                        if q:
                            inside.setdefault(key, []).append(_inside(q, i, a))
        if progress:
            progress(k, len(days))

    for node in [*nodes, ALL_NODES]:
        ref_mae = {name: _metrics(pairs.get((name, node), []))[0] for name in {reference, *naive}}
        for model in models:
            got = pairs.get((model.name, node), [])
            mae, rmse = _metrics(got)
            skills = {
                name: (1.0 - mae / ref) if mae is not None and ref else None
                for name, ref in sorted(ref_mae.items())
            }
            hits = inside.get((model.name, node))
            result.scores.append(
                Score(
                    model.name,
                    node,
                    mae,
                    rmse,
                    len(got),
                    skills[reference],
                    skills,
                    sum(h[0] for h in hits) / len(hits) if hits else None,
                    sum(h[1] for h in hits) / len(hits) if hits else None,
                    sum(h[2] for h in hits) / len(hits) if hits else None,
                )
            )
    return result


EDGE_PER_MWH = 0.005  # prices are published to the cent: closer than half a cent is "on" it


def _inside(q: Quantiles, i: int, actual: float) -> tuple[float, float, bool]:
    """How far ``actual`` lies in the 10-90 % and the 25-75 % band at interval ``i`` (1 inside,
    0.5 on an edge, 0 outside), and whether it is on a 10-90 % edge."""

    def band(lo: float, hi: float) -> tuple[float, bool]:
        if lo not in q or hi not in q:
            return 0.0, False
        low, high = q[lo][i], q[hi][i]
        if abs(actual - low) < EDGE_PER_MWH or abs(actual - high) < EDGE_PER_MWH:
            return 0.5, True
        return (1.0 if low < actual < high else 0.0), False

    (c80, edge), (c50, _) = band(0.1, 0.9), band(0.25, 0.75)
    return c80, c50, edge
