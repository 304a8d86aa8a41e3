"""The trader's day dashboard: one market day from plan to delivery, in a fixed number of
queries whatever the number of sites."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dispatch.models import DeliveryReading, Instruction, OpenPosition
from tests.factories import SiteFactory

pytestmark = pytest.mark.django_db

DAY = date(2026, 7, 1)
URL = reverse("dashboard:day") + f"?day={DAY.isoformat()}"
T0 = datetime(2026, 6, 30, 16, 0, tzinfo=UTC)  # 00:00 market time on DAY


def fleet(org, node, n: int):
    """n sites, each confirmed at 00:00, declined at 00:15, with a delivery reading at 00:00."""
    for _ in range(n):
        site = SiteFactory(organisation=org, node=node)
        for i, state in enumerate(("confirmed", "declined")):
            start = T0 + timedelta(minutes=15 * i)
            Instruction.objects.create(
                site=site, market_day=DAY, interval_start=start,
                interval_end=start + timedelta(minutes=15), target_mw=Decimal("8"),
                baseline_mw=Decimal("10"), reduction_mw=Decimal("2"), state=state,
                deadline_at=start - timedelta(hours=1), node_code=node.code, side="reduction",
                submission_id=1, created_at=T0 - timedelta(hours=2),
                decline_reason="maintenance" if state == "declined" else "",
                confirmed_at=T0 - timedelta(hours=1) if state == "confirmed" else None,
            )  # fmt: skip
        DeliveryReading.objects.create(
            site=site, interval_start=T0, load_mw=Decimal("7.5"), source="api", received_at=T0
        )


def test_the_dashboard_sums_dispatch_and_delivery_for_the_day(
    client, trader, operator_a, nodes, sim_now
):
    fleet(operator_a.organisation, nodes["E-LOAD"], 2)
    OpenPosition.objects.create(
        node_code="E-LOAD", interval_start=T0 + timedelta(minutes=15), side="reduction",
        submission_id=1, missing_mw=Decimal("4"), price_per_mwh=Decimal("300"),
        expected_cost=Decimal("300.00"), created_at=T0,
    )  # fmt: skip
    client.force_login(trader)
    page = client.get(URL)
    assert page.status_code == 200
    ctx = page.context
    assert ctx["instructions"] == 4 and ctx["states"] == {"confirmed": 2, "declined": 2}
    # 2 sites x 8 MW instructed x 0.25 h (the declined ones are no longer active)
    assert ctx["instructed_mwh"] == Decimal("4.000")
    assert ctx["delivered_mwh"] == Decimal("3.750")
    assert ctx["open_positions"] == 1 and ctx["open_cost"] == Decimal("300.00")
    html = page.content.decode()
    assert 'id="dash-delivery"' in html and "Not settled yet" in html


def test_query_count_does_not_grow_with_the_sites(client, trader, operator_a, nodes, sim_now):
    client.force_login(trader)
    fleet(operator_a.organisation, nodes["E-LOAD"], 2)
    with CaptureQueriesContext(connection) as few:
        client.get(URL)
    fleet(operator_a.organisation, nodes["S-LOAD"], 8)
    with CaptureQueriesContext(connection) as many:
        client.get(URL)
    assert len(many) == len(few)


def test_an_empty_day_shows_empty_states(client, regulator, db):
    client.force_login(regulator)
    html = client.get(URL).content.decode()
    assert "No optimiser run for this day" in html and "No dispatch instructions" in html


def test_metered_load_counts_as_delivered_when_no_live_reading(client, trader, operator_a, nodes):
    from settlement.models import MeterReading

    fleet(operator_a.organisation, nodes["E-LOAD"], 1)
    DeliveryReading.objects.all().delete()
    site = Instruction.objects.get(state="confirmed").site
    MeterReading.objects.create(
        site=site, interval_start=T0, load_mw=Decimal("6"), source="csv", received_at=T0
    )
    client.force_login(trader)
    ctx = client.get(URL).context
    assert ctx["delivered_mwh"] == Decimal("1.500") and ctx["instructed_mwh"] == Decimal("2.000")
