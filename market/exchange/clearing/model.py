"""The clearing LP in PuLP: the readable reference of the maths (docs/exchange.md), one
function per concern. ``highs.py`` builds the same LP as arrays straight into HiGHS, which is
what ``clear`` uses by default; this build is kept for CBC and as the reference the tests hold
both builds to (each against pandapower).

DC optimal power flow, angle formulation, all intervals together.

Sets: nodes n, lines l (from f(l) to o(l), reactance x_l p.u. (negative: a series capacitor),
phase shift phi_l rad, limit F_l MW), generators i at
node n(i), bid segments k at node n(k) and interval t(k), intervals t.

Variables (MW): g[i,t] generator output, b[k] accepted part of a bid segment, shed[n,t] unserved
inelastic load, spill[n,t] dumped surplus, theta[n,t] voltage angle (rad, 0 at the slack node).

Minimise  sum_t ( sum_i c_i g[i,t] + sum_{k reduction} p_k b[k] - sum_{k demand} p_k b[k]
                  + cap * shed[n,t] - floor * spill[n,t] )          (= minus social welfare)

subject to, for every node n and interval t (the dual is the price, LMP[n,t]):
    sum_{i at n} g[i,t] + sum_{k reduction at n,t} b[k] + shed[n,t]
      - sum_{k demand at n,t} b[k] - spill[n,t] - sum_{l from n} flow[l,t] + sum_{l to n} flow[l,t]
      = D[n,t]
with flow[l,t] = base_mva * (theta[f(l),t] - theta[o(l),t] - phi_l) / x_l, and
    -F_l <= flow[l,t] <= F_l                      (line limits; shadow prices from the duals)
    min_i' <= g[i,t] <= A[i,t]                    (min_i' = min(min_i, A[i,t]): must-run floor)
    -R_i <= g[i,t] - g[i,t-1] <= R_i              (ramp limits couple the intervals)
    0 <= b[k] <= q_k, 0 <= shed <= D, spill >= 0

Every price per MWh multiplies MW over one interval; the interval length is a common factor of
the objective and is left out, so the balance duals are already currency per MWh. Unserved load
is bought at the cap and surplus is dumped at the floor, so every LMP lies in [floor, cap].
Ties are broken by a tiny cost tilt by rank (see ``problem.tilt``), so equal offers clear in a fixed
order and the same case always gives the same answer.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict

import pulp

from .problem import ClearingCase, ClearingError, ClearingOutcome, check_case, ranks, tilt

__all__ = ["ClearingError", "build", "clear_pulp", "read_outcome", "solve"]


class _Model:
    """The LP under construction: the problem, its variables, and the constraints we read back."""

    def __init__(self, case: ClearingCase) -> None:
        self.case = case
        self.prob = pulp.LpProblem("clearing", pulp.LpMinimize)
        self.T = range(case.n_intervals)
        self.node_index = {n: j for j, n in enumerate(case.nodes)}
        self.g: list[list[pulp.LpVariable]] = []
        self.b: list[pulp.LpVariable] = []
        self.shed: dict[tuple[int, int], pulp.LpVariable] = {}
        self.spill: dict[tuple[int, int], pulp.LpVariable] = {}
        self.theta: list[list[pulp.LpVariable | None]] = []
        self.flow: list[list[pulp.LpAffineExpression]] = []
        self.balance: list[list[pulp.LpConstraint]] = []
        self.line_upper: dict[tuple[int, int], pulp.LpConstraint] = {}
        self.line_lower: dict[tuple[int, int], pulp.LpConstraint] = {}


def add_variables(m: _Model) -> None:
    """Generator outputs, accepted bid segments, slack (shed, spill) and angles, with bounds."""
    case = m.case
    for i, gen in enumerate(case.generators):
        row = []
        for t in m.T:
            upper = max(0.0, gen.available_mw[t])
            row.append(pulp.LpVariable(f"g_{i}_{t}", min(gen.min_mw, upper), upper))
        m.g.append(row)
    for k, seg in enumerate(case.bids):
        m.b.append(pulp.LpVariable(f"b_{k}", 0, seg.quantity_mw))
    slack = case.slack_node or case.nodes[0]
    for j, node in enumerate(case.nodes):
        load = case.demand_mw.get(node) or [0.0] * case.n_intervals
        row = []
        for t in m.T:
            m.shed[j, t] = pulp.LpVariable(f"shed_{j}_{t}", 0, max(0.0, load[t]))
            m.spill[j, t] = pulp.LpVariable(f"spill_{j}_{t}", 0)
            row.append(None if node == slack else pulp.LpVariable(f"theta_{j}_{t}"))
        m.theta.append(row)


def add_flow_expressions(m: _Model) -> None:
    """``flow[l,t] = base_mva * (theta_from - theta_to - phi_l) / x_l`` as affine expressions
    (the phase shift is their constant)."""
    for line in m.case.lines:
        susceptance = m.case.base_mva / line.reactance_pu
        shift_mw = -susceptance * math.radians(line.phase_shift_deg)
        f, o = m.node_index[line.from_node], m.node_index[line.to_node]
        row = []
        for t in m.T:
            terms = []
            if m.theta[f][t] is not None:
                terms.append((m.theta[f][t], susceptance))
            if m.theta[o][t] is not None:
                terms.append((m.theta[o][t], -susceptance))
            row.append(pulp.LpAffineExpression(terms, constant=shift_mw))
        m.flow.append(row)


def add_balance_constraints(m: _Model) -> None:
    """Nodal balance per node and interval; its dual is the locational marginal price."""
    case = m.case
    # Coefficients are summed per variable: an angle appears once per line at the node, and
    # LpAffineExpression keeps only the last coefficient of a repeated variable.
    terms: dict[tuple[int, int], dict] = defaultdict(lambda: defaultdict(float))
    # A phase shift is a constant in the flow: it moves to the right-hand side.
    constant: dict[tuple[int, int], float] = defaultdict(float)
    for i, gen in enumerate(case.generators):
        j = m.node_index[gen.node]
        for t in m.T:
            terms[j, t][m.g[i][t]] += 1.0
    for k, seg in enumerate(case.bids):
        terms[m.node_index[seg.node], seg.interval][m.b[k]] += (
            1.0 if seg.side == "reduction" else -1.0
        )
    for li, line in enumerate(case.lines):
        f, o = m.node_index[line.from_node], m.node_index[line.to_node]
        for t in m.T:
            for var, coef in m.flow[li][t].items():
                terms[f, t][var] -= coef
                terms[o, t][var] += coef
            constant[f, t] -= m.flow[li][t].constant
            constant[o, t] += m.flow[li][t].constant
    for j, node in enumerate(case.nodes):
        load = case.demand_mw.get(node) or [0.0] * case.n_intervals
        row = []
        for t in m.T:
            node_terms = terms[j, t]
            node_terms[m.shed[j, t]] += 1.0
            node_terms[m.spill[j, t]] -= 1.0
            expr = pulp.LpAffineExpression(list(node_terms.items()))
            rhs = float(load[t]) - constant[j, t]
            con = pulp.LpConstraint(expr, pulp.LpConstraintEQ, f"bal_{j}_{t}", rhs)
            m.prob.addConstraint(con, f"bal_{j}_{t}")
            row.append(con)
        m.balance.append(row)


def add_line_limits(m: _Model) -> None:
    """``-F_l <= flow[l,t] <= F_l`` for every line with a limit."""
    for li, line in enumerate(m.case.lines):
        if line.limit_mw is None:
            continue
        for t in m.T:
            expr = m.flow[li][t]
            up = pulp.LpConstraint(expr, pulp.LpConstraintLE, f"lu_{li}_{t}", line.limit_mw)
            lo = pulp.LpConstraint(expr, pulp.LpConstraintGE, f"ll_{li}_{t}", -line.limit_mw)
            m.prob.addConstraint(up, f"lu_{li}_{t}")
            m.prob.addConstraint(lo, f"ll_{li}_{t}")
            m.line_upper[li, t] = up
            m.line_lower[li, t] = lo


def add_ramp_limits(m: _Model) -> None:
    """``|g[i,t] - g[i,t-1]| <= R_i``, and from ``initial_mw`` into interval 0."""
    for i, gen in enumerate(m.case.generators):
        ramp = gen.ramp_mw_per_interval
        if ramp is None:
            continue
        g = m.g[i]
        if gen.initial_mw is not None:
            m.prob.addConstraint(
                pulp.LpConstraint(
                    pulp.LpAffineExpression([(g[0], 1.0)]),
                    pulp.LpConstraintLE,
                    f"ru_{i}_0",
                    gen.initial_mw + ramp,
                )
            )
            m.prob.addConstraint(
                pulp.LpConstraint(
                    pulp.LpAffineExpression([(g[0], 1.0)]),
                    pulp.LpConstraintGE,
                    f"rd_{i}_0",
                    gen.initial_mw - ramp,
                )
            )
        for t in range(1, m.case.n_intervals):
            step = pulp.LpAffineExpression([(g[t], 1.0), (g[t - 1], -1.0)])
            m.prob.addConstraint(pulp.LpConstraint(step, pulp.LpConstraintLE, f"ru_{i}_{t}", ramp))
            m.prob.addConstraint(pulp.LpConstraint(step, pulp.LpConstraintGE, f"rd_{i}_{t}", -ramp))


def set_objective(m: _Model) -> None:
    """Minus social welfare, with the rank tilt that makes tie-breaking deterministic."""
    case = m.case
    terms = []
    gen_rank = ranks(g.code for g in case.generators)
    for i, gen in enumerate(case.generators):
        cost = gen.marginal_cost_per_mwh + tilt(gen_rank[gen.code])
        terms.extend((m.g[i][t], cost) for t in m.T)
    bid_rank = ranks(s.key for s in case.bids)
    for k, seg in enumerate(case.bids):
        up = tilt(bid_rank[seg.key])
        if seg.side == "reduction":
            terms.append((m.b[k], seg.price_per_mwh + up))
        else:
            terms.append((m.b[k], -(seg.price_per_mwh - up)))
    for var in m.shed.values():
        terms.append((var, case.price_cap_per_mwh))
    for var in m.spill.values():
        terms.append((var, -case.price_floor_per_mwh))
    m.prob.setObjective(pulp.LpAffineExpression(terms))


def build(case: ClearingCase) -> _Model:
    check_case(case)
    m = _Model(case)
    add_variables(m)
    add_flow_expressions(m)
    add_balance_constraints(m)
    add_line_limits(m)
    add_ramp_limits(m)
    set_objective(m)
    return m


def solve(m: _Model, solvers: tuple[str, ...] = ("highs", "cbc")) -> str:
    """Solve with HiGHS (in-process); fall back to CBC when HiGHS is missing or fails."""
    limit = m.case.time_limit_seconds
    known = {
        "highs": lambda: pulp.HiGHS(msg=False, timeLimit=limit),
        "cbc": lambda: pulp.PULP_CBC_CMD(msg=False, timeLimit=limit),
    }
    solvers = [known[name]() for name in solvers]
    last_error = "no LP solver available"
    for solver in solvers:
        if not solver.available():
            continue
        try:
            status = m.prob.solve(solver)
        except pulp.PulpSolverError as exc:
            last_error = f"{solver.name}: {exc}"
            continue
        if status == pulp.LpStatusOptimal:
            return solver.name
        last_error = f"{solver.name}: {pulp.LpStatus[status]}"
    raise ClearingError(f"the clearing LP was not solved to optimality ({last_error})")


def _value(var) -> float:
    return float(var.varValue or 0.0)


def _clamp(price: float, case: ClearingCase) -> float:
    return min(max(price, case.price_floor_per_mwh), case.price_cap_per_mwh)


def read_outcome(m: _Model, solver_name: str, build_s: float, solve_s: float) -> ClearingOutcome:
    case = m.case
    prices = {
        node: [_clamp(float(m.balance[j][t].pi or 0.0), case) for t in m.T]
        for j, node in enumerate(case.nodes)
    }
    flows, shadows = {}, {}
    for li, line in enumerate(case.lines):
        flows[line.code] = [float(m.flow[li][t].value() or 0.0) for t in m.T]
        if line.limit_mw is None:
            shadows[line.code] = [0.0] * case.n_intervals
        else:
            shadows[line.code] = [
                abs(float(m.line_upper[li, t].pi or 0.0))
                + abs(float(m.line_lower[li, t].pi or 0.0))
                for t in m.T
            ]
    return ClearingOutcome(
        status="optimal",
        solver=solver_name,
        objective=float(pulp.value(m.prob.objective) or 0.0),
        prices=prices,
        flows_mw=flows,
        line_shadow_prices=shadows,
        generation_mw={
            gen.code: [_value(v) for v in m.g[i]] for i, gen in enumerate(case.generators)
        },
        awards_mw={seg.key: _value(m.b[k]) for k, seg in enumerate(case.bids)},
        unserved_mw={n: [_value(m.shed[j, t]) for t in m.T] for j, n in enumerate(case.nodes)},
        spilled_mw={n: [_value(m.spill[j, t]) for t in m.T] for j, n in enumerate(case.nodes)},
        build_seconds=build_s,
        solve_seconds=solve_s,
        variables=len(m.prob.variables()),
        constraints=len(m.prob.constraints),
        builder="pulp",
    )


def clear_pulp(
    case: ClearingCase, *, solvers: tuple[str, ...] = ("highs", "cbc")
) -> ClearingOutcome:
    """Build in PuLP, solve (HiGHS, else CBC) and read back. Raises :class:`ClearingError`."""
    started = time.perf_counter()
    m = build(case)
    built = time.perf_counter()
    solver_name = solve(m, solvers)
    solved = time.perf_counter()
    outcome = read_outcome(m, solver_name, built - started, solved - built)
    outcome.read_seconds = time.perf_counter() - solved
    return outcome
