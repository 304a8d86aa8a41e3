"""Registry API: sites, batteries, workload classes and jobs (create, read, update, deactivate),
the flexibility envelope, and the fleet import.

Reads are scoped by :func:`sites.selectors.sites_visible_to`; writes by ``sites_managed_by``, so
another organisation's site is a 404 to an operator. Traders and regulators never write here.
"""

from __future__ import annotations

from datetime import date

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import SAFE_METHODS
from rest_framework.response import Response
from rest_framework.views import APIView

from vpp import clock, parsing
from vpp.api.permissions import ReadAnyRoleWriteRoles
from vpp.errors import ApplicationError
from vpp.intervals import day_intervals, market_day_of

from .. import importer, services
from ..flexibility import envelope
from ..models import Battery, Job, WorkloadClass
from ..selectors import site_spec, sites_managed_by, sites_visible_to, with_resources
from . import serializers as s

WRITE_ROLES = ("operator",)


def parse_day(text: str | None) -> date:
    return parsing.parse_optional_day(text, field="day") or market_day_of(clock.now())


class _RegistryViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    permission_classes = [ReadAnyRoleWriteRoles]
    write_roles = WRITE_ROLES

    def scoped_sites(self):
        user = self.request.user
        if self.request.method in SAFE_METHODS:
            return sites_visible_to(user)
        return sites_managed_by(user)

    def perform_create(self, serializer):
        model = serializer.Meta.model
        serializer.instance = services.save_resource(
            actor=self.request.user,
            instance=model(),
            fields=dict(serializer.validated_data),
            action=f"{model._meta.model_name}.create",
        )

    def perform_update(self, serializer):
        model = serializer.Meta.model
        serializer.instance = services.save_resource(
            actor=self.request.user,
            instance=serializer.instance,
            fields=dict(serializer.validated_data),
            action=f"{model._meta.model_name}.update",
        )


class _DeactivateMixin:
    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def deactivate(self, request, pk=None):
        """Take the resource out of service; its history stays."""
        instance = self.get_object()
        services.resource_deactivate(actor=request.user, instance=instance)
        instance.refresh_from_db()
        return Response(self.get_serializer(instance).data)


class SiteViewSet(_RegistryViewSet):
    """Data-center sites. ``POST .../deactivate/`` takes a site out of the portfolio."""

    serializer_class = s.SiteSerializer

    def get_queryset(self):
        return self.scoped_sites()

    def perform_create(self, serializer):
        serializer.instance = services.site_create(
            actor=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.site_update(
            actor=self.request.user, site=serializer.instance, **serializer.validated_data
        )

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def deactivate(self, request, pk=None):
        site = services.site_deactivate(actor=request.user, site=self.get_object())
        return Response(self.get_serializer(site).data)

    @extend_schema(
        parameters=[OpenApiParameter("day", str, description="market day YYYY-MM-DD (today)")],
        responses=s.EnvelopeSerializer,
    )
    @action(detail=True, methods=["get"])
    def envelope(self, request, pk=None):
        """Per interval: usual load, how far it can go down and up (MW), for how long (h)."""
        day = parse_day(request.query_params.get("day"))
        site = with_resources(self.scoped_sites()).get(pk=self.get_object().pk)
        rows = envelope(site_spec(site), day_intervals(day))
        body = {"site": site.code, "market_day": day, "intervals": [r.__dict__ for r in rows]}
        return Response(s.EnvelopeSerializer(body).data)


class BatteryViewSet(_DeactivateMixin, _RegistryViewSet):
    serializer_class = s.BatterySerializer

    def get_queryset(self):
        return Battery.objects.filter(site__in=self.scoped_sites()).select_related("site")


class WorkloadClassViewSet(_DeactivateMixin, _RegistryViewSet):
    serializer_class = s.WorkloadClassSerializer

    def get_queryset(self):
        return WorkloadClass.objects.filter(site__in=self.scoped_sites()).select_related("site")


class JobViewSet(_RegistryViewSet):
    """Batch jobs. A job is not deactivated: it ends at its deadline (edit it to change it)."""

    serializer_class = s.JobSerializer

    def get_queryset(self):
        return Job.objects.filter(workload__site__in=self.scoped_sites()).select_related(
            "workload__site"
        )


class FleetImportView(APIView):
    """Import a fleet (sites with batteries, workload classes, jobs) from one CSV or JSON file.
    All or nothing: a 400 lists every failing row and stores nothing."""

    permission_classes = [ReadAnyRoleWriteRoles]
    write_roles = WRITE_ROLES
    parser_classes = [MultiPartParser]

    @extend_schema(
        request={"multipart/form-data": s.ImportRequestSerializer},
        responses={201: s.ImportResultSerializer},
    )
    def post(self, request):
        upload = request.FILES.get("file")
        if upload is None:
            raise ApplicationError("attach the fleet file as 'file'", field="file")
        records = importer.parse(upload.read(), upload.name)
        try:
            counts = importer.import_fleet(actor=request.user, records=records)
        except importer.FleetImportError as exc:
            rows = s.ImportRowErrorSerializer([r.__dict__ for r in exc.rows], many=True).data
            return Response(
                {"file": [exc.message], "rows": rows}, status=status.HTTP_400_BAD_REQUEST
            )
        return Response(s.ImportResultSerializer(counts.__dict__).data, status=201)
