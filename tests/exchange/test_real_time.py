"""Real time: each interval clears against what actually happened with every participant's
day-ahead position fixed as demand, plus real-time increments and decrements around it.

Day-ahead (two-bus case, tests/exchange/conftest.py): "site-co" registers 40 MW at B in
intervals 0-3 and sells 20 MW of it at 40 CNY/MWh: awarded in full, P_DA = 20 MW, lambda_B = 50.
Real time of interval 0: actual demand at B is 150 MW (forecast 120), so B must be served
150 + 20 = 170 MW. site-co offers a decrement of 15 MW at 70 CNY/MWh. By hand: 100 MW over the
full line from G1 (20), G2's 60 MW (50), then the decrement at 70 beats G3 at 90: 10 of its
15 MW clear, lambda_B = 70, lambda_A = 20.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from market.exchange import services, tasks
from market.exchange.client import Baseline, Curve, LocalExchangeClient, Segment
from market.exchange.models import Auction, Award, Exogenous, NodePrice
from vpp import clock
from vpp.errors import ApplicationError

from .conftest import BEFORE_GATE, DAY, clear_day_ahead, d, interval, two_bus_market

pytestmark = pytest.mark.django_db
ACTUAL_B = {0: 150.0, 1: 120.0, 2: 120.0, 3: 30.0}


def day_ahead_with_positions(actual_b=ACTUAL_B, publish=True):
    clock.set_now(BEFORE_GATE)
    two_bus_market(actual_b_mw=actual_b)
    auction = services.open_day_ahead(day=DAY)
    LocalExchangeClient().submit_bid(
        auction_id=auction.pk,
        participant="site-co",
        baselines=[Baseline("B", interval(auction, k), d(40)) for k in range(4)],
        curves=[
            Curve("B", interval(auction, k), "reduction", [Segment(d(40), d(20))]) for k in range(4)
        ],
    )
    return clear_day_ahead(auction) if publish else auction


def rt_bid(start, segments, side="reduction", participant="site-co"):
    rt = services.open_real_time(interval_start=start)
    return LocalExchangeClient().submit_bid(
        auction_id=rt.pk,
        participant=participant,
        curves=[Curve("B", start, side, [Segment(d(p), d(q)) for p, q in segments])],
    )


def test_real_time_clears_actuals_with_day_ahead_positions_fixed_and_a_decrement(sim_now):
    da = day_ahead_with_positions()
    k0 = interval(da, 0)
    rt_bid(k0, [(70, 15)])
    sim_now(k0 - timedelta(minutes=30))  # the real-time gate of interval 0
    done = services.run_real_time_due()
    rt = Auction.objects.get(kind="rt", first_interval=k0)
    assert done == [rt.pk] and rt.state == "published"  # interval 1's gate is still open
    prices = {p.node.code: p for p in NodePrice.objects.filter(auction=rt).select_related("node")}
    assert prices["B"].price_per_mwh == Decimal("70.00")
    assert prices["A"].price_per_mwh == Decimal("20.00")
    assert (prices["B"].demand_mw, prices["B"].participant_demand_mw) == (150, 20)
    (award,) = Award.objects.filter(auction=rt)
    assert (award.awarded_mw, award.price_per_mwh) == (Decimal("10.000"), Decimal("70.00"))

    first = LocalExchangeClient().positions(participant="site-co", market_day=DAY)[0]
    assert (first.position_mw, first.da_price_per_mwh) == (Decimal("20.000"), Decimal("50.00"))
    assert (first.rt_state, first.rt_decrement_awarded_mw, first.rt_price_per_mwh) == (
        "published",
        Decimal("10.000"),
        Decimal("70.00"),
    )
    rows = NodePrice.objects.count()
    assert services.run_real_time_due() == [rt.pk]  # a rerun changes nothing
    assert NodePrice.objects.count() == rows


def test_without_the_decrement_the_next_unit_sets_the_price(sim_now):
    da = day_ahead_with_positions()
    k0 = interval(da, 0)
    sim_now(k0 - timedelta(minutes=30))
    services.run_real_time_due()
    # 170 MW at B: 100 over the line, 60 from G2, 10 from G3 at 90
    price = NodePrice.objects.get(auction__kind="rt", node__code="B", interval_start=k0)
    assert price.price_per_mwh == Decimal("90.00")


def test_an_increment_above_the_position_is_demand(sim_now):
    da = day_ahead_with_positions()
    k3 = interval(da, 3)
    # interval 3: actual 30 MW at B + P_DA 20 = 50 MW, all from G1 (line not full): 20 CNY/MWh;
    # a 10 MW increment at <= 25 clears in full (still 60 MW over a 100 MW line)
    rt_bid(k3, [(25, 10)], side="demand", participant="other-co")
    sim_now(k3 - timedelta(minutes=30))
    services.run_real_time_due()
    award = Award.objects.get(auction__kind="rt", segment__interval_start=k3)
    assert (award.awarded_mw, award.price_per_mwh) == (Decimal("10.000"), Decimal("20.00"))


def test_a_decrement_above_the_day_ahead_position_is_refused(sim_now):
    da = day_ahead_with_positions()
    with pytest.raises(ApplicationError) as err:
        rt_bid(interval(da, 0), [(70, 15), (80, 5.001)])
    assert (err.value.code, err.value.field) == ("reduction_above_position", "curves[0].segments")
    assert "20.000 MW" in err.value.message
    # a participant without a position has nothing to sell back
    with pytest.raises(ApplicationError) as err:
        rt_bid(interval(da, 0), [(70, 1)], participant="other-co")
    assert err.value.code == "reduction_above_position"


def test_a_real_time_bid_carries_no_baselines_and_one_direction(sim_now):
    da = day_ahead_with_positions()
    rt = services.open_real_time(interval_start=interval(da, 0))
    client = LocalExchangeClient()
    with pytest.raises(ApplicationError) as err:
        client.submit_bid(
            auction_id=rt.pk,
            participant="site-co",
            baselines=[Baseline("B", rt.first_interval, d(40))],
        )
    assert err.value.field == "baselines"
    with pytest.raises(ApplicationError) as err:
        client.submit_bid(
            auction_id=rt.pk,
            participant="site-co",
            curves=[
                Curve("B", rt.first_interval, "reduction", [Segment(d(70), d(5))]),
                Curve("B", rt.first_interval, "demand", [Segment(d(10), d(5))]),
            ],
        )
    assert err.value.code == "two_positions"


def test_real_time_waits_for_the_day_ahead_results(sim_now):
    da = day_ahead_with_positions(publish=False)
    k0 = interval(da, 0)
    rt = services.open_real_time(interval_start=k0)
    sim_now(k0 - timedelta(minutes=30))
    services.close_due(now=clock.now())  # closes the day-ahead auction too, not cleared yet
    assert services.clear_auction(auction_id=rt.pk) is False
    rt.refresh_from_db()
    assert rt.state == "closed"
    services.clear_auction(auction_id=da.pk)
    assert services.clear_auction(auction_id=rt.pk) is False  # cleared, not yet published
    services.publish_auction(auction_id=da.pk)
    assert services.clear_auction(auction_id=rt.pk) is True
    assert NodePrice.objects.get(auction=rt, node__code="B").participant_demand_mw == 20


def test_a_real_time_auction_without_actual_data_fails_with_its_reason(sim_now):
    da = day_ahead_with_positions()
    k2 = interval(da, 2)
    Exogenous.objects.filter(node__code="B", interval_start=k2, kind="demand_mw").delete()
    sim_now(k2 - timedelta(minutes=30))
    services.run_real_time_due()
    rt = Auction.objects.get(kind="rt", first_interval=k2)
    assert rt.state == "failed"
    assert "no actual demand_mw for B" in rt.message
    info = LocalExchangeClient().real_time_auctions(market_day=DAY)
    assert [(a.state, a.message) for a in info][-1] == ("failed", rt.message)
    assert [a.state for a in info] == ["published", "published", "failed"]


def test_beat_opens_every_interval_of_the_day_and_clears_each(sim_now):
    # beat's path: run_due_auctions opens (catching up the day's intervals that never got an
    # auction), closes at the gate and hands each closed auction to clear_auction.
    da = day_ahead_with_positions()
    now = sim_now(interval(da, 12))  # 03:00 on D: intervals 0-11 are past, 12-14 gated
    due = services.run_due()  # what the beat task runs before queueing one clearing per id
    rt = Auction.objects.filter(kind="rt", market_day=DAY).order_by("first_interval")
    starts = [a.first_interval for a in rt]
    assert starts[0] == da.first_interval and starts[:14] == [interval(da, k) for k in range(14)]
    assert starts[-1] <= now + timedelta(hours=2)
    closed = [a.pk for a in rt if a.gate_closure_at <= now]
    assert len(closed) == 15 and set(closed) <= set(due)
    for auction_id in closed:
        tasks.clear_auction.run(auction_id)  # the queued task's body, in process
    assert set(Auction.objects.filter(pk__in=closed).values_list("state", flat=True)) == {
        "published"
    }
