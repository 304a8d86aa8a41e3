"""Load test: meter ingestion (bulk JSON, 96 readings = one site-day per request) and the
dashboards (trader pages with a session, the dispatch delivery API).

Run through bench/load/run.sh, which starts gunicorn on PostgreSQL and prints the figures.
Each meter request is a different (site, day) with fresh values, so every one is real work:
checked at the door, locked, versioned and stored (never the cheap "same checksum" answer).
"""

from __future__ import annotations

import itertools
import os
import random
from datetime import date, timedelta

from locust import HttpUser, between, task

SITES = [f"load-{i}" for i in range(4)]
_days = itertools.count()


def _readings() -> dict:
    n = next(_days)
    site = SITES[n % len(SITES)]
    day = date(2026, 5, 31) - timedelta(days=n // len(SITES) % 700)
    readings = [
        {"site_code": site, "interval_start": f"{day}T{q // 4:02d}:{q % 4 * 15:02d}:00+08:00",
         "value": f"{random.uniform(8000, 30000):.1f}", "unit": "kW"}
        for q in range(96)
    ]  # fmt: skip
    return {"readings": readings}


class MeterIngestion(HttpUser):
    weight = 1
    wait_time = between(0, 0.1)

    def on_start(self):
        self.client.headers["Authorization"] = f"Token {os.environ['OPERATOR_TOKEN']}"

    @task
    def upload_day(self):
        with self.client.post(
            "/api/settlement/meter-readings/", json=_readings(), name="POST meter-readings (96)",
            catch_response=True,
        ) as r:  # fmt: skip
            if r.status_code not in (200, 201):
                r.failure(f"{r.status_code}: {r.text[:200]}")


class Dashboards(HttpUser):
    weight = 1
    wait_time = between(0, 0.1)

    def on_start(self):
        self.client.get("/login/")
        self.client.post(
            "/login/",
            {"username": "load-trader", "password": "load-load-trader",
             "csrfmiddlewaretoken": self.client.cookies.get("csrftoken", "")},
            headers={"Referer": self.host + "/login/"},
        )  # fmt: skip

    def _page(self, url, name):
        with self.client.get(url, name=name, catch_response=True) as r:
            if r.status_code != 200 or "/login/" in r.url:  # a lost session would be cheap
                r.failure(f"{r.status_code} at {r.url}")

    @task(2)
    def dispatch_status(self):
        self._page("/dispatch/", "GET /dispatch/ (status page)")

    @task(1)
    def sites_page(self):
        self._page("/sites/", "GET /sites/ (portfolio page)")

    @task(2)
    def delivery_api(self):
        self.client.get(
            "/api/dispatch/delivery/?start=2026-05-01T00:00:00%2B08:00"
            "&end=2026-05-02T00:00:00%2B08:00",
            name="GET /api/dispatch/delivery/",
        )
