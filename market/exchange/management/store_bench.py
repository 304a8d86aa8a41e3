"""The end-to-end part of ``manage.py bench_exchange --store``: IEEE 118-bus installed as the
exchange's network, a day of demand and bids stored, and the day-ahead auction cleared through
``services.clear_auction`` (read the case from the database, clear, store prices, flows and
awards). Writes to the configured database: ``bench/exchange.py`` gives it one of its own."""

from __future__ import annotations

import time
from datetime import date
from decimal import Decimal

from django.db import connection, transaction

from vpp import clock
from vpp.intervals import day_intervals

from .. import pandapower_oracle as oracle
from .. import services
from ..clearing import clear
from ..models import (
    Auction,
    Award,
    Bid,
    BidSegment,
    Exogenous,
    Generator,
    Line,
    LineFlow,
    Node,
    NodePrice,
)
from ..results import store_results

DAY = date(2026, 7, 2)
CURVE = [(Decimal("60.00"), Decimal("5.000")), (Decimal("45.00"), Decimal("5.000")),
         (Decimal("30.00"), Decimal("5.000"))]  # fmt: skip


def install(case) -> dict[str, Node]:
    """The case's network and units as the exchange's rows; its demand as the day's forecast."""
    nodes = {
        code: Node(code=code, name=f"IEEE 118 bus {code}", is_slack=code == case.slack_node)
        for code in case.nodes
    }
    Node.objects.bulk_create(nodes.values())
    Line.objects.bulk_create(
        Line(
            code=ln.code,
            from_node=nodes[ln.from_node],
            to_node=nodes[ln.to_node],
            reactance_pu=ln.reactance_pu,
            phase_shift_deg=ln.phase_shift_deg,
            limit_mw=ln.limit_mw,
        )
        for ln in case.lines
    )
    Generator.objects.bulk_create(
        Generator(
            code=g.code,
            node=nodes[g.node],
            fuel=Generator.Fuel.COAL,
            marginal_cost_per_mwh=Decimal(str(g.marginal_cost_per_mwh)).quantize(Decimal("0.01")),
            min_mw=g.min_mw,
            max_mw=g.available_mw[0],
        )
        for g in case.generators
    )
    now = clock.now()
    starts = day_intervals(DAY)
    Exogenous.objects.bulk_create(
        Exogenous(
            node=nodes[code],
            interval_start=start,
            kind=Exogenous.Kind.DEMAND_MW,
            forecast=load[t],
            actual=load[t],
            created_at=now,
        )
        for code, load in case.demand_mw.items()
        for t, start in enumerate(starts)
    )
    return nodes


def bids(auction: Auction, nodes: dict[str, Node], *, participants=2, per=20) -> int:
    """Demand curves of three segments at ``per`` nodes each, every interval; rows made."""
    now = clock.now()
    codes = sorted(nodes)
    segments = []
    for p in range(participants):
        bid = Bid.objects.create(
            auction=auction,
            participant=f"bench-{p}",
            version=1,
            payload_sha256="bench",
            submitted_at=now,
        )
        for code in codes[p * per : (p + 1) * per]:
            for start in day_intervals(DAY):
                segments += [
                    BidSegment(
                        bid=bid,
                        node=nodes[code],
                        interval_start=start,
                        side="demand",
                        segment_index=s,
                        price_per_mwh=price,
                        quantity_mw=qty,
                    )
                    for s, (price, qty) in enumerate(CURVE)
                ]
    BidSegment.objects.bulk_create(segments, batch_size=5000)
    return len(segments)


def store_day() -> list[str]:
    """Clear one 118-bus day end to end; printable lines with the time of each part."""
    net = oracle.congested_network("case118", count=6, share=0.7)
    starts = day_intervals(DAY)
    case = oracle.case_from_pandapower(net, oracle.day_factors(len(starts)))
    nodes = install(case)
    auction = Auction.objects.create(
        kind=Auction.Kind.DAY_AHEAD,
        market_day=DAY,
        first_interval=starts[0],
        interval_count=len(starts),
        gate_closure_at=clock.now(),
        opened_at=clock.now(),
        state=Auction.State.CLOSED,
    )
    n_segments = bids(auction, nodes)
    # The parts, timed one by one (the commit checks the new rows' foreign keys, which Django
    # makes deferred on PostgreSQL), then undone; then the whole service as it runs.
    with transaction.atomic():
        t0 = time.perf_counter()
        built = services.build_case(auction)
        t1 = time.perf_counter()
        outcome = clear(built.case)
        t2 = time.perf_counter()
        store_results(auction=auction, built=built, outcome=outcome)
        t3 = time.perf_counter()
    t4 = time.perf_counter()
    for model in (NodePrice, LineFlow, Award):
        model.objects.filter(auction=auction).delete()
    with transaction.atomic():  # the same rows by bulk_create, as stored before (undone)
        t5 = time.perf_counter()
        store_results(auction=auction, built=built, outcome=outcome, method="orm")
        orm = time.perf_counter() - t5
        transaction.set_rollback(True)
    started = time.perf_counter()
    services.clear_auction(auction_id=auction.pk)
    whole = time.perf_counter() - started
    rows = (
        NodePrice.objects.filter(auction=auction).count(),
        LineFlow.objects.filter(auction=auction).count(),
        Award.objects.filter(auction=auction).count(),
    )
    auction.refresh_from_db()
    return [
        f"IEEE 118 x {len(starts)} through services.clear_auction on {connection.vendor} "
        f"({n_segments} bid segments of 2 participants):",
        f"  read the case {t1 - t0:.3f} s, clear {t2 - t1:.3f} s (build "
        f"{outcome.build_seconds:.3f}, solve {outcome.solve_seconds:.3f}), store {t3 - t2:.3f} s "
        f"({rows[0]} prices, {rows[1]} flows, {rows[2]} awards; by bulk_create, as before: "
        f"{orm:.3f} s), commit {t4 - t3:.3f} s",
        f"  clear_auction as a whole {whole:.3f} s (commit included), state {auction.state}",
    ]
