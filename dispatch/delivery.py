"""Live delivery: sites post the load they are drawing while an interval runs, and the trader
compares it with what they were instructed.

``post_readings`` takes rows ``{site, interval_start, load_mw}`` (facility MW; the API names the
unit so a kW figure is caught: a load above 1.5 x the site's grid connection is refused as
"probably kW"). All or nothing: one bad row refuses the whole post, naming ``rows[i].field``.
Each (site, interval, source) keeps its latest figure (``revision`` counts the posts).

``delivery_summary``: per site and interval, instructed target (the active instruction, or
none), the site's usual load, and the delivered load (the latest reading of any source); per
interval the portfolio sums over the site-intervals that have an instruction, so instructed and
delivered add over the same sites:
    shortfall_mw = delivered_mw - instructed_mw   (positive: drawing more than instructed)
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import QuerySet

from sites.models import Site
from sites.selectors import sites_managed_by
from vpp import clock
from vpp.errors import ApplicationError
from vpp.intervals import floor_to_interval, require_aware
from vpp.models import User

from .instructions import to_mw
from .models import DeliveryReading, Instruction

KW_SUSPICION_FACTOR = Decimal("1.5")


def _check_rows(rows: list[dict], sites: dict[int, Site], now: datetime) -> list[tuple]:
    seen = set()
    out = []
    for i, row in enumerate(rows):
        where = f"rows[{i}]"
        site = sites.get(row.get("site"))
        if site is None:
            raise ApplicationError(
                f"unknown site {row.get('site')!r}, or not one of yours", field=f"{where}.site"
            )
        start = require_aware(row["interval_start"], field=f"{where}.interval_start")
        if floor_to_interval(start) != start:
            raise ApplicationError(
                "not the start of a market interval", field=f"{where}.interval_start"
            )
        if start > now:
            raise ApplicationError(
                f"interval has not started (market clock {now.isoformat()})",
                field=f"{where}.interval_start",
            )
        load = Decimal(row["load_mw"])
        if load < 0:
            raise ApplicationError("load is consumption: not negative", field=f"{where}.load_mw")
        if load > site.grid_connection_mw * KW_SUSPICION_FACTOR:
            raise ApplicationError(
                f"{load} MW is far above the site's {site.grid_connection_mw} MW grid "
                "connection: is it kW? Send MW",
                field=f"{where}.load_mw",
            )
        if (site.pk, start) in seen:
            raise ApplicationError("the same site and interval twice", field=f"{where}")
        seen.add((site.pk, start))
        out.append((site, start, to_mw(load)))
    return out


@transaction.atomic
def post_readings(
    *, user: User | None, rows: list[dict], source: str = DeliveryReading.Source.API
) -> list[DeliveryReading]:
    """Store live loads. ``user`` None is a trusted system caller (the OpenADR app, which has
    authenticated the VEN and maps it to its own site); a user may post for the sites they
    manage only (another company's site is refused as unknown)."""
    if not rows:
        raise ApplicationError("send at least one reading", field="rows")
    if source not in DeliveryReading.Source.values:
        raise ApplicationError(f"unknown source {source!r}", field="source")
    ids = {r.get("site") for r in rows}
    scope = Site.objects.all() if user is None else sites_managed_by(user)
    sites = {s.pk: s for s in scope.filter(pk__in=[i for i in ids if isinstance(i, int)])}
    checked = _check_rows(rows, sites, clock.now())
    now = clock.now()
    existing = {
        (r.site_id, r.interval_start): r
        for r in DeliveryReading.objects.select_for_update().filter(
            site_id__in=[s.pk for s, _, _ in checked],
            interval_start__in=[t for _, t, _ in checked],
            source=source,
        )
    }
    out = []
    for site, start, load in checked:
        row = existing.get((site.pk, start))
        if row is None:
            row = DeliveryReading(site=site, interval_start=start, source=source, revision=0)
        row.load_mw, row.received_at, row.revision = load, now, row.revision + 1
        row.posted_by = user
        row.full_clean(validate_unique=False, validate_constraints=False)
        row.save()
        out.append(row)
    return out


def delivery_summary(*, sites: QuerySet[Site], start: datetime, end: datetime) -> dict:
    """Delivered against instructed for ``sites`` over [start, end) (see the module doc)."""
    start = require_aware(start, field="start")
    end = require_aware(end, field="end")
    if end <= start:
        raise ApplicationError("end must be after start", field="end")
    if (end - start).days > 7:
        raise ApplicationError("at most 7 days at a time", field="end")
    site_ids = list(sites.values_list("pk", flat=True))
    codes = dict(Site.objects.filter(pk__in=site_ids).values_list("pk", "code"))
    instructed = {
        (i.site_id, i.interval_start): i
        for i in Instruction.objects.filter(
            site_id__in=site_ids,
            interval_start__gte=start,
            interval_start__lt=end,
            state__in=Instruction.ACTIVE_STATES,
        )
    }
    delivered: dict[tuple[int, datetime], DeliveryReading] = {}
    for r in DeliveryReading.objects.filter(
        site_id__in=site_ids, interval_start__gte=start, interval_start__lt=end
    ).order_by("received_at", "pk"):
        delivered[r.site_id, r.interval_start] = r  # the latest of any source wins
    per_site = defaultdict(list)
    portfolio: dict[datetime, dict] = {}
    for key in sorted(set(instructed) | set(delivered), key=lambda k: (k[1], k[0])):
        site_id, t = key
        ins, got = instructed.get(key), delivered.get(key)
        point = {
            "interval_start": t,
            "instructed_mw": ins.target_mw if ins else None,
            "baseline_mw": ins.baseline_mw if ins else None,
            "state": ins.state if ins else None,
            "delivered_mw": got.load_mw if got else None,
        }
        per_site[codes[site_id]].append(point)
        if ins is None:
            continue
        agg = portfolio.setdefault(
            t,
            {
                "interval_start": t,
                "instructed_mw": Decimal(0),
                "delivered_mw": Decimal(0),
                "sites": 0,
                "reporting": 0,
            },  # fmt: skip
        )
        agg["instructed_mw"] += ins.target_mw
        agg["sites"] += 1
        if got is not None:
            agg["delivered_mw"] += got.load_mw
            agg["reporting"] += 1
    return {
        "start": start,
        "end": end,
        "sites": dict(per_site),
        "portfolio": [portfolio[t] for t in sorted(portfolio)],
    }
