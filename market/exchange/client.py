"""The exchange as a VPP sees it: the only interface the trading desk may use.

``ExchangeClient`` is the protocol; ``LocalExchangeClient`` talks to this mock exchange in
process. A real exchange adapter would implement the same protocol. Everything in and out is
a plain dataclass (no ORM objects); instants are aware UTC datetimes, power in MW, prices in
currency per MWh as Decimal.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Protocol

from django.conf import settings

from vpp import clock
from vpp.errors import ApplicationError
from vpp.intervals import interval_length, require_aware

from . import bids as bid_service
from .models import Auction, Award, Bid, Exogenous, Node, NodePrice


@dataclass(frozen=True)
class NodeInfo:
    code: str
    name: str
    region: str


@dataclass(frozen=True)
class AuctionInfo:
    id: int
    kind: str  # "da" (day-ahead) or "rt" (real-time)
    market_day: date
    first_interval: datetime
    interval_count: int
    gate_closure_at: datetime
    state: str  # open, closed, cleared, published, failed

    @property
    def interval_starts(self) -> list[datetime]:
        step = interval_length()
        return [self.first_interval + k * step for k in range(self.interval_count)]


@dataclass(frozen=True)
class Segment:
    price_per_mwh: Decimal
    quantity_mw: Decimal


@dataclass(frozen=True)
class Curve:
    """One curve: ``side`` "demand" (prices non-increasing) or "reduction" (load reduction
    sold as supply, prices non-decreasing)."""

    node: str
    interval_start: datetime
    side: str
    segments: list[Segment]


@dataclass(frozen=True)
class BidReceipt:
    bid_id: int
    auction_id: int
    participant: str
    version: int
    submitted_at: datetime
    created: bool  # False: an idempotent retry returned the earlier bid


@dataclass(frozen=True)
class PricePoint:
    auction_id: int
    auction_kind: str
    node: str
    interval_start: datetime
    price_per_mwh: Decimal


@dataclass(frozen=True)
class AwardLine:
    auction_id: int
    bid_id: int
    bid_version: int
    node: str
    interval_start: datetime
    side: str
    segment_index: int
    offered_price_per_mwh: Decimal
    offered_mw: Decimal
    awarded_mw: Decimal
    price_per_mwh: Decimal


@dataclass(frozen=True)
class ExogenousPoint:
    """Forecast demand (MW) and wind/solar capacity factors for one node-interval; the actual
    values are given only once the interval has ended by the market clock."""

    node: str
    interval_start: datetime
    demand_mw_forecast: float
    wind_cf_forecast: float
    solar_cf_forecast: float
    demand_mw_actual: float | None
    wind_cf_actual: float | None
    solar_cf_actual: float | None


@dataclass(frozen=True)
class MarketRules:
    """The bid rules a participant must meet: prices within [floor, cap] per MWh, at most
    ``max_segments`` per curve, demand prices non-increasing, reduction prices non-decreasing."""

    price_floor_per_mwh: Decimal
    price_cap_per_mwh: Decimal
    max_segments: int

    def check_curve(self, side: str, segments: list[tuple[Decimal, Decimal]], field: str) -> None:
        """Raise ``ApplicationError`` naming the segment and field a curve breaks, as the
        exchange's own intake would."""
        bid_service.check_curve(
            side,
            segments,
            floor=self.price_floor_per_mwh,
            cap=self.price_cap_per_mwh,
            max_segments=self.max_segments,
            field=field,
        )


class ExchangeClient(Protocol):
    def rules(self) -> MarketRules: ...

    def list_nodes(self) -> list[NodeInfo]: ...

    def list_auctions(
        self, *, states: tuple[str, ...] = ("open",), kind: str | None = None
    ) -> list[AuctionInfo]: ...

    def get_auction(self, auction_id: int) -> AuctionInfo: ...

    def day_ahead_auction(self, market_day: date) -> AuctionInfo | None: ...

    def submit_bid(
        self,
        *,
        auction_id: int,
        participant: str,
        curves: list[Curve],
        idempotency_key: str = "",
    ) -> BidReceipt: ...

    def get_prices(self, auction_id: int) -> list[PricePoint]: ...

    def get_awards(self, *, auction_id: int, participant: str) -> list[AwardLine]: ...

    def price_history(
        self, *, start: datetime, end: datetime, kind: str = "da", nodes: list[str] | None = None
    ) -> list[PricePoint]: ...

    def exogenous(
        self, *, start: datetime, end: datetime, nodes: list[str] | None = None
    ) -> list[ExogenousPoint]: ...


def _auction_info(a: Auction) -> AuctionInfo:
    return AuctionInfo(
        id=a.pk,
        kind=a.kind,
        market_day=a.market_day,
        first_interval=a.first_interval,
        interval_count=a.interval_count,
        gate_closure_at=a.gate_closure_at,
        state=a.state,
    )


def _price_point(p: NodePrice) -> PricePoint:
    return PricePoint(
        auction_id=p.auction_id,
        auction_kind=p.auction.kind,
        node=p.node.code,
        interval_start=p.interval_start,
        price_per_mwh=p.price_per_mwh,
    )


