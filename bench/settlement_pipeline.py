"""The issue's settlement benchmark: ingest N sites x D days of 15-minute meter data through
the intake door (row checks, then the PostgreSQL COPY path) and settle every market day through
the whole pipeline (collect, VEE, baselines, performance, lines, statement).

Run through ``bench/settlement.py pipeline --sites 100 --days 30``. It uses its own PostgreSQL
database (``--db``, default ``bench_settlement``: dropped and created again) so it never touches
the development or test databases. Synthetic fleet: one operator, sites spread over the default
nodes, a daily load shape with noise; each site has a one-hour event (14:00-15:00 local,
2 MW instructed, confirmed) on every third day, the real reduction 2 MW +/- noise; day-ahead
prices from award rows. Prints rows, seconds and rows/s for the ingest, and per-day and total
settle time with site-days settled.
"""

from __future__ import annotations

import math
import os
import random
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal


def prepare_database(name: str) -> None:
    import psycopg

    base = "postgres://postgres:postgres@127.0.0.1:5432"
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = f"{base}/{name}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "vpp.settings.development"
    os.environ["MARKET_CLOCK"] = "simulation"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def fleet(n_sites: int):
    from sites.models import Site
    from vpp.fixtures import DEFAULT_NODES
    from vpp.models import MarketNode, Organisation, User

    nodes = [MarketNode.objects.create(**n) for n in DEFAULT_NODES]
    org = Organisation.objects.create(name="Bench DC Co", kind="site_operator")
    user = User.objects.create_user("bench-op", password="x", role="operator", organisation=org)
    Site.objects.bulk_create(
        Site(code=f"b{i:04d}", name=f"Bench {i}", organisation=org, node=nodes[i % len(nodes)],
             grid_connection_mw=Decimal("40"), it_capacity_mw=Decimal("30"),
             min_load_mw=Decimal("5"), ramp_limit_mw_per_min=Decimal("2"),
             pue_constant=Decimal("1.5"))
        for i in range(n_sites)
    )  # fmt: skip
    return user, list(Site.objects.select_related("node").order_by("code"))


def is_event(i: int, j: int) -> bool:
    return (i + j) % 3 == 0


def readings_for_day(sites, j: int, day: date, rng: random.Random) -> list[dict]:
    from vpp.intervals import day_intervals

    rows = []
    starts = day_intervals(day)
    for i, site in enumerate(sites):
        level = 18 + (i % 7)
        for k, t in enumerate(starts):
            load = level + 4 * math.sin(math.pi * k / 96) + rng.gauss(0, 0.3)
            if is_event(i, j) and 56 <= k < 60:
                load -= 2 + rng.gauss(0, 0.3)
            rows.append({"site_code": site.code, "interval_start": t.isoformat(),
                         "value": f"{load:.3f}", "unit": "MW"})  # fmt: skip
    return rows


def instructions_and_prices(sites, days: list[date]) -> None:
    from dispatch.models import Instruction
    from market.trading.models import (
        AwardReceived,
        BidSubmission,
        OptimisationRun,
        PriceForecast,
    )
    from vpp.intervals import day_intervals

    now = datetime(2026, 5, 1, tzinfo=UTC)
    forecast = PriceForecast.objects.create(
        market_day=days[0], model_name="bench", created_at=now, trained_through=now
    )
    run = OptimisationRun.objects.create(
        market_day=days[0], auction_id=1, forecast=forecast, created_at=now, state="done"
    )
    sub = BidSubmission.objects.create(run=run, auction_id=1, submitted_at=now,
                                       idempotency_key="bench", curves=[], exchange_bid_id=1,
                                       exchange_version=1)  # fmt: skip
    rows, awards = [], []
    nodes = sorted({s.node.code for s in sites})
    for j, day in enumerate(days):
        event = day_intervals(day)[56:60]
        for t in event:
            awards += [AwardReceived(submission=sub, node_code=n, interval_start=t,
                                     side="reduction", segment_index=0,
                                     offered_price_per_mwh=Decimal("100"),
                                     offered_mw=Decimal("500"), awarded_mw=Decimal("500"),
                                     price_per_mwh=Decimal("420.50")) for n in nodes]  # fmt: skip
        for i, site in enumerate(sites):
            if not is_event(i, j):
                continue
            rows += [Instruction(site=site, market_day=day, interval_start=t,
                                 interval_end=t + timedelta(minutes=15),
                                 target_mw=Decimal("16"), baseline_mw=Decimal("18"),
                                 reduction_mw=Decimal("2"), state="confirmed",
                                 deadline_at=t - timedelta(hours=2), node_code=site.node.code,
                                 side="reduction", submission_id=sub.pk, created_at=now,
                                 confirmed_at=now) for t in event]  # fmt: skip
    AwardReceived.objects.bulk_create(awards, batch_size=5000)
    Instruction.objects.bulk_create(rows, batch_size=5000)


