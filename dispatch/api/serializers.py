"""Dispatch API shapes. MW and money as decimal strings; instants aware (naive -> 400)."""

from __future__ import annotations

from rest_framework import serializers

from vpp.api.fields import AwareDateTimeField

from ..models import DeliveryReading, Instruction, OpenPosition


class InstructionSerializer(serializers.ModelSerializer):
    site_code = serializers.CharField(source="site.code", read_only=True)
    # null until someone confirms: the schema says so (it said string)
    confirmed_by = serializers.CharField(
        source="confirmed_by.username", default=None, allow_null=True
    )

    class Meta:
        model = Instruction
        fields = [
            "id", "site", "site_code", "market_day", "interval_start", "interval_end",
            "target_mw", "baseline_mw", "reduction_mw", "state", "deadline_at",
            "decline_reason", "node_code", "side", "submission_id", "origin", "supersedes",
            "version", "created_at", "confirmed_by", "confirmed_at",
        ]  # fmt: skip
        read_only_fields = fields


class DeclineSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True, max_length=2000)


class ReadingInSerializer(serializers.Serializer):
    site = serializers.IntegerField(help_text="site id")
    interval_start = AwareDateTimeField()
    load_mw = serializers.DecimalField(max_digits=10, decimal_places=3, help_text="facility MW")


class ReadingsInSerializer(serializers.Serializer):
    rows = ReadingInSerializer(many=True, allow_empty=False)


class ReadingOutSerializer(serializers.ModelSerializer):
    class Meta:
        model = DeliveryReading
        fields = ["id", "site", "interval_start", "load_mw", "source", "received_at", "revision"]


class OpenPositionSerializer(serializers.ModelSerializer):
    class Meta:
        model = OpenPosition
        fields = [
            "id", "node_code", "interval_start", "side", "submission_id", "missing_mw",
            "price_per_mwh", "price_basis", "expected_cost", "reason", "instruction",
            "created_at", "resolved",
        ]  # fmt: skip


class RangeSerializer(serializers.Serializer):
    start = AwareDateTimeField()
    end = AwareDateTimeField()


class DispatchRequestSerializer(serializers.Serializer):
    confirm_by = AwareDateTimeField(required=False, help_text="the confirmation gate")
