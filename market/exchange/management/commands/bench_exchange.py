"""Benchmark the clearing engine, each figure beside its reference in the same run.

1. IEEE 118-bus and 300-bus (pandapower's networks with linear costs and their busiest loop
   branches held, ``pandapower_oracle``) over 96 intervals of a daily load shape: build, solve,
   read and total seconds of our default build (arrays into HiGHS, interval by interval), of the
   same arrays as one joint LP, and of the PuLP build, beside pandapower's ``rundcopp`` run once
   per interval (the reference), with the ratio and the largest price and flow differences.
2. The default day-ahead market and the large synthetic case as before (ramp limits couple
   their intervals: one joint LP), the arrays beside the PuLP build.
3. ``--store`` (``bench/exchange.py`` passes it, on a database of its own): a 118-bus day with
   bids, cleared through ``services.clear_auction``: reading the case, clearing, storing.

Needs the development dependencies (pandapower).
"""

from __future__ import annotations

import logging
import os
import platform
from datetime import date

from django.conf import settings
from django.core.management.base import BaseCommand

from vpp.intervals import day_intervals, to_local

from ... import pandapower_oracle as oracle
from ... import scenario
from ...clearing import clear
from ...clearing.highs import clear_highs
from ..store_bench import store_day

NETWORKS = [("IEEE 118", "case118", 6, 0.7), ("IEEE 300", "case300", 8, 0.75)]
BUILDS = [
    ("arrays into HiGHS (default)", clear),
    ("arrays, one joint LP", lambda case: clear_highs(case, by_interval=False)),
    ("PuLP build (before)", lambda case: clear(case, builder="pulp")),
]


def best(fn, case, repeat):
    """The run with the least total time of ``repeat`` runs."""
    runs = [fn(case) for _ in range(repeat)]
    return min(runs, key=total)


def total(out) -> float:
    return out.build_seconds + out.solve_seconds + out.read_seconds


class Command(BaseCommand):
    help = "Clear IEEE 118/300 x 96 beside pandapower, the default and a large market; print times."

    def add_arguments(self, parser):
        parser.add_argument("--day", default="2026-07-02", help="market day (YYYY-MM-DD)")
        parser.add_argument("--nodes", type=int, default=50)
        parser.add_argument("--generators", type=int, default=500)
        parser.add_argument("--intervals", type=int, default=96)
        parser.add_argument("--repeat", type=int, default=1, help="runs of ours; best is shown")
        parser.add_argument(
            "--store", action="store_true", help="also clear a 118-bus day into THIS database"
        )

    def handle(self, *args, **o):
        w = self.stdout.write
        # pandapower warns on every run of case300 about generator voltage set points: noise here.
        logging.getLogger("pandapower").setLevel(logging.ERROR)
        load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
        w(
            f"python {platform.python_version()} on {platform.machine()}, "
            f"{os.cpu_count()} cores; load average {load}"
        )
        for label, name, count, share in NETWORKS:
            self.versus_pandapower(label, name, count, share, o["intervals"], o["repeat"])
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
        for label, case in (("default day-ahead", default), ("large synthetic", large)):
            self.market(label, case, o["repeat"])
        if o["store"]:
            w("")
            for line in store_day():
                w(line)
        load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
        w(f"load average at the end {load}")

    def versus_pandapower(self, label, name, count, share, n_intervals, repeat):
        w = self.stdout.write
        net = oracle.congested_network(name, count=count, share=share)
        factors = oracle.day_factors(n_intervals)
        day = oracle.run_pandapower(net, factors)
        case = oracle.case_from_pandapower(net, factors)
        lookup = net._pd2ppc_lookups["bus"]
        w("")
        w(
            f"{label} x {n_intervals}: {len(case.nodes)} buses, {len(case.lines)} branches, "
            f"{len(case.generators)} units; pandapower rundcopp, {n_intervals} runs: "
            f"{day.seconds:.2f} s (the reference)"
        )
        w(
            f"  {'build':<30} {'LP cols x rows':>16} {'build':>7} {'solve':>7} {'read':>7} "
            f"{'total':>7} {'ratio':>6} {'max |dprice|':>12} {'max |dflow|':>11}"
        )
        for build_label, fn in BUILDS:
            out = best(fn, case, repeat)
            dprice = max(
                abs(out.prices[oracle.bus_code(int(lookup[b]))][t] - day.prices[int(b)][t])
                for b in net.bus.index
                for t in range(n_intervals)
            )
            dflow = max(
                abs(out.flows_mw[oracle.branch_code(k)][t] - flows[t])
                for k, flows in day.flows.items()
                for t in range(n_intervals)
            )
            w(
                f"  {build_label:<30} {out.variables:>7} x {out.constraints:<6} "
                f"{out.build_seconds:7.3f} {out.solve_seconds:7.3f} {out.read_seconds:7.3f} "
                f"{total(out):7.3f} {total(out) / day.seconds:6.3f} {dprice:12.4f} "
                f"{dflow:11.4f}"
            )
        congested = sum(
            out.congested(ln.code, t, ln.limit_mw) for ln in case.lines for t in range(n_intervals)
        )
        w(
            f"  congested branch-intervals {congested}, max price spread "
            f"{max(spread(out, t) for t in range(n_intervals)):.2f}/MWh"
        )

    def market(self, label, case, repeat):
        w = self.stdout.write
        w("")
        w(
            f"{label}: {len(case.nodes)} nodes, {len(case.lines)} lines, "
            f"{len(case.generators)} generators, {case.n_intervals} intervals (ramp-coupled)"
        )
        outs = []
        for build_label, fn in (BUILDS[0], BUILDS[2]):
            out = best(fn, case, repeat)
            outs.append(out)
            w(
                f"  {build_label:<30} LP {out.variables} x {out.constraints}; "
                f"build {out.build_seconds:.3f} s, solve {out.solve_seconds:.3f} s, "
                f"read {out.read_seconds:.3f} s, total {total(out):.3f} s"
            )
        out = outs[0]
        congested = sum(
            out.congested(ln.code, t, ln.limit_mw)
            for ln in case.lines
            for t in range(case.n_intervals)
        )
        w(
            f"  congested line-intervals {congested}, max price spread "
            f"{max(spread(out, t) for t in range(case.n_intervals)):.2f}/MWh; "
            f"arrays over PuLP total {total(outs[0]) / total(outs[1]):.3f}"
        )


def spread(out, t: int) -> float:
    return max(p[t] for p in out.prices.values()) - min(p[t] for p in out.prices.values())
