"""An operator confirms one instruction and declines another (with a reason) in the inbox; the
decline's MW move to the other site at the node (the real reallocation)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from dispatch.models import Instruction
from tests.factories import SiteFactory, WorkloadFactory
from vpp.intervals import day_intervals

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DAY = date(2026, 7, 2)


@pytest.fixture
def instructions(operator_a, nodes, sim_now):
    org = operator_a.organisation
    sites = []
    for code in ("alpha-east-1", "alpha-east-2"):
        site = SiteFactory(organisation=org, node=nodes["E-LOAD"], code=code)
        WorkloadFactory(site=site, kind="inference", it_mw=Decimal("20"))
        sites.append(site)
    rows = []
    for k, t in enumerate(day_intervals(DAY)[56:58]):
        rows.append(
            Instruction.objects.create(
                site=sites[0],
                market_day=DAY,
                interval_start=t,
                interval_end=t + timedelta(minutes=15),
                target_mw=Decimal("24"),
                baseline_mw=Decimal("30"),
                reduction_mw=Decimal("6"),
                deadline_at=t - timedelta(hours=2),
                node_code="E-LOAD",
                side="reduction",
                submission_id=1000 + k,
                created_at=datetime(2026, 7, 1, 2, 0, tzinfo=UTC),
            )
        )
    return rows


def test_operator_confirms_and_declines(page, login, live_server, operator_a, instructions):
    first, second = instructions
    login(operator_a)
    page.goto(live_server.url + "/operator/")
    assert page.locator(".countdown").count() == 2
    assert "alpha-east-1" in page.inner_text("main")

    page.goto(live_server.url + "/dispatch/inbox/")
    page.locator(f"form[action$='/{first.pk}/confirm/'] button").click()
    page.wait_for_load_state()
    first.refresh_from_db()
    assert first.state == "confirmed" and first.confirmed_by_id == operator_a.pk

    form = page.locator(f"form[action$='/{second.pk}/decline/']")
    form.locator("input[name=reason]").fill("chiller maintenance")
    form.locator("button").click()
    page.wait_for_load_state()
    second.refresh_from_db()
    assert second.state == "declined" and second.decline_reason == "chiller maintenance"
    # the reallocation offered the declined MW to the node's other site, or booked them open
    moved = Instruction.objects.filter(origin="reallocation", interval_start=second.interval_start)
    from dispatch.models import OpenPosition

    assert moved.exists() or OpenPosition.objects.filter(instruction=second).exists()
    page.goto(live_server.url + "/operator/")
    record = page.locator("dl.facts")
    assert record.locator("dt:text-is('Declined') + dd").inner_text() == "1"
    assert record.locator("dt:text-is('Confirmed') + dd").inner_text() == "1"
