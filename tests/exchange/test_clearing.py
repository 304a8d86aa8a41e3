"""Price rules, tie-breaking, ramp coupling and the case-file command."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from market.exchange import scenario
from market.exchange.clearing import BidSegmentSpec, ClearingCase, GeneratorSpec, LineSpec, clear

CASES = Path(__file__).resolve().parents[2] / "market" / "exchange" / "cases"


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


def test_shortage_prices_at_the_cap_and_sheds():
    out = clear(one_node([GeneratorSpec("g", "A", 50, (80.0,))], [100.0]))
    assert out.prices["A"][0] == pytest.approx(1500, abs=0.01)
    assert out.unserved_mw["A"][0] == pytest.approx(20)


def test_oversupply_prices_at_the_floor_and_spills():
    must_run = GeneratorSpec("nuke", "A", 150, (100.0,), min_mw=100.0)
    out = clear(one_node([must_run], [60.0], floor=-50.0))
    assert out.prices["A"][0] == pytest.approx(-50, abs=0.01)
    assert out.spilled_mw["A"][0] == pytest.approx(40)


def test_equal_offers_break_ties_by_code_deterministically():
    gens = [GeneratorSpec(c, "A", 40, (100.0,)) for c in ("b", "a", "c")]
    for _ in range(3):
        out = clear(one_node(gens, [150.0]))
        assert [round(out.generation_mw[c][0], 6) for c in ("a", "b", "c")] == [100, 50, 0]
        assert out.prices["A"][0] == pytest.approx(40, abs=0.01)


def test_ramp_limits_couple_intervals():
    slow = GeneratorSpec("slow", "A", 10, (200.0, 200.0), ramp_mw_per_interval=30, initial_mw=50)
    fast = GeneratorSpec("fast", "A", 90, (200.0, 200.0))
    out = clear(one_node([slow, fast], [100.0, 140.0], n=2))
    assert out.generation_mw["slow"] == pytest.approx([80, 110])
    assert out.prices["A"] == pytest.approx([90, 90], abs=0.01)


def test_bids_clear_against_the_lmp():
    gen = GeneratorSpec("g", "A", 50, (500.0,))
    bids = [
        BidSegmentSpec("d-high", "A", 0, "demand", 80, 10),
        BidSegmentSpec("d-low", "A", 0, "demand", 20, 10),
        BidSegmentSpec("r-cheap", "A", 0, "reduction", 30, 5),
        BidSegmentSpec("r-dear", "A", 0, "reduction", 70, 5),
    ]
    out = clear(one_node([gen], [100.0], bids=bids))
    assert out.awards_mw == pytest.approx({"d-high": 10, "d-low": 0, "r-cheap": 5, "r-dear": 0})


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


def test_clear_case_names_a_bad_field(tmp_path):
    bad = json.loads((CASES / "three_bus.json").read_text())
    bad["bids"][1]["segments"][1]["price_per_mwh"] = 90  # a demand curve rising
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad))
    with pytest.raises(CommandError, match=r"bids\[1\].segments\[1\].price_per_mwh"):
        call_command("clear_case", str(path))
