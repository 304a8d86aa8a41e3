"""A user of one role cannot reach another role's pages, in the browser: the nav offers only
the role's own pages and typing another role's address gets a 403 page."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def nav_links(page) -> set[str]:
    return {a.inner_text().strip() for a in page.query_selector_all("header nav a")}


def status_of(page, url: str) -> int:
    return page.goto(url).status


def test_each_role_sees_its_own_pages_only(page, login, live_server, operator_a, trader, regulator):
    base = live_server.url
    login(operator_a)
    links = nav_links(page)
    assert {"Console", "Inbox", "Meter data"} <= links
    assert not {"Trading", "Dispatch", "Backtest", "Settlement"} & links
    for url in ("/trading/", "/dispatch/", "/trading/backtest/", "/settlement/statements/"):
        assert status_of(page, base + url) == 403, url
    assert status_of(page, base + "/operator/") == 200

    page.context.clear_cookies()
    login(regulator)
    links = nav_links(page)
    assert {"Trading", "Dispatch", "Backtest", "Settlement"} <= links
    assert not {"Console", "Inbox", "Meter data"} & links
    for url in ("/operator/", "/dispatch/inbox/", "/settlement/meter-upload/"):
        assert status_of(page, base + url) == 403, url

    page.context.clear_cookies()
    login(trader)
    assert status_of(page, base + "/operator/") == 403
    assert status_of(page, base + "/dispatch/inbox/") == 403
    assert status_of(page, base + "/trading/backtest/") == 200
    page.goto(base + "/operator/")  # the screenshot shows the refusal a trader gets
    assert "not for your role" in page.inner_text("main")
    assert "Trading" in nav_links(page)  # the refusal keeps the layout and the trader's nav


def test_anonymous_is_sent_to_login(page, live_server):
    page.goto(live_server.url + "/operator/")
    assert "/login/" in page.url
    assert page.locator("input[name=password]").count() == 1
