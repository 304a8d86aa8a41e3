"""Faults: the task queue (Redis) unavailable, and the database connection killed mid-batch.

Only the outside world is broken here: the broker URL points at a closed port (nothing listens
on 127.0.0.1:1), and PostgreSQL's own ``pg_terminate_backend`` kills the ingesting connection,
as a database restart or a failover would. Everything else is the real code on the real test
database (``transactional_db``: the request's commits and on-commit enqueues really happen).
"""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import psycopg
import pytest
from django.db import OperationalError, connection, connections
from rest_framework.test import APIClient

from dispatch.models import DeliveryReading
from market.trading.models import OptimisationRun
from settlement import meter_store, meters
from settlement.models import MeterReading, MeterUpload, Source
from tests.factories import SiteFactory
from tests.trading.conftest import NAIVE, TRADING_DAY, _history, make_portfolio
from vpp.api.errors import QUEUE_UNAVAILABLE

CLOSED_PORT_BROKER = "redis://127.0.0.1:1/0"


@contextmanager
def broker_down():
    """Point Celery's producer at a closed port; its publish retries end in kombu's
    OperationalError (about a second). Restores the real broker afterwards."""
    from vpp.celery import app

    def reset():
        app._pool = None
        app.amqp._producer_pool = None

    old = app.conf.broker_url
    app.conf.broker_url = CLOSED_PORT_BROKER
    reset()
    try:
        yield
    finally:
        app.conf.broker_url = old
        reset()


def _client(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.mark.django_db(transaction=True)
def test_redis_down_work_needing_the_queue_is_a_clear_503_and_nothing_is_left_queued(
    sim_now, trader, operator_a, operator_b, nodes
):
    _history(sim_now, 2)
    make_portfolio(operator_a, operator_b, nodes)
    body = {"market_day": TRADING_DAY.isoformat(), "model": NAIVE}
    with broker_down():
        response = _client(trader).post("/api/trading/runs/", body, format="json")
    assert response.status_code == 503, response.content
    assert response.json() == {"detail": QUEUE_UNAVAILABLE}
    assert response["Retry-After"] == "60"
    # The run row is committed but marked failed, so the next start queues a fresh one
    # instead of handing back a run nobody will ever execute.
    assert list(OptimisationRun.objects.values_list("state", flat=True)) == ["failed"]
    again = _client(trader).post("/api/trading/runs/", body, format="json")
    assert again.status_code == 201, again.content
    assert again.json()["state"] == "queued"
    assert OptimisationRun.objects.filter(state="queued").count() == 1


@pytest.mark.django_db(transaction=True)
def test_redis_down_data_intake_still_persists(sim_now, operator_a, org_a, nodes):
    sim_now(datetime(2026, 7, 1, 2, 0, tzinfo=UTC))
    site = SiteFactory(organisation=org_a, node=nodes["E-LOAD"])
    client = _client(operator_a)
    readings = [
        {"site_code": site.code, "interval_start": f"2026-06-30T{h:02d}:00:00+08:00",
         "value": "1500", "unit": "kW"}
        for h in range(10)
    ]  # fmt: skip
    live = {"rows": [{"site": site.pk, "interval_start": "2026-07-01T09:45:00+08:00",
                      "load_mw": "3.5"}]}  # fmt: skip
    with broker_down():
        meter = client.post(
            "/api/settlement/meter-readings/", {"readings": readings}, format="json"
        )
        reading = client.post("/api/dispatch/readings/", live, format="json")
    assert meter.status_code == 201, meter.content
    assert MeterReading.objects.filter(site=site).count() == 10
    assert set(MeterReading.objects.values_list("load_mw", flat=True)) == {Decimal("1.5")}
    assert reading.status_code == 201, reading.content
    assert DeliveryReading.objects.filter(site=site).count() == 1


# --- the database connection killed in the middle of a COPY batch ----------------------------

ROWS = 40_000  # enough that the COPY stream lasts long enough to be caught in flight


def _batch(actor, site):
    start = datetime(2025, 5, 1, tzinfo=UTC)
    raw = [
        (f"readings[{i}]", {"site_code": site.code,
                            "interval_start": (start + timedelta(minutes=15 * i)).isoformat(),
                            "value": "2.5", "unit": "MW"})
        for i in range(ROWS)
    ]  # fmt: skip
    return meters.check_rows(actor=actor, rows=raw)


@pytest.mark.django_db(transaction=True)
def test_connection_killed_mid_copy_leaves_no_half_batch_and_a_retry_stores_it(
    sim_now, operator_a, org_a, nodes
):
    sim_now(datetime(2026, 7, 1, 2, 0, tzinfo=UTC))
    site = SiteFactory(organisation=org_a, node=nodes["E-LOAD"])
    rows = _batch(operator_a, site)
    checksum = meters.checksum_rows(rows, Source.API)
    outcome: dict[str, object] = {}

    def ingest():
        try:
            outcome["pid"] = connection.cursor().connection.info.backend_pid
            meter_store.store_batch(
                rows=rows, source=Source.API, checksum=checksum, actor=operator_a, method="copy"
            )
            outcome["result"] = "stored"
        except Exception as exc:  # noqa: BLE001 - asserted below
            outcome["result"] = exc
        finally:
            connections.close_all()

    worker = threading.Thread(target=ingest)
    worker.start()
    killed = False
    deadline = time.monotonic() + 30
    with connection.cursor() as cur:
        while worker.is_alive() and time.monotonic() < deadline and not killed:
            cur.execute(
                "SELECT pid FROM pg_stat_activity WHERE query LIKE 'COPY meter_in%%' "
                "AND state = 'active' AND pid = %s",
                [outcome.get("pid", -1)],
            )
            if cur.fetchone():
                cur.execute("SELECT pg_terminate_backend(%s)", [outcome["pid"]])
                killed = True
            time.sleep(0.002)
    worker.join(timeout=60)
    assert killed, "the COPY was not caught in flight"
    # Django's wrapper, or psycopg's own error from inside the raw COPY stream.
    assert isinstance(outcome["result"], OperationalError | psycopg.OperationalError), outcome
    # Nothing of the batch: no readings, no upload row (the checksum would block a retry).
    assert MeterReading.objects.count() == 0
    assert not MeterUpload.objects.filter(checksum=checksum).exists()
    # The client retries the same batch: all of it is stored, once.
    retry = meter_store.store_batch(
        rows=rows, source=Source.API, checksum=checksum, actor=operator_a, method="copy"
    )
    assert retry.created
    assert MeterReading.objects.filter(site=site).count() == ROWS
    assert MeterUpload.objects.filter(checksum=checksum).count() == 1
