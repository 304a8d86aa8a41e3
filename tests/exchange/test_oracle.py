"""The clearing engine against an independent DC-OPF: pandapower's ``rundcopp`` (PYPOWER's
DC OPF) on standard networks with linear costs, prices and flows to 0.01."""

from __future__ import annotations

import pandapower as pp
import pandapower.networks as pn
import pytest

from market.exchange.clearing import ClearingCase, GeneratorSpec, LineSpec, clear

TOL = 0.01  # currency per MWh for prices, MW for flows


def case_from_pandapower(net) -> ClearingCase:
    """Our case from pandapower's internal PYPOWER case (after a run), so both engines see
    exactly the same reactances (transformer taps included), limits and loads."""
    ppc = net._ppc
    lookup = net._pd2ppc_lookups["bus"]
    bus_of = {int(b): int(lookup[b]) for b in net.bus.index}
    nodes = sorted({f"b{i}" for i in bus_of.values()})
    lines = []
    for k, row in enumerate(ppc["branch"]):
        assert abs(row[9].real) < 1e-9, "phase shifters are not modelled"
        tap = row[8].real or 1.0
        rate = row[5].real
        lines.append(
            LineSpec(
                f"br{k}",
                f"b{int(row[0].real)}",
                f"b{int(row[1].real)}",
                row[3].real * tap,
                rate if rate > 0 else None,
            )
        )
    gens = []
    costs = {(r.et, int(r.element)): float(r.cp1_eur_per_mw) for r in net.poly_cost.itertuples()}
    for et, table in (("ext_grid", net.ext_grid), ("gen", net.gen)):
        for idx, row in table.iterrows():
            gens.append(
                GeneratorSpec(
                    code=f"{et}{idx}",
                    node=f"b{bus_of[int(row.bus)]}",
                    marginal_cost_per_mwh=costs[et, idx],
                    available_mw=(float(row.max_p_mw),),
                    min_mw=float(row.min_p_mw),
                )
            )
    demand: dict[str, list[float]] = {}
    for row in net.load.itertuples():
        code = f"b{bus_of[int(row.bus)]}"
        demand[code] = [demand.get(code, [0.0])[0] + float(row.p_mw)]
    slack = f"b{bus_of[int(net.ext_grid.bus.iloc[0])]}"
    return ClearingCase(
        nodes=nodes,
        lines=lines,
        generators=gens,
        demand_mw=demand,
        n_intervals=1,
        base_mva=float(ppc["baseMVA"]),
        slack_node=slack,
        price_floor_per_mwh=-1000,
        price_cap_per_mwh=10000,
    )


def assert_agrees(net) -> dict[str, float]:
    pp.rundcopp(net)
    case = case_from_pandapower(net)
    out = clear(case)
    lookup = net._pd2ppc_lookups["bus"]
    prices = {}
    for b in net.bus.index:
        ours = out.prices[f"b{int(lookup[b])}"][0]
        theirs = float(net.res_bus.lam_p.at[b])
        assert ours == pytest.approx(theirs, abs=TOL), f"price at bus {b}"
        prices[b] = ours
    for k, idx in enumerate(net.line.index):
        assert out.flows_mw[f"br{k}"][0] == pytest.approx(
            float(net.res_line.p_from_mw.at[idx]), abs=TOL
        ), f"flow on line {idx}"
    assert sum(out.unserved_mw[n][0] for n in case.nodes) == pytest.approx(0, abs=1e-6)
    return prices


def three_bus(limit_ka: float):
    net = pp.create_empty_network()
    b = [pp.create_bus(net, vn_kv=220) for _ in range(3)]
    pp.create_ext_grid(net, b[0], max_p_mw=300, min_p_mw=0, controllable=True)
    pp.create_gen(net, b[1], p_mw=0, max_p_mw=300, min_p_mw=0, controllable=True, vm_pu=1.0)
    pp.create_load(net, b[2], p_mw=200, controllable=False)
    for i, j in [(0, 1), (1, 2), (0, 2)]:
        pp.create_line_from_parameters(
            net, b[i], b[j], length_km=1, r_ohm_per_km=0, x_ohm_per_km=10, c_nf_per_km=0,
            max_i_ka=limit_ka, max_loading_percent=100,
        )  # fmt: skip
    pp.create_poly_cost(net, 0, "ext_grid", cp1_eur_per_mw=10)
    pp.create_poly_cost(net, 0, "gen", cp1_eur_per_mw=30)
    return net


def test_three_bus_uncongested_single_price():
    prices = assert_agrees(three_bus(limit_ka=1.0))
    assert set(round(p, 2) for p in prices.values()) == {10.0}


def test_three_bus_congested_prices_split():
    prices = assert_agrees(three_bus(limit_ka=0.3))
    assert [round(prices[b], 2) for b in sorted(prices)] == [10.0, 30.0, 50.0]


def linear_costs(net, cp1: dict[tuple[str, int], float]):
    net.poly_cost.drop(net.poly_cost.index, inplace=True)
    for (et, idx), cost in cp1.items():
        pp.create_poly_cost(net, idx, et, cp1_eur_per_mw=cost)


def test_case9_congested():
    net = pn.case9()
    linear_costs(net, {("ext_grid", 0): 20.0, ("gen", 0): 35.0, ("gen", 1): 50.0})
    net.line["max_loading_percent"] = 100.0
    # The cheap unit could make more than its 250 MW corridor carries: the corridor binds (and
    # not the unit's limit too, which would leave its bus price anywhere between two costs).
    net.ext_grid["max_p_mw"] = 300.0
    prices = assert_agrees(net)
    assert prices[0] == pytest.approx(20.0, abs=TOL)
    assert {round(p, 2) for p in prices.values()} == {20.0, 35.0}


def test_case14_with_transformers():
    net = pn.case14()
    costs = {("ext_grid", 0): 20.0}
    costs.update({("gen", int(i)): 25.0 + 7.0 * k for k, i in enumerate(net.gen.index)})
    linear_costs(net, costs)
    net.line["max_loading_percent"] = 100.0
    pp.rundcopp(net)
    # Hold the most loaded line to 70 % of its unconstrained flow: prices must split.
    busiest = net.res_line.loading_percent.idxmax()
    net.line.loc[busiest, "max_loading_percent"] = 0.7 * net.res_line.loading_percent[busiest]
    prices = assert_agrees(net)
    assert len(prices) == 14
    assert max(prices.values()) - min(prices.values()) > 1.0
