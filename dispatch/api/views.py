"""Dispatch API: instructions (list, confirm, decline), live delivery readings, delivered vs
instructed, open positions, and the trader's "dispatch this submission" command.

Scoping: instructions by :func:`dispatch.selectors.instructions_visible_to` (another company's
instruction is a 404 to an operator); commands call one service each. A refused transition
(already answered, deadline passed) is a 409 naming the field.
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response
from rest_framework.views import APIView

from sites.selectors import sites_visible_to
from vpp import parsing
from vpp.api.permissions import ReadAnyRoleWriteRoles, RoleRequired
from vpp.errors import ApplicationError

from .. import services, tasks
from ..models import DispatchRun, Instruction
from ..selectors import instructions_visible_to, open_positions_visible_to
from ..transitions import TransitionRefused
from . import serializers as s


def _conflict(exc: TransitionRefused) -> Response:
    return Response(exc.as_dict(), status=status.HTTP_409_CONFLICT)


class InstructionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """``?state=pending&market_day=2026-07-02&site=<id>`` filter the list."""

    serializer_class = s.InstructionSerializer
    permission_classes = [ReadAnyRoleWriteRoles]
    write_roles = ("operator",)

    def get_queryset(self):
        qs = instructions_visible_to(self.request.user).order_by("interval_start", "site_id")
        params = self.request.query_params
        if state := params.get("state"):
            if state not in Instruction.State.values:
                raise ApplicationError(
                    f"one of {', '.join(Instruction.State.values)}", field="state"
                )
            qs = qs.filter(state=state)
        if day := parsing.parse_optional_day(params.get("market_day"), field="market_day"):
            qs = qs.filter(market_day=day)
        if params.get("site"):
            qs = qs.filter(site=parsing.parse_int(params["site"], field="site", minimum=1))
        return qs

    @extend_schema(request=None, responses=s.InstructionSerializer)
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        instruction = self.get_object()
        try:
            done = services.confirm(instruction_id=instruction.pk, user=request.user)
        except TransitionRefused as exc:
            return _conflict(exc)
        return Response(s.InstructionSerializer(done).data)

    @extend_schema(request=s.DeclineSerializer, responses=s.InstructionSerializer)
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        instruction = self.get_object()
        body = s.DeclineSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            done = services.decline(
                instruction_id=instruction.pk, user=request.user, reason=body.data["reason"]
            )
        except TransitionRefused as exc:
            return _conflict(exc)
        return Response(s.InstructionSerializer(done).data)


class ReadingsView(APIView):
    """POST ``{"rows": [{"site", "interval_start", "load_mw"}]}``: an operator's live loads
    for their own sites, all or nothing."""

    permission_classes = [RoleRequired]
    allowed_roles = ("operator",)

    @extend_schema(request=s.ReadingsInSerializer, responses=s.ReadingOutSerializer(many=True))
    def post(self, request):
        body = s.ReadingsInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        rows = services.post_readings(user=request.user, rows=body.validated_data["rows"])
        return Response(s.ReadingOutSerializer(rows, many=True).data, status=201)


class DeliveryView(APIView):
    """GET ``?start=&end=`` (aware): delivered vs instructed per visible site and for the
    portfolio (see :mod:`dispatch.delivery`)."""

    permission_classes = [ReadAnyRoleWriteRoles]

    @extend_schema(
        parameters=[s.RangeSerializer],
        responses=OpenApiTypes.OBJECT,  # sites and portfolio series: see dispatch/delivery.py
    )
    def get(self, request):
        q = s.RangeSerializer(data=request.query_params)
        q.is_valid(raise_exception=True)
        data = services.delivery_summary(sites=sites_visible_to(request.user), **q.validated_data)
        return Response(data)


class OpenPositionViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = s.OpenPositionSerializer
    permission_classes = [RoleRequired]
    allowed_roles = ("trader", "regulator")

    def get_queryset(self):
        qs = open_positions_visible_to(self.request.user)
        if self.request.query_params.get("resolved") in ("0", "false"):
            qs = qs.filter(resolved=False)
        return qs


DISPATCH_RUN = inline_serializer(
    "DispatchRunState",
    {
        "state": serializers.CharField(),
        "progress_pct": serializers.IntegerField(),
        "progress_message": serializers.CharField(),
        "summary": serializers.JSONField(),
        "error": serializers.CharField(),
    },
)
DISPATCH_QUEUED = inline_serializer(
    "DispatchQueued",
    {"submission_id": serializers.IntegerField(), "queued": serializers.BooleanField()},
)


class DispatchSubmissionView(APIView):
    """POST: the trader dispatches a submission's awards (queued; idempotent). GET: its run."""

    permission_classes = [RoleRequired]
    allowed_roles = ("trader", "regulator")

    @extend_schema(responses=DISPATCH_RUN)
    def get(self, request, submission_id: int):
        run = get_object_or_404(DispatchRun, submission_id=submission_id)
        fields = ["state", "progress_pct", "progress_message", "summary", "error"]
        return Response({f: getattr(run, f) for f in fields})

    @extend_schema(request=s.DispatchRequestSerializer, responses={202: DISPATCH_QUEUED})
    def post(self, request, submission_id: int):
        if request.user.is_regulator:
            return Response({"detail": "regulators read only"}, status=403)
        body = s.DispatchRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        from market.trading.models import BidSubmission

        get_object_or_404(BidSubmission, pk=submission_id)
        gate = body.validated_data.get("confirm_by")
        if gate is not None:
            tasks.dispatch_awards_with_gate.delay_on_commit(submission_id, gate.isoformat())
        else:
            tasks.dispatch_awards.delay_on_commit(submission_id)
        return Response({"submission_id": submission_id, "queued": True}, status=202)
