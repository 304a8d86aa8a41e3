"""Reads of the operator console: one organisation's sites, their pending instructions, their
recent dispatch record and settlement money. Every read is scoped by ``sites_managed_by`` and
made in a constant number of queries whatever the number of sites (aggregates, no per-site
loops over the database)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum

from dispatch.models import Instruction
from sites.models import Site
from sites.selectors import sites_managed_by
from vpp import clock
from vpp.intervals import interval_hours, market_day_of
from vpp.models import User

RECENT_DAYS = 7


def my_sites(user: User) -> QuerySet[Site]:
    return (
        sites_managed_by(user)
        .select_related("node", "organisation")
        .annotate(
            battery_count=Count("batteries", distinct=True),
            workload_count=Count("workloads", distinct=True),
        )
        .order_by("code")
    )


def pending_instructions(user: User, limit: int = 50) -> list[Instruction]:
    now = clock.now()
    return list(
        Instruction.objects.filter(
            site__in=sites_managed_by(user), state="pending", deadline_at__gt=now
        )
        .select_related("site")
        .order_by("deadline_at", "site__code", "interval_start")[:limit]
    )


def dispatch_record(user: User, days: int = RECENT_DAYS) -> dict:
    """Counts of the last ``days`` market days' (and tomorrow's) instructions by state, and
    the reduction MWh asked of the sites in confirmed ones (reduction_mw x interval hours)."""
    today = market_day_of(clock.now())
    first = today - timedelta(days=days - 1)
    last = today + timedelta(days=1)  # tomorrow's instructions exist once its auction cleared
    qs = Instruction.objects.filter(
        site__in=sites_managed_by(user), market_day__gte=first, market_day__lte=last
    )
    counts = dict(qs.values_list("state").annotate(n=Count("pk")).values_list("state", "n"))
    asked = qs.filter(state="confirmed").aggregate(mw=Sum("reduction_mw"))["mw"] or Decimal("0")
    return {
        "first_day": first,
        "last_day": last,
        "counts": {s: counts.get(s, 0) for s in ("confirmed", "declined", "expired", "pending")},
        "confirmed_reduction_mwh": (asked * Decimal(str(interval_hours()))).quantize(
            Decimal("0.001")
        ),
    }


def money_by_day(user: User, days: int = 14) -> list[dict]:
    """Settlement lines of the organisation's sites per market day, from each day's latest
    statement version: instructed and delivered MWh and the net amount (CNY). Empty when this
    checkout has no settlement statements."""
    try:
        from settlement.statement_models import Statement, StatementLine
    except ImportError:
        return []
    since: date = market_day_of(clock.now()) - timedelta(days=days)
    top: dict[date, tuple[int, int]] = {}  # market day -> (version, statement id)
    for day, version, pk in Statement.objects.filter(market_day__gte=since).values_list(
        "market_day", "version", "pk"
    ):
        if day not in top or version > top[day][0]:
            top[day] = (version, pk)
    ids = [pk for _, pk in top.values()]
    rows = (
        StatementLine.objects.filter(statement_id__in=ids, site__in=sites_managed_by(user))
        .values("statement__market_day", "statement__version")
        .annotate(
            instructed_mwh=Sum("instructed_mwh"),
            delivered_mwh=Sum("delivered_mwh"),
            penalty=Sum("penalty"),
            net_amount=Sum("net_amount"),
            sites=Count("site", filter=Q(site__isnull=False), distinct=True),
        )
        .order_by("-statement__market_day")
    )
    return [
        {
            "market_day": r["statement__market_day"],
            "version": r["statement__version"],
            "instructed_mwh": r["instructed_mwh"],
            "delivered_mwh": r["delivered_mwh"],
            "penalty": r["penalty"],
            "net_amount": r["net_amount"],
            "sites": r["sites"],
        }
        for r in rows
    ]
