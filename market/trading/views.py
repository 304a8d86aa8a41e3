"""The trader's desk page (/trading/): forecast against outcome, portfolio flexibility, the
optimiser run with a progress bar, schedule, bid curves (edit), submission, awards.

Charts are Plotly, drawn server side, with the market's local time on the axes. Every write
goes through the same services as the API, so a refused edit or submission shows the service's
reason next to the form."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from vpp import claims, clock, parsing
from vpp.api.errors import QUEUE_UNAVAILABLE as QUEUE_DOWN
from vpp.errors import ApplicationError
from vpp.intervals import day_param, market_day_of, to_local
from vpp.roles import role_required

from . import bidding, charts, runs, selectors
from .exchange import get_client
from .models import OptimisationRun, ProposedCurve


def _default_day() -> date:
    open_da = get_client().list_auctions(states=("open",), kind="da")
    if open_da:
        return min(a.market_day for a in open_da)
    return market_day_of(clock.now()) + timedelta(days=1)


def _desk_url(day: date, **extra) -> str:
    query = "&".join(f"{k}={v}" for k, v in {"day": day.isoformat(), **extra}.items())
    return f"{reverse('trading:desk')}?{query}"


@role_required("trader", "regulator")
def desk(request):
    day = day_param(request.GET.get("day"), _default_day)
    client = get_client()
    auction = client.day_ahead_auction(day)
    run = OptimisationRun.objects.filter(market_day=day).select_related("forecast").first()
    forecast = run.forecast if run is not None else None
    forecast = forecast or runs.latest_forecast(day) or runs.latest_forecast(day, "seasonal_naive")
    context = {
        "day": day,
        "prev_day": day - timedelta(days=1),
        "next_day": day + timedelta(days=1),
        "auction": auction,
        "gate_open": auction is not None
        and auction.state == "open"
        and clock.now() < auction.gate_closure_at,
        "run": run,
        "forecast": forecast,
        "envelope_chart": charts.envelope(selectors.day_envelope(day)),
        "can_write": request.user.is_admin_role or request.user.is_trader,
        "idempotency_key": uuid.uuid4().hex,
    }
    if forecast is not None:
        context["forecast_chart"] = charts.forecast_vs_outcome(
            selectors.forecast_vs_outcome(forecast)
        )
    if run is not None and run.state == "done":
        curves = list(run.curves.all())
        nodes = sorted({c.node_code for c in curves})
        node = request.GET.get("node") if request.GET.get("node") in nodes else None
        node = node or (nodes[0] if nodes else None)
        node_curves = [c for c in curves if c.node_code == node]
        starts = sorted({c.interval_start for c in node_curves})
        chosen = _chosen_interval(request.GET.get("t"), starts)
        context.update(
            nodes=nodes,
            node=node,
            intervals=[(t.isoformat(), to_local(t).strftime("%H:%M")) for t in starts],
            chosen=chosen.isoformat() if chosen else None,
            chosen_curves=[c for c in node_curves if c.interval_start == chosen],
            schedule_chart=charts.schedule(selectors.schedule_by_site(run)),
            curve_chart=charts.curves([c for c in node_curves if c.interval_start == chosen]),
            edited=sum(1 for c in curves if c.edited_at),
        )
    submission = selectors.latest_submission(day)
    if submission is not None:
        awarded = bidding.awarded_by_node(submission)
        context.update(
            submission=submission,
            awards_chart=charts.awards(awarded) if awarded else None,
            award_totals=selectors.award_totals(submission),
        )
    return render(request, "trading/desk.html", context)


def _chosen_interval(raw, starts):
    if not starts:
        return None
    for t in starts:
        if t.isoformat() == raw:
            return t
    return starts[len(starts) * 3 // 4]  # evening peak by default (18:00 local)


def _refused(request, exc: ApplicationError) -> None:
    where = f" ({exc.field})" if exc.field else ""
    messages.error(request, f"Refused{where}: {exc.message}")


@require_POST
@role_required("trader")
def start(request):
    try:
        day = parsing.parse_day(request.POST.get("day", ""), field="day")
        carbon = parsing.parse_decimal(
            request.POST.get("carbon_price_per_t") or "0",
            field="carbon_price_per_t",
            minimum=Decimal(0),
            maximum=Decimal("100000"),
        )
    except ApplicationError:
        messages.error(request, "Refused: give a market day and a carbon price per t")
        return redirect("trading:desk")
    try:
        run = runs.start_run(market_day=day, user=request.user, carbon_price_per_t=carbon)
        messages.success(request, f"Optimiser run #{run.pk} started")
    except ApplicationError as exc:
        _refused(request, exc)
    except claims.QUEUE_ERRORS:  # the run is marked failed: starting again makes a new one
        messages.error(request, QUEUE_DOWN)
    return redirect(_desk_url(day))


def parse_segment_text(text: str) -> list[list[str]]:
    """One segment per line, ``price_per_mwh, quantity_mw``."""
    rows = []
    for line in text.strip().splitlines():
        if line.strip():
            rows.append([part.strip() for part in line.split(",")])
    return rows


@require_POST
@role_required("trader")
def edit_curve(request, pk: int):
    curve = get_object_or_404(ProposedCurve.objects.select_related("run"), pk=pk)
    back = _desk_url(curve.run.market_day, node=curve.node_code, t=curve.interval_start.isoformat())
    try:
        bidding.edit_curve(
            curve_id=pk,
            user=request.user,
            segments=parse_segment_text(request.POST.get("segments", "")),
        )
        messages.success(request, f"Curve {curve.node_code} {curve.side} saved")
    except ApplicationError as exc:
        _refused(request, exc)
    return redirect(back)


@require_POST
@role_required("trader")
def submit(request, pk: int):
    run = get_object_or_404(OptimisationRun, pk=pk)
    try:
        sub = bidding.submit_bids(
            run_id=run.pk,
            user=request.user,
            side=request.POST.get("side", "reduction"),
            idempotency_key=request.POST.get("idempotency_key", ""),
        )
        messages.success(
            request,
            f"Submitted {len(sub.curves)} curves to auction #{sub.auction_id} "
            f"(exchange bid {sub.exchange_bid_id} v{sub.exchange_version})",
        )
    except ApplicationError as exc:
        _refused(request, exc)
    return redirect(_desk_url(run.market_day))
