"""Dispatch fixtures: a small fleet at one node and awards written as the trading desk stores
them (BidSubmission + AwardReceived rows), so the dispatch services run on real rows, the real
optimiser and the real database."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import transaction

from dispatch.instructions import Plan, place, to_mw
from market.trading.models import AwardReceived, BidSubmission, OptimisationRun, PriceForecast
from sites.flexibility import envelope_at
from sites.selectors import site_spec
from tests.factories import SiteFactory, WorkloadFactory
from vpp import clock

DAY = date(2026, 7, 2)  # local market day; starts 2026-07-01 16:00 UTC
T0 = datetime(2026, 7, 2, 2, 0, tzinfo=UTC)  # 10:00 local on DAY
STEP = timedelta(minutes=15)


def flexible_site(org, node, code, **kw):
    """usual load (4 + 10) x 1.5 = 21 MW; down 15 MW (interruptible training, 4 h)."""
    site = SiteFactory(organisation=org, node=node, code=code, **kw)
    WorkloadFactory(site=site, kind="inference", it_mw=Decimal("4"), name="inf")
    WorkloadFactory(
        site=site,
        kind="training",
        it_mw=Decimal("10"),
        name="train",
        interruptible=True,
        power_cap_floor_fraction=Decimal("0"),
        max_deferral_hours=Decimal("4"),
    )
    return site


@pytest.fixture
def fleet(org_a, org_b, nodes, sim_now):
    """Three sites at E-LOAD: a1, a2 of Alpha DC Co, b1 of Beta DC Co; one at S-LOAD."""
    e = nodes["E-LOAD"]
    return {
        "a1": flexible_site(org_a, e, "a1"),
        "a2": flexible_site(org_a, e, "a2"),
        "b1": flexible_site(org_b, e, "b1"),
        "s1": flexible_site(org_a, nodes["S-LOAD"], "s1"),
    }


def make_submission(*, version: int = 1, auction_id: int = 1, key: str | None = None):
    now = clock.now()
    forecast = PriceForecast.objects.create(
        market_day=DAY, model_name="ridge", created_at=now, trained_through=now
    )
    run = OptimisationRun.objects.create(
        market_day=DAY, auction_id=auction_id, forecast=forecast, created_at=now, state="done"
    )
    return BidSubmission.objects.create(
        run=run,
        auction_id=auction_id,
        submitted_at=now,
        idempotency_key=key or f"k-{auction_id}-{version}",
        curves=[],
        exchange_bid_id=1,
        exchange_version=version,
    )


def award(submission, node, start, mw, *, side="reduction", price="800", segments=1):
    """``mw`` split over ``segments`` segments, as the exchange publishes them."""
    part = Decimal(str(mw)) / segments
    for k in range(segments):
        AwardReceived.objects.create(
            submission=submission,
            node_code=node,
            interval_start=start,
            side=side,
            segment_index=k,
            offered_price_per_mwh=Decimal(price),
            offered_mw=part,
            awarded_mw=part,
            price_per_mwh=Decimal(price),
        )


@pytest.fixture
def instruct():
    """Write instructions with known targets (bypassing the optimiser) for state-machine and
    reallocation tests: ``instruct(site, reduction_mw, start=T0, deadline=...)``."""

    def _make(site, reduction_mw, *, start=T0, deadline=None, submission_id=1, price=None):
        spec = site_spec(site)
        base = to_mw(envelope_at(spec, start).baseline_mw)
        plan = Plan(
            site_id=site.pk,
            interval_start=start,
            interval_end=start + STEP,
            market_day=DAY,
            target_mw=base - Decimal(str(reduction_mw)),
            baseline_mw=base,
            deadline_at=deadline or start - timedelta(minutes=site.notice_minutes),
            node_code=site.node.code,
            side="reduction",
            submission_id=submission_id,
        )
        with transaction.atomic():
            (row,) = place([plan], now=clock.now(), keep_equal=False)
        return row

    return _make
