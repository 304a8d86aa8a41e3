"""The client interface's values: plain frozen dataclasses in and out of ``ExchangeClient``.

Import them from ``market.exchange.client`` (which re-exports every one): it is the only module
of the exchange the desk may import. Instants are aware UTC; power in MW and prices per MWh as
Decimal.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import ROUND_CEILING, Decimal

from vpp.intervals import interval_length

from .rules import FlexPoint, check_curve, flexibility_mw, trading_unit_shortfalls


@dataclass(frozen=True)
class NodeInfo:
    code: str
    name: str
    region: str
    voltage_kv: int = 500


@dataclass(frozen=True)
class AuctionInfo:
    id: int
    kind: str  # "da" (day-ahead) or "rt" (real-time)
    market_day: date
    first_interval: datetime
    interval_count: int
    gate_closure_at: datetime
    state: str  # open, closed, cleared, published, failed
    message: str = ""  # why it failed, when it did

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
class Baseline:
    """A registered baseline of a day-ahead bid: the participant's consumption at a node and
    interval, cleared as inelastic demand; a reduction offer there sells from it."""

    node: str
    interval_start: datetime
    baseline_mw: Decimal


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
    """The active market's rules (``markets.MarketConfig``): prices within [floor, cap] per MWh,
    at most ``max_segments`` per curve, demand prices non-increasing, reduction prices
    non-decreasing; the day-ahead gate at ``da_gate_closure_local`` on D-1 (market time zone),
    the real-time gate ``rt_gate_closure_minutes`` before the interval; the minimum trading unit
    (``min_trading_unit_mw`` of flexibility for ``min_trading_unit_hours`` at nodes of at least
    ``min_node_voltage_kv``; see ``market/exchange/rules.py``)."""

    price_floor_per_mwh: Decimal
    price_cap_per_mwh: Decimal
    max_segments: int
    market: str = ""
    name: str = ""
    currency: str = "CNY"
    time_zone: str = "Asia/Shanghai"
    da_gate_closure_local: time = time(10, 0)
    rt_gate_closure_minutes: int = 30
    interval_minutes: int = 15
    min_trading_unit_mw: Decimal = Decimal(0)
    min_trading_unit_hours: Decimal = Decimal(0)
    min_node_voltage_kv: int = 0
    bid_form: str = "quantity_and_price"

    def check_curve(self, side: str, segments: list[tuple[Decimal, Decimal]], field: str) -> None:
        """Raise ``ApplicationError`` naming the segment and field a curve breaks, as the
        exchange's own intake would."""
        check_curve(
            side,
            segments,
            floor=self.price_floor_per_mwh,
            cap=self.price_cap_per_mwh,
            max_segments=self.max_segments,
            field=field,
        )

    def trading_unit_shortfalls(
        self, curves: list[Curve], voltage_kv: dict[str, int] | None = None, *, day_ahead=True
    ) -> list[tuple[str, datetime, str]]:
        """``(node, interval_start, reason)`` of every curve whose flexibility the minimum
        trading unit refuses, so the desk can zero it before submitting (what remains then
        meets the unit). ``voltage_kv`` per node from ``list_nodes()`` (missing: not checked);
        ``day_ahead=False``: the real-time rules (no duration)."""
        points = [
            FlexPoint(
                c.node,
                c.interval_start,
                flexibility_mw(
                    c.side,
                    [(Decimal(s.price_per_mwh), Decimal(s.quantity_mw)) for s in c.segments],
                    self.price_cap_per_mwh,
                ),
                f"curves[{i}]",
            )
            for i, c in enumerate(curves)
        ]
        kv = dict.fromkeys({c.node for c in curves}, self.min_node_voltage_kv)
        kv.update(voltage_kv or {})
        runs = self.min_run_intervals() if day_ahead else 1
        return [
            (s.point.node, s.point.interval_start, s.message)
            for s in trading_unit_shortfalls(
                points,
                voltage_kv=kv,
                min_mw=self.min_trading_unit_mw,
                min_run_intervals=runs,
                min_voltage_kv=self.min_node_voltage_kv,
                step=interval_length(),
            )
        ]

    def min_run_intervals(self) -> int:
        """Consecutive intervals the trading unit's duration spans (rounded up)."""
        needed = self.min_trading_unit_hours * 60 / Decimal(self.interval_minutes)
        return int(needed.to_integral_value(rounding=ROUND_CEILING))


@dataclass(frozen=True)
class Position:
    """A participant's position at one node and interval of a published day-ahead auction
    (docs/market-loop.md §1), with the interval's real-time outcome once known.

    ``kind`` "baseline": ``position_mw = baseline_mw - reduction_awarded_mw``; "demand":
    ``position_mw = demand_awarded_mw``. Real time: ``rt_increment_awarded_mw`` (demand above
    ``P_DA``) and ``rt_decrement_awarded_mw`` (reduction below it) from the interval's
    real-time auction; ``rt_price_per_mwh`` once that auction is published."""

    auction_id: int
    node: str
    interval_start: datetime
    kind: str
    baseline_mw: Decimal | None
    demand_awarded_mw: Decimal
    reduction_awarded_mw: Decimal
    position_mw: Decimal
    da_price_per_mwh: Decimal
    rt_auction_id: int | None
    rt_state: str | None
    rt_increment_awarded_mw: Decimal
    rt_decrement_awarded_mw: Decimal
    rt_price_per_mwh: Decimal | None


@dataclass(frozen=True)
class MeteredConsumption:
    """A participant's metered consumption at a node in one (ended) interval, average MW."""

    node: str
    interval_start: datetime
    consumption_mw: Decimal


@dataclass(frozen=True)
class MeterReceipt:
    stored: int  # versions written (first reports and corrections)
    corrected: int  # of those, corrections of an earlier version
    unchanged: int  # equal to the current version: nothing written
