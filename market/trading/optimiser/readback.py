"""Read a solved model back into a ``Schedule``, and merge the schedules of independent blocks.

The objective breakdown is recomputed from the values (energy and carbon cost from the loads,
reduction revenue from the paid reduction, deferred value from what training and jobs left for
after the horizon at the rebound price); the award slack penalty is what the solver's objective
holds beyond that.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace

import pulp

from .inputs import (
    BatterySchedule,
    JobPlacement,
    ModelSize,
    NodeSchedule,
    ObjectiveBreakdown,
    Schedule,
    SiteSchedule,
)
from .model import Model


def _value(v) -> float:
    return float(v.varValue or 0.0) if v is not None else 0.0


def model_size(m: Model) -> ModelSize:
    variables = m.prob.variables()
    binaries = sum(1 for v in variables if v.cat == pulp.LpInteger)
    return ModelSize(len(variables), binaries, m.n_constraints)


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
        size=model_size(m),
        build_seconds=build_s,
        solve_seconds=solve_s,
        mip_gap=gap,
    )


def merge_schedules(parts: list[Schedule]) -> Schedule:
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
