"""A regulator opens a settled statement (settlement's real pipeline) and downloads it as CSV,
XLSX and PDF; each file is the statement's, checked by its checksum header and magic bytes."""

from __future__ import annotations

import pytest

from settlement import pipeline
from tests.factories import SiteFactory
from tests.settlement.statement_world import DAY, build

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MAGIC = {"csv": b"#", "xlsx": b"PK", "pdf": b"%PDF"}


@pytest.fixture
def statement(org_a, org_b, nodes, sim_now):
    from datetime import UTC, datetime

    sim_now(datetime(2026, 7, 10, tzinfo=UTC))
    site_a = SiteFactory(organisation=org_a, node=nodes["E-LOAD"], code="alpha-1")
    site_b = SiteFactory(organisation=org_b, node=nodes["S-LOAD"], code="beta-1")
    build(site_a, site_b)
    return pipeline.run_inline(day=DAY).statement


def test_regulator_downloads_each_format(page, login, live_server, regulator, statement):
    login(regulator)
    page.goto(f"{live_server.url}/settlement/statements/")
    page.click(f"a[href$='/statements/{statement.pk}/']")
    page.wait_for_load_state()
    for fmt, magic in MAGIC.items():
        with page.expect_download() as info:
            page.click(f"a[href$='/download/{fmt}/']")
        download = info.value
        body = open(download.path(), "rb").read()
        assert body.startswith(magic), fmt
        assert len(body) > 200, fmt
        if fmt == "csv":
            assert statement.checksum in body.decode()
