"""The bid optimiser on small portfolios whose optimum is worked out by hand in each test.

All sites use a constant PUE of 1.0 unless said, 15-minute intervals (h = 0.25) and no minimum
load, so facility MW = IT MW + battery charge - discharge.
"""

from __future__ import annotations

from datetime import date

import pytest

from market.trading.optimiser import OptimiserInput, optimise
from market.trading.optimiser.curves import build_curves, dispatchable_schedule
from sites.specs import BatterySpec, JobSpec, PueModel, SiteSpec, WorkloadSpec
from vpp.intervals import day_intervals

H = 0.25
TOL = 1e-5


def starts(n: int):
    return day_intervals(date(2026, 7, 1))[:n]


def site(code="S1", node="N1", org=1, sid=1, *, workloads=(), batteries=(), **kw) -> SiteSpec:
    params = {
        "grid_connection_mw": 50.0,
        "it_capacity_mw": 40.0,
        "min_load_mw": 0.0,
        "ramp_limit_mw_per_min": 100.0,
        "notice_minutes": 0,
        "max_events_per_day": 96,
        "pue": PueModel(constant=1.0),
    }
    params.update(kw)
    return SiteSpec(
        id=sid,
        code=code,
        node_code=node,
        organisation_id=org,
        workloads=tuple(workloads),
        batteries=tuple(batteries),
        **params,
    )


def inference(mw):
    return WorkloadSpec("inf", "inference", mw)


def training(mw, deferral_hours=10.0):
    return WorkloadSpec(
        "train", "training", mw, interruptible=True, max_deferral_hours=deferral_hours
    )


def test_batch_job_runs_in_the_cheapest_interval_inside_its_window_never_outside():
    ts = starts(8)
    # window = intervals 1..4; interval 5 (price 10) is cheaper but outside it
    job = JobSpec("j1", ts[1], ts[5], energy_mwh=0.5, max_it_mw=2.0, movable=False)
    s = site(workloads=[inference(1.0), WorkloadSpec("b", "batch", 5.0, jobs=(job,))])
    prices = [50.0, 40.0, 30.0, 60.0, 20.0, 10.0, 80.0, 90.0]
    sched = optimise(OptimiserInput([s], ts, H, {"N1": prices}))

    assert sched.status == "optimal"
    batch = sched.sites["S1"].it_mw_by_kind["batch"]
    assert batch == pytest.approx([0, 0, 0, 0, 2.0, 0, 0, 0], abs=TOL)
    # hand: inference 1 MW all day + 2 MW x 0.25 h at 20
    assert sched.objective.total == pytest.approx(H * sum(prices) + 0.5 * 20.0)
    (placement,) = sched.jobs
    assert placement.site_code == "S1" and placement.energy_mwh == pytest.approx(0.5)


def test_battery_reserve_is_never_touched_and_efficiencies_apply():
    ts = starts(6)
    bat = BatterySpec(
        "ups",
        energy_mwh=4.0,
        power_mw=2.0,
        charge_efficiency=0.9,
        discharge_efficiency=0.9,
        reserve_mwh=1.0,
        nominal_soc_mwh=2.0,
    )
    s = site(workloads=[inference(4.0)], batteries=[bat])
    prices = [1000.0, 1000.0, 1000.0, 10.0, 10.0, 10.0]
    sched = optimise(OptimiserInput([s], ts, H, {"N1": prices}))

    (b,) = sched.sites["S1"].batteries
    assert min(b.soc_mwh) >= 1.0 - TOL  # the reserve stays
    assert min(b.soc_mwh) == pytest.approx(1.0, abs=TOL)  # ... and it is what binds
    assert b.soc_mwh[-1] == pytest.approx(2.0)
    # hand: 1 MWh above the reserve gives 0.9 MWh at 1000; refilling it takes 1/0.9 MWh at 10
    base = H * 4.0 * sum(prices)
    assert sched.objective.total == pytest.approx(base - 0.9 * 1000 + 10 / 0.9, abs=1e-4)
    assert sum(b.discharge_mw) * H == pytest.approx(0.9)
    assert sum(b.charge_mw) * H == pytest.approx(1 / 0.9)
    assert all(c < TOL or d < TOL for c, d in zip(b.charge_mw, b.discharge_mw, strict=True))


