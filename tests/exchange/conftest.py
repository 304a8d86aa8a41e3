"""Exchange fixtures: the default market with tomorrow's day-ahead auction open."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from market.exchange import services
from vpp import clock

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


def curve(auction, *, k=0, node="E-LOAD", side="demand", segments=((1500, 10),)):
    return {
        "node": node,
        "interval_start": interval(auction, k).isoformat(),
        "side": side,
        "segments": [{"price_per_mwh": str(p), "quantity_mw": str(q)} for p, q in segments],
    }


def bid_url(auction) -> str:
    return f"/api/exchange/auctions/{auction.pk}/bids/"


# --- a hand-checkable two-bus market (docs/exchange.md, "Positions: every MW once") ---------
#
#   A --(line A-B, 100 MW)--> B
#   G1 at A: 20 CNY/MWh, up to 500 MW        exogenous demand at B: 120 MW (forecast)
#   G2 at B: 50 CNY/MWh, up to 60 MW         exogenous demand at A: 0
#   G3 at B: 90 CNY/MWh, up to 100 MW


def two_bus_market(
    *,
    day=DAY,
    demand_b_mw: float = 120.0,
    actual_b_mw: dict[int, float] | None = None,
    line_limit_mw: float = 100.0,
    demand_a_mw: float = 0.0,
    generators=(
        ("G1", "A", 20, 0, 500),
        ("G2", "B", 50, 0, 60),
        ("G3", "B", 90, 0, 100),
    ),
    voltage_kv: dict[str, int] | None = None,
):
    """Store the network, fleet and one day of exogenous data (forecast = actual unless
    ``actual_b_mw`` names an interval's actual demand at B). Returns the nodes."""
    from market.exchange.models import Exogenous, Generator, Line, Node
    from vpp.intervals import day_intervals

    kv = {"A": 500, "B": 500, **(voltage_kv or {})}
    a = Node.objects.create(code="A", name="Bus A", is_slack=True, voltage_kv=kv["A"])
    b = Node.objects.create(code="B", name="Bus B", voltage_kv=kv["B"])
    Line.objects.create(
        code="A-B", from_node=a, to_node=b, reactance_pu=0.1, limit_mw=line_limit_mw
    )
    nodes = {"A": a, "B": b}
    for code, node, cost, min_mw, max_mw in generators:
        Generator.objects.create(
            code=code, node=nodes[node], fuel="coal", marginal_cost_per_mwh=Decimal(cost),
            min_mw=min_mw, max_mw=max_mw,
        )  # fmt: skip
    now = clock.now()
    rows = []
    for k, start in enumerate(day_intervals(day)):
        for node, forecast, actual in (
            (a, demand_a_mw, demand_a_mw),
            (b, demand_b_mw, (actual_b_mw or {}).get(k, demand_b_mw)),
        ):
            rows.append(Exogenous(node=node, interval_start=start, kind="demand_mw",
                                  forecast=forecast, actual=actual, created_at=now))  # fmt: skip
            for kind in ("wind_cf", "solar_cf"):
                rows.append(Exogenous(node=node, interval_start=start, kind=kind, forecast=0,
                                      actual=0, created_at=now))  # fmt: skip
    Exogenous.objects.bulk_create(rows)
    return nodes


@pytest.fixture
def two_bus(db, sim_now):
    """The two-bus market with day D's day-ahead auction open (clock before the gate)."""
    sim_now(BEFORE_GATE)
    two_bus_market()
    return services.open_day_ahead(day=DAY)


def clear_day_ahead(auction):
    """Past the gate: close, clear and publish the day-ahead auction; return it fresh."""
    clock.set_now(AFTER_GATE)
    services.close_due(now=clock.now())
    services.clear_auction(auction_id=auction.pk)
    services.publish_auction(auction_id=auction.pk)
    auction.refresh_from_db()
    return auction


def d(value) -> Decimal:
    return Decimal(str(value))
