"""Core API: who am I, the market clock, the market's nodes."""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from vpp import clock
from vpp.models import MarketNode, User


class MeSerializer(serializers.ModelSerializer):
    # An admin may belong to no organisation: null, and the schema says so.
    organisation = serializers.CharField(source="organisation.name", default=None, allow_null=True)
    organisation_kind = serializers.CharField(
        source="organisation.kind", default=None, allow_null=True
    )

    class Meta:
        model = User
        fields = ["id", "username", "role", "organisation", "organisation_kind"]


class MeView(APIView):
    @extend_schema(responses=MeSerializer)
    def get(self, request):
        return Response(MeSerializer(request.user).data)


class ClockSerializer(serializers.Serializer):
    now = serializers.DateTimeField()
    simulated = serializers.BooleanField()
    market_time_zone = serializers.CharField()
    interval_minutes = serializers.IntegerField()


class ClockView(APIView):
    @extend_schema(responses=ClockSerializer)
    def get(self, request):
        return Response(
            ClockSerializer(
                {
                    "now": clock.now(),
                    "simulated": clock.is_simulated(),
                    "market_time_zone": settings.MARKET_TIME_ZONE,
                    "interval_minutes": settings.MARKET_INTERVAL_MINUTES,
                }
            ).data
        )


class MarketNodeSerializer(serializers.ModelSerializer):
    class Meta:
        model = MarketNode
        fields = ["id", "code", "name", "region", "description", "active"]


class MarketNodeViewSet(viewsets.ReadOnlyModelViewSet):
    """The market's pricing nodes (read-only here; the admin keeps them)."""

    queryset = MarketNode.objects.all()
    serializer_class = MarketNodeSerializer
    pagination_class = None
