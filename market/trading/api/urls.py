"""API of the trading desk, mounted at /api/trading/."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("runs", views.RunViewSet, basename="trading-run")
router.register("submissions", views.SubmissionViewSet, basename="trading-submission")

urlpatterns = [
    path("forecast/", views.ForecastView.as_view(), name="trading-forecast"),
    path("backtest/", views.BacktestView.as_view(), name="trading-backtest"),
    path("envelope/", views.EnvelopeView.as_view(), name="trading-envelope"),
    path("curves/<int:pk>/", views.CurveView.as_view(), name="trading-curve"),
    path("", include(router.urls)),
]
