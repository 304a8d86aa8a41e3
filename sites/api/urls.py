from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("sites", views.SiteViewSet, basename="site")
router.register("batteries", views.BatteryViewSet, basename="battery")
router.register("workloads", views.WorkloadClassViewSet, basename="workload")
router.register("jobs", views.JobViewSet, basename="job")

urlpatterns = [
    path("sites/import/", views.FleetImportView.as_view(), name="site-import"),
    *router.urls,
]
