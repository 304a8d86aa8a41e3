"""Writes that span the exchange's models: the default market, auctions through their states,
and clearing. Every time comes from the market clock.

Timetable (the active market's rules, ``markets.active_market()``; see docs/exchange.md): the
day-ahead auction of market day D covers every interval of D and closes at the market's
``da_gate_closure_local`` on D-1, market time. A real-time auction covers one interval and
closes ``rt_gate_closure_minutes`` before it starts; real-time auctions are opened
``EXCHANGE_RT_HORIZON_HOURS`` ahead. An auction is cleared as soon as it is closed (a real-time
one once its day's day-ahead results are final), and published once cleared.

Balance (docs/market-loop.md §1, §4): a day-ahead auction clears the forecast exogenous demand
plus every current bid's registered baselines as inelastic demand; a real-time auction clears
the actual exogenous demand plus every participant's day-ahead position ``P_DA``, with the
real-time bids as increments (demand) and decrements (reduction) around it.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import NamedTuple

from django.conf import settings
from django.db import transaction

from vpp import clock
from vpp.errors import ApplicationError
from vpp.intervals import (
    day_bounds,
    day_intervals,
    floor_to_interval,
    interval_length,
    market_day_of,
    market_tz,
    to_local,
)

from . import scenario, selectors
from .bids import current_segments_by_auction
from .clearing import BidSegmentSpec, ClearingCase, GeneratorSpec, LineSpec, clear
from .clearing.model import ClearingError
from .markets import active_market
from .models import (
    Auction,
    BidBaseline,
    Exogenous,
    Generator,
    Line,
    Node,
)
from .results import store_results

log = logging.getLogger(__name__)
CENT = Decimal("0.01")


# --- the default market -------------------------------------------------------------------


@transaction.atomic
def install_default_market(*, seed: int | None = None) -> bool:
    """Create the seeded default network and fleet unless a network exists. True if created."""
    if Node.objects.exists():
        return False
    net = scenario.default_network(settings.EXCHANGE_SCENARIO_SEED if seed is None else seed)
    nodes = {
        nd.code: Node.objects.create(
            code=nd.code, name=nd.name, region=nd.region, is_slack=nd.code == net.slack_node
        )
        for nd in net.nodes
    }
    Line.objects.bulk_create(
        Line(
            code=ln.code,
            from_node=nodes[ln.from_node],
            to_node=nodes[ln.to_node],
            reactance_pu=ln.reactance_pu,
            limit_mw=ln.limit_mw,
        )
        for ln in net.lines
    )
    Generator.objects.bulk_create(
        Generator(
            code=g.code,
            node=nodes[g.node],
            fuel=g.fuel,
            marginal_cost_per_mwh=Decimal(str(g.marginal_cost_per_mwh)).quantize(CENT),
            min_mw=g.min_mw,
            max_mw=g.max_mw,
            ramp_mw_per_interval=g.ramp_mw_per_interval,
        )
        for g in net.generators
    )
    return True


def ensure_exogenous(day: date, *, seed: int | None = None) -> None:
    """Store the day's demand and weather series (forecast and actual) once; reruns are no-ops."""
    starts = day_intervals(day)
    nodes = {n.code: n for n in Node.objects.all()}
    if Exogenous.objects.filter(
        interval_start=starts[0], node__in=nodes.values()
    ).count() >= 3 * len(nodes):
        return
    series = scenario.day_series(
        day,
        [to_local(s) for s in starts],
        settings.EXCHANGE_SCENARIO_SEED if seed is None else seed,
    )
    now = clock.now()
    rows = []
    for code, node in nodes.items():
        s = series.get(code)
        if s is None:
            continue
        for kind, (fc, ac) in (
            (Exogenous.Kind.DEMAND_MW, s.demand_mw),
            (Exogenous.Kind.WIND_CF, s.wind_cf),
            (Exogenous.Kind.SOLAR_CF, s.solar_cf),
        ):
            rows.extend(
                Exogenous(
                    node=node,
                    interval_start=start,
                    kind=kind,
                    forecast=fc[t],
                    actual=ac[t],
                    created_at=now,
                )
                for t, start in enumerate(starts)
            )
    Exogenous.objects.bulk_create(rows, ignore_conflicts=True)


# --- auctions through their states -------------------------------------------------------


