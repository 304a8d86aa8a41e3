"""The market's bid rules as checks: one curve's shape, and the minimum trading unit.

Pure functions over plain values (no ORM), so the exchange's intake and a participant's own
pre-check (``MarketRules.check_curve``) refuse the same way, each with an ``ApplicationError``
naming the field.

**Flexibility** of a participant at a node and interval is what its bid there lets the
clearing move: a reduction offer's whole quantity, or the part of a demand curve priced below
the cap (the part at the cap is must-buy: consumption, not flexibility). A registered baseline
or a must-buy demand alone is a position, not flexibility, and no trading-unit rule applies to
it (every participant's consumption belongs in the balance).

**Trading unit** (Guangdong: the resources at one clearing node of >= 220 kV, >= 1 MW adjustable
for >= 1 h): wherever a bid offers flexibility at a node, the node's bus is at least
``min_node_voltage_kv``, the flexibility is at least ``min_trading_unit_mw`` in that interval,
and (day-ahead) the interval lies in a run of consecutive intervals at that node, each with at
least ``min_trading_unit_mw``, lasting at least ``min_trading_unit_hours``. A real-time auction
covers one interval, so only the MW and voltage rules apply there (the unit qualified
day-ahead). The auction's first and last intervals end a run: a run is not continued into
another auction.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from vpp.errors import ApplicationError

SIDES = ("demand", "reduction")


def check_curve(
    side: str,
    segments: Sequence[tuple[float, float]] | Sequence[tuple[Decimal, Decimal]],
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


def flexibility_mw(side: str, segments: Sequence[tuple[Decimal, Decimal]], cap: Decimal) -> Decimal:
    """The MW a curve lets the clearing move (see the module docstring)."""
    if side == "reduction":
        return sum((q for _, q in segments), Decimal(0))
    return sum((q for p, q in segments if p < cap), Decimal(0))


@dataclass(frozen=True)
class FlexPoint:
    """A curve's flexibility at one node and interval, with the field that names the curve."""

    node: str
    interval_start: datetime
    flexibility_mw: Decimal
    field: str


@dataclass(frozen=True)
class Shortfall:
    """A point of flexibility the trading unit refuses, and why."""

    point: FlexPoint
    code: str  # trading_unit_voltage, trading_unit_mw, trading_unit_duration
    message: str
    field: str


def trading_unit_shortfalls(
    points: Sequence[FlexPoint],
    *,
    voltage_kv: dict[str, int],
    min_mw: Decimal,
    min_run_intervals: int,
    min_voltage_kv: int,
    step: timedelta,
) -> list[Shortfall]:
    """Every flexibility point the trading unit refuses (``min_run_intervals`` <= 1: no
    duration rule, as in a one-interval real-time auction). Zeroing exactly these leaves a bid
    that meets the unit: a point below the MW breaks the runs around it, so runs are measured
    over the points that pass the MW and voltage rules."""
    out: list[Shortfall] = []
    by_node: dict[str, dict[datetime, FlexPoint]] = defaultdict(dict)
    for p in points:
        if p.flexibility_mw <= 0:
            continue
        kv = voltage_kv.get(p.node, 0)
        if kv < min_voltage_kv:
            out.append(
                Shortfall(
                    p,
                    "trading_unit_voltage",
                    f"node {p.node} is a {kv} kV bus; flexibility is traded only at clearing "
                    f"nodes of at least {min_voltage_kv} kV",
                    f"{p.field}.node",
                )
            )
        elif p.flexibility_mw < min_mw:
            out.append(
                Shortfall(
                    p,
                    "trading_unit_mw",
                    f"{p.flexibility_mw} MW of flexibility at {p.node} at "
                    f"{p.interval_start.isoformat()}: a trading unit offers at least {min_mw} MW "
                    "where it offers any",
                    f"{p.field}.segments",
                )
            )
        else:
            by_node[p.node][p.interval_start] = p
    if min_run_intervals <= 1:
        return out
    for node, at in sorted(by_node.items()):
        starts = sorted(at)
        runs, run = [], [starts[0]]
        for t in starts[1:]:
            if t - run[-1] == step:
                run.append(t)
            else:
                runs.append(run)
                run = [t]
        runs.append(run)
        for run in runs:
            if len(run) >= min_run_intervals:
                continue
            message = (
                f"flexibility of at least {min_mw} MW at {node} runs {len(run)} interval(s) "
                f"({_hours(len(run), step)} h) from {run[0].isoformat()}: a trading unit must "
                f"stay adjustable for at least {_hours(min_run_intervals, step)} h "
                f"({min_run_intervals} consecutive intervals)"
            )
            out.extend(Shortfall(at[t], "trading_unit_duration", message, at[t].field) for t in run)
    return out


def check_trading_unit(points: Sequence[FlexPoint], **rules) -> None:
    """Refuse the first shortfall (rules as for :func:`trading_unit_shortfalls`)."""
    shortfalls = trading_unit_shortfalls(points, **rules)
    if shortfalls:
        first = shortfalls[0]
        raise ApplicationError(first.message, field=first.field, code=first.code)


def _hours(intervals: int, step: timedelta) -> str:
    hours = Decimal(intervals) * Decimal(int(step.total_seconds())) / 3600
    return f"{hours.quantize(Decimal('0.01')).normalize():f}"