def main(n_sites: int, n_days: int, db: str, settle: bool, seed: int = 7) -> None:
    prepare_database(db)
    from django.db import connection

    from settlement import meter_store, meters, pipeline
    from settlement.models import MeterReading, Statement
    from vpp import clock

    first = date(2026, 5, 4)
    days = [first + timedelta(days=j) for j in range(n_days)]
    clock.set_now(datetime.combine(days[-1] + timedelta(days=2), datetime.min.time(), UTC))
    user, sites = fleet(n_sites)
    rng = random.Random(seed)
    print(f"settlement bench: {n_sites} sites x {n_days} days, PostgreSQL "
          f"{connection.pg_version // 10000}, database {db}")  # fmt: skip
    gen = check = store = 0.0
    for j, day in enumerate(days):
        t0 = time.perf_counter()
        rows = readings_for_day(sites, j, day, rng)
        t1 = time.perf_counter()  # what meter_store.submit_readings does, timed in two parts
        checked = meters.check_rows(actor=user, rows=meters.json_rows(rows))
        t2 = time.perf_counter()
        result = meter_store.store_batch(
            rows=checked, source="api", checksum=meters.checksum_rows(checked, "api"),
            actor=user, method="copy",
        )  # fmt: skip
        t3 = time.perf_counter()
        gen, check, store = gen + t1 - t0, check + t2 - t1, store + t3 - t2
        assert result.upload.bulk_path == "copy" and result.created
    total = MeterReading.objects.count()
    ingest = check + store
    print(f"ingest: {total:,} readings in {ingest:.1f} s = {total / ingest:,.0f} rows/s "
          f"end to end (row checks {check:.1f} s = {total / check:,.0f} rows/s; checksum + "
          f"COPY + versioning {store:.1f} s = {total / store:,.0f} rows/s; one batch per day "
          f"of {n_sites * 96:,} rows; data generation {gen:.1f} s not counted)")  # fmt: skip
    if not settle:
        return
    instructions_and_prices(sites, days)
    per_day = []
    stages = dict.fromkeys(pipeline.STAGES, 0.0)
    t_all = time.perf_counter()
    for day in days:
        t0 = time.perf_counter()
        run, _ = pipeline.start_run(day=day, actor=None, queue=False)
        for name in pipeline.STAGES:  # what the Celery chain runs, timed stage by stage
            ts = time.perf_counter()
            getattr(pipeline, name)(run_id=run.pk)
            stages[name] += time.perf_counter() - ts
        per_day.append(time.perf_counter() - t0)
        run.refresh_from_db()
        assert run.state == "done", run.error
    settle_s = time.perf_counter() - t_all
    site_days = sum(1 for j in range(n_days) for i in range(n_sites) if is_event(i, j))
    st = Statement.objects.count()
    per_site_day = 1000 * settle_s / max(site_days, 1)
    print(f"settle: {n_days} market days, {site_days:,} site-days with events, {st} statements "
          f"in {settle_s:.1f} s ({settle_s / n_days:.2f} s per day, min {min(per_day):.2f}, "
          f"max {max(per_day):.2f}; {per_site_day:.1f} ms per site-day)")  # fmt: skip
    print("settle stages: " + ", ".join(f"{k} {v:.1f} s" for k, v in stages.items()))
    t0 = time.perf_counter()
    for day in days:
        assert not pipeline.run_inline(day=day).new_version
    print(f"re-run with unchanged inputs: {time.perf_counter() - t0:.1f} s, no new version")
