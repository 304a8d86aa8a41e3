"""Settlement API: meter intake (bulk JSON and CSV upload), readings, uploads, baseline methods
and results.

Reads are scoped by :func:`sites.selectors.sites_visible_to` (an operator sees only their
organisation's sites; traders and regulators all); writes are the operators' (and admins'),
for the sites they manage only: another company's site in a row is a 400 naming the row.
"""

from __future__ import annotations

from datetime import date

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from sites.selectors import sites_visible_to
from vpp import parsing
from vpp.api.permissions import ReadAnyRoleWriteRoles
from vpp.intervals import day_bounds

from .. import meter_store
from ..models import BaselineMethod, BaselineResult, MeterReading, MeterUpload
from . import serializers as s

WRITE_ROLES = ("operator",)
FILTERS = [
    OpenApiParameter("site", str, description="site code"),
    OpenApiParameter("day", str, description="market day YYYY-MM-DD"),
]


def _day(text: str | None) -> date | None:
    return parsing.parse_optional_day(text, field="day")


def _stored(result: meter_store.StoreResult) -> Response:
    body = {**s.MeterUploadSerializer(result.upload).data, "created": result.created}
    return Response(body, status=status.HTTP_201_CREATED if result.created else 200)


class MeterReadingsView(generics.ListAPIView):
    """GET: readings of the sites you may see (``?site=&day=``; ``?all_versions=1`` for the
    superseded versions too). POST: a batch of readings, all or none (see docs/settlement.md)."""

    permission_classes = [ReadAnyRoleWriteRoles]
    write_roles = WRITE_ROLES
    serializer_class = s.MeterReadingSerializer

    def get_queryset(self):
        params = self.request.query_params
        qs = MeterReading.objects.filter(site__in=sites_visible_to(self.request.user))
        if params.get("all_versions") not in ("1", "true"):
            qs = qs.current()
        if params.get("site"):
            qs = qs.filter(site__code=params["site"])
        day = _day(params.get("day"))
        if day is not None:
            lo, hi = day_bounds(day)
            qs = qs.filter(interval_start__gte=lo, interval_start__lt=hi)
        return qs.select_related("site").order_by("site__code", "interval_start", "version")

    @extend_schema(parameters=FILTERS)
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(request=s.ReadingsInSerializer, responses={201: s.MeterUploadSerializer})
    def post(self, request):
        readings = request.data.get("readings") if isinstance(request.data, dict) else None
        result = meter_store.submit_readings(actor=request.user, readings=readings)
        return _stored(result)


class MeterUploadsView(generics.ListAPIView):
    """GET: meter uploads of your organisation (all, for traders and regulators).
    POST: a CSV file of readings (multipart, field ``file``), all rows or none."""

    permission_classes = [ReadAnyRoleWriteRoles]
    write_roles = WRITE_ROLES
    serializer_class = s.MeterUploadSerializer
    parser_classes = [MultiPartParser]

    def get_queryset(self):
        user = self.request.user
        qs = MeterUpload.objects.select_related("uploaded_by", "organisation")
        if user.is_operator and not user.is_admin_role:
            return qs.filter(organisation_id=user.organisation_id)
        return qs

    @extend_schema(request=s.UploadFileSerializer, responses={201: s.MeterUploadSerializer})
    def post(self, request):
        form = s.UploadFileSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        upload = form.validated_data["file"]
        result = meter_store.upload_csv(
            actor=request.user, content=upload.read(), filename=upload.name
        )
        return _stored(result)


class BaselineMethodsView(generics.ListAPIView):
    """The baseline methods (every version) with their parameters: the methodology."""

    serializer_class = s.BaselineMethodSerializer
    queryset = BaselineMethod.objects.all()


class BaselineResultsView(generics.ListAPIView):
    """Computed baselines of the sites you may see, with the days used and excluded."""

    serializer_class = s.BaselineResultSerializer

    def get_queryset(self):
        params = self.request.query_params
        qs = BaselineResult.objects.filter(site__in=sites_visible_to(self.request.user))
        if params.get("site"):
            qs = qs.filter(site__code=params["site"])
        day = _day(params.get("day"))
        if day is not None:
            qs = qs.filter(market_day=day)
        return qs.select_related("site", "method").order_by("site__code", "-market_day", "-id")

    @extend_schema(parameters=FILTERS)
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
