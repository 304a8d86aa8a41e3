"""The pages that list sites make the same number of queries for 3 sites as for 12 (no query per
site): dispatch status, the trading desk, the operator console, the site list."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dispatch.models import Instruction
from tests.factories import BatteryFactory, SiteFactory, WorkloadFactory
from vpp.intervals import day_intervals

pytestmark = pytest.mark.django_db

DAY = date(2026, 7, 2)


def build(n: int, org, node) -> None:
    starts = day_intervals(DAY)[40:44]
    for _ in range(n):
        site = SiteFactory(organisation=org, node=node)
        BatteryFactory(site=site)
        WorkloadFactory(site=site)
        for k, t in enumerate(starts):
            Instruction.objects.create(
                site=site,
                market_day=DAY,
                interval_start=t,
                interval_end=t + timedelta(minutes=15),
                target_mw=Decimal("20"),
                baseline_mw=Decimal("25"),
                reduction_mw=Decimal("5"),
                state="pending" if k % 2 else "confirmed",
                confirmed_at=None if k % 2 else datetime(2026, 7, 1, 2, 0, tzinfo=UTC),
                deadline_at=t - timedelta(hours=1),
                node_code=node.code,
                side="reduction",
                submission_id=1,
                created_at=datetime(2026, 7, 1, 2, 0, tzinfo=UTC),
            )


PAGES = [
    ("trader", f"/dispatch/?day={DAY}"),
    ("trader", f"/trading/?day={DAY}"),
    ("trader", "/sites/"),
    ("operator_a", "/operator/"),
]


def count(client, user, url: str) -> int:
    client.force_login(user)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


@pytest.mark.parametrize(("who", "url"), PAGES)
def test_query_count_does_not_grow_with_sites(who, url, client, request, nodes, org_a, sim_now):
    user = request.getfixturevalue(who)
    build(3, org_a, nodes["E-LOAD"])
    few = count(client, user, url)
    build(9, org_a, nodes["E-LOAD"])
    many = count(client, user, url)
    assert many == few, f"{url}: {few} queries with 3 sites, {many} with 12"
