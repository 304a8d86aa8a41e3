"""Benchmark the clearing engine: the default day-ahead market and a large synthetic one.

Prints LP size, build and solve times. Touches no database (the scenario is generated in
memory, exactly as the services would store it)."""

from __future__ import annotations

import platform
from datetime import date

from django.conf import settings
from django.core.management.base import BaseCommand

from vpp.intervals import day_intervals, to_local

from ... import scenario
from ...clearing import clear


class Command(BaseCommand):
    help = "Clear the default day-ahead market and a large one; print build and solve times."

    def add_arguments(self, parser):
        parser.add_argument("--day", default="2026-07-02", help="market day (YYYY-MM-DD)")
        parser.add_argument("--nodes", type=int, default=50)
        parser.add_argument("--generators", type=int, default=500)
        parser.add_argument("--intervals", type=int, default=96)
        parser.add_argument("--repeat", type=int, default=1)

    def handle(self, *args, **o):
        day = date.fromisoformat(o["day"])
        seed = settings.EXCHANGE_SCENARIO_SEED
        starts = [to_local(s) for s in day_intervals(day)]
        net = scenario.default_network(seed)
        default = scenario.case_from_network(
            net, scenario.day_series(day, starts, seed), len(starts)
        )
        large = scenario.synthetic_case(
            n_nodes=o["nodes"], n_generators=o["generators"], n_intervals=o["intervals"]
        )
        self.stdout.write(f"python {platform.python_version()} on {platform.machine()}")
        for label, case in (("default day-ahead", default), ("large", large)):
            for _ in range(o["repeat"]):
                out = clear(case)
                congested = sum(
                    out.congested(ln.code, t, ln.limit_mw)
                    for ln in case.lines
                    for t in range(case.n_intervals)
                )
                spread = max(
                    max(out.prices[n][t] for n in case.nodes)
                    - min(out.prices[n][t] for n in case.nodes)
                    for t in range(case.n_intervals)
                )
                self.stdout.write(
                    f"{label}: {len(case.nodes)} nodes, {len(case.lines)} lines, "
                    f"{len(case.generators)} generators, {case.n_intervals} intervals; "
                    f"LP {out.variables} variables, {out.constraints} constraints; "
                    f"build {out.build_seconds:.2f} s, solve {out.solve_seconds:.2f} s "
                    f"({out.solver}); congested line-intervals {congested}, "
                    f"max price spread {spread:.2f}/MWh"
                )