def _relocation_case(energy_mwh: float):
    ts = starts(4)
    job = JobSpec("j", ts[0], ts[3] + (ts[1] - ts[0]), energy_mwh, max_it_mw=4.0, movable=True)
    origin = site(
        "A", "NA", workloads=[inference(1.0), WorkloadSpec("b", "batch", 4.0, jobs=(job,))]
    )
    # B: same organisation, very cheap node, but only 1 MW of IT room (3 MW capacity, 2 in use)
    dest = site("B", "NB", sid=2, it_capacity_mw=3.0, workloads=[inference(2.0)])
    # C: even cheaper with lots of room, but another organisation: never a destination
    other = site("C", "NC", org=2, sid=3, workloads=[inference(1.0)])
    prices = {"NA": [100.0] * 4, "NB": [1.0] * 4, "NC": [0.5] * 4}
    return optimise(OptimiserInput([origin, dest, other], ts, H, prices))


def test_moving_work_never_exceeds_the_destination_capacity():
    fits = _relocation_case(0.75)  # 0.75 MWh fits in 1 MW x 1 h at B
    (placement,) = fits.jobs
    assert placement.site_code == "B"
    b_it = [sum(v[t] for v in fits.sites["B"].it_mw_by_kind.values()) for t in range(4)]
    assert max(b_it) <= 3.0 + TOL
    assert fits.objective.total == pytest.approx(H * 4 * (100 + 2 * 1 + 0.5) + 0.75 * 1.0)
    assert fits.sites["C"].it_mw_by_kind["batch"] == pytest.approx([0] * 4)

    too_big = _relocation_case(1.5)  # B has room for 1 MWh only: the job stays at A, whole
    (placement,) = too_big.jobs
    assert placement.site_code == "A" and placement.energy_mwh == pytest.approx(1.5)
    assert max(too_big.sites["B"].it_mw_by_kind["batch"]) <= TOL


def _events_case(max_events: int):
    ts = starts(8)
    s = site(workloads=[inference(1.0), training(4.0)], max_events_per_day=max_events)
    prices = [10.0, 500.0, 10.0, 10.0, 500.0, 10.0, 10.0, 10.0]
    return optimise(OptimiserInput([s], ts, H, {"N1": prices}))


def test_events_per_day_limit_binds():
    # rebound price = mean price = 132.5: curtailing training pays at 500 only (t = 1 and 4)
    free = _events_case(96)
    assert free.sites["S1"].facility_mw == pytest.approx([5, 1, 5, 5, 1, 5, 5, 5], abs=TOL)
    assert free.sites["S1"].events == 2
    # one event: hold a reduction of the threshold (2% of 5 MW = 0.1 MW) through t = 2, 3
    one = _events_case(1)
    assert one.sites["S1"].events == 1
    assert one.sites["S1"].facility_mw == pytest.approx([5, 1, 4.9, 4.9, 1, 5, 5, 5], abs=TOL)
    hand_extra = 2 * 0.1 * H * (132.5 - 10.0)
    assert one.objective.total - free.objective.total == pytest.approx(hand_extra, abs=1e-4)


def test_ramp_limit_binds():
    ts = starts(6)
    # 0.04 MW/min -> 0.6 MW per interval, from the usual 5 MW before t = 0
    s = site(workloads=[inference(1.0), training(4.0)], ramp_limit_mw_per_min=0.04)
    prices = [10.0, 10.0, 1000.0, 10.0, 10.0, 10.0]  # rebound = mean = 175
    sched = optimise(OptimiserInput([s], ts, H, {"N1": prices}))
    load = sched.sites["S1"].facility_mw
    # hand: one more MW of cut at t=2 needs one at t=0, 1, 3, 4: 825 - 4 x 165 > 0, so cut as
    # deep as the ramp from the usual load allows (0.6, 1.2, 1.8), not the 4 MW of training
    assert load == pytest.approx([4.4, 3.8, 3.2, 3.8, 4.4, 5.0], abs=TOL)
    steps = [load[0] - 5.0] + [b - a for a, b in zip(load, load[1:])]  # noqa: B905
    assert max(abs(x) for x in steps) <= 0.6 + TOL
    no_flex = H * 5.0 * sum(prices)
    hand = no_flex + H * (3.6 * (175 - 10) - 1.8 * (1000 - 175))
    assert sched.objective.total == pytest.approx(hand, abs=1e-4)


