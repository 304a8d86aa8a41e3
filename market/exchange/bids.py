"""Bid intake: check a participant's curves and registered baselines against the auction and
the active market's rules (``markets.active_market()``), then store them as a new version (or
hand back the existing one for a retried idempotency key).

Rules (each broken one is an ``ApplicationError`` naming the field, which the API returns as a
400): the auction is open and its gate has not closed by the market clock; every node is known;
every interval start lies in the auction; every quantity is positive; every price lies within
[floor, cap]; a demand curve's prices do not increase from one segment to the next and a
reduction curve's do not decrease; at most ``max_bid_segments`` segments per curve; and
**one position per node and interval** (docs/market-loop.md §1):

* day-ahead: a baseline is finite and not negative, one per node and interval; a reduction
  curve needs a baseline at its node and interval and sells at most that baseline; a demand
  curve and a baseline at one node and interval are refused;
* real-time: the day-ahead position ``P_DA`` is the baseline, so a bid carries no baselines; a
  reduction curve (a decrement) sells at most ``P_DA`` from the day's published day-ahead
  results, a demand curve buys an increment above it; one direction per node and interval;
* the minimum trading unit (``rules.check_trading_unit``) wherever the bid offers flexibility.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction

from vpp import clock
from vpp.errors import ApplicationError
from vpp.intervals import interval_length, require_aware

from . import selectors
from .markets import MarketConfig, active_market
from .models import Auction, Bid, BidBaseline, BidSegment, Node
from .rules import FlexPoint, check_curve, check_trading_unit, flexibility_mw

MW_STEP = Decimal("0.001")


def price_floor() -> Decimal:
    return active_market().price_floor_per_mwh


def price_cap() -> Decimal:
    return active_market().price_cap_per_mwh


@dataclass(frozen=True)
class CurveInput:
    """One curve of a submission: a node, an interval start (aware), a side and its segments
    as (price per MWh, quantity MW) in curve order."""

    node: str
    interval_start: datetime
    side: str
    segments: list[tuple[Decimal, Decimal]]


@dataclass(frozen=True)
class BaselineInput:
    """A registered baseline: the participant's consumption (MW) at a node and interval."""

    node: str
    interval_start: datetime
    baseline_mw: Decimal


