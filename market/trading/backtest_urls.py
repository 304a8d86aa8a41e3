from django.urls import path

from . import backtest_views

app_name = "backtest"

urlpatterns = [
    path("", backtest_views.page, name="page"),
    path("csv/", backtest_views.download_csv, name="csv"),
]
