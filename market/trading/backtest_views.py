"""The backtest page (``/trading/backtest/``): the latest saved backtest (``manage.py
backtest``) per site and in total, its daily savings as a chart, and a CSV download; below it
the latest saved forecast backtest (``manage.py forecast_backtest``), one table. Reading a
saved file is one query-free read; running a month of optimisations belongs to the command."""

from __future__ import annotations

import plotly.graph_objects as go
from django.http import HttpResponse
from django.shortcuts import render

from vpp import charts
from vpp.roles import role_required

from . import backtest_portfolio as bt
from . import forecasting


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


def forecast_table(saved) -> dict | None:
    """The saved forecast backtest as rows for the page: per model and node MAE, RMSE, skill
    against yesterday's and last week's prices, coverage of the 10-90 % band."""
    if saved is None:
        return None
    rows = [
        {
            "model": s["model"],
            "node": "all nodes" if s["node"] == "*" else s["node"],
            "mae": s["mae"],
            "rmse": s["rmse"],
            "skill_yesterday": s.get("skills", {}).get("seasonal_naive"),
            "skill_last_week": s.get("skills", {}).get("seasonal_naive_7d"),
            "coverage_80": None if s.get("coverage_80") is None else 100 * s["coverage_80"],
            "edge_80": None if s.get("edge_80") is None else 100 * s["edge_80"],
        }
        for s in saved.scores
    ]
    order = {m: k for k, m in enumerate(saved.model_names)}
    rows.sort(key=lambda r: (r["node"] == "all nodes", r["node"], order.get(r["model"], 99)))
    return {"saved": saved, "rows": rows}


@role_required("trader", "regulator")
def page(request):
    data = bt.load_latest()
    context = {"data": data, "forecast_backtest": forecast_table(forecasting.latest_backtest())}
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
