"""Trading fixtures: a real exchange with published day-ahead history."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from demo.simulate import simulate_history
from market.exchange import services as exchange
from market.trading import runs
from tests.factories import BatteryFactory, JobFactory, SiteFactory, WorkloadFactory
from vpp.intervals import day_bounds

TRADING_DAY = date(2026, 7, 2)
NAIVE = "seasonal_naive"  # two days of history suffice; the learnt models are tested elsewhere


def _history(sim_now, days: int):
    simulate_history(TRADING_DAY - timedelta(days=days), TRADING_DAY - timedelta(days=1))
    sim_now(datetime(2026, 7, 1, 0, 0, tzinfo=UTC))
    return exchange.open_day_ahead(day=TRADING_DAY)


@pytest.fixture
def market_history(db, sim_now):
    """20 published day-ahead days before TRADING_DAY, whose auction is open, with the clock
    at 2026-07-01 08:00 market time (before the 10:00 gate): enough to train the learnt models
    and backtest it over five days."""
    return _history(sim_now, 20)


@pytest.fixture
def short_history(db, sim_now):
    """Two published days only (enough for seasonal-naive)."""
    return _history(sim_now, 2)


def make_portfolio(operator_a, operator_b, nodes):
    """Three sites at two nodes: training that can be deferred, a battery, a batch job."""
    day_start, day_end = day_bounds(TRADING_DAY)
    a = SiteFactory(organisation=operator_a.organisation, node=nodes["E-LOAD"], code="east-a")
    WorkloadFactory(site=a, kind="inference", it_mw=Decimal("6"))
    WorkloadFactory(
        site=a,
        kind="training",
        it_mw=Decimal("10"),
        interruptible=True,
        power_cap_floor_fraction=Decimal("0.2"),
        max_deferral_hours=Decimal("4"),
    )
    b = SiteFactory(organisation=operator_b.organisation, node=nodes["E-LOAD"], code="east-b")
    WorkloadFactory(site=b, kind="inference", it_mw=Decimal("8"))
    BatteryFactory(site=b)
    c = SiteFactory(organisation=operator_a.organisation, node=nodes["N-COAL"], code="north-c")
    WorkloadFactory(site=c, kind="inference", it_mw=Decimal("5"))
    batch = WorkloadFactory(site=c, kind="batch", it_mw=Decimal("10"))
    JobFactory(
        workload=batch,
        release_at=day_start,
        deadline_at=day_end,
        energy_mwh=Decimal("60"),
        max_it_mw=Decimal("8"),
    )
    return [a, b, c]


@pytest.fixture
def portfolio(short_history, operator_a, operator_b, nodes):
    return make_portfolio(operator_a, operator_b, nodes)


@pytest.fixture
def done_run(portfolio, trader):
    run = runs.start_run(market_day=TRADING_DAY, user=trader, model_name=NAIVE)
    # The task's service, in this process (the worker test below runs it through Celery).
    return runs.execute_run(run_id=run.pk)


# Four weeks of the seeded default market (Monday 2026-06-01 .. Friday 06-26; the Dragon Boat
# Festival, Friday 06-19, is a public holiday on the market's calendar).
CLEARED_FIRST, CLEARED_LAST = date(2026, 6, 1), date(2026, 6, 26)


@pytest.fixture(scope="session")
def cleared_weeks(django_db_setup, django_db_blocker):
    """The seeded default market's day-ahead auctions over CLEARED_FIRST .. CLEARED_LAST, each
    cleared by the exchange's own LP, read back through the desk's client as it would bid:
    ``(nodes, price history, exogenous points)`` in memory. Cleared once per session inside a
    transaction that is rolled back, so no other test sees the rows."""
    from django.db import transaction

    from market.trading.exchange import get_client
    from vpp import clock

    with django_db_blocker.unblock(), transaction.atomic():
        simulate_history(CLEARED_FIRST, CLEARED_LAST)
        clock.set_now(day_bounds(CLEARED_LAST)[1])
        client = get_client()
        nodes = [n.code for n in client.list_nodes()]
        start, end = day_bounds(CLEARED_FIRST)[0], day_bounds(CLEARED_LAST)[1]
        history = client.price_history(start=start, end=end, kind="da")
        exogenous = client.exogenous(start=start, end=end)
        transaction.set_rollback(True)
    return nodes, history, exogenous
