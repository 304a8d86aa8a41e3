"""Simulated market days for the demo: the exchange runs its own timetable on the simulation
clock (open the day-ahead auction, close it at the gate, clear, publish)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from market.exchange import services as exchange
from vpp import clock


def run_day_ahead(day: date) -> int:
    """Open, close at the gate, clear and publish market day ``day``'s day-ahead auction, with
    whatever bids it holds. Returns the auction id. Rerunning changes nothing."""
    gate = exchange.da_gate_closure(day)
    if clock.now() < gate:
        clock.set_now(gate - timedelta(hours=1))
    auction = exchange.open_day_ahead(day=day)
    clock.set_now(max(clock.now(), gate))
    exchange.close_due(now=clock.now())
    exchange.clear_auction(auction_id=auction.pk)
    exchange.publish_auction(auction_id=auction.pk)
    return auction.pk


def simulate_history(
    first_day: date, last_day: date, progress: Callable[[int, int, date], None] | None = None
) -> int:
    """Day-ahead auctions of every day from ``first_day`` to ``last_day``: the published price
    history the trading desk forecasts from."""
    exchange.install_default_market()
    days = [first_day + timedelta(days=k) for k in range((last_day - first_day).days + 1)]
    for k, day in enumerate(days, start=1):
        run_day_ahead(day)
        if progress:
            progress(k, len(days), day)
    return len(days)