def da_gate_closure(day: date) -> datetime:
    """The instant the day-ahead gate of market day ``day`` closes: D-1 at the local time."""
    local = datetime.combine(
        day - timedelta(days=1), active_market().da_gate_closure_local, tzinfo=market_tz()
    )
    return local.astimezone(day_bounds(day)[0].tzinfo)


def open_day_ahead(*, day: date) -> Auction:
    """The day-ahead auction of ``day`` (created open if absent; the same row on a rerun)."""
    starts = day_intervals(day)
    ensure_exogenous(day)
    auction, _ = Auction.objects.get_or_create(
        kind=Auction.Kind.DAY_AHEAD,
        first_interval=starts[0],
        defaults={
            "market_day": day,
            "interval_count": len(starts),
            "gate_closure_at": da_gate_closure(day),
            "opened_at": clock.now(),
        },
    )
    return auction


def open_real_time(*, interval_start: datetime) -> Auction:
    """The real-time auction of one interval (created open if absent)."""
    start = floor_to_interval(interval_start)
    if start != interval_start:
        raise ApplicationError("not an interval start", field="interval_start")
    ensure_exogenous(market_day_of(start))
    auction, _ = Auction.objects.get_or_create(
        kind=Auction.Kind.REAL_TIME,
        first_interval=start,
        defaults={
            "market_day": market_day_of(start),
            "interval_count": 1,
            "gate_closure_at": start - timedelta(minutes=active_market().rt_gate_closure_minutes),
            "opened_at": clock.now(),
        },
    )
    return auction


def close_due(*, now: datetime) -> int:
    """Close every open auction whose gate has closed (one conditional UPDATE)."""
    return Auction.objects.filter(state=Auction.State.OPEN, gate_closure_at__lte=now).update(
        state=Auction.State.CLOSED, closed_at=now
    )


def open_due(*, now: datetime) -> None:
    """Open tomorrow's day-ahead auction, the real-time auctions within the horizon, and any
    real-time auction of the last ``EXCHANGE_RT_CATCH_UP_HOURS`` that never was (beat was down,
    or the market started late) on a day that has a day-ahead auction."""
    install_default_market()
    open_day_ahead(day=market_day_of(now) + timedelta(days=1))
    step = interval_length()
    start = floor_to_interval(now) + step
    horizon = now + timedelta(hours=settings.EXCHANGE_RT_HORIZON_HOURS)
    while start <= horizon:
        open_real_time(interval_start=start)
        start += step
    catch_up_from = floor_to_interval(now - timedelta(hours=settings.EXCHANGE_RT_CATCH_UP_HOURS))
    for interval_start in missing_real_time(since=catch_up_from, until=floor_to_interval(now)):
        open_real_time(interval_start=interval_start)


def missing_real_time(*, since: datetime, until: datetime) -> list[datetime]:
    """Interval starts in [since, until] of market days with a day-ahead auction that have no
    real-time auction yet."""
    step = interval_length()
    days = set(
        Auction.objects.filter(
            kind=Auction.Kind.DAY_AHEAD,
            market_day__gte=market_day_of(since),
            market_day__lte=market_day_of(until),
        ).values_list("market_day", flat=True)
    )
    have = set(
        Auction.objects.filter(
            kind=Auction.Kind.REAL_TIME, first_interval__gte=since, first_interval__lte=until
        ).values_list("first_interval", flat=True)
    )
    out, t = [], since
    while t <= until:
        if t not in have and market_day_of(t) in days:
            out.append(t)
        t += step
    return out


def run_due(*, now: datetime | None = None) -> list[int]:
    """Open what is due, close what has passed its gate; return the ids of closed auctions
    waiting to be cleared (the caller clears each, e.g. one task per auction)."""
    now = now or clock.now()
    open_due(now=now)
    close_due(now=now)
    return list(
        Auction.objects.filter(state=Auction.State.CLOSED)
        .order_by("first_interval", "kind")
        .values_list("pk", flat=True)
    )


# --- clearing -----------------------------------------------------------------------------


class BuiltCase(NamedTuple):
    """An auction's clearing case and what maps it back: interval starts, segments by key, and
    the inelastic demand's two parts per node (``exogenous + participants = case.demand_mw``)."""

    case: ClearingCase
    starts: list[datetime]
    segments: dict
    exogenous_mw: dict[str, list[float]]
    participant_mw: dict[str, list[float]]


