"""Portfolio aggregation sums the sites' envelopes per node, with shiftable and battery energy."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from market.trading.aggregation import portfolio_envelope
from sites.flexibility import envelope_at
from sites.specs import BatterySpec, JobSpec, PueModel, SiteSpec, WorkloadSpec

LOCAL = ZoneInfo("Asia/Shanghai")
T = [datetime(2026, 7, 1, h, tzinfo=LOCAL) for h in (2, 10)]


def site(code, node, workloads=(), batteries=()):
    return SiteSpec(
        id=hash(code) % 1000, code=code, node_code=node, grid_connection_mw=50.0,
        it_capacity_mw=40.0, min_load_mw=0.0, ramp_limit_mw_per_min=10.0, notice_minutes=15,
        max_events_per_day=2, pue=PueModel(kind="constant", constant=1.25),
        workloads=tuple(workloads), batteries=tuple(batteries),
    )  # fmt: skip


def test_sums_per_node_with_shiftable_and_battery_energy():
    job = JobSpec("j", T[0].replace(hour=0), T[0].replace(hour=8), 32.0, 8.0, False)  # 4 MW
    a = site("a", "E-LOAD", [WorkloadSpec("pool", "batch", 20.0, jobs=(job,))])
    b = site(
        "b", "E-LOAD",
        [WorkloadSpec("t", "training", 8.0, interruptible=True, max_deferral_hours=4.0)],
        [BatterySpec("bess", 10.0, 5.0, 0.95, 0.95, reserve_mwh=3.0, nominal_soc_mwh=8.0)],
    )  # fmt: skip
    c = site("c", "S-LOAD", [WorkloadSpec("inf", "inference", 10.0)])
    out = portfolio_envelope([a, b, c], T)
    assert sorted(out) == ["E-LOAD", "S-LOAD"]
    east = out["E-LOAD"][0]  # 02:00: the job runs
    assert east.sites == 2
    assert east.baseline_mw == pytest.approx(
        envelope_at(a, T[0]).baseline_mw + envelope_at(b, T[0]).baseline_mw
    )
    assert east.baseline_mw == pytest.approx((4 + 8) * 1.25)
    # a 15-minute interval: job 4 MW x 0.25 h + training 8 MW x 0.25 h, at PUE 1.25
    assert east.shiftable_mwh == pytest.approx((1.0 + 2.0) * 1.25)
    assert east.battery_mwh == pytest.approx(5.0)  # 8 - 3 reserve
    assert out["E-LOAD"][1].shiftable_mwh == pytest.approx(2.0 * 1.25)  # 10:00: job is over
    assert out["S-LOAD"][0].down_mw == 0.0  # inference only
