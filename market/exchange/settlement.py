"""The exchange's own settlement of a participant for one market day (docs/market-loop.md §4).

Per node and interval, with ``h`` the interval in hours, ``P_DA`` the day-ahead position
(``selectors.PositionRow``), ``M`` the latest metered consumption (``meters``), amounts from
the participant's side (negative: the participant pays):

    DA:  -P_DA * h * lambda_DA, shown for a baseline position as
         baseline energy  -B * h * lambda_DA  and  reduction credit  +R * h * lambda_DA
         (for a demand position: demand energy  -P_DA * h * lambda_DA)
    RT:  -(M - P_DA) * h * lambda_RT

``lambda_RT`` is the node's price in the interval's real-time auction once that is published;
when it **failed** or does not exist, the day-ahead price stands in and the row says so
(``rt_price_source = "da_fallback"`` with the reason). While the real-time auction is still
running, or no meter data arrived, the row's RT amount is ``None`` and the day is not
``complete`` (the totals cover what is known). Intervals metered where the participant held no
day-ahead position settle with ``P_DA = 0``.

**Rounding.** Row amounts are exact Decimals (``h`` is 0.25 exactly for 15-minute intervals).
Each part (baseline energy, reduction credit, demand energy, RT deviation) is summed exactly
over the day and rounded once, half-up to the cent (``vpp.money.round_money``): rounded once
per participant, day and part. ``da_amount`` and ``total_amount`` are sums of rounded parts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.conf import settings

from vpp.intervals import day_bounds
from vpp.money import round_money

from . import selectors
from .markets import active_market
from .meters import latest_metered
from .models import Auction, Bid, MeterReport, NodePrice

ZERO = Decimal("0")


@dataclass(frozen=True)
class SettlementRow:
    node: str
    interval_start: datetime
    position: str  # "baseline", "demand", or "none" (metered without a day-ahead position)
    baseline_mw: Decimal | None  # B, baseline positions
    reduction_mw: Decimal  # R, the reduction awarded
    demand_mw: Decimal  # the demand awarded, demand positions
    position_mw: Decimal  # P_DA
    metered_mw: Decimal | None  # M, latest version
    meter_version: int | None
    da_price_per_mwh: Decimal | None
    rt_price_per_mwh: Decimal | None  # the price the RT part used
    rt_price_source: str  # "rt", "da_fallback" or "pending"
    rt_note: str  # why the day-ahead price stands in, or what is pending
    baseline_energy_amount: Decimal  # -B*h*lambda_DA
    reduction_credit_amount: Decimal  # +R*h*lambda_DA
    demand_energy_amount: Decimal  # -P_DA*h*lambda_DA for a demand position
    rt_amount: Decimal | None  # -(M - P_DA)*h*lambda_RT; None while pending

    @property
    def da_amount(self) -> Decimal:
        """``-P_DA*h*lambda_DA`` (exact)."""
        return (
            self.baseline_energy_amount + self.reduction_credit_amount + self.demand_energy_amount
        )


@dataclass(frozen=True)
class ParticipantSettlement:
    participant: str
    market_day: date
    currency: str
    interval_hours: Decimal
    da_auction_id: int | None
    rows: list[SettlementRow]
    baseline_energy_amount: Decimal  # each part rounded once (half-up to the cent)
    reduction_credit_amount: Decimal
    demand_energy_amount: Decimal
    rt_amount: Decimal
    da_amount: Decimal  # the three DA parts, rounded, added
    total_amount: Decimal  # da_amount + rt_amount
    rt_fallback_intervals: int  # rows that used the day-ahead price for RT
    complete: bool
    pending: list[str]  # what keeps the day from being complete


def interval_hours_decimal() -> Decimal:
    return Decimal(settings.MARKET_INTERVAL_MINUTES) / Decimal(60)


def participants_of_day(day: date) -> list[str]:
    """Participants with a current bid in the day's day-ahead auction or meter data that day."""
    start, end = day_bounds(day)
    bidders = Bid.objects.filter(
        auction__kind=Auction.Kind.DAY_AHEAD, auction__market_day=day, superseded=False
    ).values_list("participant", flat=True)
    metered = MeterReport.objects.filter(
        interval_start__gte=start, interval_start__lt=end
    ).values_list("participant", flat=True)
    return sorted(set(bidders) | set(metered))


def _prices(auctions: list[Auction]) -> dict[tuple[str, datetime], Decimal]:
    return {
        (node, t): price
        for node, t, price in NodePrice.objects.filter(
            auction__in=[a for a in auctions if a.state == Auction.State.PUBLISHED]
        ).values_list("node__code", "interval_start", "price_per_mwh")
    }


