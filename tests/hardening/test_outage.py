"""Redis stopped during a settlement start, then started again: the run that could not be
queued is failed with the reason (not left "running" for ever, as on main), a later start is
a fresh run, and once Redis is back the beat settles the day with a real worker.

The Redis here is the test's own (``redis-server`` on a free port, started and stopped by the
test); the shared one on 6379 is never touched. The worker is a real ``celery worker``
subprocess on the test database, with that Redis as its broker."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.test import Client
from rest_framework.test import APIClient

from settlement import pipeline
from settlement.models import SettlementRun, Statement
from tests.factories import SiteFactory
from tests.settlement.statement_world import DAY, build
from vpp import claims

ROOT = settings.BASE_DIR


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class OwnRedis:
    def __init__(self, tmp_path):
        self.port = _free_port()
        self.dir = tmp_path
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.dir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("own redis did not start")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
        self.proc = None


@pytest.fixture
def own_redis(tmp_path):
    """The test's Redis, and Celery's producer in this process pointed at it."""
    from vpp.celery import app

    redis = OwnRedis(tmp_path)
    redis.start()
    old = app.conf.broker_url
    app.conf.broker_url = redis.url
    app._pool = None
    app.amqp._producer_pool = None
    yield redis
    app.conf.broker_url = old
    app._pool = None
    app.amqp._producer_pool = None
    redis.stop()


def _worker(redis: OwnRedis, log_path) -> subprocess.Popen:
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
        "REDIS_URL": redis.url,
    }
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "vpp",
            "worker",
            "-Q",
            "settlement,default",
            "--concurrency=1",
            "--loglevel=INFO",
            "-n",
            f"outage-{os.getpid()}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=open(log_path, "w"),
        stderr=subprocess.STDOUT,  # noqa: SIM115
        start_new_session=True,
    )


def _wait(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_redis_stopped_during_a_settlement_start_then_started_the_day_settles(
    own_redis, trader, org_a, org_b, nodes, sim_now, tmp_path
):
    site_a = SiteFactory(organisation=org_a, node=nodes["E-LOAD"], code="alpha-1")
    site_b = SiteFactory(organisation=org_b, node=nodes["S-LOAD"], code="beta-1")
    sim_now(datetime(2026, 7, 1, 1, tzinfo=UTC))  # 09:00 on 1 July: 30 June has ended
    build(site_a, site_b)
    api = APIClient()
    api.force_authenticate(trader)

    own_redis.stop()
    down = api.post("/api/settlement/runs/", {"market_day": DAY.isoformat()}, format="json")
    assert down.status_code == 503, down.content
    assert down["Retry-After"] == "60"
    first = SettlementRun.objects.get()
    assert first.state == "failed" and "could not be queued" in first.error
    # Not handed back: a second start (the web form this time) is a fresh run, failed too, and
    # the form answers with a message instead of a 500.
    page = Client()
    page.force_login(trader)
    form = page.post("/settlement/statements/", {"market_day": DAY.isoformat()})
    assert form.status_code == 302
    assert SettlementRun.objects.filter(state="failed").count() == 2
    assert not SettlementRun.objects.filter(state="running").exists()

    own_redis.start()
    worker = _worker(own_redis, tmp_path / "worker.log")
    try:
        # The beat's settle_due the next morning: the day's failed runs do not make it skip.
        sim_now(datetime(2026, 7, 1, 17, tzinfo=UTC))  # 01:00 on 2 July
        started = pipeline.settle_due()
        assert len(started) == 1
        _wait(
            lambda: SettlementRun.objects.filter(pk=started[0]).exclude(state="running").exists(),
            180,
            "the worker to settle the day",
        )
    finally:
        os.killpg(worker.pid, 15)
        worker.wait(timeout=30)
    run = SettlementRun.objects.get(pk=started[0])
    assert run.state == "done", (run.error, (tmp_path / "worker.log").read_text()[-2000:])
    statement = Statement.objects.get(market_day=DAY)
    assert statement.net_amount == Decimal("760.00")  # as tests/settlement's undisturbed run


@pytest.mark.django_db
def test_the_sweep_fails_a_claim_past_its_budget_and_the_day_starts_again(sim_now, trader):
    now = sim_now(datetime(2026, 7, 3, 2, tzinfo=UTC))
    day = DAY
    stuck = SettlementRun.objects.create(market_day=day, created_at=now, message="queued")
    assert pipeline.sweep_stuck_runs() == []  # within its budget: left alone
    budget = claims.claim_budget(stages=len(pipeline.STAGES))
    assert budget >= timedelta(seconds=4 * settings.CELERY_TASK_TIME_LIMIT)
    sim_now(now + budget + timedelta(minutes=1))
    assert pipeline.sweep_stuck_runs() == [stuck.pk]
    stuck.refresh_from_db()
    assert stuck.state == "failed" and "no progress within" in stuck.error
    again, created = pipeline.start_run(day=day, actor=trader, queue=False)
    assert created and again.pk != stuck.pk


@pytest.mark.django_db
def test_the_optimiser_and_dispatch_sweeps_fail_their_stale_claims(sim_now):
    from dispatch import services as dispatch_services
    from dispatch.models import DispatchRun
    from market.trading import runs
    from market.trading.models import OptimisationRun, PriceForecast

    now = sim_now(datetime(2026, 7, 1, 2, tzinfo=UTC))
    forecast = PriceForecast.objects.create(
        market_day=DAY, model_name="ridge", created_at=now, trained_through=now
    )
    opt = OptimisationRun.objects.create(
        market_day=DAY, auction_id=1, forecast=forecast, created_at=now, state="running"
    )
    disp = DispatchRun.objects.create(
        submission_id=1, auction_id=1, market_day=DAY, created_at=now, state="running"
    )
    assert runs.sweep_stuck_runs() == [] and dispatch_services.sweep_stuck_runs() == []
    sim_now(now + claims.claim_budget(stages=1) + timedelta(minutes=1))
    assert runs.sweep_stuck_runs() == [opt.pk]
    assert dispatch_services.sweep_stuck_runs() == [disp.pk]
    opt.refresh_from_db()
    disp.refresh_from_db()
    assert opt.state == disp.state == "failed"


@pytest.mark.django_db
@pytest.mark.parametrize("day", ["2000-01-01", "2019-12-31"])
def test_no_official_statement_before_the_market_opened(day, trader_api, sim_now):
    response = trader_api.post("/api/settlement/runs/", {"market_day": day}, format="json")
    assert response.status_code == 400, response.content
    assert "market_day" in response.json()
    assert not SettlementRun.objects.exists()


@pytest.mark.django_db
def test_no_statement_before_the_platforms_first_data(trader_api, sim_now, org_a, nodes):
    from settlement import meter_store

    sim_now(datetime(2026, 7, 1, 2, tzinfo=UTC))
    site = SiteFactory(organisation=org_a, node=nodes["E-LOAD"])
    operator = org_a.users.create(username="op", role="operator")
    row = {"site_code": site.code, "interval_start": "2026-06-30T10:00:00+08:00"}
    meter_store.submit_readings(actor=operator, readings=[{**row, "value": "1", "unit": "MW"}])
    early = trader_api.post("/api/settlement/runs/", {"market_day": "2026-06-01"}, format="json")
    assert early.status_code == 400 and "no data before 2026-06-30" in early.json()["market_day"][0]
    pipeline.check_settleable(date(2026, 6, 30))  # the first day with data: settleable
