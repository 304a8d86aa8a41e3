"""Exchange API. Who may do what (docs/exchange.md):

- traders and admins submit bids (a trader bids for its organisation's participant code);
- traders, regulators and admins read; site operators get 403 on every exchange endpoint
  (they see the market through the platform's own pages, not the exchange);
- prices and flows are public to every reader once an auction is published; bids and awards
  are shown to their own participant, and to regulators and admins in full.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils.text import slugify
from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from vpp.api.permissions import ReadAnyRoleWriteRoles, RoleRequired
from vpp.errors import ApplicationError

from .. import bids as bid_service
from .. import meters
from ..client import LocalExchangeClient, award_line, exogenous_points, receipt
from ..models import Auction, Award, Bid, Line, LineFlow, Node, NodePrice
from ..settlement import participant_settlement, participants_of_day
from . import serializers as s

READ_ROLES = ("trader", "regulator")


def participant_of(user) -> str | None:
    """The participant code a user bids and reads awards as: its organisation's slug."""
    if user.organisation_id is None:
        return None
    return slugify(user.organisation.name)


def sees_everything(user) -> bool:
    return user.is_admin_role or user.is_regulator


def acting_participant(user, asked: str | None) -> str:
    """Who a write acts for: an admin names any participant (default its own organisation's),
    a trader only its own organisation's."""
    participant = participant_of(user)
    if user.is_admin_role:
        participant = asked or participant
    elif asked and asked != participant:
        raise ApplicationError(
            f"you act as {participant!r} only", field="participant", code="participant"
        )
    if not participant:
        raise ApplicationError("give the participant to act for", field="participant")
    return participant


class ExchangeView(APIView):
    permission_classes = [RoleRequired, ReadAnyRoleWriteRoles]
    allowed_roles = READ_ROLES
    write_roles = ("trader",)


class NodeViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [RoleRequired]
    allowed_roles = READ_ROLES
    queryset = Node.objects.all()
    serializer_class = s.NodeSerializer
    lookup_field = "code"
    pagination_class = None


class LineViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [RoleRequired]
    allowed_roles = READ_ROLES
    queryset = Line.objects.select_related("from_node", "to_node")
    serializer_class = s.LineSerializer
    lookup_field = "code"
    pagination_class = None


class AuctionViewSet(viewsets.ReadOnlyModelViewSet):
    """Auctions, newest first; filter with ``?state=open`` and ``?kind=da|rt``."""

    permission_classes = [RoleRequired]
    allowed_roles = READ_ROLES
    serializer_class = s.AuctionSerializer

    def get_queryset(self):
        qs = Auction.objects.all()
        if state := self.request.query_params.get("state"):
            qs = qs.filter(state=state)
        if kind := self.request.query_params.get("kind"):
            qs = qs.filter(kind=kind)
        return qs


def _published(auction_id: int) -> Auction:
    auction = get_object_or_404(Auction, pk=auction_id)
    if auction.state != Auction.State.PUBLISHED:
        raise ApplicationError(
            f"auction {auction.pk} is {auction.state}; results appear once it is published",
            field="auction",
            code="not_published",
        )
    return auction


class BidsView(ExchangeView):
    """POST: submit (or resubmit) the participant's bid. GET: the bids the user may see."""

    @extend_schema(request=s.BidInSerializer, responses={201: s.BidReceiptSerializer})
    def post(self, request, auction_id: int):
        data = s.BidInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        participant = acting_participant(request.user, data.validated_data.get("participant"))
        bid, created = bid_service.submit_bid(
            auction_id=auction_id,
            participant=participant,
            curves=bid_service.normalise_curves(data.validated_data["curves"]),
            baselines=bid_service.normalise_baselines(data.validated_data["baselines"]),
            idempotency_key=data.validated_data.get("idempotency_key", ""),
            submitted_by=request.user,
        )
        body = s.BidReceiptSerializer(receipt(bid, created)).data
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(responses=s.BidOutSerializer(many=True))
    def get(self, request, auction_id: int):
        qs = Bid.objects.filter(auction_id=auction_id).prefetch_related(
            "segments__node", "baselines__node"
        )
        if not sees_everything(request.user):
            qs = qs.filter(participant=participant_of(request.user))
        return Response(s.BidOutSerializer(qs.order_by("participant", "version"), many=True).data)


