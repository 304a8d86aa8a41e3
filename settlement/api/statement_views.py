"""Settlement API, second half: statements (list, detail with versions and changes), settlement
runs (start one, poll its progress), the methodology, the audit trail, and an operator's own
lines.

Roles: statements, runs and the audit trail are read by traders, regulators and admins; runs are
started by traders and admins (regulators never write). Operators read their own sites' lines
only (``my-lines``), never the portfolio or another company's lines.
"""

from __future__ import annotations

from datetime import date

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from sites.selectors import sites_visible_to
from vpp import parsing
from vpp.api.fields import AwareDateTimeField, MarketDayField
from vpp.api.permissions import RoleRequired
from vpp.models import AuditEvent

from .. import pipeline
from ..methodology import methodology
from ..models import SettlementRun, Statement, StatementLine

PORTAL_ROLES = ("trader", "regulator")


class StatementLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = StatementLine
        fields = ["site_code", "instructed_mwh", "delivered_mwh", "shortfall_mwh",
                  "performance_factor", "da_credit", "rt_deviation", "penalty", "net_amount",
                  "flags"]  # fmt: skip


class StatementSiteLineSerializer(StatementLineSerializer):
    market_day = serializers.DateField(source="statement.market_day")
    version = serializers.IntegerField(source="statement.version")

    class Meta(StatementLineSerializer.Meta):
        fields = ["market_day", "version", *StatementLineSerializer.Meta.fields, "intervals"]


class StatementSerializer(serializers.ModelSerializer):
    class Meta:
        model = Statement
        fields = ["id", "market_day", "version", "previous", "currency", "checksum",
                  "input_digest", "instructed_mwh", "delivered_mwh", "net_amount",
                  "created_at"]  # fmt: skip


class StatementDetailSerializer(StatementSerializer):
    lines = StatementLineSerializer(many=True)
    versions = serializers.SerializerMethodField()

    class Meta(StatementSerializer.Meta):
        fields = [*StatementSerializer.Meta.fields, "method", "inputs", "changes", "versions",
                  "lines"]  # fmt: skip

    def get_versions(self, obj) -> list[dict]:
        rows = Statement.objects.filter(market_day=obj.market_day).order_by("version")
        return list(rows.values("id", "version", "checksum", "created_at"))


class SettlementRunSerializer(serializers.ModelSerializer):
    class Meta:
        model = SettlementRun
        fields = ["id", "market_day", "state", "stage", "progress_pct", "message", "error",
                  "created_at", "finished_at", "statement", "new_version"]  # fmt: skip


class SettlementStartSerializer(serializers.Serializer):
    market_day = MarketDayField()


class AuditEventSerializer(serializers.ModelSerializer):
    # null for the platform's own actions (beat, tasks): the schema says so (it said string)
    actor = serializers.CharField(source="actor.username", default=None, allow_null=True)

    class Meta:
        model = AuditEvent
        fields = ["id", "at", "actor", "action", "object_type", "object_id", "changes"]


class AuditFilterSerializer(serializers.Serializer):
    action = serializers.CharField(required=False)
    object_type = serializers.CharField(required=False)
    since = AwareDateTimeField(required=False)
    until = AwareDateTimeField(required=False)


def _day_param(request) -> date | None:
    return parsing.parse_optional_day(request.query_params.get("market_day"), field="market_day")


DAY_FILTER = [OpenApiParameter("market_day", str, description="market day YYYY-MM-DD")]


@extend_schema(parameters=DAY_FILTER)
class StatementsView(generics.ListAPIView):
    """Statements, newest day and version first (``?market_day=YYYY-MM-DD``)."""

    permission_classes = [RoleRequired]
    allowed_roles = PORTAL_ROLES
    serializer_class = StatementSerializer

    def get_queryset(self):
        qs = Statement.objects.all()
        day = _day_param(self.request)
        return qs.filter(market_day=day) if day else qs


class StatementView(generics.RetrieveAPIView):
    """One statement version: method, input versions, checksum, changes, versions, lines."""

    permission_classes = [RoleRequired]
    allowed_roles = PORTAL_ROLES
    serializer_class = StatementDetailSerializer
    queryset = Statement.objects.prefetch_related("lines")


class RunsView(generics.ListCreateAPIView):
    """GET: settlement runs. POST ``{market_day}``: start (or join) the day's pipeline: 202."""

    permission_classes = [RoleRequired]
    allowed_roles = PORTAL_ROLES
    serializer_class = SettlementRunSerializer
    queryset = SettlementRun.objects.all()

    @extend_schema(request=SettlementStartSerializer, responses={202: SettlementRunSerializer})
    def post(self, request, *args, **kwargs):
        return self.create(request, *args, **kwargs)

    def create(self, request, *args, **kwargs):
        if request.user.role == "regulator":
            return Response({"detail": "regulators read only"}, status=status.HTTP_403_FORBIDDEN)
        body = SettlementStartSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        run, created = pipeline.start_run(day=body.validated_data["market_day"], actor=request.user)
        return Response({**SettlementRunSerializer(run).data, "created": created}, status=202)


class RunView(generics.RetrieveAPIView):
    """One run's progress (the page polls this)."""

    permission_classes = [RoleRequired]
    allowed_roles = PORTAL_ROLES
    serializer_class = SettlementRunSerializer
    queryset = SettlementRun.objects.all()


class MethodologyView(APIView):
    """Baseline methods with their parameters, and the money rules (any signed-in role)."""

    permission_classes = [RoleRequired]
    allowed_roles = ("trader", "regulator", "operator")

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        return Response(methodology())


@extend_schema(parameters=[
    OpenApiParameter("action", str, description="action prefix, e.g. settlement."),
    OpenApiParameter("object_type", str, description="e.g. settlement.statement"),
    OpenApiParameter("since", OpenApiTypes.DATETIME, description="aware ISO 8601"),
    OpenApiParameter("until", OpenApiTypes.DATETIME, description="aware ISO 8601"),
])  # fmt: skip
class AuditView(generics.ListAPIView):
    """The audit trail (``?action=&object_type=&since=&until=``, aware ISO 8601 times)."""

    permission_classes = [RoleRequired]
    allowed_roles = PORTAL_ROLES
    serializer_class = AuditEventSerializer

    def get_queryset(self):
        f = AuditFilterSerializer(data=self.request.query_params)
        f.is_valid(raise_exception=True)
        qs = AuditEvent.objects.select_related("actor")
        v = f.validated_data
        if v.get("action"):
            qs = qs.filter(action__startswith=v["action"])
        if v.get("object_type"):
            qs = qs.filter(object_type=v["object_type"])
        if v.get("since"):
            qs = qs.filter(at__gte=v["since"])
        if v.get("until"):
            qs = qs.filter(at__lt=v["until"])
        return qs[:500]


@extend_schema(parameters=DAY_FILTER)
class MyLinesView(generics.ListAPIView):
    """Site lines (with intervals) of the sites you may see, latest version of each day
    (``?market_day=``). An operator sees their organisation's sites only."""

    permission_classes = [RoleRequired]
    allowed_roles = ("operator", *PORTAL_ROLES)
    serializer_class = StatementSiteLineSerializer

    def get_queryset(self):
        return my_lines(self.request.user, _day_param(self.request))


def my_lines(user, day: date | None = None):
    latest = Statement.objects.filter(next_version__isnull=True)
    if day:
        latest = latest.filter(market_day=day)
    return (
        StatementLine.objects.filter(
            statement__in=latest, site__in=sites_visible_to(user), site__isnull=False
        )
        .select_related("statement")
        .order_by("-statement__market_day", "site_code")
    )
