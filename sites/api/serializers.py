"""Serializers of the registry API. Field rules come from the models' validators; cross-field
rules (``Model.clean``) run in the services and come back as 400s naming the field."""

from __future__ import annotations

from rest_framework import serializers

from vpp.api.fields import AwareDateTimeField
from vpp.models import MarketNode, Organisation

from ..models import Battery, Job, Site, WorkloadClass
from ..selectors import sites_managed_by


class ManagedSiteField(serializers.PrimaryKeyRelatedField):
    """A site id the requesting user may change; any other id reads as unknown."""

    default_error_messages = {"does_not_exist": "no site {pk_value} among the sites you manage"}

    def get_queryset(self):
        return sites_managed_by(self.context["request"].user)


class ManagedBatchClassField(serializers.PrimaryKeyRelatedField):
    default_error_messages = {
        "does_not_exist": "no workload class {pk_value} at the sites you manage"
    }

    def get_queryset(self):
        sites = sites_managed_by(self.context["request"].user)
        return WorkloadClass.objects.filter(site__in=sites).select_related("site")


class SiteSerializer(serializers.ModelSerializer):
    node = serializers.SlugRelatedField(
        slug_field="code",
        queryset=MarketNode.objects.filter(active=True),
        error_messages={"does_not_exist": "unknown market node {value!r}"},
    )
    organisation = serializers.SlugRelatedField(
        slug_field="name",
        queryset=Organisation.objects.filter(kind=Organisation.Kind.SITE_OPERATOR),
        required=False,
        error_messages={"does_not_exist": "unknown site-operator organisation {value!r}"},
    )

    class Meta:
        model = Site
        fields = [
            "id", "code", "name", "organisation", "node", "location", "latitude", "longitude",
            "grid_connection_mw", "it_capacity_mw", "min_load_mw", "ramp_limit_mw_per_min",
            "notice_minutes", "max_events_per_day", "pue_kind", "pue_constant", "pue_hourly",
            "pue_temp_base", "pue_temp_threshold_c", "pue_temp_slope_per_c",
            "climate_mean_temp_c", "climate_daily_swing_c", "active", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = ["active", "created_at", "updated_at"]


class BatterySerializer(serializers.ModelSerializer):
    site = ManagedSiteField()

    class Meta:
        model = Battery
        fields = [
            "id", "site", "name", "energy_mwh", "power_mw", "charge_efficiency",
            "discharge_efficiency", "reserve_mwh", "nominal_soc_mwh", "active",
        ]  # fmt: skip
        read_only_fields = ["active"]


class WorkloadClassSerializer(serializers.ModelSerializer):
    site = ManagedSiteField()

    class Meta:
        model = WorkloadClass
        fields = [
            "id", "site", "kind", "name", "it_mw", "power_cap_floor_fraction", "interruptible",
            "movable", "max_deferral_hours", "active",
        ]  # fmt: skip
        read_only_fields = ["active"]


class JobSerializer(serializers.ModelSerializer):
    workload = ManagedBatchClassField()
    release_at = AwareDateTimeField()
    deadline_at = AwareDateTimeField()

    class Meta:
        model = Job
        fields = [
            "id", "workload", "name", "release_at", "deadline_at", "energy_mwh", "max_it_mw",
            "movable",
        ]  # fmt: skip


class EnvelopeIntervalSerializer(serializers.Serializer):
    interval_start = serializers.DateTimeField()
    pue = serializers.FloatField()
    baseline_it_mw = serializers.FloatField()
    baseline_mw = serializers.FloatField()
    down_mw = serializers.FloatField()
    down_hours = serializers.FloatField()
    up_mw = serializers.FloatField()
    up_hours = serializers.FloatField()
    battery_down_mw = serializers.FloatField()
    battery_up_mw = serializers.FloatField()


class EnvelopeSerializer(serializers.Serializer):
    site = serializers.CharField()
    market_day = serializers.DateField()
    intervals = EnvelopeIntervalSerializer(many=True)


class ImportRowErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="1-based row (CSV data row or JSON record)")
    record = serializers.CharField()
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


class ImportResultSerializer(serializers.Serializer):
    sites = serializers.IntegerField()
    batteries = serializers.IntegerField()
    workloads = serializers.IntegerField()
    jobs = serializers.IntegerField()


class ImportRequestSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="a fleet file: .csv or .json (see docs/sites.md)")
