"""The clearing LP as arrays, straight into HiGHS: the LP of ``model.py`` (the maths in
docs/exchange.md) assembled with numpy and handed to ``highspy`` in one ``passModel`` call, so
no Python object is made per coefficient (PuLP's build was 30-45 % of a 118-bus day).

Every interval has the same block: the network and the fleet, only their bounds change (demand,
availability). ``T`` intervals, ``G`` generators, ``N`` nodes, ``L`` limited lines; a block's
columns and rows are, in this order::

    columns  g[i] (G), shed[n] (N), spill[n] (N), theta[n] (N-1: the slack's angle is 0)
    rows     balance[n] (N)   -B theta + sum g + shed - spill (+ bids)  =  D[n,t] - S[n]
             line[l] (L)      -F_l + s_l phi_l  <=  s_l (theta_f - theta_o)  <=  F_l + s_l phi_l

with ``s_l = base_mva / x_l`` (negative for a series capacitor) and ``phi_l`` the phase shift in
radians, so ``flow[l,t] = s_l (theta_f - theta_o - phi_l)``; ``B = sum_l s_l (e_f - e_o)(e_f -
e_o)^T`` is the nodal susceptance matrix (parallel lines summed into one coefficient) and ``S[n]
= sum_{l from n} s_l phi_l - sum_{l to n} s_l phi_l`` the phase shifters' constant. Bid
segments (``K``) are columns of their interval's balance rows. A line limit is one ranged row
where the PuLP build writes two inequalities: the same LP, the same duals.

Two ways to solve it, the same optimum:

- **joint**: the ``T`` blocks side by side (block t's columns at ``t*C``, rows at ``t*R``), the
  ``K`` bid columns after them, then the ramp rows ``-R_i <= g[i,t] - g[i,t-1] <= R_i`` (and
  from ``initial_mw`` into interval 0) that couple the blocks: one LP, as in ``model.py``.
- **by interval**, when no generator has a ramp limit (nothing couples the intervals, so the
  LP is ``T`` independent blocks): one block solved for interval 0, then for each next
  interval only bounds and the bid columns' costs change and HiGHS re-solves from the previous
  optimal basis, a few simplex iterations each. The bids sit in slots (the j-th bid of a node
  and side in its interval), so the block has as many bid columns as the busiest interval. On
  IEEE 300-bus x 96 this is some 35 times faster than the joint LP (``bench_exchange``);
  pandapower's DC-OPF, the reference, also solves the intervals one at a time.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass

import highspy
import numpy as np

from .problem import ClearingCase, ClearingError, ClearingOutcome, check_case, ranks, tilt

INF = highspy.kHighsInf


@dataclass
class Block:
    """One interval's block (local indices; the module docstring gives the layout), each
    interval's bounds as ``(T, C)`` and ``(T, R)`` arrays, and the bid columns."""

    case: ClearingCase
    n_cols: int  # C
    n_rows: int  # R
    rows: np.ndarray  # the block's matrix as (row, column, value) entries
    cols: np.ndarray
    vals: np.ndarray
    cost: np.ndarray  # (C,)
    col_lower: np.ndarray  # (T, C)
    col_upper: np.ndarray
    row_lower: np.ndarray  # (T, R)
    row_upper: np.ndarray
    bid_node: np.ndarray  # (K,): each bid's balance row within its interval's block
    bid_interval: np.ndarray
    bid_sign: np.ndarray  # +1 a reduction (supply), -1 demand
    bid_cost: np.ndarray
    bid_qty: np.ndarray
    bid_slot: np.ndarray  # (K,): the bid's column among the slots of the by-interval solve
    slot_node: np.ndarray  # (S,): each slot's balance row and sign
    slot_sign: np.ndarray
    free_nodes: np.ndarray  # the nodes with an angle column, in column order
    line_from: np.ndarray  # every line (limited or not)
    line_to: np.ndarray
    susceptance: np.ndarray
    shift_mw: np.ndarray  # s_l * phi_l
    limited: np.ndarray  # the lines with a limit, in row order

    @property
    def coupled(self) -> bool:
        """Whether ramp limits couple the intervals (then only the joint LP will do)."""
        return any(g.ramp_mw_per_interval is not None for g in self.case.generators)


