from django.urls import include, path

from . import views

urlpatterns = [
    path("meter-readings/", views.MeterReadingsView.as_view(), name="settlement-meter-readings"),
    path("meter-uploads/", views.MeterUploadsView.as_view(), name="settlement-meter-uploads"),
    path(
        "baseline-methods/",
        views.BaselineMethodsView.as_view(),
        name="settlement-baseline-methods",
    ),
    path("baselines/", views.BaselineResultsView.as_view(), name="settlement-baselines"),
    path("", include("settlement.api.statement_urls")),
]
