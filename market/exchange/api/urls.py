"""API of the exchange, mounted at /api/exchange/."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("nodes", views.NodeViewSet, basename="exchange-node")
router.register("lines", views.LineViewSet, basename="exchange-line")
router.register("auctions", views.AuctionViewSet, basename="exchange-auction")

urlpatterns = [
    path("auctions/<int:auction_id>/bids/", views.BidsView.as_view(), name="exchange-bids"),
    path("auctions/<int:auction_id>/prices/", views.PricesView.as_view(), name="exchange-prices"),
    path("auctions/<int:auction_id>/flows/", views.FlowsView.as_view(), name="exchange-flows"),
    path("auctions/<int:auction_id>/awards/", views.AwardsView.as_view(), name="exchange-awards"),
    path("exogenous/", views.ExogenousView.as_view(), name="exchange-exogenous"),
    path("rules/", views.RulesView.as_view(), name="exchange-rules"),
    path("meter-reports/", views.MeterReportsView.as_view(), name="exchange-meter-reports"),
    path("settlement/", views.SettlementView.as_view(), name="exchange-settlement"),
    path("", include(router.urls)),
]
