"""Forecasts made from the exchange's published history, through the client only; stored with
their quantiles and provenance; the backtest command and API."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command

from market.trading import forecasting
from market.trading.forecast import LEVELS, RidgeRegression, SeasonalNaive
from market.trading.models import ForecastBacktest, ForecastPoint
from tests.trading.conftest import TRADING_DAY

pytestmark = pytest.mark.django_db

NODES = ["E-LOAD", "N-COAL", "NW-SOLAR", "NW-WIND", "S-LOAD", "SW-HYDRO"]


def test_default_forecast_is_stored_with_quantiles_and_provenance(market_history):
    forecast = forecasting.make_forecast(market_day=TRADING_DAY)
    prices = forecasting.forecast_prices(forecast)
    assert sorted(prices) == NODES
    assert all(len(v) == 96 for v in prices.values())
    assert all(0 <= p <= 1500 for v in prices.values() for p in v)
    # trained on what was published before the day, nothing after
    assert forecast.trained_through < market_history.first_interval
    assert forecast.model_name == "gradient_boosting" and forecast.version == 1
    assert forecast.quantile_levels == list(LEVELS)
    assert forecast.params["library"].startswith("scikit-learn")
    assert forecast.params["calibration_days"] and forecast.params["fallback"] is None
    assert ForecastPoint.objects.filter(forecast=forecast).count() == 6 * 96

    quantiles = forecasting.forecast_quantiles(forecast)
    assert sorted(quantiles) == NODES
    for node, levels in quantiles.items():
        assert list(levels) == list(LEVELS)
        assert levels[0.5] == pytest.approx(prices[node], abs=1e-3)  # point = median
        for i in range(96):
            column = [levels[q][i] for q in LEVELS]
            assert column == sorted(column)


def test_a_second_forecast_of_the_day_is_the_next_version(short_history):
    first = forecasting.make_forecast(market_day=TRADING_DAY, model_name="seasonal_naive")
    second = forecasting.make_forecast(market_day=TRADING_DAY, model_name="seasonal_naive")
    assert (first.version, second.version) == (1, 2)
    assert forecasting.forecast_quantiles(second)["E-LOAD"][0.9][0] >= 0


def test_ridge_forecast_has_no_quantiles(market_history):
    forecast = forecasting.make_forecast(market_day=TRADING_DAY, model_name="ridge")
    assert forecast.params["alpha"] and forecast.quantile_levels == []
    assert forecasting.forecast_quantiles(forecast) == {}


def test_backtest_scores_both_references(market_history):
    result = forecasting.run_backtest(
        last_day=TRADING_DAY - timedelta(days=1),
        days=3,
        models=[SeasonalNaive(1), SeasonalNaive(7), RidgeRegression()],
    )
    yesterday, week = result.score("seasonal_naive"), result.score("seasonal_naive_7d")
    assert yesterday.skill == pytest.approx(0.0)
    assert week.skills["seasonal_naive_7d"] == pytest.approx(0.0)
    assert week.skills["seasonal_naive"] == pytest.approx(1 - week.mae / yesterday.mae)
    ridge = result.score("ridge")
    assert ridge.count == yesterday.count == 3 * 96 * 6
    assert ridge.mae > 0 and ridge.rmse >= ridge.mae and ridge.coverage_80 is None
    assert 0 <= week.coverage_80 <= 1  # the naive references have error quantiles too


def test_backtest_command_prints_the_table_and_saves_it(market_history):
    out = StringIO()
    call_command("forecast_backtest", last_day=TRADING_DAY - timedelta(days=1), days=1, stdout=out)
    text = out.getvalue()
    assert "skill vs yesterday" in text and "skill vs last week" in text and "10-90 %" in text
    for node in NODES:
        assert f"gradient_boosting   {node}" in text
    saved = ForecastBacktest.objects.get()
    assert saved.last_day == TRADING_DAY - timedelta(days=1) and saved.days == 1
    assert saved.model_names == [
        "seasonal_naive",
        "seasonal_naive_7d",
        "gradient_boosting",
        "ridge",
    ]
    overall = next(
        s for s in saved.scores if s["model"] == "gradient_boosting" and s["node"] == "*"
    )
    assert set(overall["skills"]) == {"seasonal_naive", "seasonal_naive_7d"}
    assert 0 <= overall["coverage_80"] <= 1


def test_seasonal_naive_repeats_yesterdays_published_prices(short_history):
    from market.trading.exchange import get_client

    forecast = forecasting.make_forecast(market_day=TRADING_DAY, model_name="seasonal_naive")
    yesterday = TRADING_DAY - timedelta(days=1)
    client = get_client()
    auction = client.day_ahead_auction(yesterday)
    published = {
        (p.node, p.interval_start + timedelta(days=1)): float(p.price_per_mwh)
        for p in client.get_prices(auction.id)
    }
    for point in forecast.points.all():
        assert point.price_per_mwh == pytest.approx(
            published[(point.node_code, point.interval_start)]
        )


def test_unknown_model_is_a_400_naming_the_field(short_history):
    from vpp.errors import ApplicationError

    with pytest.raises(ApplicationError) as err:
        forecasting.make_forecast(market_day=TRADING_DAY, model_name="crystal-ball")
    assert err.value.field == "model"


def test_forecast_api_gives_quantiles_and_provenance(short_history, trader_api):
    forecasting.make_forecast(market_day=TRADING_DAY, model_name="seasonal_naive")
    got = trader_api.get(f"/api/trading/forecast/?market_day={TRADING_DAY}&model=seasonal_naive")
    assert got.status_code == 200
    body = got.json()
    assert body["version"] == 1 and body["quantile_levels"] == list(LEVELS)
    row = body["nodes"]["E-LOAD"][0]
    assert set(row["quantiles_per_mwh"]) == {"0.1", "0.25", "0.5", "0.75", "0.9"}
    assert row["quantiles_per_mwh"]["0.1"] <= row["quantiles_per_mwh"]["0.9"]
    missing = trader_api.get(f"/api/trading/forecast/?market_day={TRADING_DAY}")
    assert missing.status_code == 404  # no forecast of the default model yet


def test_backtest_api_and_page_read_the_saved_backtest(market_history, trader_api, client, trader):
    assert trader_api.get("/api/trading/backtest/").status_code == 404
    last = TRADING_DAY - timedelta(days=1)
    result = forecasting.run_backtest(
        last_day=last, days=2, models=[SeasonalNaive(1), SeasonalNaive(7)]
    )
    forecasting.backtest_save(result)
    body = trader_api.get(f"/api/trading/backtest/?last_day={last}&days=2").json()
    assert body["last_day"] == last.isoformat() and body["models"] == result.models
    week = next(s for s in body["scores"] if s["model"] == "seasonal_naive_7d" and s["node"] == "*")
    assert week["mae"] == pytest.approx(result.score("seasonal_naive_7d").mae)
    assert trader_api.get(f"/api/trading/backtest/?last_day={last}&days=3").status_code == 404
    bad = trader_api.get("/api/trading/backtest/?days=x")
    assert bad.status_code == 400 and "days" in bad.json()
    assert trader_api.get("/api/trading/backtest/?days=61").status_code == 400
    assert "last_day" in trader_api.get("/api/trading/backtest/?last_day=july").json()

    client.force_login(trader)
    page = client.get("/trading/backtest/").content.decode()
    assert "Backtest of the price forecasts" in page and "seasonal_naive_7d" in page
