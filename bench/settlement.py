#!/usr/bin/env python
"""Benchmark the baseline engine (pure Python, no database): site-days per second per preset.

.venv/bin/python bench/settlement.py [--site-days 200] [--history-days 46]

Prints, per preset, the time to compute the baseline of one site-day from a synthetic 15-minute
history (a daily shape with a weekday/weekend level and noise). The meter-intake and full
settlement benchmark (ingest and settle N sites x D days on PostgreSQL) is the ``pipeline``
mode: ``.venv/bin/python bench/settlement.py pipeline --sites 1000 --days 30``
(see bench/settlement_pipeline.py).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from settlement.baselines import PRESETS, BaselineInput, compute  # noqa: E402
from settlement.baselines.calendar import day_starts  # noqa: E402

ZONE = ZoneInfo("Asia/Shanghai")


def history(target: date, days: int, seed: int) -> tuple[dict, dict]:
    rng = random.Random(seed)
    loads, temps = {}, {}
    for back in range(days, -1, -1):
        day = target - timedelta(days=back)
        level = 20.0 if day.weekday() < 5 else 14.0
        for t in day_starts(day, ZONE, 15):
            hour = t.astimezone(ZONE).hour
            temp = 22 + 8 * (1 - abs(hour - 15) / 15)
            temps[t] = temp
            loads[t] = level + 0.3 * max(temp - 24, 0) + rng.gauss(0, 0.5)
    return loads, temps


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--site-days", type=int, default=200)
    parser.add_argument("--history-days", type=int, default=61)
    args = parser.parse_args()
    target = date(2026, 7, 15)
    loads, temps = history(target, args.history_days, 1)
    start = day_starts(target, ZONE, 15)[56]  # 14:00
    end = start + timedelta(hours=2)
    print(f"{args.site_days} site-days, {args.history_days} days of 15-min history each")
    print(f"{'preset':<20} {'ms / site-day':>14} {'site-days / s':>14}")
    for name, params in PRESETS.items():
        inp = BaselineInput(
            day=target, loads_mw=loads, zone=ZONE, event_start=start, event_end=end,
            temperatures_c=temps if params.kind == "regression" else None,
        )  # fmt: skip
        n = max(1, args.site_days // (10 if params.kind == "regression" else 1))
        t0 = time.perf_counter()
        for _ in range(n):
            compute(inp, params)
        per = (time.perf_counter() - t0) / n
        print(f"{name:<20} {per * 1000:14.2f} {1 / per:14.1f}")


def pipeline_main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="settlement.py pipeline")
    parser.add_argument("--sites", type=int, default=100)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--db", default="bench_settlement")
    parser.add_argument("--ingest-only", action="store_true")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from settlement_pipeline import main as run  # noqa: PLC0415

    run(args.sites, args.days, args.db, settle=not args.ingest_only)


if __name__ == "__main__":
    if sys.argv[1:2] == ["pipeline"]:
        pipeline_main(sys.argv[2:])
    else:
        main()
