"""The backtest page (``/trading/backtest/``): the latest saved backtest (``manage.py
backtest``) per site and in total, its daily savings as a chart, and a CSV download. Reading a
saved file is one query-free read; running a month of optimisations belongs to the command."""

from __future__ import annotations

import plotly.graph_objects as go
from django.http import HttpResponse
from django.shortcuts import render

from vpp import charts
from vpp.roles import role_required

from . import backtest_portfolio as bt


def _chart(data: dict) -> str:
    days = [d["market_day"] for d in data["days"]]
    fig = go.Figure()
    fig.add_bar(x=days, y=[float(d["saving"]) for d in data["days"]], name="saving CNY")
    fig.update_layout(
        title="Portfolio saving per market day (CNY, at cleared day-ahead prices)",
        height=320,
        margin={"l": 60, "r": 20, "t": 50, "b": 40},
        xaxis_title="market day (market time)",
        yaxis_title="CNY",
    )
    return charts.embed(fig)


@role_required("trader", "regulator")
def page(request):
    data = bt.load_latest()
    context = {"data": data}
    if data:
        context["chart"] = _chart(data)
    return render(request, "backtest/page.html", context)


@role_required("trader", "regulator")
def download_csv(request):
    """The saved figures as CSV; before any backtest, the header alone."""
    data = bt.load_latest() or {
        "sites": [],
        "total": {},
        "mode": "none",
        "first_day": "",
        "last_day": "",
    }
    body = bt.to_csv(data) if data["sites"] else ",".join(bt.CSV_COLUMNS) + "\r\n"
    response = HttpResponse(body, content_type="text/csv")
    name = f"backtest_{data['mode']}_{data['first_day']}_{data['last_day']}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
