"""Exchange fixtures: the default market with tomorrow's day-ahead auction open."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from market.exchange import services

DAY = date(2026, 7, 2)
BEFORE_GATE = datetime(2026, 7, 1, 0, 0, tzinfo=UTC)  # 08:00 Shanghai on D-1; gate at 10:00
AFTER_GATE = datetime(2026, 7, 1, 2, 0, tzinfo=UTC)


@pytest.fixture
def da_auction(db, sim_now):
    sim_now(BEFORE_GATE)
    services.install_default_market()
    return services.open_day_ahead(day=DAY)


def interval(auction, k: int) -> datetime:
    return auction.first_interval + timedelta(minutes=15 * k)


def curve(auction, *, k=0, node="E-LOAD", side="demand", segments=((600, 10),)):
    return {
        "node": node,
        "interval_start": interval(auction, k).isoformat(),
        "side": side,
        "segments": [{"price_per_mwh": str(p), "quantity_mw": str(q)} for p, q in segments],
    }


def bid_url(auction) -> str:
    return f"/api/exchange/auctions/{auction.pk}/bids/"
