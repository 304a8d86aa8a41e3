"""Standard test networks from pandapower as clearing cases, and pandapower's own DC-OPF
(``rundcopp``, PYPOWER's DC OPF) over the same intervals: the independent oracle that the tests
(``tests/exchange/test_oracle.py``) and the benchmark (``manage.py bench_exchange``) hold the
engine to. pandapower is a development dependency: only the tests and the benchmark import this.

The case is read from pandapower's internal PYPOWER case after a run (``net._ppc``), so both
engines see exactly the same reactances (transformer taps folded in), phase shifts, limits and
fixed injections (loads, static generators, and the shunt conductance that the DC model counts
as load). Over several intervals only the loads change, scaled by one factor per interval;
pandapower clears each interval as its own run, which is the reference the benchmark times.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import networkx as nx
import numpy as np
import pandapower as pp
import pandapower.networks as pn
import pandapower.topology as topology
from pandapower.pypower.idx_brch import BR_STATUS, BR_X, F_BUS, PF, RATE_A, SHIFT, T_BUS, TAP
from pandapower.pypower.idx_bus import GS, PD

from .clearing import BidSegmentSpec, ClearingCase, GeneratorSpec, LineSpec
from .scenario import daily_load_shape


def bus_code(ppc_bus: int) -> str:
    return f"b{ppc_bus}"


def branch_code(k: int) -> str:
    return f"br{k}"


def day_factors(n_intervals: int, *, low: float = 0.7) -> np.ndarray:
    """Load factor per interval over a day: the scenario's daily shape scaled to ``[low, 1]``."""
    shape = np.array([daily_load_shape(24.0 * t / n_intervals) for t in range(n_intervals)])
    return low + (1.0 - low) * (shape - shape.min()) / (shape.max() - shape.min())


def set_linear_costs(net, *, spread_per_unit: float = 0.1) -> None:
    """Replace each unit's quadratic cost by its mean marginal cost over its range
    (``cp1 + cp2 * max_p_mw``) plus ``spread_per_unit`` times its position: every unit a distinct
    linear cost, so the optimum is one vertex that both engines must find."""
    costs = []
    for k, row in enumerate(net.poly_cost.itertuples()):
        table = net[row.et]
        cp1 = float(row.cp1_eur_per_mw) + float(row.cp2_eur_per_mw2) * float(
            table.max_p_mw.at[row.element]
        )
        costs.append((row.et, int(row.element), cp1 + spread_per_unit * k))
    net.poly_cost.drop(net.poly_cost.index, inplace=True)
    for et, element, cost in costs:
        pp.create_poly_cost(net, element, et, cp1_eur_per_mw=cost)


def hold_busiest(net, *, count: int, share: float) -> list[tuple[str, int]]:
    """Limit the ``count`` most loaded lines and transformers of the last run to ``share`` of
    their loading then, so that they congest and prices split. Returns them.

    Two kinds of branch are passed over, since they would make the case infeasible or its
    prices not unique (so that no two correct engines need agree): a branch outside every loop
    (its load could not be served another way), and a branch carrying the same flow as one
    already held (in series with it through a bus without injection: then either limit alone
    binds, and that bus's price lies anywhere between its neighbours')."""
    graph = topology.create_nxgraph(net, respect_switches=False, include_out_of_service=False)
    loading = [
        ("line", i, v, net.res_line.p_from_mw[i]) for i, v in net.res_line.loading_percent.items()
    ]
    loading += [
        ("trafo", i, v, net.res_trafo.p_hv_mw[i]) for i, v in net.res_trafo.loading_percent.items()
    ]
    held, flows = [], []
    for table, idx, value, flow_mw in sorted(loading, key=lambda x: -x[2]):
        if len(held) == count:
            break
        if not in_loop(net, table, idx, graph) or any(abs(abs(flow_mw) - f) < 1e-3 for f in flows):
            continue
        net[table].loc[idx, "max_loading_percent"] = share * value
        held.append((table, idx))
        flows.append(abs(flow_mw))
    return held


def in_loop(net, table: str, idx: int, graph=None) -> bool:
    """Whether the line or transformer ``idx`` lies in a loop (its loss leaves its ends joined)."""
    if graph is None:
        graph = topology.create_nxgraph(net, respect_switches=False, include_out_of_service=False)
    u, v = ("from_bus", "to_bus") if table == "line" else ("hv_bus", "lv_bus")
    ends = int(net[table].at[idx, u]), int(net[table].at[idx, v])
    cut = graph.copy()
    cut.remove_edge(*ends, key=(table, idx))
    return nx.has_path(cut, *ends)


def congested_network(name: str, *, count: int, share: float):
    """``pandapower.networks.<name>()`` with linear costs and its ``count`` busiest branches in
    loops held to ``share`` of their flow at its own loads (factor 1); run once more, so that
    ``net._ppc`` holds the limits."""
    net = getattr(pn, name)()
    set_linear_costs(net)
    pp.rundcopp(net)
    hold_busiest(net, count=count, share=share)
    pp.rundcopp(net)
    return net


def controllable(table) -> np.ndarray:
    """Which rows of an element table the OPF may dispatch (pandapower's default: none)."""
    if "controllable" not in table:
        return np.zeros(len(table), dtype=bool)
    return table["controllable"].fillna(False).astype(bool).to_numpy()


