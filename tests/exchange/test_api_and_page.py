"""Who may do what on the exchange API, and the results page with real numbers."""

from __future__ import annotations

import pytest

from market.exchange import services
from market.exchange.client import Curve, LocalExchangeClient, Segment

from .conftest import AFTER_GATE, bid_url, curve, interval

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(da_auction, sim_now, trader_api):
    trader_api.post(
        bid_url(da_auction),
        {"curves": [curve(da_auction, k=76, segments=((1500, 30),))]},
        format="json",
    )
    LocalExchangeClient().submit_bid(
        auction_id=da_auction.pk,
        participant="other-vpp",
        curves=[Curve("S-LOAD", interval(da_auction, 76), "demand", [Segment(1500, 12)])],
    )
    sim_now(AFTER_GATE)
    services.run_due()
    services.clear_auction(auction_id=da_auction.pk)
    services.publish_auction(auction_id=da_auction.pk)
    return da_auction


def test_regulator_may_not_bid(regulator_api, da_auction):
    r = regulator_api.post(bid_url(da_auction), {"curves": [curve(da_auction)]}, format="json")
    assert r.status_code == 403


@pytest.mark.parametrize(
    "path", ["auctions/", "nodes/", "lines/", "auctions/{id}/prices/", "auctions/{id}/bids/"]
)
def test_operators_have_no_exchange_access(operator_a_api, da_auction, path):
    r = operator_a_api.get("/api/exchange/" + path.format(id=da_auction.pk))
    assert r.status_code == 403
    r = operator_a_api.post(bid_url(da_auction), {"curves": [curve(da_auction)]}, format="json")
    assert r.status_code == 403


def test_admin_bids_for_a_named_participant(admin_api, da_auction):
    r = admin_api.post(
        bid_url(da_auction),
        {"curves": [curve(da_auction)], "participant": "house-vpp"},
        format="json",
    )
    assert r.status_code == 201 and r.json()["participant"] == "house-vpp"


def test_trader_may_not_bid_as_someone_else(trader_api, da_auction):
    r = trader_api.post(
        bid_url(da_auction), {"curves": [curve(da_auction)], "participant": "x"}, format="json"
    )
    assert r.status_code == 400 and "participant" in r.json()


def test_results_hidden_until_published(trader_api, da_auction):
    r = trader_api.get(f"/api/exchange/auctions/{da_auction.pk}/prices/")
    assert r.status_code == 400 and "published" in r.json()["auction"][0]


def test_prices_public_awards_private(published, trader_api, regulator_api):
    for api in (trader_api, regulator_api):
        prices = api.get(f"/api/exchange/auctions/{published.pk}/prices/")
        assert prices.status_code == 200 and len(prices.json()) == 96 * 6
        flows = api.get(f"/api/exchange/auctions/{published.pk}/flows/")
        assert flows.status_code == 200 and len(flows.json()) == 96 * 8
    own = trader_api.get(f"/api/exchange/auctions/{published.pk}/awards/").json()
    assert [a["node"] for a in own] == ["E-LOAD"]
    assert own[0]["awarded_mw"] == "30.000"
    everyone = regulator_api.get(f"/api/exchange/auctions/{published.pk}/awards/").json()
    assert sorted(a["node"] for a in everyone) == ["E-LOAD", "S-LOAD"]
    bids = trader_api.get(bid_url(published)).json()
    assert {b["participant"] for b in bids} == {"aggregator-co"}


def test_auction_list_and_exogenous(trader_api, da_auction):
    r = trader_api.get("/api/exchange/auctions/?state=open&kind=da")
    assert r.status_code == 200 and r.json()["results"][0]["id"] == da_auction.pk
    start = da_auction.first_interval.isoformat()
    r = trader_api.get("/api/exchange/exogenous/", {"start": start, "end": start, "node": "E-LOAD"})
    assert r.status_code == 200 and r.json() == []
    r = trader_api.get("/api/exchange/exogenous/", {"start": "2026-07-02T00:00:00", "end": start})
    assert r.status_code == 400


def test_results_page_shows_real_numbers(published, client, trader, operator_a):
    from market.exchange.models import NodePrice

    client.force_login(trader)
    r = client.get("/market/results/")
    assert r.status_code == 200
    html = r.content.decode()
    assert "vpp-chart" in html and "data-figure" in html and "plotly.min.js" in html
    price = NodePrice.objects.filter(auction=published, node__code="E-LOAD").order_by(
        "-price_per_mwh"
    )[0]
    assert f"{price.price_per_mwh:.2f}" in html  # the max column of the stats table
    assert "E-LOAD" in html and "30.000" in html
    assert "/static/js/plotly.min.js" in html  # served locally, no CDN
    client.force_login(operator_a)
    assert client.get("/market/results/").status_code == 403


def test_results_page_without_auctions(client, regulator, db):
    client.force_login(regulator)
    r = client.get("/market/results/")
    assert r.status_code == 200 and "No auction has been published" in r.content.decode()


def test_openapi_schema_builds(admin_api):
    r = admin_api.get("/api/schema/")
    assert r.status_code == 200
    assert b"/api/exchange/auctions/{auction_id}/bids/" in r.content
