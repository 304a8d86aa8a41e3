"""Trading API, mounted at /api/trading/ (docs/trading.md).

Traders and admins run the optimiser, edit curves and submit bids; regulators read everything
here; site operators get 403 (the aggregator's positions are not theirs to see)."""

from __future__ import annotations

from datetime import date

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from vpp import parsing
from vpp.api.permissions import ReadAnyRoleWriteRoles, RoleRequired
from vpp.errors import ApplicationError

from .. import bidding, forecasting, runs, selectors
from ..models import BidSubmission, OptimisationRun, ProposedCurve
from . import serializers as s

DAY = OpenApiParameter("market_day", str, description="YYYY-MM-DD (market local date)")


def parse_day(value: str | None, field: str = "market_day") -> date:
    if not value:
        raise ApplicationError("required (YYYY-MM-DD)", field=field)
    return parsing.parse_day(value, field=field)


class DeskAccess:
    permission_classes = [RoleRequired, ReadAnyRoleWriteRoles]
    allowed_roles = ("trader", "regulator")
    write_roles = ("trader",)


FORECAST = inline_serializer(
    "Forecast",
    {
        "id": serializers.IntegerField(),
        "market_day": serializers.DateField(),
        "model": serializers.CharField(),
        "created_at": serializers.DateTimeField(),
        "trained_through": serializers.DateTimeField(allow_null=True),
        "nodes": serializers.JSONField(help_text="per node: interval, forecast, outcome"),
    },
)
FORECAST_MADE = inline_serializer(
    "ForecastMade", {"id": serializers.IntegerField(), "market_day": serializers.DateField()}
)
BACKTEST = inline_serializer(
    "ForecastBacktest",
    {
        "id": serializers.IntegerField(),
        "created_at": serializers.DateTimeField(),
        "first_day": serializers.DateField(),
        "last_day": serializers.DateField(),
        "days": serializers.IntegerField(),
        "reference": serializers.CharField(),
        "models": serializers.ListField(child=serializers.CharField()),
        "nodes": serializers.ListField(child=serializers.CharField()),
        "levels": serializers.ListField(child=serializers.FloatField()),
        "scores": serializers.ListField(child=serializers.DictField()),
    },
)
PORTFOLIO_ENVELOPE = serializers.DictField(
    child=serializers.ListField(child=serializers.DictField()),
    help_text="per node code: the envelope rows of each interval",
)
SCHEDULE = serializers.DictField(
    child=inline_serializer(
        "SiteSchedule",
        {
            "node": serializers.CharField(),
            "interval_start": serializers.ListField(child=serializers.DateTimeField()),
            "facility_mw": serializers.ListField(child=serializers.FloatField()),
            "baseline_mw": serializers.ListField(child=serializers.FloatField()),
            "battery_net_mw": serializers.ListField(child=serializers.FloatField()),
        },
    ),
    help_text="per site code: the planned series (the schema said a run)",
)
NOT_FOUND = inline_serializer("ForecastNotFound", {"detail": serializers.CharField()})


class ForecastView(DeskAccess, APIView):
    @extend_schema(
        parameters=[DAY, OpenApiParameter("model", str)],
        responses={200: FORECAST, 404: NOT_FOUND},
    )
    def get(self, request):
        """The latest forecast of a day: per node and interval the point price, the quantiles
        (``quantiles_per_mwh``, level -> price) and the cleared price once published; with its
        provenance (model, version, created_at, trained_through, params)."""
        day = parse_day(request.query_params.get("market_day"))
        model = request.query_params.get("model", forecasting.DEFAULT_MODEL)
        forecast = runs.latest_forecast(day, model)
        if forecast is None:
            return Response({"detail": f"no {model} forecast for {day}"}, status=404)
        return Response(
            {
                "id": forecast.pk,
                "market_day": forecast.market_day,
                "model": forecast.model_name,
                "version": forecast.version,
                "created_at": forecast.created_at,
                "trained_through": forecast.trained_through,
                "quantile_levels": forecast.quantile_levels,
                "params": forecast.params,
                "nodes": selectors.forecast_vs_outcome(forecast),
            }
        )

    @extend_schema(request=s.ForecastInput, responses={201: FORECAST_MADE})
    def post(self, request):
        data = s.ForecastInput(data=request.data)
        data.is_valid(raise_exception=True)
        forecast = forecasting.make_forecast(
            market_day=data.validated_data["market_day"], model_name=data.validated_data["model"]
        )
        return Response({"id": forecast.pk, "market_day": forecast.market_day}, status=201)


