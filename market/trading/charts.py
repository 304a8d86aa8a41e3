"""Plotly figures of the trader's page, as HTML fragments (plotly.js is loaded by the page).
Axes are in the market's local time."""

from __future__ import annotations

import plotly.graph_objects as go

from vpp import charts
from vpp.intervals import to_local

CONFIG = {"displaylogo": False, "responsive": True}


def _html(fig: go.Figure, title: str, y: str, height: int = 340) -> str:
    fig.update_layout(
        title=title, height=height, margin={"t": 40, "b": 40, "l": 50, "r": 10}, yaxis_title=y
    )
    return charts.embed(fig, config=CONFIG)


def _labels(times) -> list[str]:
    return [to_local(t).strftime("%m-%d %H:%M") for t in times]


def envelope(by_node: dict[str, list]) -> str | None:
    if not by_node:
        return None
    fig = go.Figure()
    for node, rows in by_node.items():
        x = _labels([r.interval_start for r in rows])
        fig.add_scatter(x=x, y=[r.baseline_mw for r in rows], name=f"{node} usual MW")
        fig.add_scatter(
            x=x, y=[r.down_mw for r in rows], name=f"{node} down MW", line={"dash": "dot"}
        )
        fig.add_scatter(
            x=x,
            y=[r.shiftable_mwh for r in rows],
            name=f"{node} shiftable MWh",
            visible="legendonly",
        )
        fig.add_scatter(
            x=x, y=[r.battery_mwh for r in rows], name=f"{node} battery MWh", visible="legendonly"
        )
    return _html(fig, "Portfolio flexibility per node", "MW / MWh")


def forecast_vs_outcome(by_node: dict[str, list[dict]]) -> str:
    """Per node the forecast (median), its 10-90 % band as a shaded area when the forecast has
    quantiles, and the cleared price once published."""
    fig = go.Figure()
    for node, rows in by_node.items():
        x = _labels([r["interval_start"] for r in rows])
        band = [r.get("quantiles_per_mwh", {}) for r in rows]
        if all("0.1" in q and "0.9" in q for q in band):
            fig.add_scatter(
                x=x,
                y=[q["0.9"] for q in band],
                name=f"{node} 90 %",
                line={"width": 0},
                legendgroup=node,
                showlegend=False,
            )
            fig.add_scatter(
                x=x,
                y=[q["0.1"] for q in band],
                name=f"{node} 10-90 %",
                line={"width": 0},
                fill="tonexty",
                opacity=0.25,
                legendgroup=node,
            )
        fig.add_scatter(
            x=x,
            y=[r["forecast_price_per_mwh"] for r in rows],
            name=f"{node} forecast",
            legendgroup=node,
        )
        cleared = [r["cleared_price_per_mwh"] for r in rows]
        if any(v is not None for v in cleared):
            fig.add_scatter(
                x=x,
                y=[float(v) if v is not None else None for v in cleared],
                name=f"{node} cleared",
                line={"dash": "dash"},
            )
    return _html(fig, "Day-ahead price: forecast against outcome", "CNY/MWh")


def schedule(by_site: dict[str, dict[str, list]]) -> str:
    fig = go.Figure()
    usual = None
    x = None
    for code, row in by_site.items():
        x = _labels(row["interval_start"])
        fig.add_bar(x=x, y=row["facility_mw"], name=code)
        usual = (
            row["baseline_mw"]
            if usual is None
            else [a + b for a, b in zip(usual, row["baseline_mw"], strict=True)]
        )
    if usual is not None:
        fig.add_scatter(x=x, y=usual, name="usual load (all sites)", line={"color": "black"})
    fig.update_layout(barmode="stack")
    return _html(fig, "Planned facility load per site at the expected prices", "MW", 380)


def curves(chosen: list) -> str | None:
    if not chosen:
        return None
    fig = go.Figure()
    for c in chosen:
        xs, ys, total = [], [], 0.0
        for p, q in ((float(p), float(q)) for p, q in c.segments):
            xs += [total, total + q]
            ys += [p, p]
            total += q
        fig.add_scatter(x=xs, y=ys, name=f"{c.side}", mode="lines+markers", line={"shape": "hv"})
    fig.update_layout(xaxis_title="cumulative MW")
    return _html(fig, "Bid curves of the chosen interval", "CNY/MWh", 300)


def awards(awarded: dict) -> str:
    fig = go.Figure()
    for (node, side), series in sorted(awarded.items()):
        times = sorted(series)
        fig.add_bar(x=_labels(times), y=[float(series[t]) for t in times], name=f"{node} {side}")
    fig.update_layout(barmode="stack")
    return _html(fig, "Awarded MW per interval", "MW")
