"""Quantile forecasts: the naive references' empirical error quantiles worked by hand, and the
gradient-boosting model's levels (ordered, clipped, one value per interval, no look-ahead)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest

from market.exchange.client import PricePoint
from market.trading.forecast import (
    LEVELS,
    GradientBoosting,
    QuantileModel,
    RidgeRegression,
    SeasonalNaive,
    backtest,
    forecast_distribution,
)
from tests.trading.test_forecast import FIRST, NODES, synthetic
from vpp.intervals import day_bounds, day_intervals

DAY = date(2025, 6, 10)


def flat(day: date, price: float, node: str = "A") -> list[PricePoint]:
    return [PricePoint(1, "da", node, at, Decimal(str(price))) for at in day_intervals(day)]


@pytest.fixture(scope="module")
def market():
    return synthetic()


def quick() -> GradientBoosting:
    """Few trees: these tests check the mechanics, not the accuracy (test_forecast_skill)."""
    return GradientBoosting(max_iter=15, learning_rate=0.3)


def test_models_with_quantiles_follow_the_protocol():
    assert isinstance(GradientBoosting(), QuantileModel)
    assert isinstance(SeasonalNaive(), QuantileModel)
    assert not isinstance(RidgeRegression(), QuantileModel)
    with pytest.raises(ValueError):
        GradientBoosting(levels=(0.1, 0.9))  # no median


def test_naive_quantiles_are_its_own_past_errors_worked_by_hand():
    # flat days: 100, 110, 90, 130, 120 -> yesterday's errors on days 2-5: +10, -20, +40, -10
    prices = [100, 110, 90, 130, 120]
    history = [p for k, v in enumerate(prices) for p in flat(DAY - timedelta(days=5 - k), v)]
    model = SeasonalNaive()
    model.fit(history, [])
    q = model.predict_quantiles(DAY, ["A"], [])["A"]
    # numpy's linear quantile of sorted errors (-20, -10, 10, 40) at position tau x 3:
    # 0.1 -> -20 + 0.3 x 10 = -17; 0.25 -> -20 + 0.75 x 10 = -12.5; 0.5 -> (-10 + 10) / 2 = 0;
    # 0.75 -> 10 + 0.25 x 30 = 17.5; 0.9 -> 10 + 0.7 x 30 = 31
    expected = {0.1: 103.0, 0.25: 107.5, 0.5: 120.0, 0.75: 137.5, 0.9: 151.0}
    assert sorted(q) == list(LEVELS)
    for level, price in expected.items():
        assert q[level] == pytest.approx([price] * 96), level
    assert model.predict(DAY, ["A"], [])["A"] == [120.0] * 96  # the point stays the reference


def test_naive_without_history_has_a_zero_width_band():
    model = SeasonalNaive()
    model.fit(flat(DAY - timedelta(days=1), 50), [])
    q = model.predict_quantiles(DAY, ["A"], [])["A"]
    assert all(q[level] == [50.0] * 96 for level in LEVELS)


def test_boosted_levels_are_ordered_clipped_and_one_per_interval(market):
    history, exogenous = market
    day = FIRST + timedelta(days=60)
    model = GradientBoosting(max_iter=15, learning_rate=0.3, floor=250.0, cap=330.0)
    prices, quantiles = forecast_distribution(model, history, exogenous, day, NODES)
    for node in NODES:
        q = quantiles[node]
        assert sorted(q) == list(LEVELS)
        assert all(len(v) == 96 for v in q.values())
        for i in range(96):
            column = [q[level][i] for level in LEVELS]
            assert column == sorted(column)
            assert all(250.0 <= v <= 330.0 for v in column)
        assert prices[node] == q[0.5]  # the point forecast is the calibrated median
    assert set(model.shifts) == set(NODES)
    assert len(model.calibration) == 7 and model.calibration[-1] == day - timedelta(days=1)
    info = model.provenance()
    assert info["model_version"] and info["library"].startswith("scikit-learn")
    assert info["fallback"] is None


def test_boosted_model_with_too_little_history_falls_back_to_last_weeks_prices(market):
    history, exogenous = market
    day = FIRST + timedelta(days=8)
    prices, quantiles = forecast_distribution(quick(), history, exogenous, day, NODES)
    week_ago = {
        (p.node, p.interval_start + timedelta(days=7)): float(p.price_per_mwh) for p in history
    }
    starts = day_intervals(day)
    assert prices["N1"] == [week_ago[("N1", t)] for t in starts]
    assert quantiles["N1"][0.1][0] <= prices["N1"][0] <= quantiles["N1"][0.9][0]


def test_boosted_model_sees_nothing_of_the_day_it_forecasts(market):
    history, exogenous = market
    day = FIRST + timedelta(days=60)
    start, end = day_bounds(day)
    later_prices = [
        replace(p, price_per_mwh=p.price_per_mwh * 3 + 500) if p.interval_start >= start else p
        for p in history
    ]
    later_exog = [
        replace(e, demand_mw_actual=1e6, demand_mw_forecast=1e6)
        if e.interval_start >= end
        else (replace(e, demand_mw_actual=1e6) if e.interval_start >= start else e)
        for e in exogenous
    ]
    a = backtest([quick()], history, exogenous, [day], NODES)
    b = backtest([quick()], later_prices, later_exog, [day], NODES)
    key = lambda rows: [(r.forecast, r.low, r.high) for r in rows]  # noqa: E731
    assert key(a.rows) == key(b.rows)
    # ... and it does read the exchange's forecasts for the day itself
    shifted = [
        replace(e, demand_mw_forecast=e.demand_mw_forecast + 300)
        if start <= e.interval_start < end
        else e
        for e in exogenous
    ]
    c = backtest([quick()], history, shifted, [day], NODES)
    assert key(c.rows) != key(a.rows)
