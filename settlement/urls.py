"""Pages of settlement (the API is in ``settlement.api.urls``)."""

from django.urls import include, path

from . import views

app_name = "settlement"
urlpatterns = [
    path("meter-upload/", views.meter_upload, name="meter-upload"),
    path("", include("settlement.portal_urls")),
]
