"""``/openadr3/3.1.0/...`` (included from vpp/urls.py under the namespace ``openadr``)."""

from django.urls import path

from . import views

app_name = "openadr"

urlpatterns = [
    path("auth/server", views.AuthServerView.as_view(), name="auth-server"),
    path("auth/token", views.TokenView.as_view(), name="token"),
    path("programs", views.ProgramList.as_view(), name="programs"),
    path("programs/<str:program_id>", views.ProgramDetail.as_view(), name="program"),
    path("events", views.EventList.as_view(), name="events"),
    path("events/<str:event_id>", views.EventDetail.as_view(), name="event"),
    path("reports", views.ReportList.as_view(), name="reports"),
    path("reports/<str:report_id>", views.ReportDetail.as_view(), name="report"),
    path("vens", views.VenList.as_view(), name="vens"),
    path("vens/<str:ven_id>", views.VenDetail.as_view(), name="ven"),
    path("vens/<str:ven_id>/resources", views.ResourceList.as_view(), name="ven-resources"),
    path(
        "vens/<str:ven_id>/resources/<str:resource_id>",
        views.ResourceDetail.as_view(),
        name="ven-resource",
    ),
    path("resources", views.ResourceList.as_view(), name="resources"),
    path("resources/<str:resource_id>", views.ResourceDetail.as_view(), name="resource"),
]

# Anything else under the base path (subscriptions, notifiers: not implemented) is a problem 404.
urlpatterns.append(path("<path:rest>", views.not_found, name="not-found"))
