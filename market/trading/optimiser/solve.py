"""Solve the portfolio MIP and read the schedule back.

``optimise`` builds the MIP of ``model.py`` and solves it, always within the input's time limit
and relative MIP gap, and returns a ``Schedule``. With HiGHS (the default) the solve is:

1. **LP relaxation** (every binary in [0, 1]): its objective LB is a lower bound of the MIP.
2. **Rounding** (``rounding.py``): every binary fixed from the relaxation (events cut to the
   events-per-day limit), then the LP re-solved with the binaries fixed: a feasible schedule,
   the best one for that choice, of objective UB. Relocation is rounded first and the LP
   re-solved, so the events are rounded where the jobs now run. If the choice is infeasible, a
   more cautious one (drop event runs, never join them) is tried, then a repair: the sites
   whose event choice is infeasible on its own get their event binaries back, as a small MIP
   with everything else fixed.
3. **Proof**: when (UB - LB) / |UB| <= mip_gap the schedule is within the gap of the optimum and
   the solve stops: no branch and bound at all. Otherwise HiGHS's branch and bound runs with the
   rounded schedule as its incumbent (a warm start) for the rest of the time limit, and the
   binaries it settles on are polished (fixed, LP re-solved, kept if not worse).

The gap reported is the one proven: (UB - best bound) / |UB|, on the whole objective (its
constant included, see ``highs.py``). CBC (``solver="cbc"``, or when HiGHS fails) goes
through PuLP's adapter as one plain MIP solve.

Battery exclusivity, lazily: a battery that charges and discharges in the same interval only
raises the load, which costs money at a positive price, so an LP optimum almost never does it.
Rather than one binary per battery-interval, the solve looks for intervals where a solution does
both and re-solves with a binary on exactly those (at most three rounds); the schedule returned
never charges and discharges at once.

Decomposition (``decompose=True``, what the trading desk uses): sites are coupled only through
relocated work (within one organisation) and, in the dispatch re-solve, through a node's award.
With no row joining two groups of sites the MIP is block diagonal: its feasible set is the
product of the blocks' and its objective their sum, so the optimum of the whole is the union of
the blocks' optima, and blocks each within the gap give a whole within the same relative gap
(sum of UB - LB <= gap x sum of UB, all UB of one sign). Blocks are solved on ``workers``
threads (HiGHS releases the GIL while it solves); each block gets the full time limit.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import numpy as np
import pulp

from .highs import HighsProblem
from .inputs import OptimiserError, OptimiserInput, Schedule
from .model import Model, add_battery_exclusivity, build
from .readback import merge_schedules, read_schedule
from .rounding import binary_choice, relocation_choice

SIMULTANEOUS_MW = 1e-5
MAX_EXCLUSIVITY_ROUNDS = 3

# Measured on the benchmark (20 sites, branch and bound from scratch: 25 s -> 4 s): keeping
# fewer, younger cuts and more effort on primal heuristics finds a good schedule early. With the
# rounded incumbent the branch and bound rarely runs at all (see docs/optimiser.md).
HIGHS_OPTIONS = {"mip_heuristic_effort": 0.5, "mip_pool_soft_limit": 100, "mip_lp_age_limit": 5}

Progress = Callable[[float, str], None]


def _value(v) -> float:
    return float(v.varValue or 0.0) if v is not None else 0.0


def _relative_gap(upper: float, lower: float) -> float:
    return max(0.0, upper - lower) / max(abs(upper), 1e-9)


def _columns(hp: HighsProblem, by_name: dict[str, float]) -> dict[int, float]:
    return {hp.index[name]: v for name, v in by_name.items()}


def _repair(m: Model, hp: HighsProblem, choice, relocation, left) -> float | None:
    """The rounded choice is infeasible as a whole: find the sites whose event (and battery
    exclusivity) choice is infeasible on its own (one LP each, the other sites' relaxed; with
    relocation fixed the sites share no row), keep the rest of the choice fixed and let branch
    and bound choose those sites' binaries (a small MIP)."""
    free = set()
    for si in range(len(m.inp.sites)):
        own = {v.name: choice[v.name] for v in m.reduced[si].values()}
        for bv in m.batteries:
            if bv.site_index == si:
                own |= {q.name: choice[q.name] for q in bv.exclusive.values()}
        if own and hp.partly_fixed(_columns(hp, own | relocation), left()) is None:
            free.update(own)
    fix = {name: v for name, v in choice.items() if name not in free}
    if not hp.mip(gap=m.inp.mip_gap, time_limit_s=left() / 2, fix=_columns(hp, fix)):
        return None
    return hp.objective