def build_block(case: ClearingCase) -> Block:
    """The interval block of ``case`` and every interval's bounds."""
    check_case(case)
    T, N, G = case.n_intervals, len(case.nodes), len(case.generators)
    node = {code: j for j, code in enumerate(case.nodes)}
    slack = node[case.slack_node or case.nodes[0]]
    free_nodes = np.array([j for j in range(N) if j != slack], dtype=np.int64)
    angle = np.full(N, -1, dtype=np.int64)  # theta of node n is column theta0 + angle[n]
    angle[free_nodes] = np.arange(free_nodes.size)
    shed0, spill0, theta0 = G, G + N, G + 2 * N
    n_cols = theta0 + free_nodes.size

    # -- columns: costs and each interval's bounds -----------------------------------------
    gen_rank = ranks(g.code for g in case.generators)
    g_cost = [g.marginal_cost_per_mwh + tilt(gen_rank[g.code]) for g in case.generators]
    cost = np.concatenate(
        [
            np.array(g_cost, dtype=np.float64),
            np.full(N, case.price_cap_per_mwh),
            np.full(N, -case.price_floor_per_mwh),
            np.zeros(free_nodes.size),
        ]
    )
    avail = np.array([g.available_mw for g in case.generators], dtype=np.float64)
    avail = np.maximum(avail.reshape(G, T).T, 0.0)  # (T, G)
    g_min = np.array([g.min_mw for g in case.generators], dtype=np.float64)
    demand = np.zeros((T, N))
    for code, load in case.demand_mw.items():
        demand[:, node[code]] = load
    col_lower = np.concatenate(
        [np.minimum(g_min, avail), np.zeros((T, 2 * N)), np.full((T, free_nodes.size), -INF)],
        axis=1,
    )
    col_upper = np.concatenate(
        [avail, np.maximum(demand, 0.0), np.full((T, N + free_nodes.size), INF)], axis=1
    )

    # -- the network ---------------------------------------------------------------------------
    f = np.array([node[ln.from_node] for ln in case.lines], dtype=np.int64)
    o = np.array([node[ln.to_node] for ln in case.lines], dtype=np.int64)
    s = case.base_mva / np.array([ln.reactance_pu for ln in case.lines], dtype=np.float64)
    shift_mw = s * np.radians(np.array([ln.phase_shift_deg for ln in case.lines], np.float64))
    # B's entries, parallel lines summed: (f,f) and (o,o) get +s, (f,o) and (o,f) get -s.
    keys, where = np.unique(
        np.concatenate([f * N + f, o * N + o, f * N + o, o * N + f]), return_inverse=True
    )
    b_val = np.bincount(where, weights=np.concatenate([s, s, -s, -s]), minlength=keys.size)
    b_i, b_j = np.divmod(keys, N)
    keep = (angle[b_j] >= 0) & (b_val != 0.0)
    shift_at_node = np.bincount(f, weights=shift_mw, minlength=N) - np.bincount(
        o, weights=shift_mw, minlength=N
    )
    limited = np.array(
        [k for k, ln in enumerate(case.lines) if ln.limit_mw is not None], dtype=np.int64
    )
    limit = np.array([case.lines[k].limit_mw for k in limited], dtype=np.float64)
    n_rows = N + limited.size
    line_rows = N + np.arange(limited.size)
    ends = [(f[limited], s[limited]), (o[limited], -s[limited])]
    g_node = np.array([node[g.node] for g in case.generators], dtype=np.int64)
    entries = [
        (g_node, np.arange(G), np.ones(G)),
        (np.arange(N), shed0 + np.arange(N), np.ones(N)),
        (np.arange(N), spill0 + np.arange(N), -np.ones(N)),
        (b_i[keep], theta0 + angle[b_j[keep]], -b_val[keep]),
    ]
    entries += [
        (line_rows[angle[end] >= 0], theta0 + angle[end[angle[end] >= 0]], coef[angle[end] >= 0])
        for end, coef in ends
    ]
    rows, cols, vals = (np.concatenate(part) for part in zip(*entries, strict=True))
    balance = demand - shift_at_node  # (T, N)
    line_lower = np.broadcast_to(shift_mw[limited] - limit, (T, limited.size))
    row_lower = np.concatenate([balance, line_lower], axis=1)
    row_upper = np.concatenate([balance, line_lower + 2.0 * limit], axis=1)

    # -- bid segments ------------------------------------------------------------------------
    bid_rank = ranks(seg.key for seg in case.bids)
    reduction = np.array([seg.side == "reduction" for seg in case.bids], dtype=bool)
    price = np.array([seg.price_per_mwh for seg in case.bids], dtype=np.float64)
    up = np.array([tilt(bid_rank[seg.key]) for seg in case.bids], dtype=np.float64)
    bid_node = np.array([node[seg.node] for seg in case.bids], dtype=np.int64)
    bid_sign = np.where(reduction, 1.0, -1.0)
    # Slots for the by-interval solve: the j-th bid of one node and side within an interval takes
    # slot (node, side, j), whose matrix entry is the same in every interval; only its cost and
    # bound change. A day's bids then need as many columns as its busiest interval.
    taken: dict[tuple, int] = defaultdict(int)
    slot_of: dict[tuple, int] = {}
    bid_slot = np.empty(len(case.bids), dtype=np.int64)
    for k, seg in enumerate(case.bids):
        place = (bid_node[k], bid_sign[k], seg.interval)
        slot = slot_of.setdefault((bid_node[k], bid_sign[k], taken[place]), len(slot_of))
        taken[place] += 1
        bid_slot[k] = slot
    slots = np.array(list(slot_of), dtype=np.float64).reshape(len(slot_of), 3)
    return Block(
        case=case,
        n_cols=n_cols,
        n_rows=n_rows,
        rows=rows.astype(np.int64),
        cols=cols.astype(np.int64),
        vals=vals.astype(np.float64),
        cost=cost,
        col_lower=col_lower,
        col_upper=col_upper,
        row_lower=row_lower,
        row_upper=row_upper,
        bid_node=bid_node,
        bid_interval=np.array([seg.interval for seg in case.bids], dtype=np.int64),
        bid_sign=bid_sign,
        bid_cost=np.where(reduction, price + up, -(price - up)),
        bid_qty=np.array([seg.quantity_mw for seg in case.bids], dtype=np.float64),
        bid_slot=bid_slot,
        slot_node=slots[:, 0].astype(np.int64),
        slot_sign=slots[:, 1],
        free_nodes=free_nodes,
        line_from=f,
        line_to=o,
        susceptance=s,
        shift_mw=shift_mw,
        limited=limited,
    )


