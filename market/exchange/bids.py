"""Bid intake: check a participant's curves against the auction and the market's rules, then
store them as a new version (or hand back the existing one for a retried idempotency key).

Rules (each broken one is an ``ApplicationError`` naming the field, which the API returns as
a 400): the auction is open and its gate has not closed by the market clock; every node is
known; every interval start lies in the auction; every quantity is positive; every price lies
within [floor, cap]; a demand curve's prices do not increase from one segment to the next and a
reduction curve's do not decrease; at most ``EXCHANGE_MAX_BID_SEGMENTS`` segments per curve.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import IntegrityError, transaction

from vpp import clock
from vpp.errors import ApplicationError
from vpp.intervals import interval_length, require_aware

from .models import Auction, Bid, BidSegment, Node

SIDES = ("demand", "reduction")


def price_floor() -> Decimal:
    return Decimal(str(settings.EXCHANGE_PRICE_FLOOR_PER_MWH))


def price_cap() -> Decimal:
    return Decimal(str(settings.EXCHANGE_PRICE_CAP_PER_MWH))


def check_curve(
    side: str,
    segments: list[tuple[float, float]] | list[tuple[Decimal, Decimal]],
    *,
    floor: float | Decimal,
    cap: float | Decimal,
    max_segments: int | None,
    field: str,
) -> None:
    """Check one curve of (price per MWh, quantity MW) segments, in the order given."""
    if side not in SIDES:
        raise ApplicationError(f"side must be one of {', '.join(SIDES)}", field=field)
    if not segments:
        raise ApplicationError("a curve needs at least one segment", field=field)
    if max_segments is not None and len(segments) > max_segments:
        raise ApplicationError(
            f"{len(segments)} segments; at most {max_segments} per curve", field=field
        )
    for s, (price, qty) in enumerate(segments):
        if qty <= 0:
            raise ApplicationError(
                f"segment {s}: quantity_mw must be positive, got {qty}",
                field=f"{field}[{s}].quantity_mw",
                code="quantity",
            )
        if not floor <= price <= cap:
            raise ApplicationError(
                f"segment {s}: price {price} per MWh is outside the floor {floor} and cap {cap}",
                field=f"{field}[{s}].price_per_mwh",
                code="price_limits",
            )
        if s:
            previous = segments[s - 1][0]
            if side == "demand" and price > previous:
                raise ApplicationError(
                    f"segment {s}: a demand curve's prices must not increase "
                    f"({previous} then {price})",
                    field=f"{field}[{s}].price_per_mwh",
                    code="monotone",
                )
            if side == "reduction" and price < previous:
                raise ApplicationError(
                    f"segment {s}: a reduction offer's prices must not decrease "
                    f"({previous} then {price})",
                    field=f"{field}[{s}].price_per_mwh",
                    code="monotone",
                )


@dataclass(frozen=True)
class CurveInput:
    """One curve of a submission: a node, an interval start (aware), a side and its segments
    as (price per MWh, quantity MW) in curve order."""

    node: str
    interval_start: datetime
    side: str
    segments: list[tuple[Decimal, Decimal]]


def _decimal(value, field: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise ApplicationError(f"{value!r} is not a number", field=field) from exc
    if not number.is_finite():
        raise ApplicationError(f"{value!r} is not a finite number", field=field)
    return number


def _payload_hash(curves: list[CurveInput]) -> str:
    canon = [
        [
            c.node,
            c.interval_start.isoformat(),
            c.side,
            [[str(p.normalize()), str(q.normalize())] for p, q in c.segments],
        ]
        for c in curves
    ]
    return hashlib.sha256(json.dumps(canon, sort_keys=True).encode()).hexdigest()


def _check(auction: Auction, curves: list[CurveInput]) -> dict[str, Node]:
    if not curves:
        raise ApplicationError("a bid needs at least one curve", field="curves")
    nodes = {n.code: n for n in Node.objects.filter(code__in={c.node for c in curves})}
    step = interval_length()
    first, count = auction.first_interval, auction.interval_count
    seen: set[tuple[str, datetime, str]] = set()
    floor, cap, max_segments = price_floor(), price_cap(), settings.EXCHANGE_MAX_BID_SEGMENTS
    for i, curve in enumerate(curves):
        field = f"curves[{i}]"
        if curve.node not in nodes:
            raise ApplicationError(
                f"unknown node {curve.node!r}", field=f"{field}.node", code="unknown_node"
            )
        start = require_aware(curve.interval_start, field=f"{field}.interval_start")
        offset = start - first
        if offset % step or not (0 <= offset / step < count):
            raise ApplicationError(
                f"{start.isoformat()} is not an interval of auction {auction.pk} "
                f"({count} intervals from {first.isoformat()})",
                field=f"{field}.interval_start",
                code="interval",
            )
        key = (curve.node, start, curve.side)
        if key in seen:
            raise ApplicationError(
                f"a second {curve.side} curve for {curve.node} at {start.isoformat()}",
                field=field,
                code="duplicate_curve",
            )
        seen.add(key)
        check_curve(
            curve.side,
            curve.segments,
            floor=floor,
            cap=cap,
            max_segments=max_segments,
            field=f"{field}.segments",
        )
    return nodes


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


def submit_bid(
    *,
    auction_id: int,
    participant: str,
    curves: list[CurveInput],
    idempotency_key: str = "",
    submitted_by=None,
) -> tuple[Bid, bool]:
    """Store ``curves`` as ``participant``'s new bid version in the auction.

    Returns ``(bid, created)``. A retry with an idempotency key already used by this participant
    returns that bid with ``created=False`` when the payload is the same, and is refused when it
    differs. The auction row is locked while the version is written, so two submissions of one
    participant get consecutive versions and exactly one stays current.
    """
    if not participant:
        raise ApplicationError("a bid needs a participant", field="participant")
    digest = _payload_hash(curves) if curves else ""
    for attempt in range(2):
        try:
            return _submit(auction_id, participant, curves, idempotency_key, submitted_by, digest)
        except IntegrityError:
            # A concurrent retry with the same key won the race: answer with its bid.
            if attempt or not idempotency_key:
                raise
    raise AssertionError("unreachable")


@transaction.atomic
def _submit(auction_id, participant, curves, idempotency_key, submitted_by, digest):
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
    nodes = _check(auction, curves)
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
