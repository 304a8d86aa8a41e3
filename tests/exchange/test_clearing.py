"""Price rules, tie-breaking, ramp coupling, series capacitors and phase shifters by hand, for
each LP build (arrays into HiGHS, the PuLP model), and the case-file command."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from market.exchange import scenario
from market.exchange.clearing import (
    BidSegmentSpec,
    ClearingCase,
    ClearingError,
    GeneratorSpec,
    LineSpec,
    clear,
)
from market.exchange.clearing.model import clear_pulp

CASES = Path(__file__).resolve().parents[2] / "market" / "exchange" / "cases"


ENGINES = {
    "highs": clear,
    "pulp": lambda case: clear(case, builder="pulp"),
    # the fallback when HiGHS fails: the PuLP build solved by CBC
    "cbc": lambda case: clear_pulp(case, solvers=("cbc",)),
}


@pytest.fixture(params=list(ENGINES))
def engine(request):
    return ENGINES[request.param]


def one_node(gens, demand, n=1, bids=(), floor=0.0, cap=1500.0):
    return ClearingCase(
        nodes=["A"],
        lines=[],
        generators=list(gens),
        demand_mw={"A": demand},
        n_intervals=n,
        bids=list(bids),
        price_floor_per_mwh=floor,
        price_cap_per_mwh=cap,
    )


def test_shortage_prices_at_the_cap_and_sheds(engine):
    out = engine(one_node([GeneratorSpec("g", "A", 50, (80.0,))], [100.0]))
    assert out.prices["A"][0] == pytest.approx(1500, abs=0.01)
    assert out.unserved_mw["A"][0] == pytest.approx(20)


def test_oversupply_prices_at_the_floor_and_spills(engine):
    must_run = GeneratorSpec("nuke", "A", 150, (100.0,), min_mw=100.0)
    out = engine(one_node([must_run], [60.0], floor=-50.0))
    assert out.prices["A"][0] == pytest.approx(-50, abs=0.01)
    assert out.spilled_mw["A"][0] == pytest.approx(40)


# CBC's optimality tolerance (1e-7) is the size of the tilt: it may break an exact tie otherwise.
@pytest.mark.parametrize("name", ["highs", "pulp"])
def test_equal_offers_break_ties_by_code_deterministically(name):
    engine = ENGINES[name]
    gens = [GeneratorSpec(c, "A", 40, (100.0,)) for c in ("b", "a", "c")]
    for _ in range(3):
        out = engine(one_node(gens, [150.0]))
        assert [round(out.generation_mw[c][0], 6) for c in ("a", "b", "c")] == [100, 50, 0]
        assert out.prices["A"][0] == pytest.approx(40, abs=0.01)


def test_ramp_limits_couple_intervals(engine):
    slow = GeneratorSpec("slow", "A", 10, (200.0, 200.0), ramp_mw_per_interval=30, initial_mw=50)
    fast = GeneratorSpec("fast", "A", 90, (200.0, 200.0))
    out = engine(one_node([slow, fast], [100.0, 140.0], n=2))
    assert out.generation_mw["slow"] == pytest.approx([80, 110])
    assert out.prices["A"] == pytest.approx([90, 90], abs=0.01)


def test_bids_clear_against_the_lmp(engine):
    gen = GeneratorSpec("g", "A", 50, (500.0,))
    bids = [
        BidSegmentSpec("d-high", "A", 0, "demand", 80, 10),
        BidSegmentSpec("d-low", "A", 0, "demand", 20, 10),
        BidSegmentSpec("r-cheap", "A", 0, "reduction", 30, 5),
        BidSegmentSpec("r-dear", "A", 0, "reduction", 70, 5),
    ]
    out = engine(one_node([gen], [100.0], bids=bids))
    assert out.awards_mw == pytest.approx({"d-high": 10, "d-low": 0, "r-cheap": 5, "r-dear": 0})


def test_bids_clear_in_their_own_interval_only(engine):
    """Three independent intervals (no ramp limit: HiGHS clears them one after another from the
    previous basis, the bids moving through the same columns): a bid must count in its interval
    and nowhere else.

    By hand: cheap unit 120 MW at 10, dear unit 200 MW at 30.
    t0: load 100, a demand bid at 5 (below 10): not cleared, price 10.
    t1: load 150 + a demand bid of 10 at 50 (cleared) and one of 5 at 25 (below 30: not);
        160 MW = 120 at 10 + 40 at 30, price 30.
    t2: load 130, a reduction of 15 at 20: 120 at 10 + 10 of the reduction, which sets 20."""
    gens = [
        GeneratorSpec("cheap", "A", 10, (120.0,) * 3),
        GeneratorSpec("dear", "A", 30, (200.0,) * 3),
    ]
    bids = [
        BidSegmentSpec("low", "A", 0, "demand", 5, 20),
        BidSegmentSpec("high", "A", 1, "demand", 50, 10),
        BidSegmentSpec("mid", "A", 1, "demand", 25, 5),
        BidSegmentSpec("cut", "A", 2, "reduction", 20, 15),
    ]
    out = engine(one_node(gens, [100.0, 150.0, 130.0], n=3, bids=bids))
    assert out.prices["A"] == pytest.approx([10, 30, 20], abs=0.01)
    assert out.awards_mw == pytest.approx({"low": 0, "high": 10, "mid": 0, "cut": 10})
    assert out.generation_mw["dear"] == pytest.approx([0, 40, 0])


def two_nodes(lines, load_mw=100.0):
    return ClearingCase(
        nodes=["A", "B"],
        lines=lines,
        generators=[GeneratorSpec("g", "A", 20, (500.0,))],
        demand_mw={"B": [load_mw]},
        n_intervals=1,
    )


def test_series_capacitor_pushes_flow_round_the_loop(engine):
    """Two parallel A-B branches, x = 0.2 and a series capacitor x = -0.1 (susceptances 500
    and -1000 on 100 MVA). 100 MW from A to B: (500 - 1000)(theta_A - theta_B) = 100, so
    theta_A - theta_B = -0.2 rad, and the flows are 500 * -0.2 = -100 MW on the first (B to A)
    and -1000 * -0.2 = 200 MW on the capacitor."""
    out = engine(
        two_nodes([LineSpec("x", "A", "B", 0.2, None), LineSpec("c", "A", "B", -0.1, None)])
    )
    assert out.flows_mw["x"][0] == pytest.approx(-100, abs=1e-6)
    assert out.flows_mw["c"][0] == pytest.approx(200, abs=1e-6)


def test_phase_shifter_moves_flow_between_parallel_branches(engine):
    """Two parallel A-B branches of x = 0.1 (s = 1000), the second a phase shifter of 1 degree
    (phi = 0.0174533 rad): s d + s (d - phi) = 100 MW, so the plain branch carries
    (100 + s phi) / 2 = 58.7266 MW and the shifter 41.2734 MW.

    With the shifter limited to 30 MW the angle difference is held too: s (d - phi) = 30 gives
    d = 0.0474533 and the plain branch 47.4533 MW, so only 77.4533 MW reach B; the other
    22.5467 MW are shed and B prices at the cap (a parallel branch cannot take the rest)."""
    lines = [LineSpec("p", "A", "B", 0.1, None), LineSpec("s", "A", "B", 0.1, None, 1.0)]
    out = engine(two_nodes(lines))
    assert out.flows_mw["p"][0] == pytest.approx(58.7266, abs=1e-4)
    assert out.flows_mw["s"][0] == pytest.approx(41.2734, abs=1e-4)
    lines[1] = LineSpec("s", "A", "B", 0.1, 30.0, 1.0)
    out = engine(two_nodes(lines))
    assert out.flows_mw["s"][0] == pytest.approx(30, abs=1e-6)
    assert out.flows_mw["p"][0] == pytest.approx(47.4533, abs=1e-4)
    assert out.unserved_mw["B"][0] == pytest.approx(22.5467, abs=1e-4)
    assert [out.prices["A"][0], out.prices["B"][0]] == pytest.approx([20, 1500], abs=0.01)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (LineSpec("z", "A", "B", 0.0, None), "line z: zero reactance"),
        (LineSpec("loop", "A", "A", 0.1, None), "line loop: must join two different nodes"),
        (LineSpec("q", "A", "Q", 0.1, None), "line q: joins an unknown node"),
        (LineSpec("n", "A", "B", float("nan"), None), "line n: reactance and phase shift"),
    ],
)
def test_lines_the_dc_flow_cannot_hold_are_refused_by_name(engine, line, message):
    with pytest.raises(ClearingError, match=message):
        engine(two_nodes([line]))


def test_an_infeasible_case_fails_with_both_solvers_named():
    """A must-run unit that cannot reach its floor from where it starts: no LP solution (the
    shed and spill slacks cannot help), so HiGHS fails, CBC is tried, and both are named."""
    stuck = GeneratorSpec(
        "stuck", "A", 10, (200.0,), min_mw=100, ramp_mw_per_interval=10, initial_mw=0
    )
    with pytest.raises(ClearingError, match=r"HiGHS.*PULP_CBC_CMD"):
        clear(one_node([stuck], [50.0]))


def test_same_seed_same_market():
    a, b = scenario.default_network(5), scenario.default_network(5)
    assert a == b
    assert scenario.default_network(6) != a
    line = LineSpec("x", "A", "B", 0.1, None)
    assert line.limit_mw is None


def test_clear_case_command_prints_prices_and_awards():
    out = StringIO()
    call_command("clear_case", str(CASES / "three_bus.json"), "--json", stdout=out)
    result = json.loads(out.getvalue())
    assert result["prices_per_mwh"] == {"A": [10.0, 10.0], "B": [30.0, 30.0], "C": [50.0, 50.0]}
    assert result["awards_mw"]["vpp-1/C/0/reduction/0"] == 5.0
    assert result["awards_mw"]["vpp-1/C/1/demand/0"] == 10.0
    assert result["flows_mw"]["A-C"][0]["congested"] is True
    text = StringIO()
    call_command("clear_case", str(CASES / "three_bus.json"), stdout=text)
    assert "50.00" in text.getvalue() and "vpp-1/C/1/demand/0" in text.getvalue()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"reactance_pu": 0}, r"network.lines\[0\].reactance_pu: must not be zero"),
        ({"reactance_pu": "x"}, r"network.lines\[0\].reactance_pu: give a finite number"),
        ({"phase_shift_deg": None}, r"network.lines\[0\].phase_shift_deg"),
        ({"to": "A"}, r"network.lines\[0\].to: a line must join two different nodes"),
    ],
)
def test_clear_case_names_a_bad_line(tmp_path, change, field):
    bad = json.loads((CASES / "three_bus.json").read_text())
    bad["network"]["lines"][0].update(change)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad))
    with pytest.raises(CommandError, match=field):
        call_command("clear_case", str(path))


def test_clear_case_names_a_bad_field(tmp_path):
    bad = json.loads((CASES / "three_bus.json").read_text())
    bad["bids"][1]["segments"][1]["price_per_mwh"] = 90  # a demand curve rising
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad))
    with pytest.raises(CommandError, match=r"bids\[1\].segments\[1\].price_per_mwh"):
        call_command("clear_case", str(path))
