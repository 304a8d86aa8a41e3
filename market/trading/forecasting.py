"""Forecasting services: fetch the published history and the exchange's exogenous forecasts
through the client, fit a model, store the forecast (point and quantiles) with what it was
trained on; run and store the rolling-origin backtest (docs/forecast.md)."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction

from vpp import clock
from vpp.errors import ApplicationError
from vpp.intervals import day_bounds, day_intervals

from .exchange import get_client
from .forecast import (
    LEVELS,
    BacktestResult,
    GradientBoosting,
    RidgeRegression,
    SeasonalNaive,
    backtest,
    forecast_distribution,
)
from .models import ForecastBacktest, ForecastPoint, PriceForecast

LOOKBACK_DAYS = 63  # 56 training days + the 7-day lag feature
DEFAULT_MODEL = "gradient_boosting"
MODELS = {
    "gradient_boosting": GradientBoosting,
    "ridge": RidgeRegression,
    "seasonal_naive": SeasonalNaive,
}


def _inputs(first_day: date, last_day: date):
    client = get_client()
    nodes = [n.code for n in client.list_nodes()]
    start = day_bounds(first_day - timedelta(days=LOOKBACK_DAYS))[0]
    history = client.price_history(start=start, end=day_bounds(last_day)[0], kind="da")
    exogenous = client.exogenous(start=start, end=day_bounds(last_day)[1])
    return nodes, history, exogenous


def _params(model) -> dict:
    if isinstance(model, RidgeRegression):
        return {"alpha": {node: c[4] for node, c in model.coefficients.items()}}
    if isinstance(model, GradientBoosting):
        return model.provenance()
    return {}


@transaction.atomic
def make_forecast(*, market_day: date, model_name: str = DEFAULT_MODEL) -> PriceForecast:
    """A new forecast of ``market_day``'s day-ahead prices per node and interval, from the
    prices published before that day and the exchange's forecasts for it: the point price and,
    for a model that has them, the calibrated quantiles (``LEVELS``). Each new forecast of the
    same day and model is the next ``version``."""
    if model_name not in MODELS:
        raise ApplicationError(f"unknown model; use one of {', '.join(MODELS)}", field="model")
    nodes, history, exogenous = _inputs(market_day, market_day)
    if not history:
        raise ApplicationError("the exchange has published no prices to learn from", field="day")
    model = MODELS[model_name]()
    prices, quantiles = forecast_distribution(model, history, exogenous, market_day, nodes)
    # PostgreSQL locks no rows for an aggregate: lock the day's forecasts, then count
    previous = max(
        PriceForecast.objects.select_for_update()
        .filter(market_day=market_day, model_name=model.name)
        .values_list("version", flat=True),
        default=0,
    )
    forecast = PriceForecast.objects.create(
        market_day=market_day,
        model_name=model.name,
        version=previous + 1,
        created_at=clock.now(),
        trained_through=max(p.interval_start for p in history),
        quantile_levels=sorted(next(iter(quantiles.values()))) if quantiles else [],
        params=_params(model),
    )
    starts = day_intervals(market_day)
    ForecastPoint.objects.bulk_create(
        ForecastPoint(
            forecast=forecast,
            node_code=node,
            interval_start=t,
            price_per_mwh=v,
            quantiles_per_mwh=(
                {str(q): round(series[k], 4) for q, series in quantiles[node].items()}
                if quantiles
                else {}
            ),
        )
        for node, values in prices.items()
        for k, (t, v) in enumerate(zip(starts, values, strict=True))
    )
    return forecast


def forecast_prices(forecast: PriceForecast) -> dict[str, list[float]]:
    """node -> prices in interval order, as the optimiser takes them."""
    out: dict[str, list[float]] = {}
    for p in forecast.points.order_by("node_code", "interval_start"):
        out.setdefault(p.node_code, []).append(p.price_per_mwh)
    return out


def forecast_quantiles(forecast: PriceForecast) -> dict[str, dict[float, list[float]]]:
    """node -> level (0.1 ... 0.9) -> prices in interval order, as the optimiser's scenarios
    take them; ``{}`` for a forecast stored without quantiles (the ridge model)."""
    out: dict[str, dict[float, list[float]]] = {}
    if not forecast.quantile_levels:
        return out
    for p in forecast.points.order_by("node_code", "interval_start"):
        levels = out.setdefault(p.node_code, {float(q): [] for q in forecast.quantile_levels})
        for q, series in levels.items():
            series.append(p.quantiles_per_mwh[str(q)])
    return out


def backtest_models() -> list:
    """The models every backtest scores: both naive references, then the desk's models."""
    return [SeasonalNaive(1), SeasonalNaive(7), GradientBoosting(), RidgeRegression()]


def run_backtest(
    *, last_day: date, days: int = 14, models: list | None = None, progress=None
) -> BacktestResult:
    """Each model against yesterday's and last week's prices over the ``days`` days up to
    ``last_day``, each forecast made only from what was known before its day (rolling origin:
    every model is refitted for every day)."""
    first = last_day - timedelta(days=days - 1)
    nodes, history, exogenous = _inputs(first, last_day + timedelta(days=1))
    span = [first + timedelta(days=k) for k in range(days)]
    return backtest(models or backtest_models(), history, exogenous, span, nodes, progress=progress)


@transaction.atomic
def backtest_save(result: BacktestResult) -> ForecastBacktest:
    """Store a backtest's scores for the API and the page (its rows stay in memory)."""
    return ForecastBacktest.objects.create(
        created_at=clock.now(),
        first_day=result.days[0],
        last_day=result.days[-1],
        days=len(result.days),
        reference=result.reference,
        model_names=result.models,
        nodes=result.nodes,
        levels=list(LEVELS),
        scores=[vars(s) for s in result.scores],
    )


def latest_backtest(*, last_day: date | None = None, days: int | None = None):
    qs = ForecastBacktest.objects.all()
    if last_day is not None:
        qs = qs.filter(last_day=last_day)
    if days is not None:
        qs = qs.filter(days=days)
    return qs.order_by("-created_at", "-pk").first()
