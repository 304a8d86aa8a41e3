"""Price forecasts and their backtest, on synthetic data generated here (seeded).

Synthetic market: price = daily shape + 0.5 x (net load - its mean) + noise, where net load =
demand - 400 MW x wind CF - 300 MW x solar CF, and the exchange publishes day-ahead forecasts of
demand and the capacity factors (actuals = forecast + small noise). Day-to-day weather swings
move net load, so yesterday's price misses by the change in net load; a model that reads the
forecasts should not.
"""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import numpy as np
import pytest

from market.exchange.client import ExogenousPoint, PricePoint
from market.trading.forecast import (
    PriceModel,
    RidgeRegression,
    SeasonalNaive,
    backtest,
    fill_missing,
    forecast_day,
    pivot_prices,
)
from vpp.intervals import day_bounds, day_intervals, to_local

NODES = ["N1", "N2"]
FIRST = date(2025, 3, 3)  # a Monday


def synthetic(days: int = 70, seed: int = 7):
    rng = np.random.default_rng(seed)
    history, exogenous = [], []
    base = {"N1": 1000.0, "N2": 700.0}
    for d in range(days):
        day = FIRST + timedelta(days=d)
        level = {n: rng.normal(0, 0.08) for n in NODES}
        wind_level = {n: rng.uniform(0.05, 0.7) for n in NODES}
        cloud = {n: rng.uniform(0.2, 1.0) for n in NODES}
        for at in day_intervals(day):
            local = to_local(at)
            h = local.hour + local.minute / 60
            shape = math.sin((h - 8) / 24 * 2 * math.pi)
            for n in NODES:
                demand_fc = base[n] * (1 + 0.2 * shape + level[n]) * (0.9 if d % 7 >= 5 else 1.0)
                wind_fc = min(1.0, max(0.0, wind_level[n] + rng.normal(0, 0.05)))
                solar_fc = max(0.0, math.sin((h - 6) / 12 * math.pi)) * cloud[n]
                demand = demand_fc + rng.normal(0, 10)
                wind = min(1.0, max(0.0, wind_fc + rng.normal(0, 0.03)))
                solar = max(0.0, solar_fc + rng.normal(0, 0.03))
                net = demand - 400 * wind - 300 * solar
                price = 300 + 40 * shape + 0.5 * (net - 0.6 * base[n]) + rng.normal(0, 8)
                price = min(1500.0, max(0.0, price))
                exogenous.append(
                    ExogenousPoint(n, at, demand_fc, wind_fc, solar_fc, demand, wind, solar)
                )
                history.append(PricePoint(d + 1, "da", n, at, Decimal(f"{price:.2f}")))
    return history, exogenous


@pytest.fixture(scope="module")
def market():
    return synthetic()


def flat_day(day: date, node: str, price_of) -> list[PricePoint]:
    return [
        PricePoint(1, "da", node, at, Decimal(str(price_of(i))))
        for i, at in enumerate(day_intervals(day))
    ]


def test_models_follow_the_protocol():
    assert isinstance(SeasonalNaive(), PriceModel)
    assert isinstance(RidgeRegression(), PriceModel)


def test_seasonal_naive_returns_yesterdays_prices():
    d = date(2025, 6, 10)
    history = flat_day(d - timedelta(days=2), "A", lambda i: 100 + i) + flat_day(
        d - timedelta(days=1), "A", lambda i: 200 + i
    )
    model = SeasonalNaive()
    model.fit(history, [])
    got = model.predict(d, ["A"], [])
    assert got == {"A": [200.0 + i for i in range(96)]}


def test_weekly_naive_uses_last_week_and_falls_back_to_yesterday():
    d = date(2025, 6, 10)
    yesterday = flat_day(d - timedelta(days=1), "A", lambda i: 50)
    week_ago = flat_day(d - timedelta(days=7), "A", lambda i: 70)
    weekly = SeasonalNaive(7)
    weekly.fit(yesterday + week_ago, [])
    assert weekly.predict(d, ["A"], [])["A"] == [70.0] * 96
    weekly.fit(yesterday, [])
    assert weekly.predict(d, ["A"], [])["A"] == [50.0] * 96


def test_missing_history_is_filled():
    d = date(2025, 6, 10)
    yesterday = [
        p for p in flat_day(d - timedelta(days=1), "A", lambda i: 10 * i) if p.price_per_mwh != 100
    ]  # interval 10 missing
    assert len(yesterday) == 95
    older = flat_day(d - timedelta(days=3), "B", lambda i: 30)  # B: no yesterday, older day only
    model = SeasonalNaive()
    model.fit(yesterday + older, [])
    got = model.predict(d, ["A", "B", "C"], [])
    assert got["A"][10] == pytest.approx(100.0)  # interpolated between 90 and 110
    assert got["A"][:3] == [0.0, 10.0, 20.0]
    assert got["B"] == [30.0] * 96  # most recent earlier day
    mean = (sum(10 * i for i in range(96)) - 100 + 30 * 96) / (95 + 96)
    assert got["C"] == pytest.approx([mean] * 96)  # unknown node: mean of all history
    assert fill_missing([None, None]) is None
    assert fill_missing([None, 2.0, None, 6.0]) == [2.0, 2.0, 4.0, 6.0]

    # the regression with no usable history falls back instead of failing
    ridge = RidgeRegression()
    ridge.fit(yesterday, [])
    assert ridge.coefficients == {}
    out = ridge.predict(d, ["A", "Z"], [])
    assert len(out["A"]) == len(out["Z"]) == 96
    empty = RidgeRegression()
    empty.fit([], [])
    assert empty.predict(d, ["A"], [])["A"] == [0.0] * 96


