from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("instructions", views.InstructionViewSet, basename="dispatch-instruction")
router.register("open-positions", views.OpenPositionViewSet, basename="dispatch-open-position")

urlpatterns = [
    path("readings/", views.ReadingsView.as_view(), name="dispatch-readings"),
    path("delivery/", views.DeliveryView.as_view(), name="dispatch-delivery"),
    path(
        "submissions/<int:submission_id>/",
        views.DispatchSubmissionView.as_view(),
        name="dispatch-submission",
    ),
    *router.urls,
]
