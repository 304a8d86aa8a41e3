"""The trader's day dashboard (``/dashboard/?day=``): one market day from bid to money, on one
page - the run's expected value and carbon, the awards, dispatch status, delivered against
instructed, open positions, and the settled P&L - with links to each part's own page.

A composition of the apps' reads (it sits beside ``demo`` at the root of the import graph), in a
fixed number of queries whatever the number of sites."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from decimal import Decimal

import plotly.graph_objects as go
from django.db.models import Count, Sum
from django.shortcuts import render

from dispatch.models import DeliveryReading, Instruction, OpenPosition
from market.trading.models import OptimisationRun
from market.trading.selectors import award_totals, latest_submission
from settlement.models import MeterReading
from settlement.statement_models import Statement
from vpp import charts, clock
from vpp.intervals import day_bounds, day_param, interval_hours, market_day_of, to_local
from vpp.money import round_money
from vpp.roles import role_required


def awards_summary(day: date) -> dict | None:
    submission = latest_submission(day)
    if submission is None:
        return None
    rows = award_totals(submission)
    return {
        "submission": submission,
        "awarded_mwh": sum((r["mwh"] for r in rows), Decimal("0.000")),
        "value": sum((r["value"] for r in rows), Decimal("0.00")),
    }


def delivery(start, end) -> list[dict]:
    """Per interval: the instructed load of the sites with an active instruction, and what those
    sites delivered - their live reading (dispatch) or, once metered, their current meter
    reading (settlement). Three queries whatever the number of sites."""
    instructed = {
        (site_id, t): target
        for site_id, t, target in Instruction.objects.filter(
            interval_start__gte=start,
            interval_start__lt=end,
            state__in=Instruction.ACTIVE_STATES,
        ).values_list("site_id", "interval_start", "target_mw")
    }
    window = {"interval_start__gte": start, "interval_start__lt": end}
    got = {
        (site_id, t): load
        for site_id, t, load in MeterReading.objects.filter(is_current=True, **window).values_list(
            "site_id", "interval_start", "load_mw"
        )
    }
    live = DeliveryReading.objects.filter(**window).order_by("received_at", "pk")
    got.update(
        {
            (site_id, t): load
            for site_id, t, load in live.values_list("site_id", "interval_start", "load_mw")
        }
    )
    out: dict = {}
    for (site_id, t), target in instructed.items():
        row = out.setdefault(
            t,
            {
                "interval_start": t,
                "instructed_mw": Decimal(0),
                "delivered_mw": Decimal(0),
                "reporting": 0,
            },
        )
        row["instructed_mw"] += target
        if (site_id, t) in got:
            row["delivered_mw"] += got[site_id, t]
            row["reporting"] += 1
    return [out[t] for t in sorted(out)]


def delivery_chart(portfolio: list[dict]) -> str | None:
    if not portfolio:
        return None
    x = [to_local(p["interval_start"]).strftime("%H:%M") for p in portfolio]
    fig = go.Figure()
    fig.add_scatter(x=x, y=[float(p["instructed_mw"]) for p in portfolio], name="instructed MW")
    fig.add_scatter(
        x=x,
        y=[float(p["delivered_mw"]) if p["reporting"] else None for p in portfolio],
        name="delivered MW (live or metered)",
    )
    fig.update_layout(
        title="Portfolio load: instructed against delivered (instructed sites)",
        height=320,
        margin={"t": 40, "b": 40},
        yaxis_title="MW",
    )
    return charts.embed(fig, config={"displaylogo": False})


@role_required("trader", "regulator")
def dashboard(request):
    day = day_param(request.GET.get("day"), lambda: market_day_of(clock.now()))
    start, end = day_bounds(day)
    run = OptimisationRun.objects.filter(market_day=day, state="done").first()
    states = Counter(
        dict(
            Instruction.objects.filter(market_day=day)
            .values_list("state")
            .annotate(n=Count("pk"))
            .values_list("state", "n")
        )
    )
    positions = OpenPosition.objects.filter(interval_start__gte=start, interval_start__lt=end)
    open_cost = positions.aggregate(total=Sum("expected_cost"), n=Count("pk"))
    portfolio = delivery(start, end)
    h = Decimal(str(interval_hours()))
    instructed_mwh = sum((p["instructed_mw"] for p in portfolio), Decimal(0)) * h
    delivered_mwh = sum((p["delivered_mw"] for p in portfolio if p["reporting"]), Decimal(0)) * h
    statement = Statement.objects.filter(market_day=day).order_by("-version").first()
    return render(
        request,
        "console/dashboard.html",
        {
            "day": day,
            "prev_day": day - timedelta(days=1),
            "next_day": day + timedelta(days=1),
            "run": run,
            "awards": awards_summary(day),
            "states": dict(sorted(states.items())),
            "instructions": sum(states.values()),
            "open_positions": open_cost["n"],
            "open_cost": round_money(Decimal(str(open_cost["total"] or 0))),
            "instructed_mwh": instructed_mwh.quantize(Decimal("0.001")),
            "delivered_mwh": delivered_mwh.quantize(Decimal("0.001")),
            "delivery_chart": delivery_chart(portfolio),
            "statement": statement,
        },
    )
