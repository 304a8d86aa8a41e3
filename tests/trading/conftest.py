"""Trading fixtures: a real exchange with published day-ahead history."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from demo.simulate import simulate_history
from market.exchange import services as exchange

TRADING_DAY = date(2026, 7, 2)


def _history(sim_now, days: int):
    simulate_history(TRADING_DAY - timedelta(days=days), TRADING_DAY - timedelta(days=1))
    sim_now(datetime(2026, 7, 1, 0, 0, tzinfo=UTC))
    return exchange.open_day_ahead(day=TRADING_DAY)


@pytest.fixture
def market_history(db, sim_now):
    """20 published day-ahead days before TRADING_DAY, whose auction is open, with the clock
    at 2026-07-01 08:00 market time (before the 10:00 gate): enough to train the ridge model
    and backtest it over five days."""
    return _history(sim_now, 20)


@pytest.fixture
def short_history(db, sim_now):
    """Two published days only (enough for seasonal-naive)."""
    return _history(sim_now, 2)
