"""Pages of the regulator portal and the operator's performance page (included by
``settlement.urls`` under the ``settlement`` namespace)."""

from django.urls import path

from . import portal_views as v

urlpatterns = [
    path("statements/", v.statements, name="statements"),
    path("statements/<int:pk>/", v.statement, name="statement"),
    path(
        "statements/<int:pk>/download/<str:fmt>/", v.statement_download, name="statement-download"
    ),
    path("period-report/", v.period_report, name="period-report"),
    path("runs/<int:pk>/", v.run, name="run"),
    path("methodology/", v.methodology_page, name="methodology"),
    path("audit/", v.audit, name="audit"),
    path("my-performance/", v.my_performance, name="my-performance"),
]