# -- passing arrays to HiGHS -------------------------------------------------------------------


def _csr(n_rows: int, rows: np.ndarray, cols: np.ndarray, vals: np.ndarray):
    order = np.argsort(rows, kind="stable")
    start = np.zeros(n_rows, dtype=np.int32)
    np.cumsum(np.bincount(rows, minlength=n_rows)[:-1], out=start[1:])
    return start, cols[order].astype(np.int32), vals[order]


def _highs(case, cost, col_lower, col_upper, row_lower, row_upper, rows, cols, vals):
    """A ``Highs`` holding this LP, passed in one call (row-wise sparse matrix)."""
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(case.time_limit_seconds))
    start, index, value = _csr(row_lower.size, rows, cols, vals)
    status = h.passModel(
        cost.size,
        row_lower.size,
        value.size,
        int(highspy.MatrixFormat.kRowwise),
        int(highspy.ObjSense.kMinimize),
        0.0,
        cost,
        col_lower,
        col_upper,
        row_lower,
        row_upper,
        start,
        index,
        value,
        # every column continuous (an empty array would be read as a missing one's pointer)
        np.zeros(cost.size, dtype=np.int32),
    )
    if status == highspy.HighsStatus.kError:
        raise ClearingError("HiGHS refused the clearing LP")
    return h


def _run(h: highspy.Highs, what: str) -> None:
    h.run()
    status = h.getModelStatus()
    if status != highspy.HighsModelStatus.kOptimal:
        raise ClearingError(f"HiGHS{what}: {h.modelStatusToString(status)}")


@dataclass
class _Solution:
    """Column values ``(T, C)`` and row duals ``(T, R)`` per block, and the bid columns."""

    x: np.ndarray
    y: np.ndarray
    bids: np.ndarray
    objective: float
    variables: int
    constraints: int


