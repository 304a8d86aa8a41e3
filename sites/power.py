"""Compute to power: facility MW = IT MW x PUE(t), where PUE may follow the local hour or the
outdoor temperature. Outdoor temperature, when no forecast is given, follows the site's climate
normal: ``mean + swing/2 * cos(2 pi (hour - 15) / 24)`` (warmest at 15:00 local)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime

from vpp.intervals import to_local

from .specs import PueModel, SiteSpec

WARMEST_HOUR = 15.0


def outdoor_temp_c(site: SiteSpec, instant: datetime) -> float:
    local = to_local(instant)
    hour = local.hour + local.minute / 60.0
    swing = site.climate_daily_swing_c / 2.0
    return site.climate_mean_temp_c + swing * math.cos(2 * math.pi * (hour - WARMEST_HOUR) / 24)


def pue_at(pue: PueModel, instant: datetime, temp_c: float | None = None) -> float:
    if pue.kind == "hourly":
        return pue.hourly[to_local(instant).hour]
    if pue.kind == "temperature":
        if temp_c is None:
            raise ValueError("a temperature PUE needs an outdoor temperature")
        return pue.temp_base + pue.temp_slope_per_c * max(0.0, temp_c - pue.temp_threshold_c)
    return pue.constant


def site_pue(site: SiteSpec, instant: datetime, temp_c: float | None = None) -> float:
    if site.pue.kind == "temperature" and temp_c is None:
        temp_c = outdoor_temp_c(site, instant)
    return pue_at(site.pue, instant, temp_c)


def facility_mw(site: SiteSpec, it_mw: float, instant: datetime, temp_c: float | None = None):
    """Facility power drawn for ``it_mw`` of IT load at ``instant``."""
    return it_mw * site_pue(site, instant, temp_c)


def facility_schedule(
    site: SiteSpec,
    interval_starts: Sequence[datetime],
    it_schedule_mw: Sequence[float],
    temps_c: Sequence[float] | None = None,
) -> list[float]:
    """Turn an IT schedule (MW per interval) into facility MW per interval."""
    if len(interval_starts) != len(it_schedule_mw):
        raise ValueError("one IT value per interval")
    return [
        facility_mw(site, it, t, temps_c[i] if temps_c is not None else None)
        for i, (t, it) in enumerate(zip(interval_starts, it_schedule_mw, strict=True))
    ]
