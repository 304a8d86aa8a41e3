"""Storing a clearing (COPY on PostgreSQL, bulk_create elsewhere) and the network's lines:
series capacitors and phase shifters stored and cleared, zero reactance refused."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from market.exchange import services
from market.exchange.clearing import clear
from market.exchange.client import Curve, LocalExchangeClient, Segment
from market.exchange.models import Award, Line, LineFlow, Node, NodePrice
from market.exchange.results import store_results

from .conftest import AFTER_GATE, interval

pytestmark = pytest.mark.django_db


def stored(auction):
    return (
        sorted(
            NodePrice.objects.filter(auction=auction).values_list(
                "node_id",
                "interval_start",
                "price_per_mwh",
                "demand_mw",
                "participant_demand_mw",
                "unserved_mw",
            )
        ),
        sorted(
            LineFlow.objects.filter(auction=auction).values_list(
                "line_id",
                "interval_start",
                "flow_mw",
                "limit_mw",
                "congested",
                "shadow_price_per_mwh",
            )
        ),
        sorted(
            Award.objects.filter(auction=auction).values_list(
                "segment_id", "awarded_mw", "price_per_mwh"
            )
        ),
    )


@pytest.fixture
def closed(da_auction, sim_now):
    LocalExchangeClient().submit_bid(
        auction_id=da_auction.pk,
        participant="vpp-1",
        curves=[
            Curve("E-LOAD", interval(da_auction, 76), "demand", [Segment(Decimal(1500), 25)]),
            Curve("S-LOAD", interval(da_auction, 3), "demand", [Segment(Decimal("80.5"), 7)]),
            Curve("E-LOAD", interval(da_auction, 40), "demand", [Segment(Decimal(90), 4)]),
        ],
    )
    sim_now(AFTER_GATE)
    services.run_due()
    return da_auction


def test_copy_and_bulk_create_store_the_same_rows(closed):
    built = services.build_case(closed)
    outcome = clear(built.case)
    rows = {}
    for method in ("copy", "orm"):
        with transaction.atomic():
            store_results(auction=closed, built=built, outcome=outcome, method=method)
            rows[method] = stored(closed)
            transaction.set_rollback(True)
    assert rows["copy"] == rows["orm"]
    prices, flows, awards = rows["copy"]
    assert (len(prices), len(flows), len(awards)) == (96 * 6, 96 * 8, 3)
    # An award is settled at its node's stored price for its interval.
    price_at = {(node, start): p for node, start, p, *_ in prices}
    by_segment = {s.pk: s for s in built.segments.values()}
    for segment_id, _, award_price in awards:
        seg = by_segment[segment_id]
        assert award_price == price_at[seg.node_id, seg.interval_start]
    assert all(p.as_tuple().exponent == -2 for _, _, p, *_ in prices)  # to the cent


def test_clear_auction_stores_through_copy_once(closed):
    assert services.clear_auction(auction_id=closed.pk) is True
    first = stored(closed)
    assert services.clear_auction(auction_id=closed.pk) is False  # idempotent
    assert stored(closed) == first
    at_cap = Award.objects.get(auction=closed, segment__price_per_mwh=Decimal(1500))
    assert at_cap.awarded_mw == Decimal("25.000")  # a demand bid at the cap always clears


def test_zero_reactance_is_refused_by_the_database(da_auction):
    a, b = Node.objects.order_by("code")[:2]
    with pytest.raises(IntegrityError), transaction.atomic():
        Line.objects.create(code="short", from_node=a, to_node=b, reactance_pu=0.0)
    Line.objects.create(code="capacitor", from_node=a, to_node=b, reactance_pu=-0.02)


def test_a_stored_phase_shifter_and_capacitor_reach_the_clearing(closed):
    """Two stored lines changed: one a phase shifter, one a series capacitor. The case read
    from the database carries both (the engine's handling of them is held to pandapower in
    test_oracle.py and to hand calculations in test_clearing.py), and the auction clears."""
    lines = list(Line.objects.select_related("from_node", "to_node").order_by("code"))
    Line.objects.filter(pk=lines[0].pk).update(phase_shift_deg=2.5)
    Line.objects.filter(pk=lines[1].pk).update(reactance_pu=-0.02, limit_mw=None)
    specs = {ln.code: ln for ln in services.build_case(closed).case.lines}
    assert specs[lines[0].code].phase_shift_deg == 2.5
    assert specs[lines[1].code].reactance_pu == -0.02
    assert services.clear_auction(auction_id=closed.pk) is True
    closed.refresh_from_db()
    assert closed.state == "cleared"
