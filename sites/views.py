"""Pages of the site registry: the fleet list, a site with its resources and flexibility
envelope, the forms that register and maintain sites, batteries, workload classes and jobs, and
the fleet import.

Access: traders, operators, regulators and admins read (an operator only their organisation's
sites, scoped by :func:`sites.selectors.sites_visible_to`); operators and admins write (an
operator only their organisation's sites, :func:`sites.selectors.sites_managed_by`). Another
organisation's site is a 404, a role that never writes gets a 403. Every write goes through
:mod:`sites.services`; a refusal there is shown on the form with a 400.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import plotly.graph_objects as go
from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import Count, Q
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from vpp import charts, clock, parsing
from vpp.errors import ApplicationError
from vpp.intervals import day_bounds, day_intervals, market_day_of, market_tz, to_local
from vpp.models import User
from vpp.roles import role_required

from . import importer, services
from .flexibility import EnvelopeInterval, envelope
from .forms import BatteryForm, FleetImportForm, JobForm, SiteForm, WorkloadClassForm
from .models import Battery, Job, Site, WorkloadClass
from .selectors import can_manage, site_spec, sites_managed_by, sites_visible_to, with_resources

READ_ROLES = ("trader", "operator", "regulator")  # admins always pass role_required
WRITE_ROLES = ("operator",)


def _may_write(user: User) -> bool:
    return user.is_admin_role or user.is_operator


def _errors_onto(form: BaseForm, exc: ValidationError | ApplicationError) -> None:
    """Put a service's refusal next to the field it names (or above the form)."""
    if isinstance(exc, ApplicationError):
        items = [(exc.field, exc.message)]
    elif hasattr(exc, "error_dict"):
        items = [(name, m) for name, msgs in exc.message_dict.items() for m in msgs]
    else:
        items = [(None, m) for m in exc.messages]
    for name, message in items:
        if name in form.fields and not form.fields[name].disabled:
            form.add_error(name, message)
        elif name and name != NON_FIELD_ERRORS:
            form.add_error(None, f"{name}: {message}")
        else:
            form.add_error(None, message)


def _form_page(
    request: HttpRequest,
    form: BaseForm,
    context: dict,
    write: Callable[[], object],
    done: Callable[[object], tuple[str, str]],
) -> HttpResponse:
    """GET shows the form; a POST with valid input calls ``write`` (one service call) and
    redirects to the URL ``done`` gives with its message; bad input or a refusal is a 400."""
    context = {"form": form, **context}
    if request.method != "POST":
        return render(request, "sites/form.html", context)
    if form.is_valid():
        try:
            obj = write()
        except (ValidationError, ApplicationError) as exc:
            _errors_onto(form, exc)
        else:
            url, message = done(obj)
            messages.success(request, message)
            return redirect(url)
    return render(request, "sites/form.html", context, status=400)


def _bound(request: HttpRequest) -> tuple:
    return (request.POST, request.FILES) if request.method == "POST" else (None, None)


# --- reading ---------------------------------------------------------------------------------


@role_required(*READ_ROLES)
def site_list(request):
    # an aggregate query ignores Meta.ordering: order explicitly
    sites = (
        sites_visible_to(request.user)
        .annotate(
            battery_count=Count("batteries", filter=Q(batteries__active=True), distinct=True),
            workload_count=Count("workloads", filter=Q(workloads__active=True), distinct=True),
        )
        .order_by("code")
    )
    return render(
        request,
        "sites/list.html",
        {"sites": list(sites), "may_write": _may_write(request.user)},
    )


def _market_day(text: str | None) -> tuple[date, str | None]:
    # A day it cannot represent is a 400 page naming ``day`` (vpp.limits), as on every page.
    return parsing.parse_optional_day(text, field="day") or market_day_of(clock.now()), None


