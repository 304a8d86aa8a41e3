"""Market rules as data: presets, the active market, the minimum trading unit, and a Mengxi day
with a negative price cleared and settled by hand."""

from __future__ import annotations

from datetime import time
from decimal import Decimal

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from market.exchange import services
from market.exchange.client import Baseline, Curve, LocalExchangeClient, Segment
from market.exchange.markets import active_market
from market.exchange.models import Auction, Bid, NodePrice
from vpp.errors import ApplicationError
from vpp.markets import settings_for

from .conftest import BEFORE_GATE, DAY, clear_day_ahead, d, interval, two_bus_market

pytestmark = pytest.mark.django_db
GUANGDONG = settings_for("guangdong")
MENGXI = settings_for("mengxi")


def test_the_default_market_keeps_the_rules_the_mock_had():
    # generic: floor 0, cap 1,500, gate 10:00 on D-1, RT gate 30 min, no trading-unit rule
    rules = LocalExchangeClient().rules()
    assert (rules.market, rules.price_floor_per_mwh, rules.price_cap_per_mwh) == (
        "generic",
        Decimal("0"),
        Decimal("1500"),
    )
    assert (rules.da_gate_closure_local, rules.rt_gate_closure_minutes) == (time(10), 30)
    assert rules.min_trading_unit_mw == 0 and rules.min_node_voltage_kv == 0


@override_settings(**GUANGDONG)
def test_guangdong_preset_through_the_client():
    rules = LocalExchangeClient().rules()
    assert rules.market == "guangdong" and rules.currency == "CNY"
    assert (rules.price_floor_per_mwh, rules.price_cap_per_mwh) == (Decimal(0), Decimal(1500))
    # a VPP trading unit: one clearing node of >= 220 kV, >= 1 MW adjustable for >= 1 h
    assert (rules.min_trading_unit_mw, rules.min_trading_unit_hours) == (Decimal(1), Decimal(1))
    assert rules.min_node_voltage_kv == 220 and rules.min_run_intervals() == 4
    assert rules.bid_form == "quantity_and_price" and rules.interval_minutes == 15
    assert rules.da_gate_closure_local == time(10) and rules.time_zone == "Asia/Shanghai"


@override_settings(**MENGXI)
def test_mengxi_preset_has_a_negative_floor():
    rules = LocalExchangeClient().rules()
    assert (rules.market, rules.price_floor_per_mwh, rules.price_cap_per_mwh) == (
        "mengxi",
        Decimal("-50"),
        Decimal("1500"),
    )


def test_one_setting_moves_one_rule_of_the_preset():
    with override_settings(**{**GUANGDONG, "EXCHANGE_PRICE_CAP_PER_MWH": "2000"}):
        m = active_market()
        assert (m.code, m.price_cap_per_mwh, m.min_node_voltage_kv) == ("guangdong", 2000, 220)


@pytest.mark.parametrize(
    "change, words",
    [
        ({"EXCHANGE_MARKET": "atlantis"}, "not a market preset"),
        ({"EXCHANGE_PRICE_FLOOR_PER_MWH": "1500"}, "not below the cap"),
        ({"EXCHANGE_PRICE_FLOOR_PER_MWH": "cheap"}, "EXCHANGE_PRICE_FLOOR_PER_MWH"),
        ({"EXCHANGE_DA_GATE_CLOSURE_LOCAL": "25:00"}, "EXCHANGE_DA_GATE_CLOSURE_LOCAL"),
        ({"MARKET_INTERVAL_MINUTES": 5}, "MARKET_INTERVAL_MINUTES"),
    ],
)
def test_a_bad_market_configuration_names_the_setting(change, words):
    with override_settings(**change), pytest.raises(ImproperlyConfigured) as err:
        active_market()
    assert words in str(err.value)


def test_the_gates_follow_the_active_market(da_auction):
    with override_settings(EXCHANGE_DA_GATE_CLOSURE_LOCAL="09:15"):
        gate = services.da_gate_closure(DAY)
    assert (gate.hour, gate.minute) == (1, 15)  # 09:15 Shanghai on D-1 is 01:15 UTC