def _rt_price(rt: Auction | None, node: str, t: datetime, rt_prices, da_price):
    """(price, source, note) for the RT part of one row."""
    if rt is not None and rt.state == Auction.State.PUBLISHED:
        return rt_prices.get((node, t)), "rt", ""
    if rt is None:
        note = "no real-time auction for this interval: the day-ahead price stands in"
    elif rt.state == Auction.State.FAILED:
        note = f"real-time auction {rt.pk} failed ({rt.message}): the day-ahead price stands in"
    else:
        return None, "pending", f"real-time auction {rt.pk} is {rt.state}"
    if da_price is None:
        return None, "pending", note + ", but there is no day-ahead price"
    return da_price, "da_fallback", note


def participant_settlement(*, participant: str, day: date) -> ParticipantSettlement:
    h = interval_hours_decimal()
    start, end = day_bounds(day)
    pending: list[str] = []
    da = selectors.day_ahead_auction(day)
    positions: dict = {}
    if da is None:
        pending_da = False
    else:
        pending_da = da.state not in (Auction.State.PUBLISHED, Auction.State.FAILED)
        if da.state == Auction.State.PUBLISHED:
            positions = {
                (n, t): row
                for (_, n, t), row in selectors.da_positions(da, participant=participant).items()
            }
    if pending_da:
        pending.append(f"day-ahead auction {da.pk} is {da.state}")
    da_prices = _prices([da] if da else [])
    rt_auctions = {
        a.first_interval: a
        for a in Auction.objects.filter(
            kind=Auction.Kind.REAL_TIME, first_interval__gte=start, first_interval__lt=end
        )
    }
    rt_prices = _prices(list(rt_auctions.values()))
    meters = latest_metered(participant=participant, start=start, end=end)
    rows = []
    for node, t in sorted(set(positions) | set(meters), key=lambda k: (k[1], k[0])):
        pos = positions.get((node, t))
        meter = meters.get((node, t))
        p_da = pos.position_mw if pos else ZERO
        da_price = da_prices.get((node, t))
        lam_da = da_price if da_price is not None else ZERO
        kind = pos.kind if pos else "none"
        base = pos.baseline_mw if pos and pos.kind == "baseline" else None
        reduction = pos.reduction_awarded_mw if pos and pos.kind == "baseline" else ZERO
        rt_price, source, note = _rt_price(rt_auctions.get(t), node, t, rt_prices, da_price)
        rt_amount = None
        if meter is None:
            note = "; ".join(x for x in (note, "no meter data") if x)
        elif rt_price is not None:
            rt_amount = -(meter.consumption_mw - p_da) * h * rt_price
        rows.append(
            SettlementRow(
                node=node,
                interval_start=t,
                position=kind,
                baseline_mw=base,
                reduction_mw=reduction,
                demand_mw=pos.demand_awarded_mw if pos and kind == "demand" else ZERO,
                position_mw=p_da,
                metered_mw=meter.consumption_mw if meter else None,
                meter_version=meter.version if meter else None,
                da_price_per_mwh=da_price,
                rt_price_per_mwh=rt_price,
                rt_price_source=source,
                rt_note=note,
                baseline_energy_amount=-(base * h * lam_da) if base is not None else ZERO,
                reduction_credit_amount=reduction * h * lam_da,
                demand_energy_amount=-(p_da * h * lam_da) if kind == "demand" else ZERO,
                rt_amount=rt_amount,
            )
        )
    missing = sum(r.rt_amount is None for r in rows)
    if missing:
        pending.append(f"{missing} interval(s) without an RT amount (meter data or RT pending)")
    parts = {
        name: round_money(sum((getattr(r, name) for r in rows), ZERO))
        for name in ("baseline_energy_amount", "reduction_credit_amount", "demand_energy_amount")
    }
    rt_total = round_money(sum((r.rt_amount for r in rows if r.rt_amount is not None), ZERO))
    da_total = sum(parts.values(), ZERO)
    return ParticipantSettlement(
        participant=participant,
        market_day=day,
        currency=active_market().currency,
        interval_hours=h,
        da_auction_id=da.pk if da else None,
        rows=rows,
        rt_amount=rt_total,
        da_amount=da_total,
        total_amount=da_total + rt_total,
        rt_fallback_intervals=sum(r.rt_price_source == "da_fallback" for r in rows),
        complete=not pending,
        pending=pending,
        **parts,
    )