def case_from_pandapower(
    net, factors=(1.0,), *, price_floor_per_mwh=-1000.0, price_cap_per_mwh=10000.0
) -> ClearingCase:
    """Our case of ``net`` (run since its last change: ``net._ppc`` is read), its loads scaled by
    ``factors[t]`` in interval t. Controllable static generators become reduction bids and
    controllable loads demand bids, each one segment at its linear cost (a load's cost is minus
    its price)."""
    ppc = net._ppc
    lookup = net._pd2ppc_lookups["bus"]
    bus_of = {int(b): int(lookup[b]) for b in net.bus.index}
    n = len(factors)
    factors = np.asarray(factors, dtype=np.float64)
    nodes = [bus_code(int(i)) for i in ppc["bus"][:, 0].real]
    lines = []
    for k, row in enumerate(ppc["branch"].real):
        if row[BR_STATUS] == 0:
            continue
        tap = row[TAP] or 1.0
        lines.append(
            LineSpec(
                branch_code(k),
                bus_code(int(row[F_BUS])),
                bus_code(int(row[T_BUS])),
                row[BR_X] * tap,
                row[RATE_A] if row[RATE_A] > 0 else None,
                phase_shift_deg=row[SHIFT],
            )
        )
    costs = {(r.et, int(r.element)): float(r.cp1_eur_per_mw) for r in net.poly_cost.itertuples()}
    units = [("ext_grid", net.ext_grid), ("gen", net.gen)]
    bids_from = [("sgen", net.sgen, "reduction"), ("load", net.load, "demand")]
    gens = []
    for et, table in units:
        for idx, row in table[table.in_service].iterrows():
            gens.append(
                GeneratorSpec(
                    code=f"{et}{idx}",
                    node=bus_code(bus_of[int(row.bus)]),
                    marginal_cost_per_mwh=costs[et, idx],
                    available_mw=(float(row.max_p_mw),) * n,
                    min_mw=float(row.min_p_mw),
                )
            )
    bids = []
    for et, table, side in bids_from:
        for idx, row in table[table.in_service.to_numpy() & controllable(table)].iterrows():
            price = costs[et, idx] if side == "reduction" else -costs[et, idx]
            bids.extend(
                BidSegmentSpec(
                    f"{et}{idx}/{t}",
                    bus_code(bus_of[int(row.bus)]),
                    t,
                    side,
                    price,
                    float(row.max_p_mw),
                )
                for t in range(n)
            )
    # Fixed injections as PYPOWER sees them at factor 1 (loads, static generators, shunts), and
    # the fixed loads that the factor scales.
    fixed = ppc["bus"][:, PD].real + ppc["bus"][:, GS].real
    scaled = np.zeros(len(nodes))
    loads = net.load[net.load.in_service.to_numpy() & ~controllable(net.load)]
    np.add.at(
        scaled,
        [bus_of[int(b)] for b in loads.bus],
        (loads.p_mw * loads.scaling).to_numpy(),
    )
    demand = fixed[:, None] + scaled[:, None] * (factors[None, :] - 1.0)
    slack = bus_code(bus_of[int(net.ext_grid.bus.iloc[0])])
    return ClearingCase(
        nodes=nodes,
        lines=lines,
        generators=gens,
        demand_mw={code: demand[j].tolist() for j, code in enumerate(nodes)},
        n_intervals=n,
        bids=bids,
        base_mva=float(ppc["baseMVA"]),
        slack_node=slack,
        price_floor_per_mwh=price_floor_per_mwh,
        price_cap_per_mwh=price_cap_per_mwh,
    )


@dataclass
class PandapowerDay:
    """pandapower's answer per interval (loads scaled by ``factors[t]``): ``prices[b][t]`` at
    each pandapower bus, ``flows[k][t]`` on each PYPOWER branch (from side), ``loads_mw[l][t]``
    of each load; ``seconds`` the time of the runs."""

    factors: tuple[float, ...]
    prices: dict[int, list[float]]
    flows: dict[int, list[float]]
    loads_mw: dict[int, list[float]]
    seconds: float


def run_pandapower(net, factors=(1.0,)) -> PandapowerDay:
    """``rundcopp`` once per interval with the loads scaled by ``factors[t]``; the loads are
    left as they were (and run once more as they are, untimed)."""
    base = net.load.p_mw.to_numpy().copy()
    fixed = ~controllable(net.load)
    prices = {int(b): [] for b in net.bus.index}
    flows: dict[int, list[float]] = {}
    loads = {int(i): [] for i in net.load.index}
    seconds = 0.0
    try:
        for factor in factors:
            net.load["p_mw"] = np.where(fixed, base * factor, base)
            started = time.perf_counter()
            pp.rundcopp(net)
            seconds += time.perf_counter() - started
            for b, lam in net.res_bus.lam_p.items():
                prices[int(b)].append(float(lam))
            for k, pf in enumerate(net._ppc["branch"][:, PF].real):
                flows.setdefault(k, []).append(float(pf))
            for i, p in net.res_load.p_mw.items():
                loads[int(i)].append(float(p))
    finally:
        net.load["p_mw"] = base
        pp.rundcopp(net)  # so that net._ppc is the net as it is left, for case_from_pandapower
    return PandapowerDay(tuple(float(f) for f in factors), prices, flows, loads, seconds)
