"""The clearing engine against an independent DC-OPF: pandapower's ``rundcopp`` (PYPOWER's
DC OPF) on standard networks with linear costs, prices and flows to 0.01.

Every case is cleared by each LP build, and each is held to pandapower (never to the other):
``highs`` (arrays into HiGHS, interval by interval when nothing couples the intervals, as
``clear`` does by default), ``highs-joint`` (the same arrays as one LP over all intervals, the
way a ramp-coupled auction clears) and ``pulp`` (the PuLP model, the readable reference)."""

from __future__ import annotations

import numpy as np
import pandapower as pp
import pandapower.networks as pn
import pytest

from market.exchange import pandapower_oracle as oracle
from market.exchange.clearing import clear
from market.exchange.clearing.highs import clear_highs

TOL = 0.01  # currency per MWh for prices, MW for flows and awards

ENGINES = {
    "highs": clear,
    "highs-joint": lambda case: clear_highs(case, by_interval=False),
    "pulp": lambda case: clear(case, builder="pulp"),
}


@pytest.fixture(params=list(ENGINES))
def engine(request):
    return ENGINES[request.param]


def assert_agrees(net, day, engine):
    """Clear ``net`` over the intervals of pandapower's ``day`` with ``engine``: every bus
    price, branch flow and bid award agrees. Returns our outcome, the case and pandapower's
    prices per bus."""
    factors = day.factors
    case = oracle.case_from_pandapower(net, factors)
    out = engine(case)
    lookup = net._pd2ppc_lookups["bus"]
    for b in net.bus.index:
        ours = out.prices[oracle.bus_code(int(lookup[b]))]
        assert ours == pytest.approx(day.prices[int(b)], abs=TOL), f"price at bus {b}"
    for k, theirs in day.flows.items():
        assert out.flows_mw[oracle.branch_code(k)] == pytest.approx(theirs, abs=TOL), f"branch {k}"
    for i in net.load.index[oracle.controllable(net.load)]:
        ours = [out.awards_mw[f"load{i}/{t}"] for t in range(len(factors))]
        assert ours == pytest.approx(day.loads_mw[int(i)], abs=TOL), f"demand bid of load {i}"
    assert sum(map(sum, out.unserved_mw.values())) == pytest.approx(0, abs=1e-6)
    return out, case, day.prices


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


def first_prices(prices: dict[int, list[float]]) -> dict[int, float]:
    return {b: ps[0] for b, ps in prices.items()}


def ran(net, factors=(1.0,)):
    """``net`` and pandapower's answer, once per module for all three engines."""
    return net, oracle.run_pandapower(net, factors)


@pytest.fixture(scope="module")
def three_bus_free():
    return ran(three_bus(limit_ka=1.0))


@pytest.fixture(scope="module")
def three_bus_held():
    return ran(three_bus(limit_ka=0.3))


def test_three_bus_uncongested_single_price(engine, three_bus_free):
    _, _, prices = assert_agrees(*three_bus_free, engine)
    assert {round(p, 2) for p in first_prices(prices).values()} == {10.0}


def test_three_bus_congested_prices_split(engine, three_bus_held):
    _, _, prices = assert_agrees(*three_bus_held, engine)
    assert [round(p, 2) for _, p in sorted(first_prices(prices).items())] == [10.0, 30.0, 50.0]


def linear_costs(net, cp1: dict[tuple[str, int], float]):
    net.poly_cost.drop(net.poly_cost.index, inplace=True)
    for (et, idx), cost in cp1.items():
        pp.create_poly_cost(net, idx, et, cp1_eur_per_mw=cost)


def case9_congested():
    net = pn.case9()
    linear_costs(net, {("ext_grid", 0): 20.0, ("gen", 0): 35.0, ("gen", 1): 50.0})
    net.line["max_loading_percent"] = 100.0
    # The cheap unit could make more than its 250 MW corridor carries: the corridor binds (and
    # not the unit's limit too, which would leave its bus price anywhere between two costs).
    net.ext_grid["max_p_mw"] = 300.0
    return net


@pytest.fixture(scope="module")
def case9():
    return ran(case9_congested())


def test_case9_congested(engine, case9):
    _, _, prices = assert_agrees(*case9, engine)
    prices = first_prices(prices)
    assert prices[0] == pytest.approx(20.0, abs=TOL)
    assert {round(p, 2) for p in prices.values()} == {20.0, 35.0}


@pytest.fixture(scope="module")
def case9_bids():
    """Demand bids are pandapower's controllable loads (cost minus the bid price) and a
    reduction offer its controllable static generator."""
    net = case9_congested()
    for bus, price, q in [(6, 40.0, 30.0), (8, 45.0, 500.0), (4, 10.0, 20.0)]:
        load = pp.create_load(net, bus, p_mw=0, min_p_mw=0, max_p_mw=q, controllable=True)
        pp.create_poly_cost(net, load, "load", cp1_eur_per_mw=-price)
    pp.create_sgen(net, 7, p_mw=0, min_p_mw=0, max_p_mw=25, controllable=True)
    pp.create_poly_cost(net, 0, "sgen", cp1_eur_per_mw=30.0)
    return ran(net)


