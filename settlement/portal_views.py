"""Pages of the regulator portal (traders, regulators and admins read) and the operator's
"my performance and money" page (their own sites' lines only).

Downloads carry the statement's checksum in the ``X-Statement-Checksum-SHA256`` header and in
the file itself (:mod:`settlement.reports`).
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from vpp import claims, parsing
from vpp.api.errors import QUEUE_UNAVAILABLE as QUEUE_DOWN
from vpp.errors import ApplicationError
from vpp.models import AuditEvent
from vpp.roles import role_required

from . import pipeline, reports
from .api.statement_views import my_lines
from .methodology import methodology
from .models import SettlementRun, Statement

PORTAL = ("trader", "regulator")


@role_required(*PORTAL)
def statements(request):
    """Market days with their statement versions; traders start a settlement run here."""
    if request.method == "POST":
        if request.user.role == "regulator":
            return HttpResponse("regulators read only", status=403)
        try:
            day = parsing.parse_day(request.POST.get("market_day", ""), field="market_day")
            run, _ = pipeline.start_run(day=day, actor=request.user)
        except ApplicationError as exc:
            messages.error(request, f"{exc.field}: {exc.message}")
        except claims.QUEUE_ERRORS:  # the run is marked failed: starting again makes a new one
            messages.error(request, QUEUE_DOWN)
        else:
            return redirect("settlement:run", pk=run.pk)
        return redirect("settlement:statements")
    context = {
        "statements": Statement.objects.all()[:200],
        "runs": SettlementRun.objects.all()[:10],
    }
    return render(request, "settlement/statements.html", context)


@role_required(*PORTAL)
def statement(request, pk: int):
    st = get_object_or_404(Statement, pk=pk)
    context = {
        "st": st,
        "lines": reports.ordered_lines(st),
        "versions": Statement.objects.filter(market_day=st.market_day).order_by("version"),
        "formats": list(reports.FORMATS),
    }
    return render(request, "settlement/statement.html", context)


@role_required(*PORTAL)
def statement_download(request, pk: int, fmt: str):
    if fmt not in reports.FORMATS:
        raise Http404("formats: csv, xlsx, pdf")
    st = get_object_or_404(Statement, pk=pk)
    content_type, render_report = reports.FORMATS[fmt]
    response = HttpResponse(render_report(st), content_type=content_type)
    name = f"statement-{st.market_day.isoformat()}-v{st.version}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["X-Statement-Checksum-SHA256"] = st.checksum
    return response


@role_required(*PORTAL)
def period_report(request):
    """CSV over ``?start=&end=`` (market days, inclusive): the latest version of each day."""
    try:
        start = parsing.parse_day(request.GET.get("start", ""), field="start")
        end = parsing.parse_day(request.GET.get("end", ""), field="end")
    except ApplicationError as exc:
        return HttpResponse(f"{exc.field}: {exc.message}", status=400)
    if end < start or (end - start).days > 366:
        return HttpResponse("end: must be on or after start, within 366 days", status=400)
    latest = Statement.objects.filter(
        market_day__gte=start, market_day__lte=end, next_version__isnull=True
    ).order_by("market_day")
    body, checksum = reports.period_csv(list(latest.prefetch_related("lines")))
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    name = f"settlement-{start.isoformat()}-{end.isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["X-Statement-Checksum-SHA256"] = checksum
    return response


@role_required(*PORTAL)
def run(request, pk: int):
    r = get_object_or_404(SettlementRun, pk=pk)
    return render(request, "settlement/run.html", {"run": r})


@role_required(*PORTAL, "operator")
def methodology_page(request):
    return render(request, "settlement/methodology.html", {"m": methodology()})


@role_required(*PORTAL)
def audit(request):
    qs = AuditEvent.objects.select_related("actor")
    action = request.GET.get("action", "").strip()
    object_type = request.GET.get("object_type", "").strip()
    if action:
        qs = qs.filter(action__startswith=action)
    if object_type:
        qs = qs.filter(object_type=object_type)
    context = {"events": qs[:300], "action": action, "object_type": object_type}
    return render(request, "settlement/audit.html", context)


@role_required("operator")
def my_performance(request):
    """An operator's own sites' lines (latest statement version per day); admins see all."""
    lines = list(my_lines(request.user)[:300])
    return render(request, "settlement/my_performance.html", {"lines": lines})
