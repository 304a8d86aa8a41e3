"""API of statements, runs, methodology and audit (included by ``settlement.api.urls``)."""

from django.urls import path

from . import statement_views as v

urlpatterns = [
    path("statements/", v.StatementsView.as_view(), name="settlement-statements"),
    path("statements/<int:pk>/", v.StatementView.as_view(), name="settlement-statement"),
    path("runs/", v.RunsView.as_view(), name="settlement-runs"),
    path("runs/<int:pk>/", v.RunView.as_view(), name="settlement-run"),
    path("methodology/", v.MethodologyView.as_view(), name="settlement-methodology"),
    path("audit/", v.AuditView.as_view(), name="settlement-audit"),
    path("my-lines/", v.MyLinesView.as_view(), name="settlement-my-lines"),
]
