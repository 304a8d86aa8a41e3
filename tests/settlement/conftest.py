"""Settlement fixtures: a site for each operator and helpers that write meter CSVs."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from tests.factories import SiteFactory
from vpp.intervals import day_intervals

DAY = date(2026, 6, 30)  # a full market day before the fixtures' clock (2026-07-01 10:00 +08)


@pytest.fixture
def site_a(org_a, nodes):
    return SiteFactory(organisation=org_a, node=nodes["E-LOAD"], code="alpha-1")


@pytest.fixture
def site_b(org_b, nodes):
    return SiteFactory(organisation=org_b, node=nodes["S-LOAD"], code="beta-1")


@pytest.fixture
def clock_after(sim_now):
    """The clock at 2026-07-10 00:00 UTC, so every June/early July interval has ended."""
    sim_now(datetime(2026, 7, 10, tzinfo=UTC))


def csv_bytes(rows: list[tuple]) -> bytes:
    lines = ["site_code,interval_start,value,unit"]
    lines += [",".join(str(v) for v in row) for row in rows]
    return ("\n".join(lines) + "\n").encode()


def day_rows(code: str, day: date = DAY, value=1000, unit="kW", count=None) -> list[tuple]:
    starts = day_intervals(day)[:count] if count else day_intervals(day)
    return [(code, t.isoformat(), value, unit) for t in starts]


def plus(t: datetime, minutes: int) -> datetime:
    return t + timedelta(minutes=minutes)