class PricesView(ExchangeView):
    @extend_schema(responses=s.NodePriceSerializer(many=True))
    def get(self, request, auction_id: int):
        auction = _published(auction_id)
        qs = NodePrice.objects.filter(auction=auction).select_related("node")
        return Response(s.NodePriceSerializer(qs, many=True).data)


class FlowsView(ExchangeView):
    @extend_schema(responses=s.LineFlowSerializer(many=True))
    def get(self, request, auction_id: int):
        auction = _published(auction_id)
        qs = LineFlow.objects.filter(auction=auction).select_related("line")
        return Response(s.LineFlowSerializer(qs, many=True).data)


class AwardsView(ExchangeView):
    @extend_schema(responses=s.AwardLineSerializer(many=True))
    def get(self, request, auction_id: int):
        auction = _published(auction_id)
        qs = Award.objects.filter(auction=auction).select_related("segment__bid", "segment__node")
        if not sees_everything(request.user):
            qs = qs.filter(segment__bid__participant=participant_of(request.user))
        qs = qs.order_by("segment__bid__participant", "segment__interval_start", "segment_id")
        return Response(s.AwardLineSerializer([award_line(a) for a in qs], many=True).data)


class ExogenousView(ExchangeView):
    """Demand and renewable forecasts per node and interval (actuals once the interval ended)."""

    @extend_schema(
        parameters=[s.ExogenousQuerySerializer], responses=s.ExogenousPointSerializer(many=True)
    )
    def get(self, request):
        q = s.ExogenousQuerySerializer(data=request.query_params)
        q.is_valid(raise_exception=True)
        node = q.validated_data.get("node")
        points = exogenous_points(
            start=q.validated_data["start"],
            end=q.validated_data["end"],
            nodes=[node] if node else None,
        )
        return Response(s.ExogenousPointSerializer(points, many=True).data)


class RulesView(ExchangeView):
    """The active market's rules (floor, cap, gates, interval, trading unit)."""

    @extend_schema(responses=s.MarketRulesSerializer)
    def get(self, request):
        return Response(s.MarketRulesSerializer(LocalExchangeClient().rules()).data)


class MeterReportsView(ExchangeView):
    """POST: a participant's metered consumption per node and interval (latest wins,
    versioned; a repeat stores nothing). Traders report for their organisation, admins name
    the participant."""

    @extend_schema(request=s.MeterReportInSerializer, responses={201: s.MeterReceiptSerializer})
    def post(self, request):
        data = s.MeterReportInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = meters.report_metered(
            participant=acting_participant(request.user, data.validated_data.get("participant")),
            readings=[
                meters.MeterInput(r["node"], r["interval_start"], r["consumption_mw"])
                for r in data.validated_data["readings"]
            ],
            source=data.validated_data["source"],
            reported_by=request.user,
        )
        return Response(s.MeterReceiptSerializer(result).data, status=status.HTTP_201_CREATED)


class SettlementView(ExchangeView):
    """The exchange's settlement of a market day per participant: a trader's own; regulators
    and admins every participant's (or ``?participant=``)."""

    @extend_schema(
        parameters=[s.SettlementQuerySerializer],
        responses=s.ParticipantSettlementSerializer(many=True),
    )
    def get(self, request):
        q = s.SettlementQuerySerializer(data=request.query_params)
        q.is_valid(raise_exception=True)
        day, asked = q.validated_data["market_day"], q.validated_data.get("participant")
        if sees_everything(request.user):
            who = [asked] if asked else participants_of_day(day)
        else:
            own = participant_of(request.user)
            if asked and asked != own:
                raise ApplicationError(
                    f"you see {own!r}'s settlement only", field="participant", code="participant"
                )
            who = [own]
        body = [participant_settlement(participant=p, day=day) for p in who]
        return Response(s.ParticipantSettlementSerializer(body, many=True).data)
