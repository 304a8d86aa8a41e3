"""Pages of settlement (the API is in ``settlement.api.urls``)."""

from django.urls import path

from . import views

app_name = "settlement"
urlpatterns = [
    path("meter-upload/", views.meter_upload, name="meter-upload"),
]
