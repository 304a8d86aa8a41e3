"""Solve the portfolio MIP and read the schedule back.

``optimise`` builds the one MIP of ``model.py``, solves it with HiGHS (CBC when HiGHS is missing
or fails; CBC first when asked), always with the input's time limit and relative MIP gap, and
returns a ``Schedule``.

Battery exclusivity, lazily: a battery that charges and discharges in the same interval only
raises the load, which costs money at a positive price, so the LP relaxation almost never does
it. Rather than one binary per battery-interval (2 x 96 x batteries rows and binaries), the
solve looks for intervals where a solution does both and re-solves with a binary on exactly
those (at most three rounds); the schedule returned never charges and discharges at once.

Decomposition (``decompose=True``): sites are coupled only through relocated work (within one
organisation) and, in the dispatch re-solve, through a node's award. With no coupling between
two groups of sites the MIP is block diagonal, so solving each connected block on its own gives
the same optimum (each block within the MIP gap, hence the whole within the gap) in far less time;
each block gets the full time limit.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import replace

import pulp

from .inputs import (
    BatterySchedule,
    JobPlacement,
    ModelSize,
    NodeSchedule,
    ObjectiveBreakdown,
    OptimiserError,
    OptimiserInput,
    Schedule,
    SiteSchedule,
)
from .model import Model, add_battery_exclusivity, build

SIMULTANEOUS_MW = 1e-5
MAX_EXCLUSIVITY_ROUNDS = 3


def _value(v) -> float:
    return float(v.varValue or 0.0) if v is not None else 0.0


# Measured on the benchmark (20 sites: 25 s -> 4 s): the root node piles up thousands of cuts
# on the event big-M rows and finds no incumbent; keeping fewer, younger cuts and spending more
# effort on primal heuristics finds a good schedule early.
HIGHS_OPTIONS = {"mip_heuristic_effort": 0.5, "mip_pool_soft_limit": 100, "mip_lp_age_limit": 5}


def _solvers(inp: OptimiserInput, limit_s: float) -> list[tuple[str, pulp.LpSolver]]:
    highs = ("highs", pulp.HiGHS(msg=False, timeLimit=limit_s, gapRel=inp.mip_gap, **HIGHS_OPTIONS))
    cbc = ("cbc", pulp.PULP_CBC_CMD(msg=False, timeLimit=limit_s, gapRel=inp.mip_gap))
    return [highs, cbc] if inp.solver == "highs" else [cbc, highs]


def _solve_once(m: Model, limit_s: float) -> tuple[str, str, float | None]:
    """Return (solver, status, gap); status is optimal or time_limit (feasible, not proven)."""
    errors = []
    for name, solver in _solvers(m.inp, limit_s):
        try:
            m.prob.solve(solver)
        except pulp.PulpSolverError as exc:
            errors.append(f"{name}: {exc}")
            continue
        if name == "highs":
            highs = m.prob.solverModel
            info = highs.getInfo()
            model_status = highs.modelStatusToString(highs.getModelStatus())
            if info.primal_solution_status != 2:  # no feasible solution
                errors.append(f"highs: {model_status}")
                continue
            optimal = highs.getModelStatus() == highs.getModelStatus().kOptimal
            gap = info.mip_gap if m.prob.isMIP() else 0.0
            if gap is not None and gap > 1e30:
                gap = None
            return name, "optimal" if optimal else "time_limit", gap
        if m.prob.status == pulp.LpStatusOptimal and m.prob.sol_status in (1, 2):
            status = "optimal" if m.prob.sol_status == 1 else "time_limit"
            return name, status, None
        errors.append(f"{name}: {pulp.LpStatus[m.prob.status]}")
    raise OptimiserError("no schedule: " + "; ".join(errors))


def _simultaneous(m: Model) -> set[tuple[int, int]]:
    return {
        (pos, t)
        for pos, bv in enumerate(m.batteries)
        for t in range(m.T)
        if _value(bv.ch[t]) > SIMULTANEOUS_MW and _value(bv.dis[t]) > SIMULTANEOUS_MW
    }


def _size(m: Model) -> ModelSize:
    variables = m.prob.variables()
    binaries = sum(1 for v in variables if v.cat == pulp.LpInteger)
    return ModelSize(len(variables), binaries, m.n_constraints)


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


def read_schedule(
    m: Model, solver: str, status: str, gap: float | None, build_s: float, solve_s: float
) -> Schedule:
    inp, h, T = m.inp, m.h, m.T
    sites: dict[str, SiteSchedule] = {}
    batch = [[0.0] * T for _ in inp.sites]
    jobs: list[JobPlacement] = []
    deferred_value = 0.0
    for jv in m.jobs:
        origin = inp.sites[jv.site_index]
        served_total = 0.0
        placements = []
        for d, xs in jv.x.items():
            it = [0.0] * T
            for t, v in xs.items():
                it[t] = _value(v)
                batch[d][t] += it[t]
            energy = h * sum(it)
            served_total += energy
            if energy > 1e-6:
                placements.append((d, it, energy))
        if not placements:
            placements.append((jv.site_index, [0.0] * T, 0.0))
        deferred = max(0.0, jv.job.energy_mwh - served_total)
        rebound = m.rebound[origin.node_code] * m.mean_pue(jv.site_index)
        deferred_value += rebound * deferred
        for k, (d, it, energy) in enumerate(placements):
            jobs.append(
                JobPlacement(
                    job_name=jv.job.name,
                    origin_site_code=origin.code,
                    site_code=inp.sites[d].code,
                    it_mw=it,
                    energy_mwh=energy,
                    deferred_mwh=deferred if k == 0 else 0.0,
                )
            )
    bats: dict[int, list[BatterySchedule]] = defaultdict(list)
    for bv in m.batteries:
        spec = inp.sites[bv.site_index].batteries[bv.battery_index]
        bats[bv.site_index].append(
            BatterySchedule(
                name=spec.name,
                charge_mw=[_value(v) for v in bv.ch],
                discharge_mw=[_value(v) for v in bv.dis],
                soc_mwh=[_value(v) for v in bv.soc],
            )
        )
    energy_cost = carbon_cost = reduction_revenue = 0.0
    for si, site in enumerate(inp.sites):
        load = [_value(v) for v in m.load[si]]
        inference = sum(w.it_mw for w in site.workloads if w.kind == "inference")
        training = [0.0] * T
        deferred_mwh = 0.0
        for wi, w in enumerate(site.workloads):
            if w.kind != "training":
                continue
            ys = m.training.get((si, wi))
            values = [_value(v) for v in ys] if ys else [w.it_mw] * T
            training = [a + b for a, b in zip(training, values, strict=True)]
            deferred_mwh += h * sum(w.it_mw - v for v in values)
        deferred_value += m.rebound[site.node_code] * m.mean_pue(si) * deferred_mwh
        price = inp.price_per_mwh[site.node_code]
        effective = m.price[site.node_code]
        energy_cost += h * sum(p * q for p, q in zip(price, load, strict=True))
        carbon_cost += h * sum((e - p) * q for e, p, q in zip(effective, price, load, strict=True))
        rp = (inp.reduction_price_per_mwh or {}).get(site.node_code)
        reduction_revenue += sum(h * rp[t] * _value(v) for t, v in m.red[si].items())
        u, thr = m.usual[si], m.threshold[si]
        r = m.reduced[si]
        if r:  # the model's own indicator where it has one
            reduced = [t in r and _value(r[t]) > 0.5 for t in range(T)]
        else:
            reduced = [u[t] - load[t] > thr + 1e-6 for t in range(T)]
        events = sum(1 for t in range(T) if reduced[t] and (t == 0 or not reduced[t - 1]))
        sites[site.code] = SiteSchedule(
            site_code=site.code,
            node_code=site.node_code,
            facility_mw=load,
            usual_facility_mw=list(u),
            pue=list(m.pue[si]),
            it_mw_by_kind={"inference": [inference] * T, "training": training, "batch": batch[si]},
            training_deferred_mwh=deferred_mwh,
            batteries=bats[si],
            reduced=reduced,
            events=events,
        )
    nodes: dict[str, NodeSchedule] = {}
    for s in sites.values():
        node = nodes.setdefault(s.node_code, NodeSchedule(s.node_code, [0.0] * T, [0.0] * T))
        node.facility_mw = [a + b for a, b in zip(node.facility_mw, s.facility_mw, strict=True)]
        node.usual_facility_mw = [
            a + b for a, b in zip(node.usual_facility_mw, s.usual_facility_mw, strict=True)
        ]
    penalty = 0.0
    for n, under in m.under.items():
        slack = [_value(a) - _value(b) for a, b in zip(under, m.over[n], strict=True)]
        nodes[n].slack_mw = slack
    if m.under:
        penalty = pulp.value(m.prob.objective) - (
            energy_cost + carbon_cost - reduction_revenue + deferred_value
        )
    return Schedule(
        interval_starts=list(inp.interval_starts),
        interval_hours=h,
        sites=sites,
        jobs=jobs,
        nodes=nodes,
        objective=ObjectiveBreakdown(
            energy_cost, carbon_cost, reduction_revenue, deferred_value, max(0.0, penalty)
        ),
        status=status,
        solver=solver,
        size=_size(m),
        build_seconds=build_s,
        solve_seconds=solve_s,
        mip_gap=gap,
    )


def _blocks(inp: OptimiserInput, award_mw) -> list[list[int]]:
    """Connected groups of sites: same organisation (relocation), same awarded node."""
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
    groups: dict[int, list[int]] = defaultdict(list)
    for si in range(len(inp.sites)):
        groups[find(si)].append(si)
    return list(groups.values())


def _merge(parts: list[Schedule]) -> Schedule:
    first = parts[0]
    statuses = {p.status for p in parts}
    gaps = [p.mip_gap for p in parts if p.mip_gap is not None]
    nodes: dict[str, NodeSchedule] = {}
    for p in parts:
        for n, ns in p.nodes.items():
            if n in nodes:  # a node split over blocks (never when it carries an award)
                agg = nodes[n]
                agg.facility_mw = [
                    a + b for a, b in zip(agg.facility_mw, ns.facility_mw, strict=True)
                ]
                agg.usual_facility_mw = [
                    a + b for a, b in zip(agg.usual_facility_mw, ns.usual_facility_mw, strict=True)
                ]
            else:
                nodes[n] = replace(ns)
    objective = ObjectiveBreakdown(
        *(
            sum(getattr(p.objective, f) for p in parts)
            for f in (
                "energy_cost",
                "carbon_cost",
                "reduction_revenue",
                "deferred_value",
                "slack_penalty",
            )
        )
    )
    size = parts[0].size
    for p in parts[1:]:
        size = size + p.size
    return Schedule(
        interval_starts=first.interval_starts,
        interval_hours=first.interval_hours,
        sites={code: s for p in parts for code, s in p.sites.items()},
        jobs=[j for p in parts for j in p.jobs],
        nodes=nodes,
        objective=objective,
        status="optimal" if statuses == {"optimal"} else "time_limit",
        solver="+".join(sorted({p.solver for p in parts})),
        size=size,
        build_seconds=sum(p.build_seconds for p in parts),
        solve_seconds=sum(p.solve_seconds for p in parts),
        mip_gap=max(gaps) if gaps else None,
        blocks=len(parts),
    )


def optimise(
    inp: OptimiserInput,
    *,
    award_mw: dict[str, list[float]] | None = None,
    penalty_per_mwh: float = 1e5,
    decompose: bool = False,
) -> Schedule:
    """The cheapest schedule of the portfolio against ``inp``'s prices (see ``model.py``).

    ``award_mw[node]`` fixes the node's total facility load per interval, with a slack
    penalised at ``penalty_per_mwh``. ``decompose`` solves independent blocks of sites apart.
    """
    if not inp.sites:
        raise OptimiserError("no sites")
    if not decompose:
        return _solve_block(inp, award_mw, penalty_per_mwh)
    parts = []
    for group in _blocks(inp, award_mw):
        sub = replace(inp, sites=[inp.sites[i] for i in group])
        nodes = {s.node_code for s in sub.sites}
        sub_award = {n: v for n, v in (award_mw or {}).items() if n in nodes} or None
        parts.append(_solve_block(sub, sub_award, penalty_per_mwh))
    return _merge(parts)
