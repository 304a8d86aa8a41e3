"""Shared fixtures: named personas, the simulation clock, and a real Celery worker.

Personas: ``trader`` (Aggregator Co), ``operator_a`` (Alpha DC Co), ``operator_b`` (Beta DC Co),
``regulator`` (Energy Regulator), ``admin_user``. API clients for each are ``*_api``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from vpp import clock
from vpp.models import MarketNode, Organisation, User

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def aggregator_org(db):
    return Organisation.objects.create(name="Aggregator Co", kind="aggregator")


@pytest.fixture
def org_a(db):
    return Organisation.objects.create(name="Alpha DC Co", kind="site_operator")


@pytest.fixture
def org_b(db):
    return Organisation.objects.create(name="Beta DC Co", kind="site_operator")


@pytest.fixture
def regulator_org(db):
    return Organisation.objects.create(name="Energy Regulator", kind="regulator")


def _user(username, role, organisation):
    return User.objects.create_user(
        username=username, password="pw-" + username, role=role, organisation=organisation
    )


@pytest.fixture
def trader(aggregator_org):
    return _user("trader", "trader", aggregator_org)


@pytest.fixture
def operator_a(org_a):
    return _user("operator_a", "operator", org_a)


@pytest.fixture
def operator_b(org_b):
    return _user("operator_b", "operator", org_b)


@pytest.fixture
def regulator(regulator_org):
    return _user("regulator", "regulator", regulator_org)


@pytest.fixture
def admin_user(db):
    return User.objects.create_superuser(
        username="admin", password="pw-admin", email="admin@example.com", role="admin"
    )


def _api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def trader_api(trader):
    return _api(trader)


@pytest.fixture
def operator_a_api(operator_a):
    return _api(operator_a)


@pytest.fixture
def operator_b_api(operator_b):
    return _api(operator_b)


@pytest.fixture
def regulator_api(regulator):
    return _api(regulator)


@pytest.fixture
def admin_api(admin_user):
    return _api(admin_user)


@pytest.fixture
def personas(trader, operator_a, operator_b, regulator, admin_user):
    return {
        "trader": trader,
        "operator_a": operator_a,
        "operator_b": operator_b,
        "regulator": regulator,
        "admin": admin_user,
    }


@pytest.fixture
def nodes(db):
    """The default market's five nodes, as the demo loads them."""
    from vpp.fixtures import DEFAULT_NODES

    return {n["code"]: MarketNode.objects.create(**n) for n in DEFAULT_NODES}


@pytest.fixture
def sim_now(db):
    """Put the simulation clock at 2026-07-01 10:00 market time (02:00 UTC) and return a
    setter for tests that move it."""
    clock.set_now(datetime(2026, 7, 1, 2, 0, tzinfo=UTC))
    return clock.set_now


# --- a real Celery worker ------------------------------------------------------------------


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker):
    """A real ``celery worker`` subprocess on the test database and the test Redis.

    Tests that use it must also use ``transactional_db`` so their rows are committed and
    visible to the worker. Started once per session, stopped at the end."""
    db = settings.DATABASES["default"]
    url = "postgres://{}:{}@{}:{}/{}".format(
        db["USER"] or "postgres",
        db["PASSWORD"],
        db["HOST"] or "127.0.0.1",
        db["PORT"] or 5432,
        db["NAME"],
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "vpp.settings.test",
        "DATABASE_URL": url,
        "TEST_DATABASE_NAME": db["NAME"],
    }
    from vpp.celery import app

    app.control.purge()
    log = open(ROOT / "var" / "test-worker.log", "w")  # noqa: SIM115
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "vpp",
            "worker",
            "-Q",
            "default,market,dispatch,settlement",
            "--concurrency=2",
            "--loglevel=INFO",
            "-n",
            f"test-{os.getpid()}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"celery worker exited early; see {log.name}")
        replies = app.control.ping(timeout=1.0)
        if replies:
            break
    else:
        proc.terminate()
        raise RuntimeError("celery worker did not answer a ping within 60 s")
    yield proc
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()