class LocalExchangeClient:
    """The in-process client of this mock exchange. Prices and awards are returned only for
    published auctions, as a real exchange would."""

    def rules(self) -> MarketRules:
        return MarketRules(
            bid_service.price_floor(),
            bid_service.price_cap(),
            settings.EXCHANGE_MAX_BID_SEGMENTS,
        )

    def list_nodes(self) -> list[NodeInfo]:
        return [NodeInfo(n.code, n.name, n.region) for n in Node.objects.order_by("code")]

    def list_auctions(
        self, *, states: tuple[str, ...] = ("open",), kind: str | None = None
    ) -> list[AuctionInfo]:
        qs = Auction.objects.filter(state__in=states).order_by("first_interval", "kind")
        if kind:
            qs = qs.filter(kind=kind)
        return [_auction_info(a) for a in qs]

    def get_auction(self, auction_id: int) -> AuctionInfo:
        auction = Auction.objects.filter(pk=auction_id).first()
        if auction is None:
            raise ApplicationError(f"no auction {auction_id}", field="auction")
        return _auction_info(auction)

    def day_ahead_auction(self, market_day: date) -> AuctionInfo | None:
        a = Auction.objects.filter(kind=Auction.Kind.DAY_AHEAD, market_day=market_day).first()
        return _auction_info(a) if a else None

    def submit_bid(
        self,
        *,
        auction_id: int,
        participant: str,
        curves: list[Curve],
        idempotency_key: str = "",
        submitted_by=None,
    ) -> BidReceipt:
        bid, created = bid_service.submit_bid(
            auction_id=auction_id,
            participant=participant,
            curves=[
                bid_service.CurveInput(
                    c.node,
                    c.interval_start,
                    c.side,
                    [(Decimal(s.price_per_mwh), Decimal(s.quantity_mw)) for s in c.segments],
                )
                for c in curves
            ],
            idempotency_key=idempotency_key,
            submitted_by=submitted_by,
        )
        return receipt(bid, created)

    def get_prices(self, auction_id: int) -> list[PricePoint]:
        qs = NodePrice.objects.filter(
            auction_id=auction_id, auction__state=Auction.State.PUBLISHED
        ).select_related("node", "auction")
        return [_price_point(p) for p in qs.order_by("interval_start", "node__code")]

    def get_awards(self, *, auction_id: int, participant: str) -> list[AwardLine]:
        qs = (
            Award.objects.filter(
                auction_id=auction_id,
                auction__state=Auction.State.PUBLISHED,
                segment__bid__participant=participant,
            )
            .select_related("segment__bid", "segment__node")
            .order_by("segment__interval_start", "segment__node__code", "segment__side")
        )
        return [award_line(a) for a in qs]

    def price_history(
        self, *, start: datetime, end: datetime, kind: str = "da", nodes: list[str] | None = None
    ) -> list[PricePoint]:
        start = require_aware(start, field="start")
        end = require_aware(end, field="end")
        qs = NodePrice.objects.filter(
            auction__kind=kind,
            auction__state=Auction.State.PUBLISHED,
            interval_start__gte=start,
            interval_start__lt=end,
        ).select_related("node", "auction")
        if nodes:
            qs = qs.filter(node__code__in=nodes)
        return [_price_point(p) for p in qs.order_by("interval_start", "node__code")]

    def exogenous(
        self, *, start: datetime, end: datetime, nodes: list[str] | None = None
    ) -> list[ExogenousPoint]:
        return exogenous_points(start=start, end=end, nodes=nodes)


def receipt(bid: Bid, created: bool) -> BidReceipt:
    return BidReceipt(
        bid_id=bid.pk,
        auction_id=bid.auction_id,
        participant=bid.participant,
        version=bid.version,
        submitted_at=bid.submitted_at,
        created=created,
    )


def award_line(a: Award) -> AwardLine:
    seg = a.segment
    return AwardLine(
        auction_id=a.auction_id,
        bid_id=seg.bid_id,
        bid_version=seg.bid.version,
        node=seg.node.code,
        interval_start=seg.interval_start,
        side=seg.side,
        segment_index=seg.segment_index,
        offered_price_per_mwh=seg.price_per_mwh,
        offered_mw=seg.quantity_mw,
        awarded_mw=a.awarded_mw,
        price_per_mwh=a.price_per_mwh,
    )


def exogenous_points(
    *, start: datetime, end: datetime, nodes: list[str] | None = None
) -> list[ExogenousPoint]:
    start = require_aware(start, field="start")
    end = require_aware(end, field="end")
    qs = Exogenous.objects.filter(interval_start__gte=start, interval_start__lt=end).select_related(
        "node"
    )
    if nodes:
        qs = qs.filter(node__code__in=nodes)
    revealed_before = clock.now() - interval_length()
    grouped: dict[tuple[str, datetime], dict[str, Exogenous]] = {}
    for row in qs:
        grouped.setdefault((row.node.code, row.interval_start), {})[row.kind] = row
    out = []
    for (node, at), kinds in sorted(grouped.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        show = at <= revealed_before

        def pick(kind, actual, kinds=kinds, show=show):
            row = kinds.get(kind)
            if row is None:
                return None if actual else 0.0
            if actual:
                return row.actual if show else None
            return row.forecast

        out.append(
            ExogenousPoint(
                node=node,
                interval_start=at,
                demand_mw_forecast=pick("demand_mw", False),
                wind_cf_forecast=pick("wind_cf", False),
                solar_cf_forecast=pick("solar_cf", False),
                demand_mw_actual=pick("demand_mw", True),
                wind_cf_actual=pick("wind_cf", True),
                solar_cf_actual=pick("solar_cf", True),
            )
        )
    return out