def _envelope_chart(rows: list[EnvelopeInterval], day: date, grid_mw: float) -> str:
    """Baseline as a step line and the band it can reach (baseline − down to baseline + up),
    on market local time. Plotly draws what it is given: naive local times, so no browser
    zone shifts them. The last value is repeated at the day's end so the last step shows."""
    end_local = to_local(day_bounds(day)[1]).replace(tzinfo=None)
    x = [to_local(r.interval_start).replace(tzinfo=None) for r in rows] + [end_local]

    def series(values: list[float]) -> list[float]:
        return values + values[-1:]

    base = series([r.baseline_mw for r in rows])
    low = series([r.baseline_mw - r.down_mw for r in rows])
    high = series([r.baseline_mw + r.up_mw for r in rows])
    down = series([r.down_mw for r in rows])
    up = series([r.up_mw for r in rows])
    step = {"shape": "hv", "width": 0}
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=x, y=low, name="lowest (baseline − down)", mode="lines", line=step,
            showlegend=False, customdata=down, hovertemplate="down to %{y:.2f} MW "
            "(−%{customdata:.2f})<extra></extra>",
        )
    )  # fmt: skip
    fig.add_trace(
        go.Scatter(
            x=x, y=high, name="flexibility band", mode="lines", line=step, fill="tonexty",
            fillcolor="rgba(11,110,79,0.22)", customdata=up,
            hovertemplate="up to %{y:.2f} MW (+%{customdata:.2f})<extra></extra>",
        )
    )  # fmt: skip
    fig.add_trace(
        go.Scatter(
            x=x, y=base, name="baseline", mode="lines",
            line={"shape": "hv", "width": 2, "color": "#1d2733"},
            hovertemplate="baseline %{y:.2f} MW<extra></extra>",
        )
    )  # fmt: skip
    fig.add_hline(
        y=grid_mw, line={"dash": "dot", "color": "#b54708", "width": 1},
        annotation_text="grid connection", annotation_position="top left",
    )  # fmt: skip
    fig.update_layout(
        height=380,
        margin={"l": 60, "r": 20, "t": 30, "b": 50},
        template="plotly_white",
        hovermode="x unified",
        legend={"orientation": "h", "y": 1.08, "x": 0},
        xaxis={"title": f"market local time ({market_tz().key})", "tickformat": "%H:%M"},
        yaxis={"title": "facility MW", "rangemode": "tozero"},
    )
    return charts.embed(
        fig, div_id="envelope-chart", config={"displaylogo": False, "responsive": True}
    )


def _pue_summary(site: Site) -> str:
    if site.pue_kind == Site.PueKind.HOURLY and site.pue_hourly:
        return f"hourly, {min(site.pue_hourly):g} to {max(site.pue_hourly):g}"
    if site.pue_kind == Site.PueKind.TEMPERATURE:
        return (
            f"{site.pue_temp_base:g} up to {site.pue_temp_threshold_c:g} °C, "
            f"+{site.pue_temp_slope_per_c:g} per °C above"
        )
    return f"constant {site.pue_constant:g}"


@role_required(*READ_ROLES)
def site_detail(request, pk: int):
    site = get_object_or_404(with_resources(sites_visible_to(request.user)), pk=pk)
    day, day_error = _market_day(request.GET.get("day"))
    rows = envelope(site_spec(site), day_intervals(day))
    hourly = [
        {"local": to_local(r.interval_start), "row": r}
        for r in rows
        if to_local(r.interval_start).minute == 0
    ]
    workloads = list(site.workloads.all())
    jobs = [job for w in workloads if w.kind == WorkloadClass.Kind.BATCH for job in w.jobs.all()]
    context = {
        "site": site,
        "batteries": list(site.batteries.all()),
        "workloads": workloads,
        "jobs": jobs,
        "has_batch_class": any(w.kind == WorkloadClass.Kind.BATCH and w.active for w in workloads),
        "pue_summary": _pue_summary(site),
        "day": day,
        "prev_day": date.fromordinal(day.toordinal() - 1),
        "next_day": date.fromordinal(day.toordinal() + 1),
        "day_error": day_error,
        "chart": _envelope_chart(rows, day, float(site.grid_connection_mw)),
        "hourly": hourly,
        "peak_down_mw": max((r.down_mw for r in rows), default=0.0),
        "peak_up_mw": max((r.up_mw for r in rows), default=0.0),
        "interval_count": len(rows),
        "may_manage": can_manage(request.user, site),
    }
    return render(request, "sites/detail.html", context, status=400 if day_error else 200)


