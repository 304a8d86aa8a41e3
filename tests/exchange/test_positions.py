"""Every MW once: a demand curve and a reduction offer from a registered baseline clear and pay
the same, through the real clearing LP; one position per node and interval; reductions never
above the baseline.

The two-bus case (tests/exchange/conftest.py, docs/exchange.md): line A->B 100 MW, G1 at A 20,
G2 at B 50 (60 MW), G3 at B 90 CNY/MWh, 120 MW of exogenous demand at B. A site uses 40 MW at B
and can give up 20 MW at 40 CNY/MWh or more, in intervals 0-3. By hand, either way:
  B needs 120 + 40 = 160 MW, or 140 once the site gives up its 20 MW (worth it: 40 < G2's 50).
  G1 sends 100 MW over the line (full), G2 makes the other 40 MW (below its 60): lambda_B = 50,
  lambda_A = 20 (G1 has room), G3 idle. The site consumes 20 MW.
  Money per interval: -20 * 0.25 * 50 = -250 CNY; as a baseline position
  -40 * 0.25 * 50 + 20 * 0.25 * 50 = -500 + 250 = -250. Four intervals: -1,000 CNY.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from market.exchange import services
from market.exchange.clearing import clear
from market.exchange.client import Baseline, Curve, LocalExchangeClient, Segment
from market.exchange.models import Bid, BidBaseline, NodePrice

from .conftest import DAY, bid_url, clear_day_ahead, d, interval

pytestmark = pytest.mark.django_db
FOUR = range(4)


def reduction_bid(auction, participant="site-co"):
    return LocalExchangeClient().submit_bid(
        auction_id=auction.pk,
        participant=participant,
        baselines=[Baseline("B", interval(auction, k), d(40)) for k in FOUR],
        curves=[
            Curve("B", interval(auction, k), "reduction", [Segment(d(40), d(20))]) for k in FOUR
        ],
    )


def demand_bid(auction, participant="site-co"):
    # the same flexibility as a demand curve: 20 MW must-buy at the cap, 20 more at <= 40
    return LocalExchangeClient().submit_bid(
        auction_id=auction.pk,
        participant=participant,
        curves=[
            Curve(
                "B",
                interval(auction, k),
                "demand",
                [Segment(d(1500), d(20)), Segment(d(40), d(20))],
            )
            for k in FOUR
        ],
    )


def outcome_of(auction):
    built = services.build_case(auction)
    return built, clear(built.case)


@pytest.mark.parametrize("bid", [reduction_bid, demand_bid], ids=["reduction", "demand"])
def test_a_demand_curve_and_a_reduction_offer_clear_and_pay_the_same(two_bus, bid):
    bid(two_bus)
    built, outcome = outcome_of(two_bus)  # the case the auction clears, through the real LP
    for k in FOUR:
        assert outcome.generation_mw["G1"][k] == pytest.approx(100, abs=1e-6)
        assert outcome.generation_mw["G2"][k] == pytest.approx(40, abs=1e-6)
        assert outcome.generation_mw["G3"][k] == pytest.approx(0, abs=1e-6)
        assert outcome.prices["B"][k] == pytest.approx(50, abs=1e-4)
        assert outcome.prices["A"][k] == pytest.approx(20, abs=1e-4)

    auction = clear_day_ahead(two_bus)
    prices = {
        (p.node.code, p.interval_start): p
        for p in NodePrice.objects.filter(auction=auction).select_related("node")
    }
    first = prices["B", interval(auction, 0)]
    assert (first.price_per_mwh, prices["A", interval(auction, 0)].price_per_mwh) == (
        Decimal("50.00"),
        Decimal("20.00"),
    )
    # the exogenous demand and the participants' baselines stay visible apart
    assert first.demand_mw == 120
    assert first.participant_demand_mw == (40 if bid is reduction_bid else 0)
    assert prices["B", interval(auction, 4)].participant_demand_mw == 0

    positions = LocalExchangeClient().positions(participant="site-co", market_day=DAY)
    assert len(positions) == 4
    assert {p.position_mw for p in positions} == {Decimal("20.000")}
    if bid is reduction_bid:
        assert {(p.kind, p.baseline_mw, p.reduction_awarded_mw) for p in positions} == {
            ("baseline", Decimal("40.000"), Decimal("20.000"))
        }
    else:
        assert {(p.kind, p.demand_awarded_mw) for p in positions} == {("demand", Decimal("20.000"))}

    st = LocalExchangeClient().participant_settlement(participant="site-co", market_day=DAY)
    assert st.da_amount == Decimal("-1000.00")
    if bid is reduction_bid:
        assert (st.baseline_energy_amount, st.reduction_credit_amount) == (
            Decimal("-2000.00"),
            Decimal("1000.00"),
        )
        assert st.demand_energy_amount == 0
    else:
        assert st.demand_energy_amount == Decimal("-1000.00")
        assert st.baseline_energy_amount == st.reduction_credit_amount == 0


def test_the_old_bug_left_the_sites_load_out_of_the_balance(two_bus):
    # Before baselines, the reduction offer was supply against the exogenous demand alone: the
    # site's own 40 MW was nowhere. Same offer, baseline removed from the case: 100 MW of
    # generation (G1 only, the 20 MW reduction meets B's last 20 MW) instead of 140.
    reduction_bid(two_bus)
    built, _ = outcome_of(two_bus)
    old = replace(built.case, demand_mw={n: list(v) for n, v in built.exogenous_mw.items()})
    outcome = clear(old)
    total = sum(outcome.generation_mw[g][0] for g in ("G1", "G2", "G3"))
    assert total == pytest.approx(100, abs=1e-6)
    assert sum(a for a in outcome.awards_mw.values()) == pytest.approx(4 * 20, abs=1e-6)


def test_a_baseline_alone_is_a_position_cleared_as_demand(two_bus):
    LocalExchangeClient().submit_bid(
        auction_id=two_bus.pk,
        participant="site-co",
        baselines=[Baseline("B", interval(two_bus, 0), d(30))],
    )
    _, outcome = outcome_of(two_bus)
    # 150 MW at B: G1 100 over the line, G2 50 (of 60): lambda_B = 50
    assert outcome.generation_mw["G2"][0] == pytest.approx(50, abs=1e-6)
    auction = clear_day_ahead(two_bus)
    (position,) = LocalExchangeClient().positions(participant="site-co", market_day=DAY)
    assert (position.kind, position.position_mw, position.da_price_per_mwh) == (
        "baseline",
        Decimal("30.000"),
        Decimal("50.00"),
    )
    assert auction.state == "published"


def post(api, auction, curves=(), baselines=()):
    return api.post(
        bid_url(auction), {"curves": list(curves), "baselines": list(baselines)}, format="json"
    )


def wire_curve(auction, k, side, segments, node="B"):
    return {
        "node": node,
        "interval_start": interval(auction, k).isoformat(),
        "side": side,
        "segments": [{"price_per_mwh": str(p), "quantity_mw": str(q)} for p, q in segments],
    }


def wire_baseline(auction, k, mw, node="B"):
    return {"node": node, "interval_start": interval(auction, k).isoformat(), "baseline_mw": mw}


def refused(response, field_part, words):
    assert response.status_code == 400, response.json()
    (key, messages), *_ = response.json().items()
    assert field_part in key, response.json()
    assert words in str(messages), response.json()
    assert not Bid.objects.exists() and not BidBaseline.objects.exists()


def test_both_sides_for_one_node_and_interval_are_refused(trader_api, two_bus):
    r = post(
        trader_api,
        two_bus,
        curves=[wire_curve(two_bus, 0, "demand", [(1500, 10)])],
        baselines=[wire_baseline(two_bus, 0, "40")],
    )
    refused(r, "curves[0]", "one or the other")


def test_a_demand_and_a_reduction_curve_at_one_node_and_interval_are_refused(trader_api, two_bus):
    r = post(
        trader_api,
        two_bus,
        curves=[
            wire_curve(two_bus, 0, "reduction", [(40, 10)]),
            wire_curve(two_bus, 0, "demand", [(1500, 10)]),
        ],
        baselines=[wire_baseline(two_bus, 0, "40")],
    )
    refused(r, "curves[1]", "one position per node and interval")


def test_a_reduction_above_the_baseline_is_refused(trader_api, two_bus):
    r = post(
        trader_api,
        two_bus,
        curves=[wire_curve(two_bus, 0, "reduction", [(40, 15), (60, 10)])],
        baselines=[wire_baseline(two_bus, 0, "24.999")],
    )
    refused(r, "curves[0].segments", "above its registered baseline of 24.999 MW")


def test_a_reduction_without_a_baseline_is_refused(trader_api, two_bus):
    r = post(
        trader_api,
        two_bus,
        curves=[wire_curve(two_bus, 1, "reduction", [(40, 5)])],
        baselines=[wire_baseline(two_bus, 0, "40")],  # at another interval
    )
    refused(r, "curves[0].segments", "needs a registered baseline")


@pytest.mark.parametrize(
    "mw, words",
    [("-0.001", "must not be negative"), ("NaN", "valid number"), ("Infinity", "valid number")],
)
def test_negative_or_non_finite_baselines_are_refused(trader_api, two_bus, mw, words):
    r = post(trader_api, two_bus, baselines=[wire_baseline(two_bus, 0, mw)])
    refused(r, "baselines", words)


@pytest.mark.parametrize("mw", ["NaN", "-Infinity", "-1"])
def test_the_client_refuses_them_too_naming_the_field(two_bus, mw):
    from vpp.errors import ApplicationError

    with pytest.raises(ApplicationError) as err:
        LocalExchangeClient().submit_bid(
            auction_id=two_bus.pk,
            participant="site-co",
            baselines=[Baseline("B", interval(two_bus, 0), Decimal(mw))],
        )
    assert err.value.field.startswith("baselines[0]")
    assert not Bid.objects.exists()


def test_two_baselines_for_one_node_and_interval_and_a_baseline_outside_the_auction(
    trader_api, two_bus
):
    twice = [wire_baseline(two_bus, 0, "40"), wire_baseline(two_bus, 0, "41")]
    refused(post(trader_api, two_bus, baselines=twice), "baselines[1]", "a second baseline")
    outside = [wire_baseline(two_bus, 96, "40")]
    refused(post(trader_api, two_bus, baselines=outside), "baselines[0].interval_start", "not an")
    unknown = [wire_baseline(two_bus, 0, "40", node="MARS")]
    refused(post(trader_api, two_bus, baselines=unknown), "baselines[0].node", "unknown node")


def test_a_baseline_and_reduction_bid_through_the_api_is_stored_and_listed(trader_api, two_bus):
    r = post(
        trader_api,
        two_bus,
        curves=[wire_curve(two_bus, 0, "reduction", [(40, 20)])],
        baselines=[wire_baseline(two_bus, 0, "40"), wire_baseline(two_bus, 5, "38.5")],
    )
    assert r.status_code == 201, r.json()
    (listed,) = trader_api.get(bid_url(two_bus)).json()
    assert sorted(b["baseline_mw"] for b in listed["baselines"]) == ["38.500", "40.000"]
    # a resubmission replaces the baselines with the curves: only the current bid clears
    r = post(trader_api, two_bus, baselines=[wire_baseline(two_bus, 0, "35")])
    assert r.status_code == 201
    built = services.build_case(two_bus)
    assert built.participant_mw["B"][0] == 35 and built.participant_mw["B"][5] == 0
