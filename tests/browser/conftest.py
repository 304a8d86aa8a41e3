"""Playwright against the live server, driving Debian's Chromium (``/usr/bin/chromium``); no
browser is ever downloaded (``PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD``). ``scripts/test.sh`` installs
chromium with apt-get when it is absent.

Playwright's sync API runs an event loop in the test's thread, which Django's async-safety check
mistakes for async code: ``DJANGO_ALLOW_ASYNC_UNSAFE`` lets the test keep using the ORM there
(the ORM calls stay synchronous; only the check is silenced). Each test saves a screenshot of
its last page to ``test-artifacts/``."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(scope="session")
def chromium():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"no Chromium at {CHROMIUM}: scripts/test.sh installs it (apt-get)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium, request):
    context = chromium.new_context(viewport={"width": 1366, "height": 900}, accept_downloads=True)
    pg = context.new_page()
    pg.set_default_timeout(20_000)
    yield pg
    ARTIFACTS.mkdir(exist_ok=True)
    try:
        pg.screenshot(path=str(ARTIFACTS / f"browser-{request.node.name}.png"), full_page=True)
    finally:
        context.close()


@pytest.fixture
def login(page, live_server):
    """``login(user)`` signs the persona in through the login form (password ``pw-<name>``)."""

    def sign_in(user, password: str | None = None):
        page.goto(f"{live_server.url}/login/")
        page.fill("input[name=username]", user.username)
        page.fill("input[name=password]", password or f"pw-{user.username}")
        page.click("button[type=submit], input[type=submit]")
        page.wait_for_load_state()
        return page

    return sign_in
