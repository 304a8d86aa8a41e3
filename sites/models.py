"""The site registry: data-center sites, their batteries, workload classes and batch jobs.

Units are in the names: power MW (facility power at the grid connection unless a name says
``it_``), energy MWh, durations in hours or minutes. Invariants are database constraints; the
services also check them first so the API can name the field at fault.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from vpp.models import MarketNode, Organisation
from vpp.units import MAX_PUE

MW = {"max_digits": 10, "decimal_places": 3}


def positive(value) -> None:
    if value is not None and value <= 0:
        raise ValidationError("must be greater than zero", code="not_positive")


def non_negative(value) -> None:
    if value is not None and value < 0:
        raise ValidationError("must not be negative", code="negative")


POS = {**MW, "validators": [positive]}
NONNEG = {**MW, "validators": [non_negative]}
FRACTION = [MinValueValidator(0), MaxValueValidator(1)]


class Site(models.Model):
    """A data center registered as a flexible resource: one operator organisation, one node."""

    class PueKind(models.TextChoices):
        CONSTANT = "constant", "Constant"
        HOURLY = "hourly", "Hourly profile (24 values, market local time)"
        TEMPERATURE = "temperature", "Function of outdoor temperature"

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="sites")
    node = models.ForeignKey(MarketNode, on_delete=models.PROTECT, related_name="sites")
    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=200)
    location = models.CharField(max_length=200, blank=True, help_text="city / province")
    latitude = models.DecimalField(max_digits=8, decimal_places=5, null=True, blank=True)
    longitude = models.DecimalField(max_digits=8, decimal_places=5, null=True, blank=True)

    grid_connection_mw = models.DecimalField(**POS, help_text="import limit at the connection")
    it_capacity_mw = models.DecimalField(**POS, help_text="installed IT power")
    min_load_mw = models.DecimalField(**NONNEG, default=Decimal("0"), help_text="facility floor")
    ramp_limit_mw_per_min = models.DecimalField(
        max_digits=8, decimal_places=3, validators=[positive]
    )
    notice_minutes = models.PositiveIntegerField(default=15, help_text="notice before an event")
    max_events_per_day = models.PositiveSmallIntegerField(default=2)

    pue_kind = models.CharField(max_length=12, choices=PueKind.choices, default=PueKind.CONSTANT)
    pue_constant = models.DecimalField(
        max_digits=5, decimal_places=3, default=Decimal("1.3"), validators=[MinValueValidator(1)]
    )
    pue_hourly = models.JSONField(null=True, blank=True, help_text="24 PUE values, hour 0..23")
    pue_temp_base = models.DecimalField(max_digits=5, decimal_places=3, null=True, blank=True)
    pue_temp_threshold_c = models.DecimalField(
        max_digits=5, decimal_places=2, null=True, blank=True
    )
    pue_temp_slope_per_c = models.DecimalField(
        max_digits=6, decimal_places=4, null=True, blank=True
    )
    climate_mean_temp_c = models.DecimalField(
        max_digits=5, decimal_places=2, default=Decimal("15"), help_text="daily mean outdoor"
    )
    climate_daily_swing_c = models.DecimalField(
        max_digits=5, decimal_places=2, default=Decimal("8"), help_text="peak-to-trough outdoor"
    )

    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=Q(grid_connection_mw__gt=0), name="site_grid_pos"),
            models.CheckConstraint(condition=Q(it_capacity_mw__gt=0), name="site_it_pos"),
            models.CheckConstraint(condition=Q(min_load_mw__gte=0), name="site_min_load_nonneg"),
            models.CheckConstraint(
                condition=Q(min_load_mw__lt=F("grid_connection_mw")), name="site_min_below_grid"
            ),
            models.CheckConstraint(condition=Q(ramp_limit_mw_per_min__gt=0), name="site_ramp_pos"),
            models.CheckConstraint(condition=Q(pue_constant__gte=1), name="site_pue_at_least_1"),
        ]

    def __str__(self) -> str:
        return f"{self.code} ({self.name})"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.organisation_id and self.organisation.kind != Organisation.Kind.SITE_OPERATOR:
            errors["organisation"] = "a site belongs to a site-operator organisation"
        if self.node_id and not self.node.active:
            errors["node"] = f"node {self.node.code} is not an active market node"
        grid, floor = self.grid_connection_mw, self.min_load_mw
        if grid is not None and floor is not None and floor >= grid:
            errors["min_load_mw"] = (
                f"minimum load {floor} MW must be below the grid limit {grid} MW"
            )
        if self.pue_kind == self.PueKind.HOURLY:
            values = self.pue_hourly
            if (
                not isinstance(values, list)
                or len(values) != 24
                or not all(
                    isinstance(v, int | float) and not isinstance(v, bool) and 1 <= v <= MAX_PUE
                    for v in values
                )
            ):
                errors["pue_hourly"] = (
                    f"an hourly PUE needs 24 numbers, each from 1.0 to {MAX_PUE:g}"
                )
        if self.pue_kind == self.PueKind.TEMPERATURE:
            for name in ("pue_temp_base", "pue_temp_threshold_c", "pue_temp_slope_per_c"):
                if getattr(self, name) is None:
                    errors[name] = "required when the PUE is a function of temperature"
            if self.pue_temp_base is not None and self.pue_temp_base < 1:
                errors["pue_temp_base"] = "PUE is at least 1.0"
            if self.pue_temp_slope_per_c is not None and self.pue_temp_slope_per_c < 0:
                errors["pue_temp_slope_per_c"] = "PUE does not fall as it gets hotter: use >= 0"
        if errors:
            raise ValidationError(errors)


class Battery(models.Model):
    """A battery or UPS at a site. ``reserve_mwh`` is kept for backup and never dispatched;
    ``nominal_soc_mwh`` is where it sits in normal operation (a UPS: full)."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="batteries")
    name = models.CharField(max_length=100)
    energy_mwh = models.DecimalField(**POS)
    power_mw = models.DecimalField(**POS)
    charge_efficiency = models.DecimalField(
        max_digits=4, decimal_places=3, default=Decimal("0.95"), validators=[positive, *FRACTION]
    )
    discharge_efficiency = models.DecimalField(
        max_digits=4, decimal_places=3, default=Decimal("0.95"), validators=[positive, *FRACTION]
    )
    reserve_mwh = models.DecimalField(**NONNEG, default=Decimal("0"))
    nominal_soc_mwh = models.DecimalField(**NONNEG)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["site", "name"]
        constraints = [
            models.UniqueConstraint(fields=["site", "name"], name="battery_name_unique_per_site"),
            models.CheckConstraint(condition=Q(energy_mwh__gt=0), name="battery_energy_pos"),
            models.CheckConstraint(condition=Q(power_mw__gt=0), name="battery_power_pos"),
            models.CheckConstraint(
                condition=Q(charge_efficiency__gt=0, charge_efficiency__lte=1)
                & Q(discharge_efficiency__gt=0, discharge_efficiency__lte=1),
                name="battery_efficiency_range",
            ),
            models.CheckConstraint(
                condition=Q(reserve_mwh__gte=0, reserve_mwh__lte=F("energy_mwh")),
                name="battery_reserve_within_energy",
            ),
            models.CheckConstraint(
                condition=Q(nominal_soc_mwh__gte=F("reserve_mwh"))
                & Q(nominal_soc_mwh__lte=F("energy_mwh")),
                name="battery_nominal_soc_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.site.code}/{self.name}"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if None not in (self.reserve_mwh, self.energy_mwh) and self.reserve_mwh > self.energy_mwh:
            errors["reserve_mwh"] = (
                f"backup reserve {self.reserve_mwh} MWh is above the capacity {self.energy_mwh} MWh"
            )
        elif self.nominal_soc_mwh is not None and None not in (self.reserve_mwh, self.energy_mwh):
            if not (self.reserve_mwh <= self.nominal_soc_mwh <= self.energy_mwh):
                errors["nominal_soc_mwh"] = (
                    f"usual state of charge must lie between the reserve {self.reserve_mwh} MWh "
                    f"and the capacity {self.energy_mwh} MWh"
                )
        if errors:
            raise ValidationError(errors)


class WorkloadClass(models.Model):
    """A class of compute work at a site.

    - inference: latency bound, runs at ``it_mw`` all day, never shifted, capped or moved;
    - training: runs at ``it_mw``; may be power-capped down to ``power_cap_floor_fraction`` of it,
      or paused entirely when ``interruptible`` (at checkpoints); the energy it skips must be made
      up within ``max_deferral_hours``; ``movable`` when the data may go to another site;
    - batch: a pool of up to ``it_mw`` for :class:`Job` rows (release, deadline, energy).
    """

    class Kind(models.TextChoices):
        INFERENCE = "inference", "Online inference"
        TRAINING = "training", "Training"
        BATCH = "batch", "Batch"

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="workloads")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    name = models.CharField(max_length=100)
    it_mw = models.DecimalField(**POS, help_text="nominal IT draw (batch: pool capacity)")
    power_cap_floor_fraction = models.DecimalField(
        max_digits=4, decimal_places=3, default=Decimal("1"), validators=FRACTION
    )
    interruptible = models.BooleanField(default=False)
    movable = models.BooleanField(default=False)
    max_deferral_hours = models.DecimalField(
        max_digits=6, decimal_places=2, default=Decimal("0"), validators=[non_negative]
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["site", "kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["site", "name"], name="workload_name_unique_per_site"),
            models.CheckConstraint(condition=Q(it_mw__gt=0), name="workload_it_pos"),
            models.CheckConstraint(
                condition=Q(power_cap_floor_fraction__gte=0, power_cap_floor_fraction__lte=1),
                name="workload_cap_floor_range",
            ),
            models.CheckConstraint(
                condition=~Q(kind="inference")
                | Q(interruptible=False, movable=False, power_cap_floor_fraction=1),
                name="workload_inference_is_rigid",
            ),
            models.CheckConstraint(
                condition=Q(max_deferral_hours__gte=0), name="workload_deferral_nonneg"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.site.code}/{self.name} ({self.kind})"

    def clean(self) -> None:
        if self.kind == self.Kind.INFERENCE:
            rigid = {
                "interruptible": self.interruptible,
                "movable": self.movable,
                "power_cap_floor_fraction": self.power_cap_floor_fraction not in (None, 1),
            }
            bad = [name for name, flexible in rigid.items() if flexible]
            if bad:
                raise ValidationError(
                    {name: "online inference is not shiftable, cappable or movable" for name in bad}
                )


class Job(models.Model):
    """A deferrable batch job: ``energy_mwh`` of IT energy to serve between ``release_at`` and
    ``deadline_at`` at no more than ``max_it_mw``. Curtailing it now means running it later."""

    workload = models.ForeignKey(WorkloadClass, on_delete=models.CASCADE, related_name="jobs")
    name = models.CharField(max_length=100)
    release_at = models.DateTimeField()
    deadline_at = models.DateTimeField()
    energy_mwh = models.DecimalField(**POS)
    max_it_mw = models.DecimalField(**POS)
    movable = models.BooleanField(default=False)

    class Meta:
        ordering = ["release_at", "name"]
        constraints = [
            models.UniqueConstraint(fields=["workload", "name"], name="job_name_unique_per_class"),
            models.CheckConstraint(
                condition=Q(deadline_at__gt=F("release_at")), name="job_deadline_after_release"
            ),
            models.CheckConstraint(condition=Q(energy_mwh__gt=0), name="job_energy_pos"),
            models.CheckConstraint(condition=Q(max_it_mw__gt=0), name="job_max_it_pos"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.release_at and self.deadline_at:
            if self.deadline_at <= self.release_at:
                errors["deadline_at"] = "deadline must be after the release time"
            elif self.energy_mwh and self.max_it_mw:
                hours = (self.deadline_at - self.release_at).total_seconds() / 3600
                if self.energy_mwh > self.max_it_mw * Decimal(str(hours)):
                    errors["energy_mwh"] = (
                        f"{self.energy_mwh} MWh cannot be served at {self.max_it_mw} MW "
                        f"within the {hours:g} h window"
                    )
        if self.workload_id:
            if self.workload.kind != WorkloadClass.Kind.BATCH:
                errors["workload"] = "jobs belong to a batch workload class"
            elif self.max_it_mw and self.max_it_mw > self.workload.it_mw:
                errors["max_it_mw"] = (
                    f"{self.max_it_mw} MW is above the class pool of {self.workload.it_mw} MW"
                )
        if errors:
            raise ValidationError(errors)