def _curve_portfolio():
    ts = starts(8)
    bat = BatterySpec("ups", 2.0, 1.0, 0.95, 0.95, 0.5, 1.0)
    a = site("A", workloads=[inference(2.0), training(3.0, deferral_hours=1.0)])
    b = site("B", sid=2, workloads=[inference(1.0)], batteries=[bat])
    prices = {"N1": [40.0, 60.0, 90.0, 120.0, 80.0, 50.0, 30.0, 70.0]}
    return OptimiserInput([a, b], ts, H, prices)


def test_curves_are_monotone_and_a_cleared_point_gives_a_runnable_schedule():
    inp = _curve_portfolio()
    bids = build_curves(inp, multipliers=(0.5, 1.0, 2.0, 3.0), max_segments=10)
    demand = [c for c in bids.curves if c.side == "demand"]
    assert len(demand) == 8
    assert any(len(c.segments) > 1 for c in demand)  # the load does respond to price
    for c in bids.curves:
        prices = [s.price_per_mwh for s in c.segments]
        if c.side == "demand":
            assert prices == sorted(prices, reverse=True)
        else:
            assert prices == sorted(prices)
        assert all(s.quantity_mw > 0 for s in c.segments)

    for k, scenario in enumerate(bids.scenario_prices):
        cleared = [
            bids.curve("N1", t, "demand").cleared_mw(scenario["N1"][i])
            for i, t in enumerate(inp.interval_starts)
        ]
        assert cleared == pytest.approx(bids.schedules[k].nodes["N1"].facility_mw, abs=TOL)
        run = dispatchable_schedule(inp, {"N1": cleared})
        assert max(abs(x) for x in run.nodes["N1"].slack_mw) <= TOL
        assert run.nodes["N1"].facility_mw == pytest.approx(cleared, abs=TOL)

    few = build_curves(inp, multipliers=(0.5, 0.75, 1.0, 1.5, 2.0, 3.0), max_segments=2)
    for c in few.curves:
        assert len(c.segments) <= 2
        prices = [s.price_per_mwh for s in c.segments]
        assert prices == sorted(prices, reverse=c.side == "demand")


def test_an_award_off_the_curve_shows_as_slack():
    inp = _curve_portfolio()
    # 0.5 MW at node N1 is below site A's inference alone (2 MW): unrunnable
    run = dispatchable_schedule(inp, {"N1": [0.5] * 8})
    assert min(run.nodes["N1"].slack_mw) < -1.0


def test_inference_never_changes_even_at_extreme_prices():
    inp = _curve_portfolio()
    inp.price_per_mwh = {"N1": [5000.0, 0.0, 5000.0, 0.0, 5000.0, 0.0, 5000.0, 0.0]}
    sched = optimise(inp)
    for code, spec in (("A", 2.0), ("B", 1.0)):
        s = sched.sites[code]
        assert s.it_mw_by_kind["inference"] == pytest.approx([spec] * 8)
        # the load balance closes with inference at full
        for t in range(8):
            battery = sum(b.charge_mw[t] - b.discharge_mw[t] for b in s.batteries)
            it = sum(v[t] for v in s.it_mw_by_kind.values())
            assert s.facility_mw[t] == pytest.approx(s.pue[t] * it + battery, abs=TOL)
            assert s.facility_mw[t] >= s.pue[t] * spec - TOL - sum(
                b.discharge_mw[t] for b in s.batteries
            )