def build_case(auction: Auction) -> BuiltCase:
    """The auction's clearing case from the stored network, fleet, exogenous data and current
    bids. Day-ahead clears against forecasts plus the registered baselines; real-time against
    what actually happened plus the day-ahead positions. Raises ``ClearingError`` when the
    exogenous data of a node and interval is missing (nothing to clear against)."""
    step = interval_length()
    starts = [auction.first_interval + k * step for k in range(auction.interval_count)]
    index = {s: k for k, s in enumerate(starts)}
    use_actual = auction.kind == Auction.Kind.REAL_TIME
    nodes = list(Node.objects.order_by("code"))
    codes = [n.code for n in nodes]
    series: dict[tuple[str, str], list[float | None]] = {}
    # Plain tuples, not model objects: a 118-bus day is 11,000 rows.
    for code, kind, start, value in Exogenous.objects.filter(interval_start__in=starts).values_list(
        "node__code", "kind", "interval_start", "actual" if use_actual else "forecast"
    ):
        series.setdefault((code, kind), [None] * len(starts))[index[start]] = value
    gens = []
    for g in Generator.objects.select_related("node").order_by("code"):
        if g.fuel in (Generator.Fuel.WIND, Generator.Fuel.SOLAR):
            cf = _series(series, g.node.code, f"{g.fuel}_cf", starts, use_actual)
            avail = tuple(g.max_mw * c for c in cf)
        else:
            avail = tuple([g.max_mw] * len(starts))
        gens.append(
            GeneratorSpec(
                code=g.code,
                node=g.node.code,
                fuel=g.fuel,
                marginal_cost_per_mwh=float(g.marginal_cost_per_mwh),
                available_mw=avail,
                min_mw=g.min_mw,
                ramp_mw_per_interval=g.ramp_mw_per_interval,
            )
        )
    exogenous = {c: _series(series, c, Exogenous.Kind.DEMAND_MW, starts, use_actual) for c in codes}
    participants = {c: [0.0] * len(starts) for c in codes}
    for (node, t), mw in _fixed_participant_demand(auction).items():
        participants[node][index[t]] += mw
    segments = {}
    bids = []
    for _bid, segs in current_segments_by_auction(auction).items():
        for seg in segs:
            segments[str(seg.pk)] = seg
            bids.append(
                BidSegmentSpec(
                    key=str(seg.pk),
                    node=seg.node.code,
                    interval=index[seg.interval_start],
                    side=seg.side,
                    price_per_mwh=float(seg.price_per_mwh),
                    quantity_mw=float(seg.quantity_mw),
                )
            )
    slack = next((n.code for n in nodes if n.is_slack), codes[0] if codes else None)
    market = active_market()
    case = ClearingCase(
        nodes=codes,
        lines=[
            LineSpec(
                ln.code,
                ln.from_node.code,
                ln.to_node.code,
                ln.reactance_pu,
                ln.limit_mw,
                phase_shift_deg=ln.phase_shift_deg,
            )
            for ln in Line.objects.select_related("from_node", "to_node")
        ],
        generators=gens,
        demand_mw={
            c: [e + q for e, q in zip(exogenous[c], participants[c], strict=True)] for c in codes
        },
        n_intervals=len(starts),
        bids=bids,
        price_floor_per_mwh=float(market.price_floor_per_mwh),
        price_cap_per_mwh=float(market.price_cap_per_mwh),
        slack_node=slack,
        time_limit_seconds=settings.EXCHANGE_SOLVER_TIME_LIMIT_SECONDS,
    )
    return BuiltCase(case, starts, segments, exogenous, participants)


def _series(series, node: str, kind: str, starts: list[datetime], actual: bool) -> list[float]:
    values = series.get((node, kind))
    missing = (
        [t for t, v in zip(starts, values, strict=True) if v is None] if values else starts[:1]
    )
    if missing:
        raise ClearingError(
            f"no {'actual' if actual else 'forecast'} {kind} for {node} at "
            f"{missing[0].isoformat()}: nothing to clear against"
        )
    return values


def _fixed_participant_demand(auction: Auction) -> dict[tuple[str, datetime], float]:
    """Participants' consumption cleared as inelastic demand, per (node, interval start): the
    current bids' registered baselines (day-ahead), or every participant's ``P_DA`` from the
    day's day-ahead results (real-time)."""
    if auction.kind == Auction.Kind.REAL_TIME:
        da = selectors.day_ahead_auction(auction.market_day)
        if da is None:
            return {}
        return selectors.position_mw_by_node(
            selectors.da_positions(da, interval_start=auction.first_interval)
        )
    out: dict[tuple[str, datetime], float] = {}
    for node, t, mw in BidBaseline.objects.filter(
        bid__auction=auction, bid__superseded=False
    ).values_list("node__code", "interval_start", "baseline_mw"):
        out[node, t] = out.get((node, t), 0.0) + float(mw)
    return out