def joint_lp(block: Block) -> highspy.Highs:
    """All intervals in one LP, coupled by the ramp rows."""
    case = block.case
    T, C, R, K = case.n_intervals, block.n_cols, block.n_rows, block.bid_qty.size
    per_t = np.arange(T)[:, None]
    rows = [(per_t * R + block.rows).ravel(), block.bid_interval * R + block.bid_node]
    cols = [(per_t * C + block.cols).ravel(), T * C + np.arange(K)]
    vals = [np.tile(block.vals, T), block.bid_sign]
    lower, upper = [block.row_lower.ravel()], [block.row_upper.ravel()]
    n_rows = T * R
    # Ramp rows: g[i,t] is column t*C + i.
    ramped = [i for i, g in enumerate(case.generators) if g.ramp_mw_per_interval is not None]
    ramp = np.array([case.generators[i].ramp_mw_per_interval for i in ramped], np.float64)
    if ramped and T > 1:
        step = n_rows + np.arange(len(ramped) * (T - 1))
        now = (np.arange(1, T)[None, :] * C + np.array(ramped)[:, None]).ravel()
        rows += [step, step]
        cols += [now, now - C]
        vals += [np.ones(step.size), -np.ones(step.size)]
        lower.append(np.repeat(-ramp, T - 1))
        upper.append(np.repeat(ramp, T - 1))
        n_rows += step.size
    first = [
        (i, r)
        for i, r in zip(ramped, ramp, strict=True)
        if case.generators[i].initial_mw is not None
    ]
    if first:
        initial = np.array([case.generators[i].initial_mw for i, _ in first], np.float64)
        reach = np.array([r for _, r in first])
        row = n_rows + np.arange(len(first))
        rows.append(row)
        cols.append(np.array([i for i, _ in first], dtype=np.int64))
        vals.append(np.ones(len(first)))
        lower.append(initial - reach)
        upper.append(initial + reach)
        n_rows += len(first)
    return _highs(
        case,
        np.concatenate([np.tile(block.cost, T), block.bid_cost]),
        np.concatenate([block.col_lower.ravel(), np.zeros(K)]),
        np.concatenate([block.col_upper.ravel(), block.bid_qty]),
        np.concatenate(lower),
        np.concatenate(upper),
        np.concatenate(rows),
        np.concatenate(cols),
        np.concatenate(vals),
    )


def solve_joint(block: Block, h: highspy.Highs) -> _Solution:
    T, C, R = block.case.n_intervals, block.n_cols, block.n_rows
    _run(h, "")
    solution = h.getSolution()
    x = np.asarray(solution.col_value)
    y = np.asarray(solution.row_dual)
    return _Solution(
        x=x[: T * C].reshape(T, C),
        y=y[: T * R].reshape(T, R),
        bids=x[T * C :],
        objective=float(h.getInfo().objective_function_value),
        variables=h.getNumCol(),
        constraints=h.getNumRow(),
    )


def interval_lp(block: Block) -> highspy.Highs:
    """One block and the bid slots, costed and bounded for interval 0."""
    C, S = block.n_cols, block.slot_node.size
    cost, upper = _slots(block, 0)
    return _highs(
        block.case,
        np.concatenate([block.cost, cost]),
        np.concatenate([block.col_lower[0], np.zeros(S)]),
        np.concatenate([block.col_upper[0], upper]),
        block.row_lower[0],
        block.row_upper[0],
        np.concatenate([block.rows, block.slot_node]),
        np.concatenate([block.cols, C + np.arange(S)]),
        np.concatenate([block.vals, block.slot_sign]),
    )


def _slots(block: Block, t: int) -> tuple[np.ndarray, np.ndarray]:
    """Cost and upper bound of every slot in interval ``t`` (0 and 0 where no bid sits)."""
    mine = block.bid_interval == t
    cost, upper = np.zeros(block.slot_node.size), np.zeros(block.slot_node.size)
    cost[block.bid_slot[mine]] = block.bid_cost[mine]
    upper[block.bid_slot[mine]] = block.bid_qty[mine]
    return cost, upper


