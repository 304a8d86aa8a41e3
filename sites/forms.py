"""Forms of the registry pages. They check input and the model's own rules for early, per-field
messages; the services stay the authority (the views put a service's refusal on the form).

Datetimes are entered in the market's local time (``vpp.intervals.market_tz()``) and come out
as aware datetimes; storage is UTC.
"""

from __future__ import annotations

import re

from django import forms
from django.utils import timezone

from vpp.intervals import market_tz
from vpp.models import MarketNode, Organisation, User

from .models import Battery, Job, Site, WorkloadClass


class MarketLocalDateTimeField(forms.DateTimeField):
    """A ``datetime-local`` input read in the market's time zone (not the server's UTC).

    Django's own field makes a naive input aware in the *current* time zone, and refuses a wall
    time that a DST change skips or repeats; running it under the market zone gives exactly
    that rule for market local time."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]

    def to_python(self, value):
        with timezone.override(market_tz()):
            return super().to_python(value)

    def prepare_value(self, value):
        with timezone.override(market_tz()):
            return super().prepare_value(value)


class GroupedForm:
    """Lets the form template lay fields out in titled groups (cards side by side)."""

    fieldsets: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def groups(self) -> list[tuple[str, list]]:
        if not self.fieldsets:
            return [("", list(self))]
        return [
            (title, [self[name] for name in names if name in self.fields])
            for title, names in self.fieldsets
        ]


class SiteForm(GroupedForm, forms.ModelForm):
    """A site's facts. Operators register for their own organisation (the field is not shown);
    an admin names the operator organisation. The organisation never changes on an edit."""

    pue_hourly = forms.CharField(
        required=False,
        label="Hourly PUE",
        help_text="24 numbers, hour 0 to 23 in market local time, separated by commas",
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    class Meta:
        model = Site
        fields = [
            "organisation", "code", "name", "node", "location", "latitude", "longitude",
            "grid_connection_mw", "it_capacity_mw", "min_load_mw", "ramp_limit_mw_per_min",
            "notice_minutes", "max_events_per_day", "pue_kind", "pue_constant", "pue_hourly",
            "pue_temp_base", "pue_temp_threshold_c", "pue_temp_slope_per_c",
            "climate_mean_temp_c", "climate_daily_swing_c",
        ]  # fmt: skip
        labels = {
            "grid_connection_mw": "Grid connection (MW)",
            "it_capacity_mw": "IT capacity (MW)",
            "min_load_mw": "Minimum load (MW)",
            "ramp_limit_mw_per_min": "Ramp limit (MW/min)",
            "notice_minutes": "Notice (minutes)",
            "pue_kind": "PUE model",
            "pue_constant": "Constant PUE",
            "pue_temp_base": "PUE at or below the threshold",
            "pue_temp_threshold_c": "Temperature threshold (°C)",
            "pue_temp_slope_per_c": "PUE increase per °C above it",
            "climate_mean_temp_c": "Mean outdoor temperature (°C)",
            "climate_daily_swing_c": "Daily temperature swing (°C)",
        }

    fieldsets = (
        ("Site", ("organisation", "code", "name", "node", "location", "latitude", "longitude")),
        (
            "Capacity and limits",
            ("grid_connection_mw", "it_capacity_mw", "min_load_mw", "ramp_limit_mw_per_min",
             "notice_minutes", "max_events_per_day"),
        ),
        (
            "PUE and climate",
            ("pue_kind", "pue_constant", "pue_hourly", "pue_temp_base", "pue_temp_threshold_c",
             "pue_temp_slope_per_c", "climate_mean_temp_c", "climate_daily_swing_c"),
        ),
    )  # fmt: skip

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["node"].queryset = MarketNode.objects.filter(active=True)
        creating = self.instance.pk is None
        if creating and user.is_admin_role:
            self.fields["organisation"].queryset = Organisation.objects.filter(
                kind=Organisation.Kind.SITE_OPERATOR
            )
            self.fields["organisation"].required = True
        else:
            del self.fields["organisation"]
            if creating:
                # the model's own checks need the owner; the service sets it again
                self.instance.organisation = user.organisation
        if self.instance.pue_hourly and not self.is_bound:
            self.initial["pue_hourly"] = ", ".join(f"{v:g}" for v in self.instance.pue_hourly)

    def clean_pue_hourly(self):
        text = self.cleaned_data.get("pue_hourly", "").strip()
        if not text:
            return None
        try:
            return [float(v) for v in re.split(r"[,;\s]+", text) if v]
        except ValueError as exc:
            raise forms.ValidationError("give numbers separated by commas") from exc

    def service_fields(self) -> dict:
        """What the service sets on the site: every field but the organisation."""
        return {k: v for k, v in self.cleaned_data.items() if k != "organisation"}


class BatteryForm(GroupedForm, forms.ModelForm):
    class Meta:
        model = Battery
        fields = [
            "name", "energy_mwh", "power_mw", "charge_efficiency", "discharge_efficiency",
            "reserve_mwh", "nominal_soc_mwh",
        ]  # fmt: skip
        labels = {
            "energy_mwh": "Energy capacity (MWh)",
            "power_mw": "Power (MW)",
            "reserve_mwh": "Backup reserve (MWh)",
            "nominal_soc_mwh": "Usual state of charge (MWh)",
        }
        help_texts = {
            "reserve_mwh": "kept for backup, never dispatched",
            "nominal_soc_mwh": "where it sits in normal operation (a UPS: full)",
        }

    def service_fields(self) -> dict:
        return dict(self.cleaned_data)


class WorkloadClassForm(GroupedForm, forms.ModelForm):
    """A workload class. Its kind is fixed once created: jobs and bids depend on it."""

    class Meta:
        model = WorkloadClass
        fields = [
            "kind", "name", "it_mw", "power_cap_floor_fraction", "interruptible", "movable",
            "max_deferral_hours",
        ]  # fmt: skip
        labels = {
            "it_mw": "IT power (MW)",
            "power_cap_floor_fraction": "Power-cap floor (fraction of IT power)",
            "max_deferral_hours": "Maximum deferral (hours)",
        }
        help_texts = {
            "power_cap_floor_fraction": "1 = cannot be capped; inference stays at 1",
            "interruptible": "may pause at checkpoints (training)",
            "movable": "the work may run at another site",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.fields["kind"].disabled = True

    def service_fields(self) -> dict:
        return dict(self.cleaned_data)


class JobForm(GroupedForm, forms.ModelForm):
    """A batch job at one site: its class is one of the site's active batch classes."""

    release_at = MarketLocalDateTimeField(label="Release")
    deadline_at = MarketLocalDateTimeField(label="Deadline")

    class Meta:
        model = Job
        fields = ["workload", "name", "release_at", "deadline_at", "energy_mwh", "max_it_mw",
                  "movable"]  # fmt: skip
        labels = {
            "workload": "Batch workload class",
            "energy_mwh": "IT energy (MWh)",
            "max_it_mw": "Maximum IT power (MW)",
        }

    def __init__(self, *args, site: Site, **kwargs):
        super().__init__(*args, **kwargs)
        classes = site.workloads.filter(kind=WorkloadClass.Kind.BATCH)
        if self.instance.pk is None:
            classes = classes.filter(active=True)
        self.fields["workload"].queryset = classes.order_by("name")
        self.fields["workload"].label_from_instance = lambda w: w.name
        zone = market_tz().key
        for name in ("release_at", "deadline_at"):
            self.fields[name].help_text = f"market local time ({zone})"

    def service_fields(self) -> dict:
        return dict(self.cleaned_data)


class FleetImportForm(forms.Form):
    file = forms.FileField(
        label="Fleet file",
        help_text="a .csv or .json fleet file",
        widget=forms.FileInput(attrs={"accept": ".csv,.json"}),
    )
