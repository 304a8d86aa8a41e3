"""Dispatch pages: the operator's inbox (answer instructions before their deadline) and the
trader's status page (delivered vs instructed for a market day, open positions)."""

from __future__ import annotations

from datetime import timedelta

import plotly.graph_objects as go
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from sites.selectors import sites_managed_by, sites_visible_to
from vpp import charts, clock
from vpp.errors import ApplicationError
from vpp.intervals import day_bounds, day_param, market_day_of, to_local
from vpp.roles import role_required

from . import services
from .models import Instruction, OpenPosition
from .selectors import instructions_visible_to

HISTORY = 50


@role_required("operator")
def inbox(request):
    mine = instructions_visible_to(request.user).filter(site__in=sites_managed_by(request.user))
    pending = mine.filter(state=Instruction.State.PENDING).order_by("deadline_at", "site__code")
    history = (
        mine.exclude(state=Instruction.State.PENDING)
        .prefetch_related("changes__by")
        .order_by("-created_at", "-pk")[:HISTORY]
    )
    return render(
        request,
        "dispatch/inbox.html",
        {"pending": pending, "history": history, "now": clock.now()},
    )


def _answer(request, pk: int, verb: str):
    instruction = get_object_or_404(
        instructions_visible_to(request.user).filter(site__in=sites_managed_by(request.user)),
        pk=pk,
    )
    try:
        if verb == "confirm":
            services.confirm(instruction_id=instruction.pk, user=request.user)
        else:
            services.decline(
                instruction_id=instruction.pk,
                user=request.user,
                reason=request.POST.get("reason", ""),
            )
    except ApplicationError as exc:
        messages.error(request, f"Instruction {pk}: {exc.message}")
        return render(
            request,
            "dispatch/answer_refused.html",
            {"instruction": instruction, "message": exc.message},
            status=409 if isinstance(exc, services.TransitionRefused) else 400,
        )
    messages.success(request, f"Instruction {pk} {verb}ed.".replace("ee", "e"))
    return redirect("dispatch:inbox")


@require_POST
@role_required("operator")
def confirm(request, pk: int):
    return _answer(request, pk, "confirm")


@require_POST
@role_required("operator")
def decline(request, pk: int):
    return _answer(request, pk, "decline")


def _chart(title: str, points: list[dict]) -> str:
    xs = [to_local(p["interval_start"]) for p in points]
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=xs, y=[p["instructed_mw"] for p in points], name="instructed MW", line={"shape": "hv"}
        )  # fmt: skip
    )
    fig.add_trace(
        go.Scatter(
            x=xs,
            y=[p["delivered_mw"] for p in points],
            name="delivered MW",
            mode="lines+markers",
            line={"shape": "hv"},
        )  # fmt: skip
    )
    fig.update_layout(title=title, height=280, margin={"l": 40, "r": 10, "t": 40, "b": 30},
                      yaxis_title="facility MW")  # fmt: skip
    return charts.embed(fig, config={"displaylogo": False})


@role_required("trader", "regulator")
def status(request):
    now = clock.now()
    day = day_param(request.GET.get("day"), lambda: market_day_of(now))
    start, end = day_bounds(day)
    data = services.delivery_summary(sites=sites_visible_to(request.user), start=start, end=end)
    charts = []
    if data["portfolio"]:
        charts.append(_chart(f"Portfolio {day.isoformat()}", data["portfolio"]))
    charts += [_chart(code, pts) for code, pts in sorted(data["sites"].items())]
    positions = OpenPosition.objects.filter(interval_start__gte=start, interval_start__lt=end)
    return render(
        request,
        "dispatch/status.html",
        {
            "day": day,
            "previous": day - timedelta(days=1),
            "next": day + timedelta(days=1),
            "charts": charts,
            "portfolio": data["portfolio"],
            "positions": positions,
            "running": start <= now < end,
        },
    )
