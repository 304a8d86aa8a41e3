"""Auctions through their states by the market clock; clearing, publication, the client."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from market.exchange import services
from market.exchange.client import Baseline, Curve, LocalExchangeClient, Segment
from market.exchange.models import Auction, Award, LineFlow, NodePrice
from vpp.intervals import to_local

from .conftest import AFTER_GATE, BEFORE_GATE, DAY, interval

pytestmark = pytest.mark.django_db


def test_default_market_uses_the_platform_node_codes(da_auction):
    from vpp.fixtures import DEFAULT_NODES

    codes = [n.code for n in LocalExchangeClient().list_nodes()]
    assert sorted(codes) == sorted(n["code"] for n in DEFAULT_NODES)
    assert services.install_default_market() is False  # a rerun creates nothing


def test_day_ahead_timetable(da_auction):
    assert da_auction.interval_count == 96
    assert da_auction.state == Auction.State.OPEN
    gate = to_local(da_auction.gate_closure_at)
    assert (gate.date(), gate.hour, gate.minute) == (DAY - timedelta(days=1), 10, 0)


def test_run_due_opens_closes_and_lists_work(da_auction, sim_now):
    due = services.run_due()
    # Only real-time auctions whose gate (30 min ahead) has already passed are due.
    assert due and da_auction.pk not in due
    assert all(Auction.objects.get(pk=pk).kind == "rt" for pk in due)
    rt = Auction.objects.filter(kind=Auction.Kind.REAL_TIME)
    assert rt.count() == 8  # the next two hours of intervals
    assert all(a.gate_closure_at == a.first_interval - timedelta(minutes=30) for a in rt)
    sim_now(AFTER_GATE)
    due = services.run_due()
    da_auction.refresh_from_db()
    assert da_auction.state == Auction.State.CLOSED
    assert da_auction.pk in due
    assert len(due) > 1  # real-time auctions whose gates have passed as well


def submit(client, auction, **kw):
    return client.submit_bid(
        auction_id=auction.pk,
        participant="vpp-1",
        curves=[
            Curve("E-LOAD", interval(auction, 76), "demand", [Segment(Decimal(1500), Decimal(25))]),
            Curve(
                "S-LOAD", interval(auction, 76), "reduction", [Segment(Decimal(1400), Decimal(5))]
            ),
            Curve("NW-WIND", interval(auction, 10), "demand", [Segment(Decimal(1), Decimal(50))]),
        ],
        baselines=[Baseline("S-LOAD", interval(auction, 76), Decimal(30))],
        **kw,
    )


def test_clearing_is_idempotent_and_publishes_prices_and_awards(da_auction, sim_now):
    client = LocalExchangeClient()
    receipt = submit(client, da_auction, idempotency_key="r1")
    assert receipt.version == 1 and receipt.created
    assert submit(client, da_auction, idempotency_key="r1").created is False
    sim_now(AFTER_GATE)
    services.run_due()
    assert services.clear_auction(auction_id=da_auction.pk) is True
    counts = (NodePrice.objects.count(), LineFlow.objects.count(), Award.objects.count())
    assert counts[0] == 96 * 6 and counts[2] == 3
    assert services.clear_auction(auction_id=da_auction.pk) is False  # nothing changes
    assert (NodePrice.objects.count(), LineFlow.objects.count(), Award.objects.count()) == counts
    assert client.get_prices(da_auction.pk) == []  # not published yet
    assert services.publish_auction(auction_id=da_auction.pk) is True
    assert services.publish_auction(auction_id=da_auction.pk) is False
    prices = client.get_prices(da_auction.pk)
    assert len(prices) == 96 * 6
    assert all(Decimal(0) <= p.price_per_mwh <= Decimal(1500) for p in prices)
    awards = {
        (a.node, a.side): a
        for a in client.get_awards(auction_id=da_auction.pk, participant="vpp-1")
    }
    # A demand bid at the cap always clears; its price is the node's LMP for that interval.
    assert awards["E-LOAD", "demand"].awarded_mw == Decimal("25.000")
    reduction = awards["S-LOAD", "reduction"]
    lmp = reduction.price_per_mwh
    assert reduction.awarded_mw == (Decimal("5.000") if lmp >= 1400 else Decimal("0.000"))
    assert client.get_awards(auction_id=da_auction.pk, participant="someone-else") == []
    history = client.price_history(
        start=da_auction.first_interval, end=da_auction.first_interval + timedelta(days=1)
    )
    assert len(history) == 96 * 6


def test_same_seed_same_market_and_congestion_splits_prices(da_auction, sim_now):
    sim_now(AFTER_GATE)
    services.run_due()
    services.clear_auction(auction_id=da_auction.pk)
    by_interval: dict = {}
    for p in NodePrice.objects.filter(auction=da_auction):
        by_interval.setdefault(p.interval_start, set()).add(p.price_per_mwh)
    assert any(len(v) > 1 for v in by_interval.values()), "no interval with split prices"
    assert LineFlow.objects.filter(auction=da_auction, congested=True).exists()
    first = sorted((p.node_id, p.interval_start, p.price_per_mwh) for p in NodePrice.objects.all())
    NodePrice.objects.all().delete()
    LineFlow.objects.all().delete()
    Auction.objects.filter(pk=da_auction.pk).update(state=Auction.State.CLOSED)
    services.clear_auction(auction_id=da_auction.pk)
    again = sorted((p.node_id, p.interval_start, p.price_per_mwh) for p in NodePrice.objects.all())
    assert first == again


def test_real_time_clears_with_actuals(da_auction, sim_now):
    start = interval(da_auction, 40)
    sim_now(start - timedelta(hours=1))
    rt = services.open_real_time(interval_start=start)
    sim_now(start - timedelta(minutes=20))
    services.run_due()
    # the day's day-ahead results first: real time clears around their positions
    assert services.clear_auction(auction_id=rt.pk) is False
    services.clear_auction(auction_id=da_auction.pk)
    services.publish_auction(auction_id=da_auction.pk)
    services.clear_auction(auction_id=rt.pk)
    prices = NodePrice.objects.filter(auction=rt)
    assert prices.count() == 6
    from market.exchange.models import Exogenous

    actual = Exogenous.objects.get(node__code="E-LOAD", interval_start=start, kind="demand_mw")
    assert prices.get(node__code="E-LOAD").demand_mw == pytest.approx(actual.actual)
    assert actual.actual != actual.forecast


def test_exogenous_forecasts_and_actuals_revealed_after_the_interval(da_auction, sim_now):
    client = LocalExchangeClient()
    start = da_auction.first_interval
    points = client.exogenous(start=start, end=start + timedelta(hours=1), nodes=["E-LOAD"])
    assert len(points) == 4
    assert points[0].demand_mw_forecast > 0 and points[0].demand_mw_actual is None
    sim_now(datetime(2026, 7, 3, 0, 0, tzinfo=UTC))
    points = client.exogenous(start=start, end=start + timedelta(hours=1), nodes=["E-LOAD"])
    assert points[0].demand_mw_actual is not None


def test_client_lists_open_auctions(da_auction, sim_now):
    sim_now(BEFORE_GATE)
    open_ids = [a.id for a in LocalExchangeClient().list_auctions(kind="da")]
    assert open_ids == [da_auction.pk]
    info = LocalExchangeClient().day_ahead_auction(DAY)
    assert info is not None and len(info.interval_starts) == 96
