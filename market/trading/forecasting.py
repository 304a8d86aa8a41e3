"""Forecasting services: fetch the published history and the exchange's exogenous forecasts
through the client, fit a model, store the forecast with what it was trained on."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction

from vpp import clock
from vpp.errors import ApplicationError
from vpp.intervals import day_bounds, day_intervals

from .exchange import get_client
from .forecast import BacktestResult, RidgeRegression, SeasonalNaive, backtest, forecast_day
from .models import ForecastPoint, PriceForecast

LOOKBACK_DAYS = 63  # 56 training days + the 7-day lag feature
MODELS = {"ridge": RidgeRegression, "seasonal_naive": SeasonalNaive}


def _inputs(first_day: date, last_day: date):
    client = get_client()
    nodes = [n.code for n in client.list_nodes()]
    start = day_bounds(first_day - timedelta(days=LOOKBACK_DAYS))[0]
    history = client.price_history(start=start, end=day_bounds(last_day)[0], kind="da")
    exogenous = client.exogenous(start=start, end=day_bounds(last_day)[1])
    return nodes, history, exogenous


@transaction.atomic
def make_forecast(*, market_day: date, model_name: str = "ridge") -> PriceForecast:
    """A new forecast of ``market_day``'s day-ahead prices per node and interval, from the
    prices published before that day and the exchange's forecasts for it."""
    if model_name not in MODELS:
        raise ApplicationError(f"unknown model; use one of {', '.join(MODELS)}", field="model")
    nodes, history, exogenous = _inputs(market_day, market_day)
    if not history:
        raise ApplicationError("the exchange has published no prices to learn from", field="day")
    model = MODELS[model_name]()
    prices = forecast_day(model, history, exogenous, market_day, nodes)
    params = {}
    if isinstance(model, RidgeRegression):
        params["alpha"] = {node: c[4] for node, c in model.coefficients.items()}
    forecast = PriceForecast.objects.create(
        market_day=market_day,
        model_name=model.name,
        created_at=clock.now(),
        trained_through=max(p.interval_start for p in history),
        params=params,
    )
    starts = day_intervals(market_day)
    ForecastPoint.objects.bulk_create(
        ForecastPoint(forecast=forecast, node_code=node, interval_start=t, price_per_mwh=v)
        for node, values in prices.items()
        for t, v in zip(starts, values, strict=True)
    )
    return forecast


def forecast_prices(forecast: PriceForecast) -> dict[str, list[float]]:
    """node -> prices in interval order, as the optimiser takes them."""
    out: dict[str, list[float]] = {}
    for p in forecast.points.order_by("node_code", "interval_start"):
        out.setdefault(p.node_code, []).append(p.price_per_mwh)
    return out


def run_backtest(*, last_day: date, days: int = 14) -> BacktestResult:
    """Each model against the seasonal-naive reference over the ``days`` days up to
    ``last_day``, each forecast made only from what was known before its day."""
    first = last_day - timedelta(days=days - 1)
    nodes, history, exogenous = _inputs(first, last_day + timedelta(days=1))
    span = [first + timedelta(days=k) for k in range(days)]
    return backtest([SeasonalNaive(), RidgeRegression()], history, exogenous, span, nodes)