# --- sites -----------------------------------------------------------------------------------


def _to_site(site: Site, message: str) -> tuple[str, str]:
    return reverse("sites:detail", args=[site.pk]), message


@role_required(*WRITE_ROLES)
def site_create(request):
    form = SiteForm(*_bound(request), user=request.user)
    return _form_page(
        request,
        form,
        {"title": "Register a site", "cancel_url": reverse("sites:list")},
        lambda: services.site_create(
            actor=request.user,
            organisation=form.cleaned_data.get("organisation"),
            **form.service_fields(),
        ),
        lambda site: _to_site(site, f"Site {site.code} registered."),
    )


@role_required(*WRITE_ROLES)
def site_edit(request, pk: int):
    site = get_object_or_404(sites_managed_by(request.user), pk=pk)
    form = SiteForm(*_bound(request), instance=site, user=request.user)
    return _form_page(
        request,
        form,
        {
            "title": f"Edit site {site.code}",
            "site": site,
            "cancel_url": reverse("sites:detail", args=[pk]),
        },
        lambda: services.site_update(actor=request.user, site=site, **form.service_fields()),
        lambda s: _to_site(s, f"Site {s.code} saved."),
    )


@role_required(*WRITE_ROLES)
@require_POST
def site_deactivate(request, pk: int):
    site = get_object_or_404(sites_managed_by(request.user), pk=pk)
    try:
        services.site_deactivate(actor=request.user, site=site)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Site {site.code} deactivated: it is out of the portfolio.")
    return redirect("sites:detail", pk=pk)


# --- batteries and workload classes ----------------------------------------------------------

RESOURCE_FORMS = {Battery: BatteryForm, WorkloadClass: WorkloadClassForm}
RESOURCE_WORDS = {Battery: "battery", WorkloadClass: "workload class"}


def _managed_resource(user: User, model: type[Battery | WorkloadClass], pk: int):
    qs = model.objects.filter(site__in=sites_managed_by(user)).select_related("site")
    return get_object_or_404(qs, pk=pk)


def _resource_create(request, site_pk: int, model: type[Battery | WorkloadClass]):
    site = get_object_or_404(sites_managed_by(request.user), pk=site_pk)
    word = RESOURCE_WORDS[model]
    form = RESOURCE_FORMS[model](*_bound(request), instance=model(site=site))
    return _form_page(
        request,
        form,
        {
            "title": f"Add a {word} to {site.code}",
            "site": site,
            "cancel_url": reverse("sites:detail", args=[site.pk]),
        },
        lambda: services.save_resource(
            actor=request.user,
            instance=model(site=site),
            fields=form.service_fields(),
            action=f"{model._meta.model_name}.create",
        ),
        lambda obj: _to_site(site, f"{word.capitalize()} {obj.name} added."),
    )


def _resource_edit(request, pk: int, model: type[Battery | WorkloadClass]):
    instance = _managed_resource(request.user, model, pk)
    site, word = instance.site, RESOURCE_WORDS[model]
    form = RESOURCE_FORMS[model](*_bound(request), instance=instance)
    return _form_page(
        request,
        form,
        {
            "title": f"Edit {word} {instance.name} at {site.code}",
            "site": site,
            "cancel_url": reverse("sites:detail", args=[site.pk]),
        },
        lambda: services.save_resource(
            actor=request.user,
            instance=instance,
            fields=form.service_fields(),
            action=f"{model._meta.model_name}.update",
        ),
        lambda obj: _to_site(site, f"{word.capitalize()} {obj.name} saved."),
    )


