"""Pages of the site registry (the API is in ``sites.api.urls``)."""

from django.urls import path

from . import views

app_name = "sites"
urlpatterns = [
    path("", views.site_list, name="list"),
    path("new/", views.site_create, name="create"),
    path("import/", views.fleet_import, name="import"),
    path("<int:pk>/", views.site_detail, name="detail"),
    path("<int:pk>/edit/", views.site_edit, name="edit"),
    path("<int:pk>/deactivate/", views.site_deactivate, name="deactivate"),
    path("<int:site_pk>/batteries/new/", views.battery_create, name="battery-create"),
    path("batteries/<int:pk>/edit/", views.battery_edit, name="battery-edit"),
    path("batteries/<int:pk>/deactivate/", views.battery_deactivate, name="battery-deactivate"),
    path("<int:site_pk>/workloads/new/", views.workload_create, name="workload-create"),
    path("workloads/<int:pk>/edit/", views.workload_edit, name="workload-edit"),
    path("workloads/<int:pk>/deactivate/", views.workload_deactivate, name="workload-deactivate"),
    path("<int:site_pk>/jobs/new/", views.job_create, name="job-create"),
    path("jobs/<int:pk>/edit/", views.job_edit, name="job-edit"),
]
