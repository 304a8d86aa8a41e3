"""Serializers of the settlement API (meter intake, readings, baseline methods and results)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from ..models import BaselineMethod, BaselineResult, MeterReading, MeterUpload


class ReadingInSerializer(serializers.Serializer):
    """One row; checked by :mod:`settlement.meters` so every bad row is named at once."""

    site_code = serializers.CharField()
    interval_start = serializers.CharField(help_text="ISO 8601 with an offset")
    value = serializers.CharField(help_text="a number in `unit`")
    unit = serializers.ChoiceField(choices=["MW", "kW", "MWh", "kWh"])


# Named apart from dispatch's ReadingsInSerializer: one component name for two shapes made the
# schema document dispatch's body for this endpoint.
@extend_schema_serializer(component_name="MeterReadingsIn")
class ReadingsInSerializer(serializers.Serializer):
    readings = ReadingInSerializer(many=True, help_text="checked as a whole; all or none")


class UploadFileSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="CSV: site_code,interval_start,value,unit")


class MeterUploadSerializer(serializers.ModelSerializer):
    # null for the platform's own uploads (OpenADR reports): the schema says so (it said string)
    uploaded_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    organisation = serializers.SlugRelatedField(slug_field="name", read_only=True, allow_null=True)

    class Meta:
        model = MeterUpload
        fields = [
            "id", "source", "checksum", "filename", "uploaded_by", "organisation",
            "uploaded_at", "rows_received", "rows_stored", "rows_unchanged", "bulk_path",
        ]  # fmt: skip
        read_only_fields = fields


class MeterReadingSerializer(serializers.ModelSerializer):
    site = serializers.SlugRelatedField(slug_field="code", read_only=True)
    flags = serializers.ListField(source="flag_list", child=serializers.CharField())

    class Meta:
        model = MeterReading
        fields = [
            "id", "site", "interval_start", "load_mw", "source", "version", "is_current",
            "flags", "estimation_method", "received_at", "upload",
        ]  # fmt: skip
        read_only_fields = fields


class BaselineMethodSerializer(serializers.ModelSerializer):
    class Meta:
        model = BaselineMethod
        fields = ["id", "name", "version", "params", "description", "created_at"]
        read_only_fields = fields


class BaselineResultSerializer(serializers.ModelSerializer):
    site = serializers.SlugRelatedField(slug_field="code", read_only=True)
    method = serializers.StringRelatedField()

    class Meta:
        model = BaselineResult
        fields = [
            "id", "site", "market_day", "method", "event_start", "event_end", "baseline_mw",
            "used_days", "excluded_days", "adjustment", "input_digest", "input_summary",
            "computed_at",
        ]  # fmt: skip
        read_only_fields = fields