# --- the minimum trading unit (Guangdong) -----------------------------------------------


@pytest.fixture
def guangdong_two_bus(db, sim_now):
    sim_now(BEFORE_GATE)
    with override_settings(**GUANGDONG):
        two_bus_market(voltage_kv={"A": 110})  # B is a 500 kV bus, A a 110 kV one
        yield services.open_day_ahead(day=DAY)


def submit(auction, curves, baselines=()):
    return LocalExchangeClient().submit_bid(
        auction_id=auction.pk, participant="site-co", curves=curves, baselines=baselines
    )


def reductions(auction, mws: dict[int, str], node="B"):
    """Baselines of 40 MW and reduction offers of ``mws[k]`` MW at 100 CNY/MWh."""
    return (
        [
            Curve(node, interval(auction, k), "reduction", [Segment(d(100), d(mw))])
            for k, mw in mws.items()
        ],
        [Baseline(node, interval(auction, k), d(40)) for k in mws],
    )


def refused(auction, curves, baselines, code, field, words):
    with pytest.raises(ApplicationError) as err:
        submit(auction, curves, baselines)
    assert (err.value.code, err.value.field) == (code, field)
    assert words in err.value.message
    assert not Bid.objects.exists()


def test_flexibility_at_a_node_below_220_kv_is_refused(guangdong_two_bus):
    curves, baselines = reductions(guangdong_two_bus, dict.fromkeys(range(4), "5"), node="A")
    refused(
        guangdong_two_bus, curves, baselines, "trading_unit_voltage", "curves[0].node", "110 kV"
    )


def test_flexibility_under_1_mw_is_refused(guangdong_two_bus):
    mws = {0: "5", 1: "5", 2: "0.999", 3: "5"}
    curves, baselines = reductions(guangdong_two_bus, mws)
    refused(guangdong_two_bus, curves, baselines, "trading_unit_mw", "curves[2].segments", "1 MW")


def test_flexible_runs_shorter_than_an_hour_are_refused(guangdong_two_bus):
    # 4 intervals (1 h) from 0, then 3 (45 min) from 10: the second run is short
    mws = {k: "1" for k in (0, 1, 2, 3, 10, 11, 12)}
    curves, baselines = reductions(guangdong_two_bus, mws)
    refused(guangdong_two_bus, curves, baselines, "trading_unit_duration", "curves[4]", "0.75 h")


def test_a_demand_curves_price_responsive_part_is_flexibility(guangdong_two_bus):
    one = [
        Curve(
            "B",
            interval(guangdong_two_bus, 0),
            "demand",
            [Segment(d(1500), d(30)), Segment(d(200), d(2))],
        )
    ]
    refused(guangdong_two_bus, one, (), "trading_unit_duration", "curves[0]", "1 interval(s)")


def test_a_unit_that_meets_the_rule_and_positions_without_flexibility_are_accepted(
    guangdong_two_bus,
):
    curves, baselines = reductions(guangdong_two_bus, dict.fromkeys(range(4), "1"))
    # at the 110 kV bus: a baseline and a must-buy demand are consumption, not flexibility
    curves.append(Curve("A", interval(guangdong_two_bus, 9), "demand", [Segment(d(1500), d(0.2))]))
    baselines.append(Baseline("A", interval(guangdong_two_bus, 8), d(0.3)))
    assert submit(guangdong_two_bus, curves, baselines).version == 1


def test_the_desk_can_find_what_falls_short_and_zeroing_it_passes(guangdong_two_bus):
    mws = {0: "5", 1: "5", 2: "5", 3: "5", 6: "0.5", 10: "2", 11: "2"}
    curves, baselines = reductions(guangdong_two_bus, mws)
    rules = LocalExchangeClient().rules()
    kv = {n.code: n.voltage_kv for n in LocalExchangeClient().list_nodes()}
    short = rules.trading_unit_shortfalls(curves, kv)
    starts = {interval(guangdong_two_bus, k) for k in (6, 10, 11)}
    assert {(node, t) for node, t, _ in short} == {("B", t) for t in starts}
    kept = [c for c in curves if c.interval_start not in starts]
    assert submit(guangdong_two_bus, kept, baselines).version == 1


