"""Pages of dispatch (the API is in ``dispatch.api.urls``)."""

from django.urls import path

from . import views

app_name = "dispatch"
urlpatterns = [
    path("", views.status, name="status"),
    path("inbox/", views.inbox, name="inbox"),
    path("instructions/<int:pk>/confirm/", views.confirm, name="confirm"),
    path("instructions/<int:pk>/decline/", views.decline, name="decline"),
]
