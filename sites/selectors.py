"""Reads of the registry: which sites a user may see or manage, and their plain snapshots."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from vpp.models import User

from .models import Battery, Job, Site, WorkloadClass
from .specs import BatterySpec, JobSpec, PueModel, SiteSpec, WorkloadSpec

PORTFOLIO_READERS = (User.Role.TRADER, User.Role.REGULATOR)


def sites_visible_to(user: User) -> QuerySet[Site]:
    """Traders, regulators and admins see the whole portfolio; an operator only their
    organisation's sites; anyone else nothing."""
    qs = Site.objects.select_related("organisation", "node")
    if user.is_admin_role or user.role in PORTFOLIO_READERS:
        return qs
    if user.is_operator and user.organisation_id:
        return qs.filter(organisation_id=user.organisation_id)
    return qs.none()


def sites_managed_by(user: User) -> QuerySet[Site]:
    """Sites the user may change: an operator's own organisation's, or any for an admin."""
    qs = Site.objects.select_related("organisation", "node")
    if user.is_admin_role:
        return qs
    if user.is_operator and user.organisation_id:
        return qs.filter(organisation_id=user.organisation_id)
    return qs.none()


def can_manage(user: User, site: Site) -> bool:
    return user.is_admin_role or (user.is_operator and site.organisation_id == user.organisation_id)


def _f(value) -> float:
    return float(value) if value is not None else 0.0


def site_spec(site: Site) -> SiteSpec:
    """Snapshot of an active site with its active resources (use :func:`site_specs` for many)."""
    pue = PueModel(
        kind=site.pue_kind,
        constant=_f(site.pue_constant),
        hourly=tuple(float(v) for v in (site.pue_hourly or ())),
        temp_base=_f(site.pue_temp_base),
        temp_threshold_c=_f(site.pue_temp_threshold_c),
        temp_slope_per_c=_f(site.pue_temp_slope_per_c),
    )
    batteries = tuple(
        BatterySpec(
            name=b.name,
            energy_mwh=_f(b.energy_mwh),
            power_mw=_f(b.power_mw),
            charge_efficiency=_f(b.charge_efficiency),
            discharge_efficiency=_f(b.discharge_efficiency),
            reserve_mwh=_f(b.reserve_mwh),
            nominal_soc_mwh=_f(b.nominal_soc_mwh),
        )
        for b in site.batteries.all()
        if b.active
    )
    workloads = tuple(
        WorkloadSpec(
            name=w.name,
            kind=w.kind,
            it_mw=_f(w.it_mw),
            power_cap_floor_fraction=_f(w.power_cap_floor_fraction),
            interruptible=w.interruptible,
            movable=w.movable,
            max_deferral_hours=_f(w.max_deferral_hours),
            jobs=tuple(
                JobSpec(
                    name=j.name,
                    release_at=j.release_at,
                    deadline_at=j.deadline_at,
                    energy_mwh=_f(j.energy_mwh),
                    max_it_mw=_f(j.max_it_mw),
                    movable=j.movable,
                )
                for j in w.jobs.all()
            ),
        )
        for w in site.workloads.all()
        if w.active
    )
    return SiteSpec(
        id=site.pk,
        code=site.code,
        node_code=site.node.code,
        grid_connection_mw=_f(site.grid_connection_mw),
        it_capacity_mw=_f(site.it_capacity_mw),
        min_load_mw=_f(site.min_load_mw),
        ramp_limit_mw_per_min=_f(site.ramp_limit_mw_per_min),
        notice_minutes=site.notice_minutes,
        max_events_per_day=site.max_events_per_day,
        pue=pue,
        organisation_id=site.organisation_id,
        climate_mean_temp_c=_f(site.climate_mean_temp_c),
        climate_daily_swing_c=_f(site.climate_daily_swing_c),
        batteries=batteries,
        workloads=workloads,
    )


def with_resources(qs: QuerySet[Site]) -> QuerySet[Site]:
    """Prefetch everything :func:`site_spec` reads: four queries whatever the fleet size."""
    return qs.select_related("node", "organisation").prefetch_related(
        Prefetch("batteries", queryset=Battery.objects.order_by("name")),
        Prefetch(
            "workloads",
            queryset=WorkloadClass.objects.order_by("kind", "name").prefetch_related(
                Prefetch("jobs", queryset=Job.objects.order_by("release_at", "name"))
            ),
        ),
    )


def site_specs(qs: QuerySet[Site]) -> list[SiteSpec]:
    return [site_spec(s) for s in with_resources(qs.filter(active=True))]