def _solve_highs(m: Model, limit_s: float) -> tuple[str, float | None]:
    """The pipeline of the module docstring; returns (status, gap). Raises OptimiserError when
    no feasible schedule was found."""
    began = time.perf_counter()

    def left() -> float:
        return limit_s - (time.perf_counter() - began)

    hp = HighsProblem(m.prob, threads=None, options=HIGHS_OPTIONS)
    lower = hp.relaxation(left())
    if lower is None:
        raise OptimiserError("highs: the LP relaxation is infeasible or did not solve in time")
    if not len(hp.integer):
        hp.write_back(hp.values())
        return "optimal", 0.0
    hp.write_back(hp.values())
    incumbent, upper = None, None
    relocation = relocation_choice(m)
    if relocation and hp.partly_fixed(_columns(hp, relocation), left()) is not None:
        hp.write_back(hp.values())  # the events are rounded for the jobs where they now run
    choice = binary_choice(m) | relocation
    upper = hp.fixed(_columns(hp, choice), left())
    if upper is None:  # a join of event runs may be what is infeasible: drop runs instead
        upper = hp.fixed(_columns(hp, binary_choice(m, drop_only=True) | relocation), left())
    if upper is None:
        upper = _repair(m, hp, choice, relocation, left)
    if upper is not None:
        incumbent = hp.values()
    if incumbent is not None and _relative_gap(upper, lower) <= m.inp.mip_gap:
        hp.write_back(incumbent)
        return "optimal", _relative_gap(upper, lower)
    found = hp.mip(gap=m.inp.mip_gap, time_limit_s=left(), start=incumbent)
    if not found:
        if incumbent is None:
            raise OptimiserError("highs: no feasible schedule within the time limit")
        hp.write_back(incumbent)
        return "time_limit", _relative_gap(upper, lower)
    status = "optimal" if hp.optimal else "time_limit"
    values, best, bound = hp.values(), hp.objective, max(lower, hp.dual_bound)
    polished = hp.fixed({int(i): round(values[i]) for i in hp.integer}, max(left(), 1.0))
    if polished is not None and polished <= best + 1e-9 * max(1.0, abs(best)):
        values, best = hp.values(), polished
    hp.write_back(np.asarray(values))
    return status, _relative_gap(best, bound)


def _solve_cbc(m: Model, limit_s: float) -> tuple[str, float | None]:
    solver = pulp.PULP_CBC_CMD(msg=False, timeLimit=limit_s, gapRel=m.inp.mip_gap)
    try:
        m.prob.solve(solver)
    except pulp.PulpSolverError as exc:
        raise OptimiserError(f"cbc: {exc}") from exc
    if m.prob.status == pulp.LpStatusOptimal and m.prob.sol_status in (1, 2):
        return ("optimal" if m.prob.sol_status == 1 else "time_limit"), None
    raise OptimiserError(f"cbc: {pulp.LpStatus[m.prob.status]}")


def _solve_once(m: Model, limit_s: float) -> tuple[str, str, float | None]:
    """Return (solver, status, gap); status is optimal or time_limit (feasible, not proven)."""
    order = [("highs", _solve_highs), ("cbc", _solve_cbc)]
    if m.inp.solver == "cbc":
        order.reverse()
    errors = []
    for name, solve in order:
        try:
            status, gap = solve(m, limit_s)
        except OptimiserError as exc:
            errors.append(str(exc))
            continue
        return name, status, gap
    raise OptimiserError("no schedule: " + "; ".join(errors))


