"""Forecasts made from the exchange's published history, through the client only."""

from datetime import timedelta

import pytest

from market.trading import forecasting
from market.trading.models import ForecastPoint
from tests.trading.conftest import TRADING_DAY

pytestmark = pytest.mark.django_db


def test_forecast_of_the_next_day_is_stored_with_its_provenance_and_backtested(market_history):
    forecast = forecasting.make_forecast(market_day=TRADING_DAY)
    prices = forecasting.forecast_prices(forecast)
    assert sorted(prices) == ["E-LOAD", "N-COAL", "NW-SOLAR", "NW-WIND", "S-LOAD", "SW-HYDRO"]
    assert all(len(v) == 96 for v in prices.values())
    assert all(0 <= p <= 1500 for v in prices.values() for p in v)
    # trained on what was published before the day, nothing after
    assert forecast.trained_through < market_history.first_interval
    assert forecast.model_name == "ridge" and forecast.params["alpha"]
    assert ForecastPoint.objects.filter(forecast=forecast).count() == 6 * 96

    result = forecasting.run_backtest(last_day=TRADING_DAY - timedelta(days=1), days=5)
    ridge = result.score("ridge")
    naive = result.score("seasonal_naive")
    assert naive.skill == pytest.approx(0.0)
    assert ridge.count == naive.count == 5 * 96 * 6
    assert ridge.mae > 0 and ridge.rmse >= ridge.mae


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
