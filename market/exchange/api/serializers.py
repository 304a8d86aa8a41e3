"""Input and output serializers of the exchange API. Times are ISO 8601 with an offset."""

from __future__ import annotations

from rest_framework import serializers

from vpp.api.fields import AwareDateTimeField

from ..models import Auction, Line, LineFlow, Node, NodePrice


class NodeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Node
        fields = ["code", "name", "region"]


class LineSerializer(serializers.ModelSerializer):
    from_node = serializers.CharField(source="from_node.code")
    to_node = serializers.CharField(source="to_node.code")

    class Meta:
        model = Line
        fields = ["code", "from_node", "to_node", "reactance_pu", "phase_shift_deg", "limit_mw"]


class AuctionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Auction
        fields = [
            "id",
            "kind",
            "market_day",
            "first_interval",
            "interval_count",
            "gate_closure_at",
            "state",
            "cleared_at",
            "published_at",
            "solver",
            "unserved_mwh",
        ]


class SegmentInSerializer(serializers.Serializer):
    price_per_mwh = serializers.DecimalField(max_digits=10, decimal_places=2)
    quantity_mw = serializers.DecimalField(max_digits=12, decimal_places=3)


class CurveInSerializer(serializers.Serializer):
    node = serializers.CharField(max_length=40)
    interval_start = AwareDateTimeField()
    side = serializers.ChoiceField(choices=["demand", "reduction"])
    segments = SegmentInSerializer(many=True, allow_empty=False)


class BidInSerializer(serializers.Serializer):
    curves = CurveInSerializer(many=True, allow_empty=False)
    idempotency_key = serializers.CharField(max_length=120, required=False, allow_blank=True)
    participant = serializers.CharField(
        max_length=80, required=False, help_text="admins only: the participant bid for"
    )


class BidReceiptSerializer(serializers.Serializer):
    bid_id = serializers.IntegerField()
    auction_id = serializers.IntegerField()
    participant = serializers.CharField()
    version = serializers.IntegerField()
    submitted_at = serializers.DateTimeField()
    created = serializers.BooleanField()


class BidSegmentOutSerializer(serializers.Serializer):
    node = serializers.CharField(source="node.code")
    interval_start = serializers.DateTimeField()
    side = serializers.CharField()
    segment_index = serializers.IntegerField()
    price_per_mwh = serializers.DecimalField(max_digits=10, decimal_places=2)
    quantity_mw = serializers.DecimalField(max_digits=12, decimal_places=3)


class BidOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    participant = serializers.CharField()
    version = serializers.IntegerField()
    superseded = serializers.BooleanField()
    submitted_at = serializers.DateTimeField()
    segments = BidSegmentOutSerializer(many=True)


class NodePriceSerializer(serializers.ModelSerializer):
    node = serializers.CharField(source="node.code")

    class Meta:
        model = NodePrice
        fields = ["node", "interval_start", "price_per_mwh", "demand_mw", "unserved_mw"]


class LineFlowSerializer(serializers.ModelSerializer):
    line = serializers.CharField(source="line.code")

    class Meta:
        model = LineFlow
        fields = [
            "line",
            "interval_start",
            "flow_mw",
            "limit_mw",
            "congested",
            "shadow_price_per_mwh",
        ]


class AwardLineSerializer(serializers.Serializer):
    auction_id = serializers.IntegerField()
    bid_id = serializers.IntegerField()
    bid_version = serializers.IntegerField()
    node = serializers.CharField()
    interval_start = serializers.DateTimeField()
    side = serializers.CharField()
    segment_index = serializers.IntegerField()
    offered_price_per_mwh = serializers.DecimalField(max_digits=10, decimal_places=2)
    offered_mw = serializers.DecimalField(max_digits=12, decimal_places=3)
    awarded_mw = serializers.DecimalField(max_digits=12, decimal_places=3)
    price_per_mwh = serializers.DecimalField(max_digits=10, decimal_places=2)


class ExogenousPointSerializer(serializers.Serializer):
    node = serializers.CharField()
    interval_start = serializers.DateTimeField()
    demand_mw_forecast = serializers.FloatField()
    wind_cf_forecast = serializers.FloatField()
    solar_cf_forecast = serializers.FloatField()
    demand_mw_actual = serializers.FloatField(allow_null=True)
    wind_cf_actual = serializers.FloatField(allow_null=True)
    solar_cf_actual = serializers.FloatField(allow_null=True)


class ExogenousQuerySerializer(serializers.Serializer):
    start = AwareDateTimeField()
    end = AwareDateTimeField()
    node = serializers.CharField(required=False)
