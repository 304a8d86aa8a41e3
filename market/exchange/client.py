"""The exchange as a VPP sees it: the only interface the trading desk (and, through the desk's
``get_client``, dispatch and settlement) may use.

``ExchangeClient`` is the protocol; ``LocalExchangeClient`` talks to this mock exchange in
process. A real exchange adapter would implement the same protocol. Everything in and out is
a plain dataclass (no ORM objects); instants are aware UTC datetimes, power in MW as Decimal
(3 places), prices in currency per MWh and money as Decimal.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Protocol

from django.conf import settings

from vpp import clock
from vpp.errors import ApplicationError
from vpp.intervals import day_bounds, interval_length, require_aware

from . import bids as bid_service
from . import meters, selectors
from .markets import active_market
from .models import Auction, Award, Bid, Exogenous, Node, NodePrice
from .settlement import ParticipantSettlement, SettlementRow, participant_settlement
from .types import (
    AuctionInfo,
    AwardLine,
    Baseline,
    BidReceipt,
    Curve,
    ExogenousPoint,
    MarketRules,
    MeteredConsumption,
    MeterReceipt,
    NodeInfo,
    Position,
    PricePoint,
    Segment,
)

__all__ = [
    "AuctionInfo",
    "AwardLine",
    "Baseline",
    "BidReceipt",
    "Curve",
    "ExchangeClient",
    "ExogenousPoint",
    "LocalExchangeClient",
    "MarketRules",
    "MeterReceipt",
    "MeteredConsumption",
    "NodeInfo",
    "ParticipantSettlement",
    "Position",
    "PricePoint",
    "Segment",
    "SettlementRow",
]


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
        curves: Sequence[Curve] = (),
        baselines: Sequence[Baseline] = (),
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

    def positions(self, *, participant: str, market_day: date) -> list[Position]: ...

    def real_time_auctions(self, *, market_day: date) -> list[AuctionInfo]: ...

    def report_metered(
        self, *, participant: str, readings: Sequence[MeteredConsumption], source: str = ""
    ) -> MeterReceipt: ...

    def participant_settlement(
        self, *, participant: str, market_day: date
    ) -> ParticipantSettlement: ...


def _auction_info(a: Auction) -> AuctionInfo:
    return AuctionInfo(
        id=a.pk,
        kind=a.kind,
        market_day=a.market_day,
        first_interval=a.first_interval,
        interval_count=a.interval_count,
        gate_closure_at=a.gate_closure_at,
        state=a.state,
        message=a.message,
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
        m = active_market()
        return MarketRules(
            price_floor_per_mwh=m.price_floor_per_mwh,
            price_cap_per_mwh=m.price_cap_per_mwh,
            max_segments=m.max_bid_segments,
            market=m.code,
            name=m.name,
            currency=m.currency,
            time_zone=settings.MARKET_TIME_ZONE,
            da_gate_closure_local=m.da_gate_closure_local,
            rt_gate_closure_minutes=m.rt_gate_closure_minutes,
            interval_minutes=m.interval_minutes,
            min_trading_unit_mw=m.min_trading_unit_mw,
            min_trading_unit_hours=m.min_trading_unit_hours,
            min_node_voltage_kv=m.min_node_voltage_kv,
            bid_form=m.bid_form,
        )

    def list_nodes(self) -> list[NodeInfo]:
        return [
            NodeInfo(n.code, n.name, n.region, n.voltage_kv) for n in Node.objects.order_by("code")
        ]

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
        curves: Sequence[Curve] = (),
        baselines: Sequence[Baseline] = (),
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
            baselines=[
                bid_service.BaselineInput(b.node, b.interval_start, b.baseline_mw)
                for b in baselines
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

    def positions(self, *, participant: str, market_day: date) -> list[Position]:
        """The participant's day-ahead positions per node and interval, once the day-ahead
        auction is published (empty before), with the real-time awards and prices known."""
        return selectors.participant_positions(participant=participant, market_day=market_day)

    def real_time_auctions(self, *, market_day: date) -> list[AuctionInfo]:
        """Every real-time auction of the market day, in interval order, any state (a failed
        one carries its reason in ``message``)."""
        start, end = day_bounds(market_day)
        qs = Auction.objects.filter(
            kind=Auction.Kind.REAL_TIME, first_interval__gte=start, first_interval__lt=end
        ).order_by("first_interval")
        return [_auction_info(a) for a in qs]

    def report_metered(
        self,
        *,
        participant: str,
        readings: Sequence[MeteredConsumption],
        source: str = "",
        reported_by=None,
    ) -> MeterReceipt:
        """Metered consumption to the market operator: latest wins, versioned; a reading
        equal to the current one stores nothing (``meters``)."""
        result = meters.report_metered(
            participant=participant,
            readings=[
                meters.MeterInput(r.node, r.interval_start, r.consumption_mw) for r in readings
            ],
            source=source,
            reported_by=reported_by,
        )
        return MeterReceipt(result.stored, result.corrected, result.unchanged)

    def participant_settlement(
        self, *, participant: str, market_day: date
    ) -> ParticipantSettlement:
        """The exchange's DA and RT settlement of the participant for the day (``settlement``)."""
        return participant_settlement(participant=participant, day=market_day)


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