def _simultaneous(m: Model) -> set[tuple[int, int]]:
    return {
        (pos, t)
        for pos, bv in enumerate(m.batteries)
        for t in range(m.T)
        if _value(bv.ch[t]) > SIMULTANEOUS_MW and _value(bv.dis[t]) > SIMULTANEOUS_MW
    }


def _solve_block(inp: OptimiserInput, award_mw, penalty_per_mwh: float) -> Schedule:
    began = time.perf_counter()
    m = build(inp, award_mw=award_mw, penalty_per_mwh=penalty_per_mwh)
    build_s = time.perf_counter() - began
    solve_s = 0.0
    for _round in range(MAX_EXCLUSIVITY_ROUNDS + 1):
        began = time.perf_counter()
        # the exclusivity re-solves share the time limit (each gets at least a tenth of it)
        limit = max(inp.time_limit_s - solve_s, inp.time_limit_s / 10)
        solver, status, gap = _solve_once(m, limit)
        solve_s += time.perf_counter() - began
        pairs = _simultaneous(m)
        if not pairs:
            break
        if _round:  # a second offence: the whole day of those batteries gets binaries
            pairs = {(pos, t) for pos, _ in pairs for t in range(m.T)}
        add_battery_exclusivity(
            m, {(pos, t) for pos, t in pairs if t not in m.batteries[pos].exclusive}
        )
    else:
        raise OptimiserError("batteries still charge and discharge at once after re-solves")
    return read_schedule(m, solver, status, gap, build_s, solve_s)


def blocks(inp: OptimiserInput, award_mw=None) -> list[list[int]]:
    """Connected groups of site positions: same organisation (relocation), same awarded node."""
    parent = list(range(len(inp.sites)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first: dict[tuple[str, object], int] = {}
    for si, site in enumerate(inp.sites):
        keys = [("org", site.organisation_id)]
        if award_mw and site.node_code in award_mw:
            keys.append(("node", site.node_code))
        for key in keys:
            if key in first:
                parent[find(si)] = find(first[key])
            else:
                first[key] = si
    groups: dict[int, list[int]] = {}
    for si in range(len(inp.sites)):
        groups.setdefault(find(si), []).append(si)
    return list(groups.values())


def default_workers() -> int:
    return max(1, min(4, os.cpu_count() or 1))


def optimise(
    inp: OptimiserInput,
    *,
    award_mw: dict[str, list[float]] | None = None,
    penalty_per_mwh: float = 1e5,
    decompose: bool = False,
    workers: int | None = None,
    progress: Progress | None = None,
) -> Schedule:
    """The cheapest schedule of the portfolio against ``inp``'s prices (see ``model.py``).

    ``award_mw[node]`` fixes the node's total facility load per interval, with a slack
    penalised at ``penalty_per_mwh``. ``decompose`` solves independent blocks of sites apart,
    on ``workers`` threads (default: the CPU count, at most 4), and reports
    ``progress(fraction of blocks done, message)`` after each block; ``decompose=False`` is the
    one-MIP reference.
    """
    if not inp.sites:
        raise OptimiserError("no sites")
    if not decompose:
        schedule = _solve_block(inp, award_mw, penalty_per_mwh)
        if progress:
            progress(1.0, "portfolio solved")
        return schedule
    subproblems = []
    for group in blocks(inp, award_mw):
        sub = replace(inp, sites=[inp.sites[i] for i in group])
        nodes = {s.node_code for s in sub.sites}
        sub_award = {n: v for n, v in (award_mw or {}).items() if n in nodes} or None
        subproblems.append((sub, sub_award, penalty_per_mwh))
    parts: list[Schedule] = []
    workers = min(workers or default_workers(), len(subproblems))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for part in pool.map(lambda args: _solve_block(*args), subproblems):
            parts.append(part)
            if progress:
                progress(len(parts) / len(subproblems), f"block {len(parts)} of {len(subproblems)}")
    return merge_schedules(parts)
