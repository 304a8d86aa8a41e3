"""The portfolio scheduling MIP: every site and interval of the horizon in one PuLP problem.

Sets: sites s (node n(s), organisation o(s)), intervals t = 0..T-1 of length h hours, training
classes w, batch jobs j (origin site s(j), window W_j = the intervals lying wholly inside
[release, deadline)), destinations D_j = {s(j)} plus, for a movable job, the K other sites of
o(s(j)) at the cheapest nodes, batteries b. Data per site: PUE p[s,t], usual facility load
u[s,t] (inference + training it_mw + batch jobs at their even rate, times PUE, capped by the IT
capacity and the grid: the envelope's baseline), lower bound lo[s,t] = min(min_load, u[s,t]),
effective price c[n,t] = price + carbon price x intensity, rebound price cbar[n] = mean_t c[n,t]
(or given), mean PUE pbar[s].

Variables (MW unless said): L[s,t] facility load; y[w,t] training IT; x[j,d,t] IT of job j at
destination d; ch/dis[b,t], soc[b,t] (MWh, end of interval); z[j,d] binary (job j runs at d);
r[s,t] binary (interval is a reduction event); st[s,t] in [0,1] event start; red[s,t] reduction
paid for; under/over[n,t] award slack (only in the dispatch re-solve).

Constraints:
    L = p (inference + sum_w y + sum_{j,d=s} x) + sum_b (ch - dis)           (facility load)
    lo <= L <= grid;  |L[t] - L[t-1]| <= ramp x 60 h,  L[-1] = u[s,0]            (limits, ramp)
    floor_w <= y[w,t] <= it_w;  h sum_t (it_w - y[w,t]) <= it_w x max_deferral_w (deferral)
    0 <= x <= max_it_j on W_j only (x does not exist outside the window: never outside it)
    E_j - max_it_j x (window hours outside the horizon) <= h sum_{d,t} x <= E_j (served)
    sum_d z[j,d] = 1,  h sum_t x[j,d,t] <= E_j z[j,d],  x[j,d,t] <= max_it_j z[j,d]
        (a job runs at one site; the last row is implied by the others for binary z but cuts
        off the relaxation's split jobs: on the benchmark it closes 60% of the root gap)
    sum_{j in w, d = s} x <= it_w (class pool);  IT[s,t] <= it_capacity_s (incoming included)
    soc[t] = soc[t-1] + h (eta_c ch - dis / eta_d), soc[-1] = soc[T-1] = nominal,
    reserve <= soc <= energy, 0 <= ch, dis <= power                       (battery)
    u - L <= thr + (u - lo - thr) r;  L <= grid - (grid - u + thr) r   (r = 1 iff reduced
        by at least thr; r = 0 leaves the load free to rise; lo here is the deepest load the
        site can reach: min load, rigid IT x PUE - battery power, ramp down from u[0]);
    st[t] >= r[t] - r[t-1];  sum_t st <= max_events  (events)
    red <= (u - lo) r;  red <= u - L + (grid - u)(1 - r)             (paid reduction, r = 1 only)
    sum_{s at n} L[s,t] + under - over = award[n,t]                       (dispatch re-solve)

Minimise  h sum c[n,t] L[s,t] - h sum rp[n,t] red[s,t]
          + sum_w cbar pbar h sum_t (it_w - y[w,t]) + sum_j cbar pbar (E_j - h sum x)
          + penalty h sum (under + over).
Deferred work is charged at the rebound price (it runs later), so curtailing pays only when
the price now beats it. Simultaneous charge and discharge only raises the load, which never pays
while prices are positive; the solve adds an exclusivity binary ``ch <= P q, dis <= P (1 - q)``
for a battery-interval only where a solution does both (see ``solve.optimise``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import pulp

from sites.power import site_pue
from sites.specs import JobSpec, SiteSpec

from .inputs import OptimiserError, OptimiserInput

EPS = 1e-9


@dataclass
class JobVars:
    site_index: int  # origin
    workload_index: int
    job: JobSpec
    window: list[int]
    min_energy_mwh: float
    x: dict[int, dict[int, pulp.LpVariable]] = field(default_factory=dict)  # dest -> t -> var
    z: dict[int, pulp.LpVariable] = field(default_factory=dict)


@dataclass
class BatteryVars:
    site_index: int
    battery_index: int
    ch: list[pulp.LpVariable]
    dis: list[pulp.LpVariable]
    soc: list[pulp.LpVariable]
    exclusive: dict[int, pulp.LpVariable] = field(default_factory=dict)


class Model:
    """The problem under construction, its variables, and the site data they were built from."""

    def __init__(self, inp: OptimiserInput, award_mw: dict[str, list[float]] | None = None):
        self.inp = inp
        self.award_mw = award_mw
        self.prob = pulp.LpProblem("portfolio", pulp.LpMinimize)
        self.T = len(inp.interval_starts)
        self.h = inp.interval_hours
        self.price = {n: inp.effective_price(n) for n in inp.nodes}
        given = inp.rebound_price_per_mwh or {}
        self.rebound = {n: given.get(n, sum(v) / len(v)) for n, v in self.price.items()}
        self.pue: list[list[float]] = []
        self.usual: list[list[float]] = []
        self.lo: list[list[float]] = []
        self.threshold: list[float] = []
        self.load: list[list[pulp.LpVariable]] = []
        self.it_terms: list[list[list[tuple[pulp.LpVariable, float]]]] = []
        self.it_const: list[float] = []
        self.it_max: list[list[float]] = []
        self.training: dict[tuple[int, int], list[pulp.LpVariable]] = {}
        self.jobs: list[JobVars] = []
        self.batteries: list[BatteryVars] = []
        self.reduced: list[dict[int, pulp.LpVariable]] = []
        self.starts: list[dict[int, pulp.LpVariable]] = []
        self.red: list[dict[int, pulp.LpVariable]] = []
        self.under: dict[str, list[pulp.LpVariable]] = {}
        self.over: dict[str, list[pulp.LpVariable]] = {}
        self.n_constraints = 0
        self.objective_terms: list[tuple[pulp.LpVariable, float]] = []
        self.objective_constant = 0.0

    def add(self, terms, sense: int, rhs: float) -> None:
        self.prob.addConstraint(
            pulp.LpConstraint(pulp.LpAffineExpression(terms), sense, rhs=rhs),
            name=f"c{self.n_constraints}",
        )
        self.n_constraints += 1

    def mean_pue(self, si: int) -> float:
        return sum(self.pue[si]) / self.T


def _usual_it(site: SiteSpec, starts, h: float) -> list[float]:
    base = sum(w.it_mw for w in site.workloads if w.kind in ("inference", "training"))
    usual = [base] * len(starts)
    for w in site.workloads:
        if w.kind != "batch":
            continue
        for job in w.jobs:
            rate = job.energy_mwh / ((job.deadline_at - job.release_at).total_seconds() / 3600)
            for t, start in enumerate(starts):
                if job.release_at <= start < job.deadline_at:
                    usual[t] += rate
    return [min(v, site.it_capacity_mw) for v in usual]


def add_site_data(m: Model) -> None:
    """PUE, usual load, lower bound and event threshold per site; the load variables L[s,t]."""
    inp = m.inp
    for si, site in enumerate(inp.sites):
        pue = [site_pue(site, t) for t in inp.interval_starts]
        usual_it = _usual_it(site, inp.interval_starts, m.h)
        usual = [min(it * p, site.grid_connection_mw) for it, p in zip(usual_it, pue, strict=True)]
        lo = [min(site.min_load_mw, u) for u in usual]
        m.pue.append(pue)
        m.usual.append(usual)
        m.lo.append(lo)
        m.threshold.append(max(inp.event_threshold_mw, inp.event_threshold_fraction * max(usual)))
        ramp = site.ramp_limit_mw_per_min * m.h * 60.0
        upper0 = min(site.grid_connection_mw, usual[0] + ramp)
        lower0 = max(lo[0], usual[0] - ramp)
        row = [
            pulp.LpVariable(
                f"L_{si}_{t}",
                lower0 if t == 0 else lo[t],
                upper0 if t == 0 else site.grid_connection_mw,
            )
            for t in range(m.T)
        ]
        m.load.append(row)
        m.it_terms.append([[] for _ in range(m.T)])
        m.it_const.append(sum(w.it_mw for w in site.workloads if w.kind == "inference"))
        m.it_max.append([m.it_const[-1]] * m.T)


def add_training(m: Model) -> None:
    """y[w,t] in [floor, it]; h sum_t (it - y) <= it x max_deferral_hours; rebound charged."""
    for si, site in enumerate(m.inp.sites):
        cbar_pbar = m.rebound[site.node_code] * m.mean_pue(si)
        for wi, w in enumerate(site.workloads):
            if w.kind != "training":
                continue
            m.it_max[si] = [v + w.it_mw for v in m.it_max[si]]
            flexible = w.max_deferral_hours > 0 and w.it_mw - w.floor_it_mw > EPS
            if not flexible:
                m.it_const[si] += w.it_mw
                continue
            y = [pulp.LpVariable(f"y_{si}_{wi}_{t}", w.floor_it_mw, w.it_mw) for t in range(m.T)]
            m.training[si, wi] = y
            for t in range(m.T):
                m.it_terms[si][t].append((y[t], 1.0))
            rhs = m.T * w.it_mw - w.it_mw * w.max_deferral_hours / m.h
            if rhs > m.T * w.floor_it_mw + EPS:
                m.add([(v, 1.0) for v in y], pulp.LpConstraintGE, rhs)
            m.objective_constant += cbar_pbar * m.h * m.T * w.it_mw
            m.objective_terms.extend((v, -cbar_pbar * m.h) for v in y)


def _window(job: JobSpec, starts, h: float) -> list[int]:
    length = h * 3600.0
    return [
        t
        for t, start in enumerate(starts)
        if job.release_at <= start and (job.deadline_at - start).total_seconds() >= length - 1e-6
    ]


def _destinations(m: Model) -> dict[int, list[int]]:
    """For each site, the K other sites of its organisation at the cheapest nodes."""
    k = m.inp.relocation_candidates
    by_org: dict[int, list[int]] = defaultdict(list)
    for si, site in enumerate(m.inp.sites):
        by_org[site.organisation_id].append(si)
    out: dict[int, list[int]] = {}
    for members in by_org.values():
        ranked = sorted(members, key=lambda i: (m.rebound[m.inp.sites[i].node_code], i))
        for si in members:
            out[si] = [d for d in ranked if d != si][:k] if k > 0 else []
    return out


def add_jobs(m: Model) -> None:
    """x[j,d,t] on the window only; served energy bounds; one site per job; class pools."""
    inp, h = m.inp, m.h
    destinations = _destinations(m)
    for si, site in enumerate(inp.sites):
        cbar_pbar = m.rebound[site.node_code] * m.mean_pue(si)
        for wi, w in enumerate(site.workloads):
            if w.kind != "batch":
                continue
            pool: list[list[tuple[pulp.LpVariable, float]]] = [[] for _ in range(m.T)]
            pool_max = [0.0] * m.T
            for ji, job in enumerate(w.jobs):
                window = _window(job, inp.interval_starts, h)
                window_h = (job.deadline_at - job.release_at).total_seconds() / 3600.0
                if job.energy_mwh > job.max_it_mw * window_h + 1e-6:
                    raise OptimiserError(
                        f"job {job.name} at {site.code}: energy exceeds its window"
                    )
                outside_h = window_h - h * len(window)
                need = max(0.0, job.energy_mwh - job.max_it_mw * outside_h)
                jv = JobVars(si, wi, job, window, need)
                dests = [si] + (destinations[si] if job.movable else [])
                if not window:
                    dests = []
                for d in dests:
                    jv.x[d] = {
                        t: pulp.LpVariable(f"x_{si}_{wi}_{ji}_{d}_{t}", 0, job.max_it_mw)
                        for t in window
                    }
                    for t, v in jv.x[d].items():
                        m.it_terms[d][t].append((v, 1.0))
                        m.it_max[d][t] += job.max_it_mw
                for t in window:
                    pool[t].append((jv.x[si][t], 1.0))
                    pool_max[t] += job.max_it_mw
                served = [(v, h) for d in dests for v in jv.x[d].values()]
                if len(dests) > 1:
                    for d in dests:
                        jv.z[d] = pulp.LpVariable(f"z_{si}_{wi}_{ji}_{d}", cat=pulp.LpBinary)
                        terms = [(v, h) for v in jv.x[d].values()] + [(jv.z[d], -job.energy_mwh)]
                        m.add(terms, pulp.LpConstraintLE, 0.0)
                        for v in jv.x[d].values():  # x <= max_it z: tightens the relaxation
                            m.add([(v, 1.0), (jv.z[d], -job.max_it_mw)], pulp.LpConstraintLE, 0.0)
                    m.add([(z, 1.0) for z in jv.z.values()], pulp.LpConstraintEQ, 1.0)
                if served and need >= job.energy_mwh - EPS:
                    m.add(served, pulp.LpConstraintEQ, job.energy_mwh)
                else:
                    if served and len(dests) == 1:
                        m.add(served, pulp.LpConstraintLE, job.energy_mwh)
                    if need > EPS:
                        m.add(served, pulp.LpConstraintGE, need)
                    m.objective_constant += cbar_pbar * job.energy_mwh
                    m.objective_terms.extend((v, -cbar_pbar * c) for v, c in served)
                m.jobs.append(jv)
            for t in range(m.T):
                if pool_max[t] > w.it_mw + EPS:
                    m.add(pool[t], pulp.LpConstraintLE, w.it_mw)


def add_batteries(m: Model) -> None:
    """soc[t] = soc[t-1] + h (eta_c ch[t] - dis[t] / eta_d); reserve <= soc <= energy."""
    h = m.h
    for si, site in enumerate(m.inp.sites):
        for bi, b in enumerate(site.batteries):
            if b.reserve_mwh > b.nominal_soc_mwh + EPS or b.nominal_soc_mwh > b.energy_mwh + EPS:
                raise OptimiserError(f"battery {b.name} at {site.code}: nominal soc out of range")
            ch = [pulp.LpVariable(f"ch_{si}_{bi}_{t}", 0, b.power_mw) for t in range(m.T)]
            dis = [pulp.LpVariable(f"dis_{si}_{bi}_{t}", 0, b.power_mw) for t in range(m.T)]
            soc = [
                pulp.LpVariable(f"soc_{si}_{bi}_{t}", b.reserve_mwh, b.energy_mwh)
                for t in range(m.T)
            ]
            soc[-1].lowBound = soc[-1].upBound = b.nominal_soc_mwh
            for t in range(m.T):
                terms = [(soc[t], 1.0), (ch[t], -h * b.charge_efficiency)]
                terms.append((dis[t], h / b.discharge_efficiency))
                if t:
                    terms.append((soc[t - 1], -1.0))
                m.add(terms, pulp.LpConstraintEQ, 0.0 if t else b.nominal_soc_mwh)
            m.batteries.append(BatteryVars(si, bi, ch, dis, soc))


def add_battery_exclusivity(m: Model, pairs: set[tuple[int, int]]) -> None:
    """For each (battery position, t) in ``pairs``: ch <= P q, dis <= P (1 - q), q binary."""
    for bpos, t in sorted(pairs):
        bv = m.batteries[bpos]
        power = m.inp.sites[bv.site_index].batteries[bv.battery_index].power_mw
        q = pulp.LpVariable(f"q_{bpos}_{t}", cat=pulp.LpBinary)
        bv.exclusive[t] = q
        m.add([(bv.ch[t], 1.0), (q, -power)], pulp.LpConstraintLE, 0.0)
        m.add([(bv.dis[t], 1.0), (q, power)], pulp.LpConstraintLE, power)


def add_load_balance(m: Model) -> None:
    """L[s,t] - p[s,t] IT[s,t] - sum ch + sum dis = p[s,t] x fixed IT; IT capacity."""
    bat_terms: list[list[list[tuple[pulp.LpVariable, float]]]] = [
        [[] for _ in range(m.T)] for _ in m.inp.sites
    ]
    for bv in m.batteries:
        for t in range(m.T):
            bat_terms[bv.site_index][t] += [(bv.ch[t], -1.0), (bv.dis[t], 1.0)]
    for si, site in enumerate(m.inp.sites):
        const = m.it_const[si]
        for t in range(m.T):
            p = m.pue[si][t]
            terms = [(m.load[si][t], 1.0)] + [(v, -p * c) for v, c in m.it_terms[si][t]]
            m.add(terms + bat_terms[si][t], pulp.LpConstraintEQ, p * const)
            if m.it_max[si][t] > site.it_capacity_mw + EPS:
                m.add(m.it_terms[si][t], pulp.LpConstraintLE, site.it_capacity_mw - const)


def add_ramp(m: Model) -> None:
    """-R <= L[t] - L[t-1] <= R with R = ramp_limit_mw_per_min x 60 h (t = 0 is in the bounds)."""
    for si, site in enumerate(m.inp.sites):
        ramp = site.ramp_limit_mw_per_min * m.h * 60.0
        if ramp >= site.grid_connection_mw:
            continue
        row = m.load[si]
        for t in range(1, m.T):
            m.add([(row[t], 1.0), (row[t - 1], -1.0)], pulp.LpConstraintLE, ramp)
            m.add([(row[t], 1.0), (row[t - 1], -1.0)], pulp.LpConstraintGE, -ramp)


def _deepest_load(m: Model, si: int) -> list[float]:
    """The lowest facility load site ``si`` can reach per interval (lo[s,t] of the docstring):
    the larger of min(min_load, u), PUE x (inference + training floors) - battery power, and
    the ramp down from u[0]. Every reduction is at most u - lo, so u - lo is the big-M."""
    site = m.inp.sites[si]
    rigid = sum(w.it_mw for w in site.workloads if w.kind == "inference")
    rigid += sum(
        w.floor_it_mw if w.max_deferral_hours > 0 else w.it_mw
        for w in site.workloads
        if w.kind == "training"
    )
    battery = sum(b.power_mw for b in site.batteries)
    ramp = site.ramp_limit_mw_per_min * m.h * 60.0
    return [
        max(m.lo[si][t], m.pue[si][t] * rigid - battery, m.usual[si][0] - ramp * (t + 1))
        for t in range(m.T)
    ]


def add_events_and_reduction(m: Model) -> None:
    """Event indicator r, starts st (sum <= max_events) and the paid reduction red (see above)."""
    inp = m.inp
    for si, site in enumerate(inp.sites):
        u, thr, grid = m.usual[si], m.threshold[si], site.grid_connection_mw
        lo = _deepest_load(m, si)
        rp = (inp.reduction_price_per_mwh or {}).get(site.node_code)
        paid = [t for t in range(m.T) if rp and rp[t] > 0]
        limit_binds = 2 * site.max_events_per_day < m.T
        candidates = [t for t in range(m.T) if u[t] - lo[t] > thr + EPS]
        r: dict[int, pulp.LpVariable] = {}
        st: dict[int, pulp.LpVariable] = {}
        red: dict[int, pulp.LpVariable] = {}
        if limit_binds or paid:
            for t in candidates:
                r[t] = pulp.LpVariable(f"r_{si}_{t}", cat=pulp.LpBinary)
                load = m.load[si][t]
                m.add(
                    [(load, -1.0), (r[t], -(u[t] - lo[t] - thr))], pulp.LpConstraintLE, thr - u[t]
                )
                # L <= u - thr when r = 1, L <= grid when r = 0 (load may rise above usual)
                m.add([(load, 1.0), (r[t], thr + grid - u[t])], pulp.LpConstraintLE, grid)
        if limit_binds and r:
            for t in candidates:
                st[t] = pulp.LpVariable(f"st_{si}_{t}", 0, 1)
                terms = [(st[t], 1.0), (r[t], -1.0)]
                if t - 1 in r:
                    terms.append((r[t - 1], 1.0))
                m.add(terms, pulp.LpConstraintGE, 0.0)
            m.add([(v, 1.0) for v in st.values()], pulp.LpConstraintLE, site.max_events_per_day)
        for t in paid:
            if t not in r:
                continue
            red[t] = pulp.LpVariable(f"red_{si}_{t}", 0, u[t] - lo[t])
            m.add([(red[t], 1.0), (r[t], -(u[t] - lo[t]))], pulp.LpConstraintLE, 0.0)
            slack = site.grid_connection_mw - u[t]
            terms = [(red[t], 1.0), (m.load[si][t], 1.0), (r[t], slack)]
            m.add(terms, pulp.LpConstraintLE, site.grid_connection_mw)
            m.objective_terms.append((red[t], -m.h * rp[t]))
        m.reduced.append(r)
        m.starts.append(st)
        m.red.append(red)


def add_award(m: Model, penalty_per_mwh: float) -> None:
    """sum_{s at n} L[s,t] + under[n,t] - over[n,t] = award[n,t], slack penalised."""
    by_node: dict[str, list[int]] = defaultdict(list)
    for si, site in enumerate(m.inp.sites):
        by_node[site.node_code].append(si)
    for node, award in (m.award_mw or {}).items():
        if node not in by_node:
            raise OptimiserError(f"award for node {node}, where the portfolio has no site")
        m.under[node] = [pulp.LpVariable(f"under_{node}_{t}", 0) for t in range(m.T)]
        m.over[node] = [pulp.LpVariable(f"over_{node}_{t}", 0) for t in range(m.T)]
        for t in range(m.T):
            terms = [(m.load[si][t], 1.0) for si in by_node[node]]
            terms += [(m.under[node][t], 1.0), (m.over[node][t], -1.0)]
            m.add(terms, pulp.LpConstraintEQ, award[t])
            m.objective_terms += [
                (m.under[node][t], penalty_per_mwh * m.h),
                (m.over[node][t], penalty_per_mwh * m.h),
            ]


def set_objective(m: Model) -> None:
    """h sum c L - h sum rp red + rebound value of deferred work + award slack penalty."""
    h = m.h
    terms = list(m.objective_terms)
    for si, site in enumerate(m.inp.sites):
        price = m.price[site.node_code]
        terms.extend((v, h * price[t]) for t, v in enumerate(m.load[si]))
    m.prob.setObjective(pulp.LpAffineExpression(terms, constant=m.objective_constant))


def build(
    inp: OptimiserInput,
    *,
    award_mw: dict[str, list[float]] | None = None,
    penalty_per_mwh: float = 1e5,
    exclusive: set[tuple[int, int]] | None = None,
) -> Model:
    """Build the whole MIP (see the module docstring). ``exclusive`` lists (battery position,
    interval) pairs that get a charge/discharge exclusivity binary."""
    m = Model(inp, award_mw)
    add_site_data(m)
    add_training(m)
    add_jobs(m)
    add_batteries(m)
    add_battery_exclusivity(m, exclusive or set())
    add_load_balance(m)
    add_ramp(m)
    add_events_and_reduction(m)
    if award_mw:
        add_award(m, penalty_per_mwh)
    set_objective(m)
    return m
