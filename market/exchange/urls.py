"""Pages of the exchange (market results)."""

from django.urls import path

from . import views

app_name = "exchange"
urlpatterns = [
    path("results/", views.results, name="results"),
]
