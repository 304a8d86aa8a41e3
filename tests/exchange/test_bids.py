"""Bid intake through the API: every refusal is a 400 naming the problem."""

from __future__ import annotations

import pytest

from market.exchange.models import Bid, BidSegment
from vpp import clock

from .conftest import AFTER_GATE, bid_url, curve, interval

pytestmark = pytest.mark.django_db


def post(api, auction, curves, **extra):
    return api.post(bid_url(auction), {"curves": curves, **extra}, format="json")


def test_trader_submits_a_bid(trader_api, da_auction):
    baseline = {"node": "E-LOAD", "interval_start": interval(da_auction, 1).isoformat(),
                "baseline_mw": "30"}  # fmt: skip
    r = post(
        trader_api,
        da_auction,
        [curve(da_auction), curve(da_auction, k=1, side="reduction")],
        baselines=[baseline],
    )
    assert r.status_code == 201, r.json()
    assert r.json()["version"] == 1 and r.json()["participant"] == "aggregator-co"
    bid = Bid.objects.get()
    assert bid.submitted_at == clock.now()
    assert BidSegment.objects.filter(bid=bid).count() == 2
    assert bid.baselines.get().baseline_mw == 30


@pytest.mark.parametrize(
    "change, field, words",
    [
        ({"segments": ((1600, 5),)}, "price_per_mwh", "cap"),
        ({"segments": ((-5, 5),)}, "price_per_mwh", "floor"),
        ({"segments": ((300, 5), (400, 5))}, "price_per_mwh", "must not increase"),
        ({"side": "reduction", "segments": ((400, 5), (300, 5))}, "price_per_mwh", "decrease"),
        ({"node": "MARS"}, "node", "unknown node"),
        ({"k": 96}, "interval_start", "not an interval"),
        ({"segments": ((300, 0),)}, "quantity_mw", "positive"),
        ({"segments": ((300, -2),)}, "quantity_mw", "positive"),
        ({"segments": tuple((300, 1) for _ in range(11))}, "segments", "at most 10"),
    ],
)
def test_bad_curves_are_400_naming_the_problem(trader_api, da_auction, change, field, words):
    r = post(trader_api, da_auction, [curve(da_auction, **change)])
    assert r.status_code == 400
    (key, messages), *_ = r.json().items()
    assert field in key
    assert words in messages[0]
    assert not Bid.objects.exists()


def test_interval_not_on_the_grid_is_400(trader_api, da_auction):
    c = curve(da_auction)
    c["interval_start"] = (interval(da_auction, 0).replace(minute=7)).isoformat()
    r = post(trader_api, da_auction, [c])
    assert r.status_code == 400 and "interval_start" in next(iter(r.json()))


def test_naive_datetime_is_400(trader_api, da_auction):
    c = curve(da_auction)
    c["interval_start"] = "2026-07-02T00:00:00"
    r = post(trader_api, da_auction, [c])
    assert r.status_code == 400
    assert "naive" in str(r.json())


def test_after_gate_closure_is_400(trader_api, da_auction, sim_now):
    sim_now(AFTER_GATE)
    r = post(trader_api, da_auction, [curve(da_auction)])
    assert r.status_code == 400
    assert "gate" in r.json()["auction"][0]


def test_just_before_gate_closure_is_accepted(trader_api, da_auction, sim_now):
    from datetime import timedelta

    sim_now(da_auction.gate_closure_at - timedelta(seconds=1))
    assert post(trader_api, da_auction, [curve(da_auction)]).status_code == 201


def test_resubmission_replaces_and_keeps_both_versions(trader_api, da_auction):
    assert post(trader_api, da_auction, [curve(da_auction)]).status_code == 201
    r = post(trader_api, da_auction, [curve(da_auction, segments=((700, 20),))])
    assert r.status_code == 201 and r.json()["version"] == 2
    v1, v2 = Bid.objects.order_by("version")
    assert v1.superseded and not v2.superseded
    assert v1.segments.get().quantity_mw == 10 and v2.segments.get().quantity_mw == 20
    listed = trader_api.get(bid_url(da_auction)).json()
    assert [b["version"] for b in listed] == [1, 2]


def test_idempotency_key_makes_a_retry_harmless(trader_api, da_auction):
    first = post(trader_api, da_auction, [curve(da_auction)], idempotency_key="k-1")
    again = post(trader_api, da_auction, [curve(da_auction)], idempotency_key="k-1")
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["bid_id"] == first.json()["bid_id"]
    assert again.json()["created"] is False
    assert Bid.objects.count() == 1
    other = post(trader_api, da_auction, [curve(da_auction, k=3)], idempotency_key="k-1")
    assert other.status_code == 400 and "idempotency_key" in other.json()


def test_duplicate_curve_in_one_bid_is_400(trader_api, da_auction):
    r = post(trader_api, da_auction, [curve(da_auction), curve(da_auction)])
    assert r.status_code == 400