class BacktestView(DeskAccess, APIView):
    @extend_schema(
        parameters=[OpenApiParameter("last_day", str), OpenApiParameter("days", int)],
        responses={200: BACKTEST, 404: NOT_FOUND},
    )
    def get(self, request):
        """The latest saved rolling-origin backtest of the price models (optionally the one
        ending ``last_day`` over ``days`` days): per model and node MAE, RMSE, skill against
        yesterday's and last week's prices, and the quantile bands' coverage. Refitting every
        model for every day takes minutes, so ``manage.py forecast_backtest`` runs and saves
        it; this reads it."""
        raw_last = request.query_params.get("last_day")
        last = parse_day(raw_last, "last_day") if raw_last else None
        raw_days = request.query_params.get("days")
        days = None
        if raw_days is not None:
            days = parsing.parse_int(raw_days, field="days", minimum=1, maximum=60)
        saved = forecasting.latest_backtest(last_day=last, days=days)
        if saved is None:
            return Response(
                {"detail": "no saved forecast backtest; run manage.py forecast_backtest"},
                status=404,
            )
        return Response(
            {
                "id": saved.pk,
                "created_at": saved.created_at,
                "first_day": saved.first_day,
                "last_day": saved.last_day,
                "days": saved.days,
                "reference": saved.reference,
                "models": saved.model_names,
                "nodes": saved.nodes,
                "levels": saved.levels,
                "scores": saved.scores,
            }
        )


class EnvelopeView(DeskAccess, APIView):
    @extend_schema(parameters=[DAY], responses=PORTFOLIO_ENVELOPE)
    def get(self, request):
        """The portfolio's flexibility per node and interval (MW, MWh)."""
        day = parse_day(request.query_params.get("market_day"))
        return Response(
            {node: [vars(r) for r in rows] for node, rows in selectors.day_envelope(day).items()}
        )


class RunViewSet(DeskAccess, viewsets.ReadOnlyModelViewSet):
    """Optimiser runs, newest first (``?market_day=`` filters). POST starts one (a Celery
    task); poll the run for ``progress_pct`` until ``state`` is done or failed."""

    serializer_class = s.RunSerializer

    def get_queryset(self):
        qs = OptimisationRun.objects.select_related("forecast")
        if day := self.request.query_params.get("market_day"):
            qs = qs.filter(market_day=parse_day(day))
        return qs

    @extend_schema(request=s.RunInput, responses={201: s.RunSerializer})
    def create(self, request):
        data = s.RunInput(data=request.data)
        data.is_valid(raise_exception=True)
        run = runs.start_run(
            market_day=data.validated_data["market_day"],
            user=request.user,
            carbon_price_per_t=data.validated_data["carbon_price_per_t"],
            model_name=data.validated_data["model"],
        )
        return Response(s.RunSerializer(run).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=SCHEDULE)
    @action(detail=True, pagination_class=None)
    def schedule(self, request, pk=None):
        """Planned facility MW per site and interval at the expected prices."""
        return Response(selectors.schedule_by_site(self.get_object()))

    # Not paginated: the schema said a page object, the answer is the array.
    @extend_schema(responses=s.CurveSerializer(many=True))
    @action(detail=True, pagination_class=None)
    def curves(self, request, pk=None):
        qs = self.get_object().curves.select_related("edited_by")
        if node := request.query_params.get("node"):
            qs = qs.filter(node_code=node)
        if side := request.query_params.get("side"):
            qs = qs.filter(side=side)
        return Response(s.CurveSerializer(qs, many=True).data)

    @extend_schema(request=s.SubmitInput, responses={201: s.SubmissionSerializer})
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """Send the run's curves of one side to its auction, before gate closure."""
        run = self.get_object()
        data = s.SubmitInput(data=request.data)
        data.is_valid(raise_exception=True)
        submission = bidding.submit_bids(
            run_id=run.pk,
            user=request.user,
            side=data.validated_data["side"],
            idempotency_key=data.validated_data["idempotency_key"],
            nodes=data.validated_data.get("nodes"),
        )
        return Response(s.SubmissionSerializer(submission).data, status=201)


class CurveView(DeskAccess, APIView):
    @extend_schema(responses=s.CurveSerializer)
    def get(self, request, pk: int):
        return Response(s.CurveSerializer(get_object_or_404(ProposedCurve, pk=pk)).data)

    @extend_schema(request=s.CurveEditInput, responses=s.CurveSerializer)
    def patch(self, request, pk: int):
        """Replace a curve's segments; refused with the reason if it breaks the exchange's
        rules or the portfolio's limits, or once the gate has closed."""
        get_object_or_404(ProposedCurve, pk=pk)
        data = s.CurveEditInput(data=request.data)
        data.is_valid(raise_exception=True)
        curve = bidding.edit_curve(
            curve_id=pk, user=request.user, segments=data.validated_data["segments"]
        )
        return Response(s.CurveSerializer(curve).data)


class SubmissionViewSet(DeskAccess, viewsets.ReadOnlyModelViewSet):
    """What was sent to the exchange, exactly, and the awards that came back."""

    serializer_class = s.SubmissionSerializer

    def get_queryset(self):
        return BidSubmission.objects.select_related("submitted_by").prefetch_related("awards")
