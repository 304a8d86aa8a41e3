"""The flexibility envelope of a site: per interval, how far its facility load can go down and
up from its usual load, and for how long the full depth can be held.

Definitions (h = interval length in hours, p = PUE at the interval start; all facility MW):

usual load
    inference ``it_mw`` + training ``it_mw`` + each batch job whose window contains the interval
    start at its even rate ``energy_mwh / window_hours``; IT is capped at ``it_capacity_mw`` and
    ``baseline_mw = min(IT x p, grid_connection_mw)``.
down components (MW, hours it can be held)
    training: ``(it_mw - floor_it_mw) x p`` for ``max_deferral_hours`` (floor is 0 when
    interruptible, ``it_mw x power_cap_floor_fraction`` otherwise; nothing when deferral is 0);
    a batch job with slack (``window_hours - energy_mwh / max_it_mw > 0``): its even rate x p,
    for the slack; a battery above its reserve: ``power_mw`` for
    ``(nominal_soc_mwh - reserve_mwh) x discharge_efficiency / power_mw`` (the reserve is never
    counted).
up components
    a batch job: ``(max_it_mw - rate) x p`` (within its class pool and the site's IT capacity),
    for ``energy_mwh / max_it_mw``; a battery below full: ``power_mw`` for
    ``(energy_mwh - nominal_soc_mwh) / (charge_efficiency x power_mw)``.
limits
    ``down_mw = min(sum of down, baseline_mw - min_load_mw, ramp)``,
    ``up_mw = min(sum of up, grid_connection_mw - baseline_mw, ramp)``, where
    ``ramp = ramp_limit_mw_per_min x interval minutes``; never below 0. ``*_hours`` is the
    shortest hold of the components that contribute (the time the full depth lasts).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from vpp.intervals import interval_hours

from .power import site_pue
from .specs import JobSpec, SiteSpec


@dataclass(frozen=True)
class EnvelopeInterval:
    interval_start: datetime
    pue: float
    baseline_it_mw: float
    baseline_mw: float
    down_mw: float
    down_hours: float
    up_mw: float
    up_hours: float
    battery_down_mw: float
    battery_up_mw: float


def _hours(a: datetime, b: datetime) -> float:
    return (b - a).total_seconds() / 3600.0


def job_rate_mw(job: JobSpec) -> float:
    """Even IT rate that serves the job exactly over its window (its usual plan)."""
    return job.energy_mwh / _hours(job.release_at, job.deadline_at)


def _active(job: JobSpec, start: datetime) -> bool:
    return job.release_at <= start < job.deadline_at


def _limited(components: list[tuple[float, float]], *caps: float) -> tuple[float, float]:
    total = sum(mw for mw, _ in components)
    depth = max(0.0, min(total, *caps))
    if depth <= 1e-9:
        return 0.0, 0.0
    return depth, min(hours for mw, hours in components if mw > 1e-9)


def envelope_at(site: SiteSpec, start: datetime, temp_c: float | None = None) -> EnvelopeInterval:
    p = site_pue(site, start, temp_c)
    ramp_mw = site.ramp_limit_mw_per_min * interval_hours() * 60.0
    base_it = 0.0
    down: list[tuple[float, float]] = []
    up_it_by_class: list[tuple[float, float]] = []
    for w in site.workloads:
        if w.kind in ("inference", "training"):
            base_it += w.it_mw
            if w.kind == "training" and w.max_deferral_hours > 0 and w.it_mw > w.floor_it_mw:
                down.append(((w.it_mw - w.floor_it_mw) * p, w.max_deferral_hours))
            continue
        pool_used = 0.0
        job_up: list[tuple[float, float]] = []
        for job in w.jobs:
            if not _active(job, start):
                continue
            rate = job_rate_mw(job)
            pool_used += rate
            slack_h = _hours(job.release_at, job.deadline_at) - job.energy_mwh / job.max_it_mw
            if slack_h > 1e-9:
                down.append((rate * p, slack_h))
            if job.max_it_mw > rate:
                job_up.append((job.max_it_mw - rate, job.energy_mwh / job.max_it_mw))
        base_it += pool_used
        pool_room = max(0.0, w.it_mw - pool_used)
        if job_up:
            up_it_by_class.append(
                (min(pool_room, sum(mw for mw, _ in job_up)), min(h for _, h in job_up))
            )
    base_it = min(base_it, site.it_capacity_mw)
    baseline_mw = min(base_it * p, site.grid_connection_mw)

    it_room = max(0.0, site.it_capacity_mw - base_it)
    up: list[tuple[float, float]] = []
    for mw, hours in up_it_by_class:
        take = min(mw, it_room)
        it_room -= take
        up.append((take * p, hours))

    battery_down = battery_up = 0.0
    for b in site.batteries:
        if b.nominal_soc_mwh > b.reserve_mwh:
            hours = (b.nominal_soc_mwh - b.reserve_mwh) * b.discharge_efficiency / b.power_mw
            down.append((b.power_mw, hours))
            battery_down += b.power_mw
        if b.energy_mwh > b.nominal_soc_mwh:
            hours = (b.energy_mwh - b.nominal_soc_mwh) / (b.charge_efficiency * b.power_mw)
            up.append((b.power_mw, hours))
            battery_up += b.power_mw

    down_mw, down_hours = _limited(down, baseline_mw - site.min_load_mw, ramp_mw)
    up_mw, up_hours = _limited(up, site.grid_connection_mw - baseline_mw, ramp_mw)
    return EnvelopeInterval(
        interval_start=start,
        pue=p,
        baseline_it_mw=base_it,
        baseline_mw=baseline_mw,
        down_mw=down_mw,
        down_hours=down_hours,
        up_mw=up_mw,
        up_hours=up_hours,
        battery_down_mw=battery_down,
        battery_up_mw=battery_up,
    )


def envelope(
    site: SiteSpec, interval_starts: Sequence[datetime], temps_c: Sequence[float] | None = None
) -> list[EnvelopeInterval]:
    return [
        envelope_at(site, t, temps_c[i] if temps_c is not None else None)
        for i, t in enumerate(interval_starts)
    ]