def solve_by_interval(block: Block, h: highspy.Highs) -> _Solution:
    """Interval after interval in one ``Highs``, each from the previous optimal basis; only for
    an uncoupled case (no ramp limits)."""
    case = block.case
    T, C, R, S = case.n_intervals, block.n_cols, block.n_rows, block.slot_node.size
    all_cols = np.arange(C + S, dtype=np.int32)
    all_rows = np.arange(R, dtype=np.int32)
    slot_cols = all_cols[C:]
    x, y = np.empty((T, C)), np.empty((T, R))
    bids = np.zeros(block.bid_qty.size)
    objective = 0.0
    deadline = time.perf_counter() + case.time_limit_seconds
    for t in range(T):
        if t:
            cost, upper = _slots(block, t)
            h.changeColsCost(S, slot_cols, cost)
            h.changeColsBounds(
                C + S,
                all_cols,
                np.concatenate([block.col_lower[t], np.zeros(S)]),
                np.concatenate([block.col_upper[t], upper]),
            )
            h.changeRowsBounds(R, all_rows, block.row_lower[t], block.row_upper[t])
            h.setOptionValue("time_limit", max(deadline - time.perf_counter(), 0.01))
        _run(h, f" in interval {t}")
        solution = h.getSolution()
        values = np.asarray(solution.col_value)
        x[t], y[t] = values[:C], solution.row_dual
        mine = block.bid_interval == t
        bids[mine] = values[C + block.bid_slot[mine]]
        objective += h.getInfo().objective_function_value
    return _Solution(x, y, bids, objective, T * C + block.bid_qty.size, T * R)


def read_outcome(block: Block, sol: _Solution) -> ClearingOutcome:
    """Prices, flows, dispatch and awards from the per-block solution."""
    case = block.case
    N, G = len(case.nodes), len(case.generators)
    x, y = sol.x.T, sol.y.T  # (C, T) and (R, T): one row per column or row of the block
    prices = np.clip(y[:N], case.price_floor_per_mwh, case.price_cap_per_mwh).tolist()
    theta = np.zeros((N, case.n_intervals))
    theta[block.free_nodes] = x[G + 2 * N :]
    flows = (
        block.susceptance[:, None] * (theta[block.line_from] - theta[block.line_to])
        - block.shift_mw[:, None]
    ).tolist()
    shadows = np.zeros((len(case.lines), case.n_intervals))
    shadows[block.limited] = np.abs(y[N:])
    shadows = shadows.tolist()
    generation, shed, spill = x[:G].tolist(), x[G : G + N].tolist(), x[G + N : G + 2 * N].tolist()
    awards = sol.bids.tolist()
    return ClearingOutcome(
        status="optimal",
        solver="HiGHS",
        objective=sol.objective,
        prices=dict(zip(case.nodes, prices, strict=True)),
        flows_mw={ln.code: flows[k] for k, ln in enumerate(case.lines)},
        line_shadow_prices={ln.code: shadows[k] for k, ln in enumerate(case.lines)},
        generation_mw={g.code: generation[i] for i, g in enumerate(case.generators)},
        awards_mw={seg.key: awards[k] for k, seg in enumerate(case.bids)},
        unserved_mw=dict(zip(case.nodes, shed, strict=True)),
        spilled_mw=dict(zip(case.nodes, spill, strict=True)),
        build_seconds=0.0,
        solve_seconds=0.0,
        variables=sol.variables,
        constraints=sol.constraints,
        builder="highs",
    )


def clear_highs(case: ClearingCase, *, by_interval: bool | None = None) -> ClearingOutcome:
    """Build the arrays, solve in HiGHS and read back. ``by_interval`` None: interval by
    interval when nothing couples the intervals, else jointly. Raises :class:`ClearingError`."""
    started = time.perf_counter()
    block = build_block(case)
    if by_interval is None:
        by_interval = not block.coupled
    elif by_interval and block.coupled:
        raise ClearingError("ramp limits couple the intervals: they clear only jointly")
    h = interval_lp(block) if by_interval else joint_lp(block)
    built = time.perf_counter()
    sol = solve_by_interval(block, h) if by_interval else solve_joint(block, h)
    solved = time.perf_counter()
    outcome = read_outcome(block, sol)
    outcome.build_seconds = built - started
    outcome.solve_seconds = solved - built
    outcome.read_seconds = time.perf_counter() - solved
    return outcome