# --- Mengxi: a negative price -------------------------------------------------------------
#
# A --(30 MW)--> B. G1 at A must run at 150 MW (max 200, 20 CNY/MWh); G2 at B, 300 CNY/MWh.
# Demand: 100 MW at A, 60 at B. "holder" registers 10 MW at A with a 5 MW reduction offer at
# 0 CNY/MWh; "buyer" bids 5 MW at A at -20 CNY/MWh or less. By hand, per interval:
#   A: 150 made, 100 + 10 used, 30 exported (line full), 5 bought by "buyer" (-50 <= -20),
#      5 MW left over is spilled at the floor -> lambda_A = -50 (the floor);
#      "holder"'s reduction would only add surplus: not cleared (0 > -50).
#   B: 60 = 30 imported + 30 from G2 -> lambda_B = 300.
# Money, four intervals of 0.25 h: buyer  -5 * 0.25 * (-50) * 4 = +250.00 (paid to consume);
# holder baseline energy -10 * 0.25 * (-50) * 4 = +500.00, reduction credit 0.


@override_settings(**MENGXI)
def test_mengxi_day_with_a_negative_price(db, sim_now):
    sim_now(BEFORE_GATE)
    two_bus_market(
        demand_a_mw=100,
        demand_b_mw=60,
        line_limit_mw=30,
        generators=(("G1", "A", 20, 150, 200), ("G2", "B", 300, 0, 100)),
    )
    auction = services.open_day_ahead(day=DAY)
    client = LocalExchangeClient()
    four = range(4)
    client.submit_bid(
        auction_id=auction.pk,
        participant="holder",
        baselines=[Baseline("A", interval(auction, k), d(10)) for k in four],
        curves=[Curve("A", interval(auction, k), "reduction", [Segment(d(0), d(5))]) for k in four],
    )
    client.submit_bid(
        auction_id=auction.pk,
        participant="buyer",
        curves=[Curve("A", interval(auction, k), "demand", [Segment(d(-20), d(5))]) for k in four],
    )
    with pytest.raises(ApplicationError) as err:  # below the floor
        client.submit_bid(
            auction_id=auction.pk,
            participant="other",
            curves=[Curve("A", interval(auction, 0), "demand", [Segment(d(-60), d(5))])],
        )
    assert err.value.code == "price_limits"
    auction = clear_day_ahead(auction)
    assert auction.state == Auction.State.PUBLISHED
    prices = {
        (p.node.code, p.interval_start): p.price_per_mwh
        for p in NodePrice.objects.filter(auction=auction).select_related("node")
    }
    for k in four:
        assert prices["A", interval(auction, k)] == Decimal("-50.00")
        assert prices["B", interval(auction, k)] == Decimal("300.00")
    buyer = client.positions(participant="buyer", market_day=DAY)
    holder = client.positions(participant="holder", market_day=DAY)
    assert {p.position_mw for p in buyer} == {Decimal("5.000")}
    assert {(p.position_mw, p.reduction_awarded_mw) for p in holder} == {
        (Decimal("10.000"), Decimal("0.000"))
    }
    b = client.participant_settlement(participant="buyer", market_day=DAY)
    h = client.participant_settlement(participant="holder", market_day=DAY)
    assert (b.demand_energy_amount, b.da_amount) == (Decimal("250.00"), Decimal("250.00"))
    assert (h.baseline_energy_amount, h.reduction_credit_amount) == (Decimal("500.00"), 0)


def test_a_negative_bid_is_refused_where_the_floor_is_zero(two_bus):
    with pytest.raises(ApplicationError) as err:
        submit(two_bus, [Curve("B", interval(two_bus, 0), "demand", [Segment(d(-20), d(5))])])
    assert err.value.field == "curves[0].segments[0].price_per_mwh"