def test_pivot_keeps_latest_auction_and_filters_kind():
    at = day_intervals(date(2025, 6, 10))[0]
    points = [
        PricePoint(1, "da", "A", at, Decimal("10")),
        PricePoint(2, "da", "A", at, Decimal("12")),
        PricePoint(3, "rt", "A", at, Decimal("99")),
    ]
    assert pivot_prices(points, kind="da") == {"A": {at: 12.0}}
    assert pivot_prices(points) == {"A": {at: 99.0}}


def test_ridge_beats_seasonal_naive_when_net_load_drives_price(market):
    history, exogenous = market
    days = [FIRST + timedelta(days=d) for d in range(56, 70)]
    naive, ridge = SeasonalNaive(), RidgeRegression()
    result = backtest([naive, ridge], history, exogenous, days, NODES)
    assert result.reference == "seasonal_naive"
    for node in [*NODES, "*"]:
        ref, better = result.score("seasonal_naive", node), result.score("ridge", node)
        assert ref.count == better.count == 96 * len(days) * (len(NODES) if node == "*" else 1)
        assert better.mae < 0.6 * ref.mae, (node, better, ref)
        assert better.rmse < ref.rmse
        assert better.skill > 0.4 and ref.skill == 0.0
    assert len(result.rows) == 2 * len(NODES) * len(days) * 96
    row = next(r for r in result.rows if r.model == "seasonal_naive" and r.node == "N1")
    yesterday = row.interval_start - timedelta(days=1)
    price = {(p.node, p.interval_start): float(p.price_per_mwh) for p in history}
    assert row.forecast == price[("N1", yesterday)]
    assert row.actual == price[("N1", row.interval_start)]


def test_backtest_adds_the_reference_when_missing(market):
    history, exogenous = market
    result = backtest([RidgeRegression()], history, exogenous, [FIRST + timedelta(60)], ["N1"])
    assert result.models == ["seasonal_naive", "ridge"]


def test_no_look_ahead(market):
    history, exogenous = market
    day = FIRST + timedelta(days=60)
    start, end = day_bounds(day)

    def scramble_price(p):
        if p.interval_start < start:
            return p
        return replace(p, price_per_mwh=p.price_per_mwh * 3 + 500)

    def scramble_exog(e):
        if e.interval_start < start:
            return e
        e = replace(e, demand_mw_actual=1e6, wind_cf_actual=0.0, solar_cf_actual=0.0)
        if e.interval_start >= end:  # forecasts for later days are not known either
            e = replace(e, demand_mw_forecast=1e6, wind_cf_forecast=1.0)
        return e

    changed_h = [scramble_price(p) for p in history]
    changed_e = [scramble_exog(e) for e in exogenous]
    models = lambda: [SeasonalNaive(), SeasonalNaive(7), RidgeRegression()]  # noqa: E731
    a = backtest(models(), history, exogenous, [day], NODES)
    b = backtest(models(), changed_h, changed_e, [day], NODES)
    assert [r.forecast for r in a.rows] == [r.forecast for r in b.rows]
    assert [r.actual for r in a.rows] != [r.actual for r in b.rows]  # the scoring did change
    live = forecast_day(RidgeRegression(), changed_h, changed_e, day, NODES)  # the desk's entry
    assert live["N2"] == [r.forecast for r in a.rows if r.model == "ridge" and r.node == "N2"]

    # and the forecast for the day does read that day's published forecasts
    shifted = [
        replace(e, demand_mw_forecast=e.demand_mw_forecast + 200)
        if start <= e.interval_start < end
        else e
        for e in exogenous
    ]
    c = backtest([RidgeRegression()], history, shifted, [day], NODES)
    d = backtest([RidgeRegression()], history, exogenous, [day], NODES)
    assert [r.forecast for r in c.rows] != [r.forecast for r in d.rows]


def test_output_has_one_price_per_interval_and_is_clipped(market):
    history, exogenous = market
    day = FIRST + timedelta(days=65)
    assert len(day_intervals(day)) == 96  # Asia/Shanghai: no DST
    ridge = RidgeRegression(floor=250.0, cap=320.0)
    ridge.fit([p for p in history if p.interval_start < day_bounds(day)[0]], exogenous)
    out = ridge.predict(day, NODES, exogenous)
    assert set(out) == set(NODES)
    for values in out.values():
        assert len(values) == 96
        assert all(250.0 <= v <= 320.0 for v in values)
    assert set(ridge.coefficients) == set(NODES)


def test_dst_day_length_follows_the_market_day(settings):
    settings.MARKET_TIME_ZONE = "Europe/Berlin"
    spring = date(2025, 3, 30)  # 23 h: 92 intervals
    history = flat_day(spring - timedelta(days=1), "A", lambda i: i)
    model = SeasonalNaive()
    model.fit(history, [])
    got = model.predict(spring, ["A"], [])["A"]
    assert len(got) == 92
    assert got[:3] == [0.0, 1.0, 2.0]
