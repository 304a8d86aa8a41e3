"""A trader runs the optimiser from the desk (the run goes through a real Celery worker, the
page follows its progress) and submits the load-reduction offers to the open auction."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from demo.simulate import simulate_history
from market.exchange import services as exchange
from market.trading.models import BidSubmission, OptimisationRun
from tests.factories import BatteryFactory, SiteFactory, WorkloadFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.celery_worker,
    pytest.mark.django_db(transaction=True),
]

DAY = date(2026, 7, 2)


@pytest.fixture
def desk_world(operator_a, operator_b, nodes, sim_now):
    # 20 published days: the desk's default (gradient-boosting) forecast trains on them
    simulate_history(DAY - timedelta(days=20), DAY - timedelta(days=1))
    sim_now(datetime(2026, 7, 1, 0, 0, tzinfo=UTC))  # 08:00 market time, before the gate
    exchange.open_day_ahead(day=DAY)
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
    b = SiteFactory(organisation=operator_b.organisation, node=nodes["S-LOAD"], code="south-b")
    WorkloadFactory(site=b, kind="inference", it_mw=Decimal("8"))
    BatteryFactory(site=b)


def test_trader_runs_optimiser_and_submits(
    page, login, live_server, trader, desk_world, celery_worker_process
):
    login(trader)
    page.goto(f"{live_server.url}/trading/?day={DAY}")
    page.click("#run-button")
    # the page polls the run and reloads when it is done; the submit button then appears
    page.wait_for_selector("#submit-button", timeout=180_000)
    run = OptimisationRun.objects.get(market_day=DAY)
    assert run.state == "done" and run.curves.exists()
    page.select_option("#submit-form select[name=side]", "reduction")
    page.click("#submit-button")
    page.wait_for_load_state()
    submission = BidSubmission.objects.get(run=run)
    assert submission.curves and all(c["side"] == "reduction" for c in submission.curves)
    assert submission.submitted_by_id == trader.pk
