"""The demo's whole flow on PostgreSQL, with a shorter price history and two market days.

Real parts throughout: the exchange's clearing LP, the bid optimiser, dispatch's reallocation,
settlement's intake and pipeline. Celery tasks queued on commit (optimiser run, dispatch) go to
this test's Redis db and are not awaited: the flow calls the same idempotent services itself.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from demo import flow, setup, simulate
from dispatch.models import Instruction, OpenPosition
from market.exchange.models import Auction
from market.trading.models import AwardReceived, BidSubmission, OptimisationRun
from settlement.models import MeterReading
from sites.models import Site
from vpp import clock
from vpp.intervals import day_bounds, market_tz
from vpp.models import User

pytestmark = pytest.mark.django_db

HISTORY_DAYS = 14


@pytest.fixture
def demo_world(db):
    setup.load_demo()
    first = setup.DEMO_START_DAY - timedelta(days=HISTORY_DAYS)
    simulate.simulate_history(first, setup.DEMO_START_DAY)
    clock.set_now(setup.start_instant())
    return setup


def test_two_market_days_run_end_to_end(demo_world, client):
    steps = []
    report = flow.run_flow(days=2, progress=lambda k, n, label: steps.append((k, n)))

    day1, day2 = date(2026, 7, 2), date(2026, 7, 3)
    assert [d.market_day for d in report.days] == [day1, day2]
    # progress reached its total exactly once per step
    assert steps[-1][0] == steps[-1][1] == len(steps)
    for d in report.days:
        assert d.run_state == "done"
        assert d.curves_submitted > 0
        assert d.awards > 0, "the reduction offers should clear somewhere"
        assert d.instructions > 0
        assert 0 < d.declined <= flow.MAX_DECLINES_PER_DAY
        assert d.confirmed > 0
    assert OptimisationRun.objects.filter(state="done").count() == 2
    assert BidSubmission.objects.filter(awards_fetched_at__isnull=False).count() == 2
    assert AwardReceived.objects.filter(awarded_mw__gt=0).exists()

    # answers: nothing left pending, declines recorded with their reason
    start, end = day_bounds(day1)
    on_day1 = Instruction.objects.filter(interval_start__gte=start, interval_start__lt=end)
    assert not on_day1.filter(state="pending").exists()
    assert on_day1.filter(state="declined").count() == report.days[0].declined
    assert on_day1.filter(state="declined").exclude(decline_reason="").count() > 0
    # a decline's MW go to other sites or become an open position
    assert (
        on_day1.filter(origin="reallocation").exists()
        or OpenPosition.objects.filter(interval_start__gte=start, interval_start__lt=end).exists()
    )

    # meter: every active site and interval of day 1 (ended), nothing of day 2 ("today")
    sites = Site.objects.filter(active=True).count()
    assert sites == 12
    day1_rows = MeterReading.objects.filter(interval_start__gte=start, interval_start__lt=end)
    assert day1_rows.count() == sites * 96 == report.days[0].meter_rows
    s2, e2 = day_bounds(day2)
    assert not MeterReading.objects.filter(interval_start__gte=s2, interval_start__lt=e2).exists()
    # a confirmed instruction's site metered near its target, not its usual load
    ins = on_day1.filter(state="confirmed").exclude(reduction_mw=0).order_by("pk").first()
    reading = MeterReading.objects.get(
        site=ins.site, interval_start=ins.interval_start, is_current=True
    )
    assert abs(float(reading.load_mw) - float(ins.target_mw)) <= 0.1 * float(ins.target_mw) + 1e-3

    # settle: day 1 through settlement's pipeline
    assert report.days[0].settled == "done", report.days[0].settled
    assert report.days[1].settled == ""

    # the clock is on day 2's morning, with day 3's auction open before its gate
    assert clock.now() == datetime(2026, 7, 3, 8, 0, tzinfo=market_tz())
    auction = Auction.objects.get(market_day=day2 + timedelta(days=1), kind="da")
    assert auction.state == "open" and auction.gate_closure_at > clock.now()
    # ... and its price forecast made, so the desk shows prices before any run
    from market.trading.models import PriceForecast

    assert PriceForecast.objects.filter(market_day=auction.market_day).exists()

    # pages a newcomer opens show the numbers
    client.force_login(User.objects.get(username="trader"))
    page = client.get("/dispatch/")
    assert page.status_code == 200
    client.force_login(User.objects.get(username="operator"))
    assert client.get("/dispatch/inbox/").status_code == 200
    console = client.get("/operator/")
    assert console.status_code == 200
    assert b"donghai-" in console.content and b"qilian-" not in console.content
