"""The flexibility envelope against values computed by hand (see sites/flexibility.py)."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from sites.flexibility import envelope_at
from sites.power import facility_schedule, outdoor_temp_c, site_pue
from sites.specs import BatterySpec, JobSpec, PueModel, SiteSpec, WorkloadSpec

LOCAL = ZoneInfo("Asia/Shanghai")


def at(hour, minute=0):
    return datetime(2026, 7, 1, hour, minute, tzinfo=LOCAL)


def spec(**overrides):
    base = dict(
        id=1, code="a", node_code="E-LOAD", grid_connection_mw=40.0, it_capacity_mw=30.0,
        min_load_mw=5.0, ramp_limit_mw_per_min=2.0, notice_minutes=15, max_events_per_day=2,
        pue=PueModel(kind="constant", constant=1.5),
    )  # fmt: skip
    return SiteSpec(**{**base, **overrides})


INFERENCE = WorkloadSpec(name="inf", kind="inference", it_mw=4.0)
TRAINING = WorkloadSpec(
    name="train", kind="training", it_mw=10.0, power_cap_floor_fraction=0.6,
    interruptible=False, max_deferral_hours=6.0,
)  # fmt: skip


def battery(reserve_mwh):
    return BatterySpec(
        name="b", energy_mwh=10.0, power_mw=5.0, charge_efficiency=0.95,
        discharge_efficiency=0.9, reserve_mwh=reserve_mwh, nominal_soc_mwh=10.0,
    )  # fmt: skip


def test_training_cap_and_battery_with_pue_and_reserve():
    site = spec(workloads=(INFERENCE, TRAINING), batteries=(battery(4.0),))
    e = envelope_at(site, at(10))
    # IT 4 + 10 = 14 MW at PUE 1.5 -> 21 MW facility
    assert e.baseline_mw == pytest.approx(21.0)
    # training may be capped to 60 %: (10 - 6) x 1.5 = 6 MW; battery 5 MW -> 11 MW
    assert e.down_mw == pytest.approx(11.0)
    # the battery holds 5 MW for (10 - 4 reserve) x 0.9 / 5 = 1.08 h; training for 6 h
    assert e.down_hours == pytest.approx(1.08)
    # a full battery cannot charge, and there is no batch work to pull forward
    assert (e.up_mw, e.up_hours) == (0.0, 0.0)


def test_the_battery_reserve_is_never_counted():
    site = spec(workloads=(INFERENCE, TRAINING), batteries=(battery(10.0),))
    e = envelope_at(site, at(10))
    assert e.down_mw == pytest.approx(6.0)  # training only
    assert e.down_hours == pytest.approx(6.0)
    assert e.battery_down_mw == 0.0


def test_interruptible_training_can_stop_entirely():
    training = WorkloadSpec(
        name="t", kind="training", it_mw=10.0, interruptible=True, max_deferral_hours=3.0
    )
    e = envelope_at(spec(workloads=(INFERENCE, training)), at(10))
    assert e.down_mw == pytest.approx(15.0)  # 10 MW IT x 1.5
    assert e.down_hours == pytest.approx(3.0)


def test_batch_job_slack_min_load_and_ramp():
    job = JobSpec(
        name="j", release_at=at(0), deadline_at=at(8), energy_mwh=40.0, max_it_mw=10.0,
        movable=False,
    )  # fmt: skip
    batch = WorkloadSpec(name="b", kind="batch", it_mw=20.0, jobs=(job,))
    site = spec(
        grid_connection_mw=30.0, it_capacity_mw=25.0, min_load_mw=10.0,
        ramp_limit_mw_per_min=0.2, pue=PueModel(kind="constant", constant=1.2),
        workloads=(WorkloadSpec(name="inf", kind="inference", it_mw=5.0), batch),
    )  # fmt: skip
    e = envelope_at(site, at(2))
    # IT 5 + job's even rate 40 MWh / 8 h = 5 MW -> 10 MW x 1.2 = 12 MW
    assert e.baseline_mw == pytest.approx(12.0)
    # pausing the job would give 6 MW, but the site may not go below 10 MW: 2 MW, for the
    # job's slack of 8 - 40/10 = 4 h
    assert (e.down_mw, e.down_hours) == pytest.approx((2.0, 4.0))
    # running the job at 10 MW adds 5 MW IT = 6 MW, but the ramp allows 0.2 x 15 = 3 MW
    assert (e.up_mw, e.up_hours) == pytest.approx((3.0, 4.0))
    # after its deadline the job is no longer there
    later = envelope_at(site, at(9))
    assert (later.baseline_mw, later.down_mw, later.up_mw) == pytest.approx((6.0, 0.0, 0.0))


def test_up_is_capped_by_the_grid_connection():
    job = JobSpec(
        name="j", release_at=at(0), deadline_at=at(10), energy_mwh=50.0, max_it_mw=20.0,
        movable=False,
    )  # fmt: skip
    site = spec(
        grid_connection_mw=20.0, it_capacity_mw=30.0, min_load_mw=0.0,
        workloads=(WorkloadSpec(name="b", kind="batch", it_mw=20.0, jobs=(job,)),),
    )  # fmt: skip
    e = envelope_at(site, at(1))
    assert e.baseline_mw == pytest.approx(7.5)  # 5 MW x 1.5
    assert e.up_mw == pytest.approx(12.5)  # 15 MW x 1.5 = 22.5, grid leaves 20 - 7.5


def test_temperature_and_hourly_pue():
    pue = PueModel(kind="temperature", temp_base=1.1, temp_threshold_c=20.0, temp_slope_per_c=0.02)
    site = spec(pue=pue, climate_mean_temp_c=25.0, climate_daily_swing_c=10.0)
    assert outdoor_temp_c(site, at(15)) == pytest.approx(30.0)
    assert site_pue(site, at(15)) == pytest.approx(1.3)  # 1.1 + 0.02 x (30 - 20)
    assert site_pue(site, at(3)) == pytest.approx(1.1)  # 20 C: at the threshold
    e = envelope_at(spec(pue=pue, workloads=(INFERENCE,)), at(15), temp_c=35.0)
    assert e.baseline_mw == pytest.approx(4 * 1.4)

    hourly = PueModel(kind="hourly", hourly=tuple(1.5 if h == 14 else 1.2 for h in range(24)))
    site = spec(pue=hourly)
    assert facility_schedule(site, [at(13, 45), at(14, 15)], [10.0, 10.0]) == pytest.approx(
        [12.0, 15.0]
    )
