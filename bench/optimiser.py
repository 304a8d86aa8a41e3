"""Benchmark of the bid optimiser: seeded synthetic portfolios of 20, 200 and 1,000 sites over
the 96 intervals of a market day, with training, batch jobs (half movable within the operator),
batteries, ramp limits and events-per-day limits.

    .venv/bin/python bench/optimiser.py --decompose      # 20, 200, 1000 sites, by blocks
    .venv/bin/python bench/optimiser.py --sites 20 200   # one MIP each (the reference)
    .venv/bin/python bench/optimiser.py --sites 200 --decompose --workers 1 --time-limit 60

Prints model size (variables, binaries, constraints), build and solve seconds (summed over
blocks; wall is the elapsed time, less than the sum when blocks run on several threads), the
MIP gap reached (relative to the whole cost), that gap in currency and as a share of the
flexibility value (cost of the usual schedule minus the optimised cost: the stricter measure),
the status, and the load average of the machine before the run. Needs no database.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vpp.settings.development")
os.environ.setdefault("DATABASE_URL", "sqlite:///:memory:")

import django  # noqa: E402

django.setup()

from market.trading.optimiser import OptimiserInput, optimise  # noqa: E402
from sites.specs import BatterySpec, JobSpec, PueModel, SiteSpec, WorkloadSpec  # noqa: E402
from vpp.intervals import day_intervals  # noqa: E402

N_NODES = 10
SITES_PER_ORG = 10


def synthetic_site(rng: random.Random, i: int, starts) -> SiteSpec:
    cap = rng.uniform(5.0, 40.0)
    step = starts[1] - starts[0]
    jobs = []
    for k in range(rng.randint(1, 3)):
        length = rng.randint(8, 48)
        first = rng.randint(0, len(starts) - length)
        max_it = cap * rng.uniform(0.05, 0.1)
        hours = length * step.total_seconds() / 3600
        jobs.append(
            JobSpec(
                name=f"job{i}-{k}",
                release_at=starts[first],
                deadline_at=starts[first] + length * step,
                energy_mwh=max_it * hours * rng.uniform(0.3, 0.7),
                max_it_mw=max_it,
                movable=rng.random() < 0.5,
            )
        )
    workloads = (
        WorkloadSpec("inference", "inference", cap * rng.uniform(0.3, 0.5)),
        WorkloadSpec(
            "training",
            "training",
            cap * rng.uniform(0.15, 0.25),
            power_cap_floor_fraction=0.5,
            interruptible=rng.random() < 0.5,
            max_deferral_hours=rng.choice([2.0, 3.0, 4.0]),
        ),
        WorkloadSpec("batch", "batch", cap * 0.2, jobs=tuple(jobs)),
    )
    batteries = ()
    if rng.random() < 0.7:
        energy = cap * 0.5
        batteries = (
            BatterySpec("ups", energy, cap * 0.25, 0.95, 0.95, 0.3 * energy, 0.5 * energy),
        )
    if rng.random() < 0.5:
        pue = PueModel(kind="constant", constant=rng.uniform(1.15, 1.5))
    else:
        pue = PueModel(kind="temperature", temp_base=1.2, temp_slope_per_c=0.01)
    return SiteSpec(
        id=i + 1,
        code=f"S{i:04d}",
        node_code=f"N{i % N_NODES:02d}",
        organisation_id=i // SITES_PER_ORG,
        grid_connection_mw=cap * 1.8,
        it_capacity_mw=cap,
        min_load_mw=cap * 0.2,
        ramp_limit_mw_per_min=cap * rng.uniform(0.01, 0.05),
        notice_minutes=15,
        max_events_per_day=rng.randint(2, 6),
        pue=pue,
        climate_mean_temp_c=rng.uniform(10, 28),
        batteries=batteries,
        workloads=workloads,
    )


def synthetic_input(n_sites: int, seed: int, time_limit_s: float) -> OptimiserInput:
    rng = random.Random(seed)
    starts = day_intervals(date(2026, 7, 1) + timedelta(days=0))
    sites = [synthetic_site(rng, i, starts) for i in range(n_sites)]
    prices = {}
    for n in range(N_NODES):
        level, phase = rng.uniform(250, 400), rng.uniform(-1, 1)
        prices[f"N{n:02d}"] = [
            max(0.0, level + 150 * math.sin(2 * math.pi * t / 96 + phase) + rng.gauss(0, 30))
            for t in range(len(starts))
        ]
    return OptimiserInput(
        sites=sites,
        interval_starts=starts,
        interval_hours=0.25,
        price_per_mwh=prices,
        time_limit_s=time_limit_s,
        mip_gap=0.005,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, nargs="*", default=[20, 200, 1000])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--time-limit", type=float, default=120.0)
    parser.add_argument("--decompose", action="store_true", help="solve independent blocks apart")
    parser.add_argument("--workers", type=int, default=None, help="threads for the blocks")
    args = parser.parse_args()
    header = (
        f"{'sites':>6} {'mode':>6} {'vars':>9} {'binaries':>9} {'constrs':>9} "
        f"{'build_s':>8} {'solve_s':>8} {'wall_s':>7} {'gap':>8} {'gap_cny':>8} "
        f"{'of_flex':>7} {'status':>10} {'objective':>12} {'load':>5}"
    )
    print(header)
    for n in args.sites:
        inp = synthetic_input(n, args.seed, args.time_limit)
        load = os.getloadavg()[0]
        began = time.perf_counter()
        sched = optimise(inp, decompose=args.decompose, workers=args.workers)
        wall = time.perf_counter() - began
        total = sched.objective.total
        usual = sum(
            inp.interval_hours
            * sum(p * q for p, q in zip(inp.price_per_mwh[code], node.usual_facility_mw))  # noqa: B905
            for code, node in sched.nodes.items()
        )
        gap_abs = None if sched.mip_gap is None else sched.mip_gap * abs(total)
        gap = "n/a" if sched.mip_gap is None else f"{sched.mip_gap:.3%}"
        money = "n/a" if gap_abs is None else f"{gap_abs:.0f}"
        flex = "n/a" if gap_abs is None or usual <= total else f"{gap_abs / (usual - total):.1%}"
        mode = f"{sched.blocks}blk" if args.decompose else "1 MIP"
        print(
            f"{n:>6} {mode:>6} {sched.size.variables:>9} {sched.size.binaries:>9} "
            f"{sched.size.constraints:>9} {sched.build_seconds:>8.2f} {sched.solve_seconds:>8.2f} "
            f"{wall:>7.1f} {gap:>8} {money:>8} {flex:>7} {sched.status:>10} {total:>12.0f} "
            f"{load:>5.2f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