def _decimal(value, field: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise ApplicationError(f"{value!r} is not a number", field=field) from exc
    if not number.is_finite():
        raise ApplicationError(f"{value!r} is not a finite number", field=field)
    return number


def _payload_hash(curves: list[CurveInput], baselines: list[BaselineInput]) -> str:
    canon = {
        "curves": [
            [
                c.node,
                c.interval_start.isoformat(),
                c.side,
                [[str(p.normalize()), str(q.normalize())] for p, q in c.segments],
            ]
            for c in curves
        ],
        "baselines": sorted(
            [b.node, b.interval_start.isoformat(), str(b.baseline_mw.normalize())]
            for b in baselines
        ),
    }
    if not baselines:  # a bid without baselines hashes as before they existed
        canon = canon["curves"]
    return hashlib.sha256(json.dumps(canon, sort_keys=True).encode()).hexdigest()


def _interval(auction: Auction, value: datetime, field: str) -> datetime:
    start = require_aware(value, field=field)
    step = interval_length()
    offset = start - auction.first_interval
    if offset % step or not (0 <= offset / step < auction.interval_count):
        raise ApplicationError(
            f"{start.isoformat()} is not an interval of auction {auction.pk} "
            f"({auction.interval_count} intervals from {auction.first_interval.isoformat()})",
            field=field,
            code="interval",
        )
    return start


def _node(nodes: dict[str, Node], code: str, field: str) -> Node:
    if code not in nodes:
        raise ApplicationError(f"unknown node {code!r}", field=field, code="unknown_node")
    return nodes[code]


def _check(
    auction: Auction,
    participant: str,
    curves: list[CurveInput],
    baselines: list[BaselineInput],
    market: MarketConfig,
) -> dict[str, Node]:
    if not curves and not baselines:
        raise ApplicationError("a bid needs at least one curve or baseline", field="curves")
    codes = {c.node for c in curves} | {b.node for b in baselines}
    nodes = {n.code: n for n in Node.objects.filter(code__in=codes)}
    real_time = auction.kind == Auction.Kind.REAL_TIME
    if real_time and baselines:
        raise ApplicationError(
            "a real-time bid carries no baselines: the day-ahead position is its baseline",
            field="baselines",
            code="rt_baseline",
        )
    registered: dict[tuple[str, datetime], Decimal] = {}
    for i, b in enumerate(baselines):
        field = f"baselines[{i}]"
        _node(nodes, b.node, f"{field}.node")
        start = _interval(auction, b.interval_start, f"{field}.interval_start")
        mw = _decimal(b.baseline_mw, f"{field}.baseline_mw")
        if mw < 0:
            raise ApplicationError(
                f"baseline_mw must not be negative, got {mw} (consumption is positive)",
                field=f"{field}.baseline_mw",
                code="baseline_negative",
            )
        if mw != mw.quantize(MW_STEP):
            raise ApplicationError(
                f"baseline_mw {mw}: at most 3 decimal places (kW)",
                field=f"{field}.baseline_mw",
                code="baseline_precision",
            )
        if (b.node, start) in registered:
            raise ApplicationError(
                f"a second baseline for {b.node} at {start.isoformat()}",
                field=field,
                code="duplicate_baseline",
            )
        registered[b.node, start] = mw
    positions = _rt_positions(auction, participant) if real_time else {}
    seen: dict[tuple[str, datetime], str] = {}
    flex: list[FlexPoint] = []
    for i, curve in enumerate(curves):
        field = f"curves[{i}]"
        _node(nodes, curve.node, f"{field}.node")
        start = _interval(auction, curve.interval_start, f"{field}.interval_start")
        key = (curve.node, start)
        if seen.get(key) == curve.side:
            raise ApplicationError(
                f"a second {curve.side} curve for {curve.node} at {start.isoformat()}",
                field=field,
                code="duplicate_curve",
            )
        check_curve(
            curve.side,
            curve.segments,
            floor=market.price_floor_per_mwh,
            cap=market.price_cap_per_mwh,
            max_segments=market.max_bid_segments,
            field=f"{field}.segments",
        )
        if key in seen:
            raise ApplicationError(
                f"both a demand and a reduction curve for {curve.node} at {start.isoformat()}: "
                "one position per node and interval",
                field=field,
                code="two_positions",
            )
        seen[key] = curve.side
        total = sum((q for _, q in curve.segments), Decimal(0))
        if real_time:
            _check_rt_curve(curve, start, total, positions.get(key, Decimal(0)), field)
        else:
            _check_da_curve(curve, start, total, registered.get(key), field)
        flex.append(
            FlexPoint(
                curve.node,
                start,
                flexibility_mw(curve.side, curve.segments, market.price_cap_per_mwh),
                field,
            )
        )
    check_trading_unit(
        flex,
        voltage_kv={code: n.voltage_kv for code, n in nodes.items()},
        min_mw=market.min_trading_unit_mw,
        min_run_intervals=1 if real_time else market.min_run_intervals(),
        min_voltage_kv=market.min_node_voltage_kv,
        step=interval_length(),
    )
    return nodes


def _check_da_curve(curve, start, total, baseline, field) -> None:
    where = f"{curve.node} at {start.isoformat()}"
    if curve.side == "demand" and baseline is not None:
        raise ApplicationError(
            f"a demand curve and a registered baseline for {where}: a demand curve is the whole "
            "consumption there, so it replaces the baseline; send one or the other",
            field=field,
            code="two_positions",
        )
    if curve.side == "reduction":
        if baseline is None:
            raise ApplicationError(
                f"a reduction offer for {where} needs a registered baseline there "
                "(baselines[].baseline_mw): a reduction is sold from a baseline",
                field=f"{field}.segments",
                code="reduction_without_baseline",
            )
        if total > baseline:
            raise ApplicationError(
                f"the reduction offer sells {total} MW at {where}, above its registered "
                f"baseline of {baseline} MW",
                field=f"{field}.segments",
                code="reduction_above_baseline",
            )


def _check_rt_curve(curve, start, total, position, field) -> None:
    if curve.side == "reduction" and total > position:
        raise ApplicationError(
            f"the decrement sells {total} MW at {curve.node} at {start.isoformat()}, above the "
            f"day-ahead position of {position} MW (the real-time baseline)",
            field=f"{field}.segments",
            code="reduction_above_position",
        )


def _rt_positions(auction: Auction, participant: str) -> dict[tuple[str, datetime], Decimal]:
    """The participant's ``P_DA`` at the real-time auction's interval, from the day's published
    day-ahead results (none published: no position, so nothing to sell back)."""
    da = selectors.day_ahead_auction(auction.market_day)
    if da is None or da.state != Auction.State.PUBLISHED:
        return {}
    rows = selectors.da_positions(
        da, participant=participant, interval_start=auction.first_interval
    )
    return {(node, t): row.position_mw for (_, node, t), row in rows.items()}


def normalise_curves(raw: list[dict]) -> list[CurveInput]:
    """Plain dicts (the API's validated data, or a client's) into ``CurveInput``s."""
    curves = []
    for i, c in enumerate(raw):
        segs = [
            (
                _decimal(s["price_per_mwh"], f"curves[{i}].segments[{j}].price_per_mwh"),
                _decimal(s["quantity_mw"], f"curves[{i}].segments[{j}].quantity_mw"),
            )
            for j, s in enumerate(c["segments"])
        ]
        curves.append(CurveInput(c["node"], c["interval_start"], c["side"], segs))
    return curves


def normalise_baselines(raw: list[dict]) -> list[BaselineInput]:
    return [BaselineInput(b["node"], b["interval_start"], b["baseline_mw"]) for b in raw]


def submit_bid(
    *,
    auction_id: int,
    participant: str,
    curves: list[CurveInput],
    baselines: list[BaselineInput] | None = None,
    idempotency_key: str = "",
    submitted_by=None,
) -> tuple[Bid, bool]:
    """Store ``curves`` and ``baselines`` as ``participant``'s new bid version in the auction.

    Returns ``(bid, created)``. A retry with an idempotency key already used by this participant
    returns that bid with ``created=False`` when the payload is the same, and is refused when it
    differs. The auction row is locked while the version is written, so two submissions of one
    participant get consecutive versions and exactly one stays current.
    """
    if not participant:
        raise ApplicationError("a bid needs a participant", field="participant")
    # as Decimals before hashing (a NaN has no canonical form)
    baselines = [
        BaselineInput(b.node, b.interval_start, _decimal(b.baseline_mw, f"baselines[{i}]"))
        for i, b in enumerate(baselines or [])
    ]
    digest = _payload_hash(curves, baselines) if curves or baselines else ""
    for attempt in range(2):
        try:
            return _submit(
                auction_id, participant, curves, baselines, idempotency_key, submitted_by, digest
            )
        except IntegrityError:
            # A concurrent retry with the same key won the race: answer with its bid.
            if attempt or not idempotency_key:
                raise
    raise AssertionError("unreachable")


@transaction.atomic
def _submit(auction_id, participant, curves, baselines, idempotency_key, submitted_by, digest):
    if idempotency_key:
        existing = Bid.objects.filter(
            participant=participant, idempotency_key=idempotency_key
        ).first()
        if existing is not None:
            if existing.auction_id != auction_id or existing.payload_sha256 != digest:
                raise ApplicationError(
                    "this idempotency key was already used for a different bid",
                    field="idempotency_key",
                    code="idempotency_conflict",
                )
            return existing, False
    auction = Auction.objects.select_for_update().filter(pk=auction_id).first()
    if auction is None:
        raise ApplicationError(f"no auction {auction_id}", field="auction", code="unknown_auction")
    now = clock.now()
    if auction.state != Auction.State.OPEN or now >= auction.gate_closure_at:
        raise ApplicationError(
            f"the gate of auction {auction.pk} closed at {auction.gate_closure_at.isoformat()}",
            field="auction",
            code="gate_closed",
        )
    nodes = _check(auction, participant, curves, baselines, active_market())
    previous = (
        Bid.objects.filter(auction=auction, participant=participant).order_by("-version").first()
    )
    Bid.objects.filter(auction=auction, participant=participant, superseded=False).update(
        superseded=True
    )
    bid = Bid(
        auction=auction,
        participant=participant,
        version=(previous.version + 1) if previous else 1,
        idempotency_key=idempotency_key or "",
        payload_sha256=digest,
        submitted_at=now,
        submitted_by=submitted_by,
    )
    bid.full_clean()
    bid.save()
    segments = [
        BidSegment(
            bid=bid,
            node=nodes[c.node],
            interval_start=require_aware(c.interval_start, field="interval_start"),
            side=c.side,
            segment_index=s,
            price_per_mwh=price,
            quantity_mw=qty,
        )
        for c in curves
        for s, (price, qty) in enumerate(c.segments)
    ]
    BidSegment.objects.bulk_create(segments)
    BidBaseline.objects.bulk_create(
        BidBaseline(
            bid=bid,
            node=nodes[b.node],
            interval_start=require_aware(b.interval_start, field="interval_start"),
            baseline_mw=Decimal(b.baseline_mw),
        )
        for b in baselines
    )
    return bid, True


def current_segments_by_auction(auction: Auction):
    """Segments of the current (not superseded) bids of an auction, grouped by bid id (not by
    Bid object: one per segment row would be built, 11,000 on a 118-bus day)."""
    grouped = defaultdict(list)
    for seg in (
        BidSegment.objects.filter(bid__auction=auction, bid__superseded=False)
        .select_related("node")
        .order_by("bid_id", "id")
    ):
        grouped[seg.bid_id].append(seg)
    return grouped
