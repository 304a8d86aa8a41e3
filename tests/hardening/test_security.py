"""Security basics: CSRF on forms, production settings (`check --deploy`),
secrets from the environment, and an audit row for writes that move load or money."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.test import Client

from dispatch import transitions
from dispatch.models import Instruction
from settlement import meter_store
from tests.factories import SiteFactory
from vpp.models import AuditEvent

ROOT = Path(__file__).resolve().parents[2]


def _login(client, username, password, ip="10.0.0.1"):
    return client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_forms_refuse_a_post_without_the_csrf_token(operator_a, db):
    client = Client(enforce_csrf_checks=True)
    assert _login(client, "operator_a", "pw-operator_a").status_code == 403
    client.force_login(operator_a)
    for url in ("/sites/new/", "/settlement/meter-upload/", "/logout/"):
        assert client.post(url, {}).status_code == 403, url
    # With the token from the page, the same form is accepted (a form error, not a 403).
    page = client.get("/sites/new/")
    token = page.cookies["csrftoken"].value
    assert client.post("/sites/new/", {"csrfmiddlewaretoken": token}).status_code == 400


def _production_env(**extra):
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG")}
    env.update(
        DJANGO_SETTINGS_MODULE="vpp.settings.production",
        SECRET_KEY=secrets.token_urlsafe(60),
        ALLOWED_HOSTS="vpp.example.com",
        DATABASE_URL="postgres://vpp:secret@db.example.com:5432/vpp",
        **extra,
    )
    return env


def test_check_deploy_passes_with_production_settings_and_env_secrets():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--tag", "security",
         "--fail-level", "WARNING"],
        cwd=ROOT, env=_production_env(), capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_cookies_and_headers():
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS, "
        "s.X_FRAME_OPTIONS, s.SECURE_CONTENT_TYPE_NOSNIFF, s.SECURE_PROXY_SSL_HEADER, "
        "s.SECURE_SSL_REDIRECT, s.CACHES['default']['BACKEND'])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=_production_env(),
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert result.stdout.split() == [
        "False", "True", "True", "31536000", "DENY", "True",
        "('HTTP_X_FORWARDED_PROTO',", "'https')", "True",
        "django.core.cache.backends.redis.RedisCache",
    ]  # fmt: skip


@pytest.mark.parametrize("missing", ["SECRET_KEY", "DATABASE_URL", "ALLOWED_HOSTS"])
def test_production_takes_its_secrets_only_from_the_environment(missing):
    env = _production_env()
    del env[missing]
    env.pop("DATABASE_URL" if missing == "DATABASE_URL" else "_", None)
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode != 0
    assert missing in result.stderr


# --- audit rows for the writes that move load or money ---------------------------------------


def _instruction(site, now, hours):
    start = now + timedelta(hours=hours)
    return Instruction.objects.create(
        site=site, market_day=date(2026, 7, 1), interval_start=start,
        interval_end=start + timedelta(minutes=15), target_mw=Decimal("1"),
        baseline_mw=Decimal("2"), reduction_mw=Decimal("1"),
        deadline_at=start - timedelta(hours=1), node_code="E-LOAD", side="reduction",
        submission_id=1, created_at=now,
    )  # fmt: skip


def test_every_write_that_moves_load_or_money_leaves_an_audit_row(
    operator_a, org_a, nodes, sim_now
):
    """Instructions confirmed and declined, meter data uploaded and corrected. Bids submitted,
    curves edited and statements created are audited in their services too
    (market/trading/bidding.py, settlement/statements.py) and asserted in their own tests'
    flows; the cheap writes are walked here."""
    now = sim_now(datetime(2026, 7, 1, 2, 0, tzinfo=UTC))
    site = SiteFactory(organisation=org_a, node=nodes["E-LOAD"])
    confirmed = transitions.confirm(instruction_id=_instruction(site, now, 2).pk, user=operator_a)
    declined = transitions.decline(
        instruction_id=_instruction(site, now, 3).pk, user=operator_a, reason="cooling maintenance"
    )
    row = {"site_code": site.code, "interval_start": "2026-06-30T10:00:00+08:00", "unit": "kW"}
    first = meter_store.submit_readings(actor=operator_a, readings=[{**row, "value": "1500"}])
    correction = meter_store.submit_readings(actor=operator_a, readings=[{**row, "value": "1400"}])
    expected = [
        ("dispatch.instruction_confirmed", str(confirmed.pk)),
        ("dispatch.instruction_declined", str(declined.pk)),
        ("meter.upload", str(first.upload.pk)),
        ("meter.upload", str(correction.upload.pk)),
    ]
    rows = list(AuditEvent.objects.order_by("pk").values_list("action", "object_id"))
    for item in expected:
        assert item in rows, (item, rows)
    assert AuditEvent.objects.filter(actor=operator_a).count() >= len(expected)
    assert correction.upload.rows_stored == 1  # a new version, audited as its own upload
