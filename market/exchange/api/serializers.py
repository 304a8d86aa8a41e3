"""Input and output serializers of the exchange API. Times are ISO 8601 with an offset."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from vpp.api.fields import AwareDateTimeField

from ..models import Auction, Line, LineFlow, Node, NodePrice


class NodeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Node
        fields = ["code", "name", "region", "voltage_kv"]


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
            "message",
        ]


class SegmentInSerializer(serializers.Serializer):
    price_per_mwh = serializers.DecimalField(max_digits=10, decimal_places=2)
    quantity_mw = serializers.DecimalField(max_digits=12, decimal_places=3)


class CurveInSerializer(serializers.Serializer):
    node = serializers.CharField(max_length=40)
    interval_start = AwareDateTimeField()
    side = serializers.ChoiceField(choices=["demand", "reduction"])
    segments = SegmentInSerializer(many=True, allow_empty=False)


class BaselineInSerializer(serializers.Serializer):
    node = serializers.CharField(max_length=40)
    interval_start = AwareDateTimeField()
    # the service refuses a negative baseline with its own message; here only the number's shape
    baseline_mw = serializers.DecimalField(max_digits=12, decimal_places=3)


class BidInSerializer(serializers.Serializer):
    curves = CurveInSerializer(many=True, required=False, default=list)
    baselines = BaselineInSerializer(
        many=True,
        required=False,
        default=list,
        help_text="day-ahead: registered baselines (a reduction offer sells from one)",
    )
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


class BidBaselineOutSerializer(serializers.Serializer):
    node = serializers.CharField(source="node.code")
    interval_start = serializers.DateTimeField()
    baseline_mw = serializers.DecimalField(max_digits=12, decimal_places=3)


class BidOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    participant = serializers.CharField()
    version = serializers.IntegerField()
    superseded = serializers.BooleanField()
    submitted_at = serializers.DateTimeField()
    segments = BidSegmentOutSerializer(many=True)
    baselines = BidBaselineOutSerializer(many=True)


class NodePriceSerializer(serializers.ModelSerializer):
    node = serializers.CharField(source="node.code")

    class Meta:
        model = NodePrice
        fields = [
            "node",
            "interval_start",
            "price_per_mwh",
            "demand_mw",
            "participant_demand_mw",
            "unserved_mw",
        ]


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


class MarketRulesSerializer(serializers.Serializer):
    market = serializers.CharField()
    name = serializers.CharField()
    currency = serializers.CharField()
    time_zone = serializers.CharField()
    price_floor_per_mwh = serializers.DecimalField(max_digits=10, decimal_places=2)
    price_cap_per_mwh = serializers.DecimalField(max_digits=10, decimal_places=2)
    max_segments = serializers.IntegerField()
    # a wall-clock time in the market's zone (JSON Schema's "time" format wants an offset)
    da_gate_closure_local = serializers.SerializerMethodField(help_text="HH:MM market time, D-1")
    rt_gate_closure_minutes = serializers.IntegerField()
    interval_minutes = serializers.IntegerField()
    min_trading_unit_mw = serializers.DecimalField(max_digits=12, decimal_places=3)
    min_trading_unit_hours = serializers.DecimalField(max_digits=6, decimal_places=2)
    min_node_voltage_kv = serializers.IntegerField()
    bid_form = serializers.CharField()

    def get_da_gate_closure_local(self, rules) -> str:
        return rules.da_gate_closure_local.strftime("%H:%M")


class MeterReadingInSerializer(serializers.Serializer):
    node = serializers.CharField(max_length=40)
    interval_start = AwareDateTimeField()
    consumption_mw = serializers.DecimalField(max_digits=12, decimal_places=3)


class MeterReportInSerializer(serializers.Serializer):
    readings = MeterReadingInSerializer(many=True, allow_empty=False)
    source = serializers.CharField(max_length=80, required=False, allow_blank=True, default="")
    participant = serializers.CharField(
        max_length=80, required=False, help_text="admins only: the participant reported for"
    )


class MeterReceiptSerializer(serializers.Serializer):
    stored = serializers.IntegerField()
    corrected = serializers.IntegerField()
    unchanged = serializers.IntegerField()


class SettlementQuerySerializer(serializers.Serializer):
    market_day = serializers.DateField()
    participant = serializers.CharField(max_length=80, required=False)


MONEY = {"max_digits": 16, "decimal_places": 2}


@extend_schema_field(OpenApiTypes.STR)
class ExactDecimalField(serializers.Field):
    """An unrounded Decimal as a plain string (no exponent), so no digit is lost."""

    def to_representation(self, value):
        return None if value is None else f"{value.normalize():f}"


class SettlementRowSerializer(serializers.Serializer):
    node = serializers.CharField()
    interval_start = serializers.DateTimeField()
    position = serializers.CharField()
    baseline_mw = serializers.DecimalField(max_digits=12, decimal_places=3, allow_null=True)
    reduction_mw = serializers.DecimalField(max_digits=12, decimal_places=3)
    demand_mw = serializers.DecimalField(max_digits=12, decimal_places=3)
    position_mw = serializers.DecimalField(max_digits=12, decimal_places=3)
    metered_mw = serializers.DecimalField(max_digits=12, decimal_places=3, allow_null=True)
    meter_version = serializers.IntegerField(allow_null=True)
    da_price_per_mwh = serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True)
    rt_price_per_mwh = serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True)
    rt_price_source = serializers.CharField()
    rt_note = serializers.CharField()
    # row amounts are exact (unrounded); shown as strings so no digit is lost
    baseline_energy_amount = ExactDecimalField()
    reduction_credit_amount = ExactDecimalField()
    demand_energy_amount = ExactDecimalField()
    rt_amount = ExactDecimalField(allow_null=True)


class ParticipantSettlementSerializer(serializers.Serializer):
    participant = serializers.CharField()
    market_day = serializers.DateField()
    currency = serializers.CharField()
    interval_hours = serializers.DecimalField(max_digits=8, decimal_places=6)
    da_auction_id = serializers.IntegerField(allow_null=True)
    baseline_energy_amount = serializers.DecimalField(**MONEY)
    reduction_credit_amount = serializers.DecimalField(**MONEY)
    demand_energy_amount = serializers.DecimalField(**MONEY)
    da_amount = serializers.DecimalField(**MONEY)
    rt_amount = serializers.DecimalField(**MONEY)
    total_amount = serializers.DecimalField(**MONEY)
    rt_fallback_intervals = serializers.IntegerField()
    complete = serializers.BooleanField()
    pending = serializers.ListField(child=serializers.CharField())
    rows = SettlementRowSerializer(many=True)
