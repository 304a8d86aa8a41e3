"""Every page runs under the Content-Security-Policy (django-csp; scripts only from this site
or with the page's nonce): walked in Chromium as each role, with no CSP violation and no
script error in the console, and Plotly's charts drawn (static/js/app.js)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from demo.simulate import simulate_history
from tests.factories import BatteryFactory, SiteFactory, WorkloadFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DAY = date(2026, 7, 2)
TRADER = ["/", "/sites/", "/sites/{site}/", "/market/results/", "/trading/?day=2026-07-01"]
TRADER += ["/trading/backtest/", "/dispatch/", "/dashboard/", "/settlement/statements/"]
TRADER += ["/settlement/methodology/", "/settlement/audit/", "/api/docs/"]
OPERATOR = ["/operator/", "/sites/{site}/", "/sites/{site}/edit/", "/dispatch/inbox/"]
OPERATOR += ["/settlement/meter-upload/", "/settlement/my-performance/"]
PAGES = {
    "trader": TRADER,
    "operator_a": OPERATOR,
    "regulator": ["/market/results/", "/settlement/statements/", "/dispatch/"],
    "admin_user": ["/admin/", "/admin/axes/accessattempt/", "/admin/knox/authtoken/"],
}


@pytest.fixture
def world(operator_a, nodes, sim_now):
    simulate_history(DAY - timedelta(days=2), DAY - timedelta(days=1))
    sim_now(datetime(2026, 7, 1, 0, 0, tzinfo=UTC))
    site = SiteFactory(organisation=operator_a.organisation, node=nodes["E-LOAD"], code="east-a")
    WorkloadFactory(site=site, kind="inference", it_mw=Decimal("6"))
    BatteryFactory(site=site, name="ups </script><b>x</b>")  # a hostile name stays text
    return {"site": site.pk}


def test_every_page_runs_under_the_csp_with_plotly(
    page, login, live_server, world, trader, operator_a, regulator, admin_user, request
):
    problems: list[str] = []

    def on_console(message):
        # A failed resource is reported by the response hook below, with its address.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            problems.append(f"{page.url}: {message.type}: {message.text}")
        elif "Content Security Policy" in message.text:
            problems.append(f"{page.url}: {message.text}")

    page.on("console", on_console)
    page.on(
        "response",
        lambda r: (
            problems.append(f"{r.url}: {r.status}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico")
            else None
        ),
    )
    page.on("pageerror", lambda exc: problems.append(f"{page.url}: pageerror: {exc}"))
    for persona, paths in PAGES.items():
        user = request.getfixturevalue(persona)
        page.context.clear_cookies()
        login(user)
        for path in paths:
            response = page.goto(live_server.url + path.format(**world))
            assert response.status < 400, (persona, path, response.status)
            assert "content-security-policy" in response.headers, path
            page.wait_for_load_state("networkidle")
            if path == "/sites/{site}/":
                # Plotly draws under the policy: the envelope chart is an SVG, not an empty div.
                page.wait_for_selector("#envelope-chart .main-svg", timeout=20_000)
                assert page.locator("b", has_text="x").count() == 0  # the name was not markup
    assert problems == []
