"""Quantile forecasts: the naive references' empirical error quantiles worked by hand, and the
gradient-boosting model's levels (ordered, clipped, one value per interval, no look-ahead)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import numpy as np
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
    # 4 x 96 errors, sorted: 96 x -20, 96 x -10, 96 x +10, 96 x +40; numpy's linear quantile at
    # position tau x 383: 0.1 -> 38.3 (a -20); 0.25 -> 95.75, between -20 and -10: -12.5;
    # 0.5 -> 191.5, between -10 and +10: 0; 0.75 -> 287.25, between +10 and +40: 17.5;
    # 0.9 -> 344.7 (a +40). Added to yesterday's 120:
    expected = {0.1: 100.0, 0.25: 107.5, 0.5: 120.0, 0.75: 137.5, 0.9: 160.0}
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
    day = FIRST + timedelta(days=8)  # 8 days of prices: fewer than min_train_days
    prices, quantiles = forecast_distribution(quick(), history, exogenous, day, NODES)
    price = {(p.node, p.interval_start): float(p.price_per_mwh) for p in history if p.node == "N1"}
    # the weekly reference's errors on days 1..7: last week's price where there is one (day 7),
    # else yesterday's; the fallback's median is last week's price plus their median
    errors = []
    for k in range(1, 8):
        lag = 7 if k == 7 else 1
        for at in day_intervals(FIRST + timedelta(days=k)):
            errors.append(price[("N1", at)] - price[("N1", at - timedelta(days=lag))])
    week_ago = [price[("N1", at - timedelta(days=7))] for at in day_intervals(day)]
    assert prices["N1"] == pytest.approx([p + float(np.median(errors)) for p in week_ago])
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