def test_case9_bids_awarded_as_pandapower_dispatches_them(engine, case9_bids):
    """One demand bid is marginal (part of it cleared, its price the bus price), one priced
    out, one below every price; the reduction offer clears in full."""
    net, day = case9_bids
    sgen = 0
    out, _, prices = assert_agrees(net, day, engine)
    assert float(net.res_sgen.p_mw.at[sgen]) == pytest.approx(25.0, abs=TOL)
    assert out.awards_mw[f"sgen{sgen}/0"] == pytest.approx(25.0, abs=TOL)
    awarded = [out.awards_mw[f"load{i}/0"] for i in net.load.index[oracle.controllable(net.load)]]
    assert awarded[0] == pytest.approx(0.0, abs=TOL)  # 40 < the bus price of 45
    assert 1.0 < awarded[1] < 499.0  # marginal: it sets the price
    assert first_prices(prices)[8] == pytest.approx(45.0, abs=TOL)
    assert awarded[2] == pytest.approx(0.0, abs=TOL)


@pytest.fixture(scope="module")
def case14():
    net = pn.case14()
    costs = {("ext_grid", 0): 20.0}
    costs.update({("gen", int(i)): 25.0 + 7.0 * k for k, i in enumerate(net.gen.index)})
    linear_costs(net, costs)
    net.line["max_loading_percent"] = 100.0
    pp.rundcopp(net)
    # Hold the most loaded line to 70 % of its unconstrained flow: prices must split.
    busiest = net.res_line.loading_percent.idxmax()
    net.line.loc[busiest, "max_loading_percent"] = 0.7 * net.res_line.loading_percent[busiest]
    return ran(net)


def test_case14_with_transformers(engine, case14):
    _, _, prices = assert_agrees(*case14, engine)
    prices = first_prices(prices)
    assert len(prices) == 14
    assert max(prices.values()) - min(prices.values()) > 1.0


# -- IEEE 118 and 300 over several intervals ------------------------------------------------------

FACTORS = (1.0, 0.86, 0.72)  # load levels of three intervals


@pytest.fixture(scope="module")
def case118():
    return ran(oracle.congested_network("case118", count=6, share=0.7), FACTORS)


@pytest.fixture(scope="module")
def case300():
    return ran(oracle.congested_network("case300", count=8, share=0.75), FACTORS)


def spread(out, t: int) -> float:
    return max(p[t] for p in out.prices.values()) - min(p[t] for p in out.prices.values())


def test_case118_over_three_intervals(engine, case118):
    out, case, _ = assert_agrees(*case118, engine)
    assert len(case.nodes) == 118 and len(case.lines) == 186
    assert all(spread(out, t) > 1.0 for t in range(len(FACTORS)))  # congestion splits prices


def test_case300_with_a_series_capacitor(engine, case300):
    """IEEE 300-bus has a branch of negative reactance (series compensation); every bus price
    and branch flow agrees with pandapower in each of three intervals, with congestion."""
    out, case, _ = assert_agrees(*case300, engine)
    capacitor = [ln for ln in case.lines if ln.reactance_pu < 0]
    assert len(capacitor) == 1 and len(case.nodes) == 300
    # It carries flow (a wrong sign of its susceptance would send it the other way).
    assert abs(out.flows_mw[capacitor[0].code][0]) > 1.0
    assert all(spread(out, t) > 1.0 for t in range(len(FACTORS)))
    congested = sum(out.congested(ln.code, 0, ln.limit_mw) for ln in case.lines)
    assert congested >= 4


@pytest.fixture(scope="module")
def case300_shifted(case300):
    """IEEE 300-bus with three of its transformers in loops turned into phase shifters."""
    net = oracle.congested_network("case300", count=8, share=0.75)
    looped = [int(i) for i in net.trafo.index if oracle.in_loop(net, "trafo", i)]
    shifts = dict(zip(looped[::20][:3], (8.0, -5.0, 3.0), strict=False))
    for idx, shift in shifts.items():
        net.trafo.loc[idx, "shift_degree"] = shift
    return net, oracle.run_pandapower(net, FACTORS[:2]), shifts


def test_case300_with_phase_shifters(engine, case300, case300_shifted):
    net, day, shifts = case300_shifted
    out, case, _ = assert_agrees(net, day, engine)
    shifted = [ln for ln in case.lines if ln.phase_shift_deg != 0]
    assert len(shifted) == 3
    assert sorted(ln.phase_shift_deg for ln in shifted) == sorted(shifts.values())
    # The shifts matter: pandapower's own flows move by more than a few MW against no shifts.
    unshifted = case300[1]
    moved = max(abs(day.flows[k][0] - unshifted.flows[k][0]) for k in day.flows)
    assert moved > 5.0
    assert np.isfinite(out.objective)
