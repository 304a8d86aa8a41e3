"""The regulator portal and API: downloads carry the checksum, operators see only their own
lines, audit trail filters, methodology, runs API input errors."""

from __future__ import annotations

import hashlib
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from settlement import pipeline

from .statement_world import DAY, build

pytestmark = pytest.mark.django_db


@pytest.fixture
def statement(site_a, site_b, clock_after):
    build(site_a, site_b)
    return pipeline.run_inline(day=DAY).statement


def browser(client, user):
    client.force_login(user)  # pages use the session, not DRF's forced authentication
    return client


def download(client, st, fmt):
    return client.get(reverse("settlement:statement-download", args=[st.pk, fmt]))


def test_downloads_carry_the_checksum_and_are_byte_identical(statement, client, regulator):
    st, regulator_api = statement, browser(client, regulator)
    csv_r = download(regulator_api, st, "csv")
    assert csv_r.status_code == 200 and csv_r["X-Statement-Checksum-SHA256"] == st.checksum
    text = csv_r.content.decode()
    assert f"# checksum_sha256: {st.checksum}\n" in text and "cn_similar_days v1" in text
    body = "".join(line + "\n" for line in text.splitlines() if not line.startswith("#"))
    assert hashlib.sha256(body.encode()).hexdigest() == st.checksum  # recomputable
    assert download(regulator_api, st, "csv").content == csv_r.content

    xlsx_r = download(regulator_api, st, "xlsx")
    assert xlsx_r["X-Statement-Checksum-SHA256"] == st.checksum
    wb = load_workbook(io.BytesIO(xlsx_r.content))
    info = {row[0]: row[1] for row in wb["Statement"].iter_rows(values_only=True)}
    assert info["checksum_sha256"] == st.checksum and "cn_similar_days" in info["inputs"]
    assert [c.value for c in wb["Lines"][1]][:2] == ["row", "site_code"]

    pdf_r = download(regulator_api, st, "pdf")
    assert pdf_r.content.startswith(b"%PDF") and st.checksum.encode() in pdf_r.content
    assert pdf_r["X-Statement-Checksum-SHA256"] == st.checksum
    assert download(regulator_api, st, "pdf").content == pdf_r.content
    assert download(regulator_api, st, "doc").status_code == 404


def test_operator_sees_only_own_lines(
    statement, operator_a_api, operator_b_api, trader_api, client, operator_a
):
    mine = operator_a_api.get(reverse("api:settlement-my-lines")).json()
    rows = mine["results"] if isinstance(mine, dict) else mine
    assert [r["site_code"] for r in rows] == ["alpha-1"]
    assert rows[0]["net_amount"] == "800.00" and len(rows[0]["intervals"]) == 4
    theirs = operator_b_api.get(reverse("api:settlement-my-lines")).json()
    rows_b = theirs["results"] if isinstance(theirs, dict) else theirs
    assert [r["site_code"] for r in rows_b] == ["beta-1"]
    page = browser(client, operator_a).get(reverse("settlement:my-performance")).content.decode()
    assert 'data-site="alpha-1"' in page and "beta-1" not in page and "760.00" not in page
    assert (
        operator_a_api.get(reverse("api:settlement-statement", args=[statement.pk])).status_code
        == 403
    )
    detail = trader_api.get(reverse("api:settlement-statement", args=[statement.pk])).json()
    assert {line["site_code"] for line in detail["lines"]} == {"alpha-1", "beta-1", ""}
    assert detail["versions"][0]["checksum"] == statement.checksum


def test_audit_trail_filters_and_refuses_naive_times(statement, regulator_api, client, regulator):
    url = reverse("api:settlement-audit")
    got = regulator_api.get(url, {"action": "settlement.statement"}).json()
    rows = got["results"] if isinstance(got, dict) else got
    assert [r["object_id"] for r in rows] == [str(statement.pk)]
    assert rows[0]["changes"]["checksum"] == statement.checksum
    bad = regulator_api.get(url, {"since": "2026-07-01T00:00:00"})
    assert bad.status_code == 400 and "since" in bad.json()
    page = browser(client, regulator).get(reverse("settlement:audit"), {"action": "settlement."})
    assert f"settlement.statement#{statement.pk}" in page.content.decode()


def test_methodology_lists_methods_and_money_rules(statement, operator_a_api):
    m = operator_a_api.get(reverse("api:settlement-methodology")).json()
    assert m["baseline_method_in_use"] == "cn_similar_days"
    assert {"name": "caiso_10in10", "version": 1}.items() <= next(
        b for b in m["baseline_methods"] if b["name"] == "caiso_10in10"
    ).items()
    assert m["money_parameters"]["tolerance_fraction"] == "0.10"


def test_runs_api_refuses_bad_days(site_a, trader_api, regulator_api, sim_now):
    url = reverse("api:settlement-runs")
    assert trader_api.post(url, {"market_day": "30/06"}, format="json").json().keys() == {
        "market_day"}  # fmt: skip
    future = trader_api.post(url, {"market_day": "2026-07-01"}, format="json")  # not over yet
    assert future.status_code == 400 and "market_day" in future.json()
    assert regulator_api.post(url, {"market_day": "2026-06-29"}, format="json").status_code == 403


def test_statement_page_lists_versions_and_changes(statement, client, trader, site_b):
    from decimal import Decimal

    from .statement_world import EVENT, set_day_load

    set_day_load(site_b, EVENT[:1], Decimal("9"), "b-corrected")
    v2 = pipeline.run_inline(day=DAY).statement
    page = browser(client, trader).get(reverse("settlement:statement", args=[v2.pk]))
    html = page.content.decode()
    assert "Changes against version 1" in html and EVENT[0].isoformat() in html
    assert (
        v2.checksum in html
        and f'href="{reverse("settlement:statement", args=[statement.pk])}"' in html
    )
    listing = client.get(reverse("settlement:statements")).content.decode()
    assert listing.count(f"{DAY}</a>") == 2  # both versions listed


def test_list_endpoints_query_counts(
    statement, trader_api, operator_a_api, django_assert_max_num_queries
):
    with django_assert_max_num_queries(6):
        assert trader_api.get(reverse("api:settlement-statements")).status_code == 200
    with django_assert_max_num_queries(6):
        assert operator_a_api.get(reverse("api:settlement-my-lines")).status_code == 200
    with django_assert_max_num_queries(6):
        assert trader_api.get(reverse("api:settlement-audit")).status_code == 200


def test_period_report_sums_latest_versions_with_checksum(statement, client, regulator, site_b):
    from decimal import Decimal

    from .statement_world import EVENT, set_day_load

    set_day_load(site_b, EVENT[:1], Decimal("9"), "b-corrected")
    v2 = pipeline.run_inline(day=DAY).statement
    c = browser(client, regulator)
    r = c.get(reverse("settlement:period-report"), {"start": "2026-06-01", "end": "2026-06-30"})
    text = r.content.decode()
    assert f"# statement: {DAY} v2 checksum {v2.checksum}\n" in text and " v1 " not in text
    body = "".join(line + "\n" for line in text.splitlines() if not line.startswith("#"))
    assert hashlib.sha256(body.encode()).hexdigest() == r["X-Statement-Checksum-SHA256"]
    rows = {line.split(",")[0]: line.split(",") for line in body.splitlines()[1:]}
    assert rows["portfolio"][-1] == "870.00" and rows["beta-1"][-1] == "70.00"
    bad = c.get(reverse("settlement:period-report"), {"start": "2026-06-30", "end": "2026-06-01"})
    assert bad.status_code == 400
