"""Pages of the trading desk."""

from django.urls import path

from . import views

app_name = "trading"
urlpatterns = [
    path("", views.desk, name="desk"),
    path("runs/", views.start, name="run-start"),
    path("runs/<int:pk>/submit/", views.submit, name="run-submit"),
    path("curves/<int:pk>/edit/", views.edit_curve, name="curve-edit"),
]