def _resource_deactivate(request, pk: int, model: type[Battery | WorkloadClass]):
    instance = _managed_resource(request.user, model, pk)
    word = RESOURCE_WORDS[model]
    try:
        services.resource_deactivate(actor=request.user, instance=instance)
    except (ValidationError, ApplicationError) as exc:
        messages.error(request, f"{word.capitalize()} {instance.name} not deactivated: {exc}")
    else:
        messages.success(request, f"{word.capitalize()} {instance.name} deactivated.")
    return redirect("sites:detail", pk=instance.site_id)


@role_required(*WRITE_ROLES)
def battery_create(request, site_pk: int):
    return _resource_create(request, site_pk, Battery)


@role_required(*WRITE_ROLES)
def battery_edit(request, pk: int):
    return _resource_edit(request, pk, Battery)


@role_required(*WRITE_ROLES)
@require_POST
def battery_deactivate(request, pk: int):
    return _resource_deactivate(request, pk, Battery)


@role_required(*WRITE_ROLES)
def workload_create(request, site_pk: int):
    return _resource_create(request, site_pk, WorkloadClass)


@role_required(*WRITE_ROLES)
def workload_edit(request, pk: int):
    return _resource_edit(request, pk, WorkloadClass)


@role_required(*WRITE_ROLES)
@require_POST
def workload_deactivate(request, pk: int):
    return _resource_deactivate(request, pk, WorkloadClass)


# --- jobs ------------------------------------------------------------------------------------


@role_required(*WRITE_ROLES)
def job_create(request, site_pk: int):
    site = get_object_or_404(sites_managed_by(request.user), pk=site_pk)
    initial = {"workload": request.GET.get("workload")} if request.GET.get("workload") else None
    form = JobForm(*_bound(request), instance=Job(), site=site, initial=initial)
    return _form_page(
        request,
        form,
        {
            "title": f"Add a batch job at {site.code}",
            "site": site,
            "cancel_url": reverse("sites:detail", args=[site.pk]),
            "no_batch_class": not form.fields["workload"].queryset.exists(),
        },
        lambda: services.save_resource(
            actor=request.user, instance=Job(), fields=form.service_fields(), action="job.create"
        ),
        lambda job: _to_site(site, f"Job {job.name} added."),
    )


@role_required(*WRITE_ROLES)
def job_edit(request, pk: int):
    qs = Job.objects.filter(workload__site__in=sites_managed_by(request.user))
    job = get_object_or_404(qs.select_related("workload__site"), pk=pk)
    site = job.workload.site
    form = JobForm(*_bound(request), instance=job, site=site)
    return _form_page(
        request,
        form,
        {
            "title": f"Edit job {job.name} at {site.code}",
            "site": site,
            "cancel_url": reverse("sites:detail", args=[site.pk]),
        },
        lambda: services.save_resource(
            actor=request.user, instance=job, fields=form.service_fields(), action="job.update"
        ),
        lambda obj: _to_site(site, f"Job {obj.name} saved."),
    )


# --- fleet import ----------------------------------------------------------------------------


def _error_rows(rows: list[importer.RowError]) -> list[dict]:
    """One table row per message: row, record, field, message."""
    return [
        {"row": r.row, "record": r.record, "field": name, "message": message}
        for r in rows
        for name, messages_ in r.errors.items()
        for message in messages_
    ]


@role_required(*WRITE_ROLES)
def fleet_import(request):
    form = FleetImportForm(*_bound(request))
    context = {"form": form, "error_rows": [], "is_admin": request.user.is_admin_role}
    if request.method != "POST":
        return render(request, "sites/import.html", context)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            records = importer.parse(upload.read(), upload.name)
            counts = importer.import_fleet(actor=request.user, records=records)
        except importer.FleetImportError as exc:
            form.add_error(None, exc.message)
            context["error_rows"] = _error_rows(exc.rows)
        except ApplicationError as exc:
            form.add_error("file" if exc.field == "file" else None, exc.message)
        else:
            messages.success(
                request,
                f"Imported {counts.sites} site(s), {counts.batteries} battery(ies), "
                f"{counts.workloads} workload class(es) and {counts.jobs} job(s).",
            )
            return redirect("sites:list")
    return render(request, "sites/import.html", context, status=400)
