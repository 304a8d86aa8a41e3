"""Plain, float-valued snapshots of a site and its resources.

The envelope here and the optimiser of the trading desk work on these, not on ORM rows, so they
can be built once per request (one query per table) and reused in tight loops.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class PueModel:
    """PUE as a constant, a 24-value hourly profile (market local hour), or
    ``base + slope_per_c * max(0, T_outdoor - threshold_c)``."""

    kind: str = "constant"
    constant: float = 1.3
    hourly: tuple[float, ...] = ()
    temp_base: float = 1.2
    temp_threshold_c: float = 20.0
    temp_slope_per_c: float = 0.0


@dataclass(frozen=True)
class BatterySpec:
    name: str
    energy_mwh: float
    power_mw: float
    charge_efficiency: float
    discharge_efficiency: float
    reserve_mwh: float
    nominal_soc_mwh: float


@dataclass(frozen=True)
class JobSpec:
    name: str
    release_at: datetime
    deadline_at: datetime
    energy_mwh: float
    max_it_mw: float
    movable: bool


@dataclass(frozen=True)
class WorkloadSpec:
    name: str
    kind: str  # inference | training | batch
    it_mw: float
    power_cap_floor_fraction: float = 1.0
    interruptible: bool = False
    movable: bool = False
    max_deferral_hours: float = 0.0
    jobs: tuple[JobSpec, ...] = ()

    @property
    def floor_it_mw(self) -> float:
        """Lowest IT draw the class can be held at (training; inference is rigid)."""
        if self.kind != "training":
            return self.it_mw
        if self.interruptible:
            return 0.0
        return self.it_mw * self.power_cap_floor_fraction


@dataclass(frozen=True)
class SiteSpec:
    id: int
    code: str
    node_code: str
    grid_connection_mw: float
    it_capacity_mw: float
    min_load_mw: float
    ramp_limit_mw_per_min: float
    notice_minutes: int
    max_events_per_day: int
    pue: PueModel
    organisation_id: int = 0
    climate_mean_temp_c: float = 15.0
    climate_daily_swing_c: float = 8.0
    batteries: tuple[BatterySpec, ...] = ()
    workloads: tuple[WorkloadSpec, ...] = field(default_factory=tuple)
