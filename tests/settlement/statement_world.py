"""A small settled world for the statement tests: two sites of two companies with 14 days of
flat 10 MW history, confirmed instructions from 14:00 to 15:00 local on DAY and day-ahead
award prices (no real-time auction: the RT price falls back to DA)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from dispatch.models import Instruction
from market.trading.models import AwardReceived, BidSubmission, OptimisationRun, PriceForecast
from settlement import meter_store, meters
from vpp.intervals import day_intervals

DAY = date(2026, 6, 30)
EVENT = day_intervals(DAY)[56:60]  # 14:00-15:00 local
PRICE = Decimal("400.00")


def history(sites, first=DAY - timedelta(days=14), last=DAY, load=Decimal("10")) -> None:
    rows = []
    d = first
    while d <= last:
        for s in sites:
            rows += [meters.Incoming("t", s.pk, t, load) for t in day_intervals(d)]
        d += timedelta(days=1)
    meter_store.store_batch(rows=rows, source="api", checksum=f"hist-{first}-{last}", actor=None)


def set_day_load(site, starts, load_mw: Decimal, key: str) -> None:
    rows = [meters.Incoming("t", site.pk, t, load_mw) for t in starts]
    meter_store.store_batch(rows=rows, source="api", checksum=key, actor=None)


def instruct(site, node_code: str, reduction_mw: Decimal, state="confirmed", starts=EVENT):
    now = datetime(2026, 6, 29, 0, tzinfo=UTC)
    out = []
    for t in starts:
        out.append(
            Instruction.objects.create(
                site=site, market_day=DAY, interval_start=t, interval_end=t + timedelta(minutes=15),
                target_mw=Decimal("10") - reduction_mw, baseline_mw=Decimal("10"),
                reduction_mw=reduction_mw, state=state, deadline_at=t - timedelta(hours=2),
                node_code=node_code, side="reduction", submission_id=1, created_at=now,
                confirmed_at=now if state == "confirmed" else None,
                decline_reason="maintenance" if state == "declined" else "",
            )
        )  # fmt: skip
    return out


def award_prices(nodes=("E-LOAD", "S-LOAD"), price=PRICE, starts=EVENT) -> None:
    now = datetime(2026, 6, 29, 0, tzinfo=UTC)
    forecast = PriceForecast.objects.create(
        market_day=DAY, model_name="ridge", created_at=now, trained_through=now
    )
    run = OptimisationRun.objects.create(
        market_day=DAY, auction_id=1, forecast=forecast, created_at=now, state="done"
    )
    sub = BidSubmission.objects.create(
        run=run, auction_id=1, submitted_at=now, idempotency_key=f"st-{DAY}", curves=[],
        exchange_bid_id=1, exchange_version=1,
    )  # fmt: skip
    for node in nodes:
        for t in starts:
            AwardReceived.objects.create(
                submission=sub, node_code=node, interval_start=t, side="reduction",
                segment_index=0, offered_price_per_mwh=Decimal("100"), offered_mw=Decimal("5"),
                awarded_mw=Decimal("3"), price_per_mwh=price,
            )  # fmt: skip


def build(site_a, site_b) -> None:
    """site_a delivers 2 of 2 MW instructed; site_b 0.5 of 1 MW (short beyond the band)."""
    history([site_a, site_b])
    set_day_load(site_a, EVENT, Decimal("8"), "a-day")
    set_day_load(site_b, EVENT, Decimal("9.5"), "b-day")
    instruct(site_a, "E-LOAD", Decimal("2"))
    instruct(site_b, "S-LOAD", Decimal("1"))
    award_prices()
