"""Reads of the trading desk shared by the API and the trader's page."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

from sites.models import Site
from sites.selectors import site_specs
from vpp.intervals import day_intervals, interval_hours
from vpp.money import round_money

from .aggregation import portfolio_envelope
from .exchange import get_client
from .models import BidSubmission, OptimisationRun, PriceForecast


def forecast_vs_outcome(forecast: PriceForecast) -> dict[str, list[dict]]:
    """node -> per interval: forecast price, its quantiles (level as text -> price, empty for
    a model without them) and the cleared day-ahead price once published."""
    client = get_client()
    auction = client.day_ahead_auction(forecast.market_day)
    cleared = {}
    if auction is not None and auction.state == "published":
        cleared = {
            (p.node, p.interval_start): p.price_per_mwh for p in client.get_prices(auction.id)
        }
    out: dict[str, list[dict]] = defaultdict(list)
    for p in forecast.points.order_by("node_code", "interval_start"):
        outcome = cleared.get((p.node_code, p.interval_start))
        out[p.node_code].append(
            {
                "interval_start": p.interval_start,
                "forecast_price_per_mwh": round(p.price_per_mwh, 2),
                "quantiles_per_mwh": {q: round(v, 2) for q, v in p.quantiles_per_mwh.items()},
                "cleared_price_per_mwh": outcome,
            }
        )
    return dict(out)


def day_envelope(market_day: date) -> dict[str, list]:
    """The portfolio's flexibility envelope per node over the day's intervals."""
    return portfolio_envelope(site_specs(Site.objects.all()), day_intervals(market_day))


def schedule_by_site(run: OptimisationRun) -> dict[str, dict[str, list]]:
    """site code -> series (interval_start, facility_mw, baseline_mw, battery_net_mw)."""
    out: dict[str, dict[str, list]] = {}
    lines = run.schedule.select_related("site__node").order_by("site__code", "interval_start")
    for line in lines:
        row = out.setdefault(
            line.site.code,
            {
                "node": line.site.node.code,
                "interval_start": [],
                "facility_mw": [],
                "baseline_mw": [],
                "battery_net_mw": [],
            },
        )
        row["interval_start"].append(line.interval_start)
        row["facility_mw"].append(round(line.facility_mw, 4))
        row["baseline_mw"].append(round(line.baseline_mw, 4))
        row["battery_net_mw"].append(round(line.battery_net_mw, 4))
    return out


def latest_submission(market_day: date) -> BidSubmission | None:
    return (
        BidSubmission.objects.filter(run__market_day=market_day)
        .select_related("run", "submitted_by")
        .order_by("-exchange_version", "-pk")
        .first()
    )


def award_totals(submission: BidSubmission) -> list[dict]:
    """Per node and side: awarded MWh and their value at the clearing prices (to the cent)."""
    out: dict[tuple[str, str], dict] = {}
    h = Decimal(str(interval_hours()))
    for a in submission.awards.all():
        row = out.setdefault(
            (a.node_code, a.side),
            {"node": a.node_code, "side": a.side, "mwh": Decimal(0), "value": Decimal(0)},
        )
        row["mwh"] += a.awarded_mw * h
        row["value"] += a.awarded_mw * h * a.price_per_mwh
    for r in out.values():
        r["mwh"] = r["mwh"].quantize(Decimal("0.001"))
        r["value"] = round_money(r["value"])
    return list(out.values())