def test_load_may_rise_above_usual_where_the_events_limit_applies():
    ts = starts(8)
    # usual: the job at its even rate, 1 MWh over 1 h = 1 MW in t = 0..3
    job = JobSpec("j", ts[0], ts[4], energy_mwh=1.0, max_it_mw=4.0, movable=False)
    s = site(
        workloads=[inference(1.0), WorkloadSpec("b", "batch", 4.0, jobs=(job,))],
        max_events_per_day=1,  # the limit binds (2 x 1 < 8): event binaries are built
    )
    prices = [10.0, 100.0, 100.0, 100.0, 50.0, 50.0, 50.0, 50.0]
    sched = optimise(OptimiserInput([s], ts, H, {"N1": prices}, mip_gap=1e-6))
    # hand: the whole job at 4 MW in t = 0 (above usual), one event over t = 1..3
    assert sched.sites["S1"].facility_mw == pytest.approx([5, 1, 1, 1, 1, 1, 1, 1], abs=TOL)
    assert sched.sites["S1"].events == 1
    assert sched.objective.total == pytest.approx(H * sum(prices) + 1.0 * 10.0, abs=1e-4)


def _two_organisations():
    """Two organisations of two sites; movable jobs, batteries, an events limit that binds."""
    ts = starts(16)
    prices = {
        "N1": [30, 30, 40, 90, 120, 150, 90, 60, 40, 30, 80, 140, 160, 70, 40, 30],
        "N2": [50, 45, 40, 40, 45, 60, 80, 90, 70, 60, 50, 45, 40, 60, 80, 90],
    }
    bat = BatterySpec("ups", 2.0, 1.0, 0.95, 0.95, 0.5, 1.0)
    sites = []
    for org in (1, 2):
        for k, node in enumerate(("N1", "N2")):
            job = JobSpec(f"j{org}{k}", ts[2], ts[14], 2.0, max_it_mw=1.5, movable=True)
            sites.append(
                site(
                    f"O{org}{node}",
                    node,
                    org=org,
                    sid=2 * org + k,
                    workloads=[
                        inference(2.0),
                        training(2.0 + org, deferral_hours=1.0),
                        WorkloadSpec("b", "batch", 2.0, jobs=(job,)),
                    ],
                    batteries=[bat] if k == 0 else [],
                    max_events_per_day=1 + k,
                    ramp_limit_mw_per_min=0.1,
                )
            )
    return OptimiserInput(sites, ts, H, {n: [float(p) for p in v] for n, v in prices.items()})


def test_blocks_give_the_one_mip_optimum():
    """Organisations share no row, so solving them apart (on two threads) is the same MIP."""
    inp = _two_organisations()
    inp.mip_gap = 1e-7
    whole = optimise(inp, decompose=False)
    calls = []
    parts = optimise(inp, decompose=True, workers=2, progress=lambda f, m: calls.append(f))
    assert parts.blocks == 2 and whole.blocks == 1
    assert whole.status == parts.status == "optimal"
    assert parts.objective.total == pytest.approx(whole.objective.total, rel=1e-6)
    assert sorted(calls) == [0.5, 1.0]
    limits = {x.code: x.max_events_per_day for x in inp.sites}
    for code, s in parts.sites.items():
        assert s.events <= limits[code]
        assert whole.sites[code].events <= limits[code]


def test_gap_reached_is_stated_and_within_the_asked_gap():
    inp = _two_organisations()
    inp.mip_gap = 0.01
    sched = optimise(inp, decompose=True)
    assert sched.status == "optimal"
    assert sched.mip_gap is not None and 0.0 <= sched.mip_gap <= 0.01
    for s in sched.sites.values():  # never charge and discharge at once
        for b in s.batteries:
            assert all(c < TOL or d < TOL for c, d in zip(b.charge_mw, b.discharge_mw, strict=True))


def test_build_curves_reports_progress_up_to_one():
    inp = _two_organisations()
    calls = []
    build_curves(
        inp, multipliers=(0.5, 1.0, 2.0), decompose=True, progress=lambda f, m: calls.append((f, m))
    )
    fractions = [f for f, _ in calls]
    assert len(calls) == 3 * 2  # two blocks in each of three scenarios
    assert fractions == sorted(fractions) and fractions[-1] == pytest.approx(1.0)
    assert calls[0][1].startswith("scenario 1 of 3")
