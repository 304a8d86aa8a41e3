"""Reads that span the exchange's models: participants' day-ahead positions and their real-time
awards, as the real-time clearing, bid intake and settlement need them.

Position per participant, node and interval of a cleared day-ahead auction (docs/market-loop.md
§1): a **baseline** position (a registered baseline ``B``, perhaps with a reduction offer) has
``P_DA = B - R`` with ``R`` the reduction awarded; a **demand** position has ``P_DA`` = the
demand awarded. Only the current (not superseded) bid of each participant counts: it is the one
that cleared.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from vpp.intervals import day_bounds

from .models import Auction, Award, BidBaseline, NodePrice
from .types import Position

ZERO = Decimal("0.000")
RESULT_STATES = (Auction.State.CLEARED, Auction.State.PUBLISHED)


@dataclass(frozen=True)
class PositionRow:
    participant: str
    node: str
    interval_start: datetime
    kind: str  # "baseline" or "demand"
    baseline_mw: Decimal | None
    demand_awarded_mw: Decimal
    reduction_awarded_mw: Decimal

    @property
    def position_mw(self) -> Decimal:
        """``P_DA``: the consumption the day-ahead auction cleared for the participant here."""
        if self.kind == "baseline":
            return (self.baseline_mw or ZERO) - self.reduction_awarded_mw
        return self.demand_awarded_mw


PositionKey = tuple[str, str, datetime]  # participant, node, interval start


def day_ahead_auction(day: date) -> Auction | None:
    return Auction.objects.filter(kind=Auction.Kind.DAY_AHEAD, market_day=day).first()


def da_positions(
    auction: Auction,
    *,
    participant: str | None = None,
    interval_start: datetime | None = None,
) -> dict[PositionKey, PositionRow]:
    """Every position of a cleared or published day-ahead auction (empty for any other state),
    optionally of one participant or one interval."""
    if auction.kind != Auction.Kind.DAY_AHEAD or auction.state not in RESULT_STATES:
        return {}
    baselines = BidBaseline.objects.filter(bid__auction=auction, bid__superseded=False)
    awards = Award.objects.filter(auction=auction, segment__bid__superseded=False)
    if participant is not None:
        baselines = baselines.filter(bid__participant=participant)
        awards = awards.filter(segment__bid__participant=participant)
    if interval_start is not None:
        baselines = baselines.filter(interval_start=interval_start)
        awards = awards.filter(segment__interval_start=interval_start)
    base: dict[PositionKey, Decimal] = {
        (p, n, t): b
        for p, n, t, b in baselines.values_list(
            "bid__participant", "node__code", "interval_start", "baseline_mw"
        )
    }
    awarded: dict[tuple[PositionKey, str], Decimal] = defaultdict(lambda: ZERO)
    for p, n, t, side, mw in awards.values_list(
        "segment__bid__participant",
        "segment__node__code",
        "segment__interval_start",
        "segment__side",
        "awarded_mw",
    ):
        awarded[(p, n, t), side] += mw
    keys = set(base) | {key for key, _ in awarded}
    out = {}
    for key in sorted(keys, key=lambda k: (k[0], k[2], k[1])):
        # a reduction without a baseline cannot pass intake; were one stored, B = 0 keeps its
        # award in the books as a (negative) consumption rather than dropping it
        has_base = key in base or (key, "reduction") in awarded
        out[key] = PositionRow(
            participant=key[0],
            node=key[1],
            interval_start=key[2],
            kind="baseline" if has_base else "demand",
            baseline_mw=base.get(key, ZERO) if has_base else None,
            demand_awarded_mw=awarded.get((key, "demand"), ZERO),
            reduction_awarded_mw=awarded.get((key, "reduction"), ZERO),
        )
    return out


def position_mw_by_node(
    positions: dict[PositionKey, PositionRow],
) -> dict[tuple[str, datetime], float]:
    """``sum over participants of P_DA`` per (node, interval), as the real-time clearing's
    fixed demand."""
    out: dict[tuple[str, datetime], float] = defaultdict(float)
    for (_, node, t), row in positions.items():
        out[node, t] += float(row.position_mw)
    return dict(out)


@dataclass(frozen=True)
class RealTimeAwards:
    increment_mw: Decimal = ZERO  # demand awarded above P_DA
    decrement_mw: Decimal = ZERO  # reduction awarded below P_DA


def rt_awards(
    auctions: list[Auction], *, participant: str
) -> dict[tuple[str, datetime], RealTimeAwards]:
    """A participant's awards in real-time auctions (cleared or published), per node and
    interval: increments (demand side) and decrements (reduction side)."""
    sums: dict[tuple[str, datetime], dict[str, Decimal]] = defaultdict(
        lambda: {"demand": ZERO, "reduction": ZERO}
    )
    for n, t, side, mw in Award.objects.filter(
        auction__in=[a for a in auctions if a.state in RESULT_STATES],
        segment__bid__participant=participant,
        segment__bid__superseded=False,
    ).values_list("segment__node__code", "segment__interval_start", "segment__side", "awarded_mw"):
        sums[n, t][side] += mw
    return {k: RealTimeAwards(v["demand"], v["reduction"]) for k, v in sums.items()}


def participant_positions(*, participant: str, market_day: date) -> list[Position]:
    da = day_ahead_auction(market_day)
    if da is None or da.state != Auction.State.PUBLISHED:
        return []
    rows = da_positions(da, participant=participant)
    da_prices = {
        (n, t): p
        for n, t, p in NodePrice.objects.filter(auction=da).values_list(
            "node__code", "interval_start", "price_per_mwh"
        )
    }
    start, end = day_bounds(market_day)
    rts = {
        a.first_interval: a
        for a in Auction.objects.filter(
            kind=Auction.Kind.REAL_TIME, first_interval__gte=start, first_interval__lt=end
        )
    }
    rt_prices = {
        (n, t): p
        for n, t, p in NodePrice.objects.filter(
            auction__in=[a for a in rts.values() if a.state == Auction.State.PUBLISHED]
        ).values_list("node__code", "interval_start", "price_per_mwh")
    }
    awards_rt = rt_awards(
        [a for a in rts.values() if a.state == Auction.State.PUBLISHED], participant=participant
    )
    out = []
    for (_, node, t), row in rows.items():
        rt = rts.get(t)
        awarded = awards_rt.get((node, t), RealTimeAwards())
        out.append(
            Position(
                auction_id=da.pk,
                node=node,
                interval_start=t,
                kind=row.kind,
                baseline_mw=row.baseline_mw,
                demand_awarded_mw=row.demand_awarded_mw,
                reduction_awarded_mw=row.reduction_awarded_mw,
                position_mw=row.position_mw,
                da_price_per_mwh=da_prices[node, t],
                rt_auction_id=rt.pk if rt else None,
                rt_state=rt.state if rt else None,
                rt_increment_awarded_mw=awarded.increment_mw,
                rt_decrement_awarded_mw=awarded.decrement_mw,
                rt_price_per_mwh=rt_prices.get((node, t)),
            )
        )
    return out
