"""Serializers of the trading API: input serializers for commands, output for reads."""

from __future__ import annotations

from decimal import Decimal

from rest_framework import serializers

from vpp.api.fields import AwareDateTimeField, MarketDayField

from ..forecasting import DEFAULT_MODEL, MODELS
from ..models import AwardReceived, BidSubmission, OptimisationRun, ProposedCurve


class ForecastInput(serializers.Serializer):
    market_day = MarketDayField()
    model = serializers.ChoiceField(choices=list(MODELS), default=DEFAULT_MODEL)


class RunInput(serializers.Serializer):
    market_day = MarketDayField()
    carbon_price_per_t = serializers.DecimalField(
        max_digits=10, decimal_places=2, min_value=Decimal("0"), default=Decimal("0")
    )
    model = serializers.ChoiceField(choices=list(MODELS), default=DEFAULT_MODEL)


class RunSerializer(serializers.ModelSerializer):
    forecast_model = serializers.CharField(source="forecast.model_name", read_only=True)

    class Meta:
        model = OptimisationRun
        fields = [
            "id",
            "market_day",
            "auction_id",
            "forecast",
            "forecast_model",
            "state",
            "progress_pct",
            "progress_message",
            "error",
            "carbon_price_per_t",
            "created_at",
            "started_at",
            "finished_at",
            "summary",
        ]


class CurveSerializer(serializers.ModelSerializer):
    interval_start = AwareDateTimeField(read_only=True)
    # null until a trader edits the curve: the schema says so (it said string)
    edited_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = ProposedCurve
        fields = [
            "id",
            "run",
            "node_code",
            "interval_start",
            "side",
            "segments",
            "proposed_segments",
            "edited_by",
            "edited_at",
        ]
        read_only_fields = fields


class CurveEditInput(serializers.Serializer):
    segments = serializers.JSONField(
        help_text="[[price_per_mwh, quantity_mw], ...] in curve order (decimal strings)"
    )


class SubmitInput(serializers.Serializer):
    side = serializers.ChoiceField(choices=["demand", "reduction"], default="reduction")
    idempotency_key = serializers.CharField(max_length=80)
    nodes = serializers.ListField(child=serializers.CharField(), required=False)


class AwardSerializer(serializers.ModelSerializer):
    class Meta:
        model = AwardReceived
        fields = [
            "node_code",
            "interval_start",
            "side",
            "segment_index",
            "offered_price_per_mwh",
            "offered_mw",
            "awarded_mw",
            "price_per_mwh",
        ]


class SubmissionSerializer(serializers.ModelSerializer):
    submitted_by = serializers.SlugRelatedField(
        slug_field="username",
        read_only=True,
        allow_null=True,  # null: submitted by the platform
    )
    awards = AwardSerializer(many=True, read_only=True)

    class Meta:
        model = BidSubmission
        fields = [
            "id",
            "run",
            "auction_id",
            "submitted_by",
            "submitted_at",
            "idempotency_key",
            "curves",
            "exchange_bid_id",
            "exchange_version",
            "awards_fetched_at",
            "awards",
        ]
