from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from vpp import views
from vpp.api import auth as api_auth
from vpp.api import views as api_views

router = SimpleRouter()
router.register("nodes", api_views.MarketNodeViewSet, basename="node")

api_patterns = [
    path("me/", api_views.MeView.as_view(), name="me"),
    path("clock/", api_views.ClockView.as_view(), name="clock"),
    path("auth/token/", api_auth.ObtainTokenView.as_view(), name="token"),
    path("auth/tokens/", api_auth.TokenListView.as_view(), name="token-list"),
    path("auth/tokens/<str:token_key>/", api_auth.TokenRevokeView.as_view(), name="token-revoke"),
    path("auth/logout/", api_auth.LogoutView.as_view(), name="token-logout"),
    path("auth/logoutall/", api_auth.LogoutAllView.as_view(), name="token-logout-all"),
    path("", include("sites.api.urls")),
    path("exchange/", include("market.exchange.api.urls")),
    path("dispatch/", include("dispatch.api.urls")),
    path("settlement/", include("settlement.api.urls")),
    path("trading/", include("market.trading.api.urls")),
    path("", include(router.urls)),
]

urlpatterns = [
    path("", views.home, name="home"),
    # django-axes throttles it (and /admin/login/ and the API token) inside authenticate().
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("sites/", include("sites.urls")),
    path("market/", include("market.exchange.urls")),
    path("trading/backtest/", include("market.trading.backtest_urls")),
    path("trading/", include("market.trading.urls")),
    path("dispatch/", include("dispatch.urls")),
    path("operator/", include("console.urls")),
    path("dashboard/", include("console.dashboard_urls")),
    path("settlement/", include("settlement.urls")),
    path("api/", include((api_patterns, "api"))),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script as a file: the page runs under the CSP.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("openadr3/3.1.0/", include("dispatch.openadr.urls")),
    path("admin/", admin.site.urls),
]
