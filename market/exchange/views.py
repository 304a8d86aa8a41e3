"""Pages of the exchange: the market results page (prices heat map and lines, congestion,
awards). plotly.js comes from ``static/js`` (no CDN: the machine may be offline)."""

from __future__ import annotations

import plotly.graph_objects as go
from django.shortcuts import render

from vpp import charts, parsing
from vpp.intervals import to_local
from vpp.roles import role_required

from .api.views import participant_of, sees_everything
from .client import award_line
from .models import Auction, Award, LineFlow, NodePrice


def _figures(prices: list[NodePrice]) -> tuple[str, str]:
    nodes = sorted({p.node.code for p in prices})
    times = sorted({p.interval_start for p in prices})
    labels = [to_local(t).strftime("%m-%d %H:%M") for t in times]
    grid = {(p.node.code, p.interval_start): float(p.price_per_mwh) for p in prices}
    z = [[grid.get((n, t)) for t in times] for n in nodes]
    heat = go.Figure(
        go.Heatmap(z=z, x=labels, y=nodes, colorscale="YlOrRd", colorbar={"title": "CNY/MWh"})
    )
    heat.update_layout(
        title="Price per node and interval (CNY/MWh)", height=360, margin={"t": 40, "b": 40}
    )
    lines = go.Figure(
        [go.Scatter(x=labels, y=row, mode="lines", name=n) for n, row in zip(nodes, z, strict=True)]
    )
    lines.update_layout(
        title="Nodal prices (CNY/MWh)", height=360, margin={"t": 40, "b": 40}, yaxis_title="CNY/MWh"
    )
    config = {"displaylogo": False, "responsive": True}
    return (
        charts.embed(heat, config=config),
        charts.embed(lines, config=config),
    )


@role_required("trader", "regulator")
def results(request):
    """Results of one published auction (``?auction=<id>``, default the latest day-ahead)."""
    published = Auction.objects.filter(state=Auction.State.PUBLISHED)
    auction = None
    if request.GET.get("auction"):
        auction = published.filter(pk=parsing.parse_int(request.GET["auction"], field="auction"))
        auction = auction.first()
    if auction is None:
        auction = published.filter(kind=Auction.Kind.DAY_AHEAD).first() or published.first()
    context = {
        "auction": auction,
        "recent": published.order_by("-first_interval", "kind")[:20],
    }
    if auction is not None:
        prices = list(NodePrice.objects.filter(auction=auction).select_related("node"))
        context["heatmap"], context["linechart"] = _figures(prices)
        context["price_stats"] = _stats(prices)
        context["congestion"] = (
            LineFlow.objects.filter(auction=auction, congested=True)
            .select_related("line")
            .order_by("interval_start", "line__code")[:200]
        )
        awards = Award.objects.filter(auction=auction).select_related(
            "segment__bid", "segment__node"
        )
        if not sees_everything(request.user):
            awards = awards.filter(segment__bid__participant=participant_of(request.user))
        context["awards"] = [
            (a.segment.bid.participant, award_line(a))
            for a in awards.order_by("segment__interval_start", "segment_id")[:500]
        ]
    return render(request, "exchange/results.html", context)


def _stats(prices: list[NodePrice]) -> list[dict]:
    by_node: dict[str, list[float]] = {}
    for p in prices:
        by_node.setdefault(p.node.code, []).append(float(p.price_per_mwh))
    return [
        {"node": n, "min": min(v), "mean": sum(v) / len(v), "max": max(v)}
        for n, v in sorted(by_node.items())
    ]