def waits_for_day_ahead(auction: Auction) -> bool:
    """A real-time auction clears against its day's day-ahead positions, so it waits while that
    day-ahead auction is still open, closed or cleared-but-unpublished. A failed day-ahead
    auction (or none) has no positions: the real-time auction clears without them."""
    if auction.kind != Auction.Kind.REAL_TIME:
        return False
    da = selectors.day_ahead_auction(auction.market_day)
    return da is not None and da.state not in (Auction.State.PUBLISHED, Auction.State.FAILED)


def clear_auction(*, auction_id: int) -> bool:
    """Clear a closed auction and store its prices, flows and awards. Idempotent.

    The auction row is locked (``select_for_update``) for the whole clearing, so a second
    runner waits, then finds it no longer closed and returns False, changing nothing. A
    real-time auction whose day-ahead results are not final yet is left closed (False; the
    next run clears it). A clearing failure (missing data, solver) marks the auction failed
    with the reason, rather than leaving it to be retried forever."""
    with transaction.atomic():
        auction = Auction.objects.select_for_update().filter(pk=auction_id).first()
        if auction is None or auction.state != Auction.State.CLOSED:
            return False
        if waits_for_day_ahead(auction):
            return False
        try:
            built = build_case(auction)
            outcome = clear(built.case)
        except ClearingError as exc:
            log.error("auction %s failed to clear: %s", auction.pk, exc)
            auction.state = Auction.State.FAILED
            auction.message = str(exc)
            auction.save(update_fields=["state", "message"])
            return True
        store_results(auction=auction, built=built, outcome=outcome)
        auction.state = Auction.State.CLEARED
        auction.cleared_at = clock.now()
        auction.solver = outcome.solver
        auction.objective = outcome.objective
        auction.build_seconds = outcome.build_seconds
        auction.solve_seconds = outcome.solve_seconds
        hours = interval_length().total_seconds() / 3600
        auction.unserved_mwh = sum(sum(v) for v in outcome.unserved_mw.values()) * hours
        auction.save()
    return True


def publish_auction(*, auction_id: int) -> bool:
    """Make a cleared auction's results public (a conditional UPDATE: a rerun changes nothing)."""
    return bool(
        Auction.objects.filter(pk=auction_id, state=Auction.State.CLEARED).update(
            state=Auction.State.PUBLISHED, published_at=clock.now()
        )
    )


# --- real time, every interval ------------------------------------------------------------


def run_real_time_due(*, now: datetime | None = None, since: datetime | None = None) -> list[int]:
    """Run every real-time auction due by the clock: for each interval from ``since`` (default:
    the start of the earliest market day, within ``EXCHANGE_RT_CATCH_UP_HOURS``, that has a
    day-ahead auction) whose real-time gate has passed, on a day with a day-ahead auction,
    open the auction if absent, close it, clear it and publish it. Idempotent: a published or
    failed auction is left alone, so a rerun does nothing. Returns the ids of the auctions that
    are published or failed after the run, in interval order.

    The demo calls this after moving the clock; in production beat's ``run_due_auctions`` does
    the same work one auction per task (opening ahead, closing at the gate, catching up)."""
    now = now or clock.now()
    # the last interval whose gate (its start minus the gate minutes) has passed
    last = floor_to_interval(now + timedelta(minutes=active_market().rt_gate_closure_minutes))
    if since is None:
        since = floor_to_interval(now - timedelta(hours=settings.EXCHANGE_RT_CATCH_UP_HOURS))
    for interval_start in missing_real_time(since=since, until=last):
        open_real_time(interval_start=interval_start)
    close_due(now=now)
    due = Auction.objects.filter(
        kind=Auction.Kind.REAL_TIME, first_interval__gte=since, first_interval__lte=last
    ).order_by("first_interval")
    to_clear = due.filter(state__in=(Auction.State.CLOSED, Auction.State.CLEARED))
    for auction_id in to_clear.values_list("pk", flat=True):
        clear_auction(auction_id=auction_id)
        publish_auction(auction_id=auction_id)
    return list(
        due.filter(state__in=(Auction.State.PUBLISHED, Auction.State.FAILED)).values_list(
            "pk", flat=True
        )
    )
