"""From a submission's awards to per-site instructions (``dispatch_awards``).

Method
------
1. Awards. ``AwardReceived`` rows of the submission are summed per (node, interval, side); the
   clearing price per node and interval comes with them.
2. Node targets, facility MW per awarded node n and interval t of the market day:
       demand award D:     A[n,t] = D[n,t]            (the load the portfolio bought)
       reduction award R:  A[n,t] = U[n,t] - R[n,t]   (U = the node's usual load)
       both (unusual):     A[n,t] = D[n,t] - R[n,t]
       neither:            A[n,t] = U[n,t]            (no commitment: the usual load)
   U is the sum of the sites' usual loads (the flexibility envelope's baseline, the same
   definition the optimiser uses).
3. Split. The portfolio MIP (``market.trading.optimiser``) is re-solved over the whole market
   day for the active sites at the awarded nodes, at the cleared prices, with each node's load
   fixed to A (``dispatchable_schedule``; block-decomposed, since nodes only couple through an
   organisation's movable work). Each site's scheduled facility load is its ``target_mw``: the
   split respects every site limit the optimiser knows (grid, floor, ramps, PUE, batteries and
   their reserve, training deferral, job deadlines, events per day). Award MW no schedule can
   meet shows as the optimiser's slack and becomes an open position at once.
4. Instructions are written only for awarded intervals that have not started, and only where
   the site's target differs from its usual load by at least ``MIN_INSTRUCTION_MW`` (a site
   asked to run as usual needs no instruction). Deadline: ``interval_start - notice_minutes``,
   no later than the trader's ``confirm_by``; when that has passed, the interval start.

Versions. A submission that is not the auction's latest bid version is not dispatched (its run
is marked ``stale``). Dispatching a newer version supersedes the instructions of the older ones
(a new pending row, version + 1) where the target changed, keeps those whose target is the
same, and cancels those whose site-interval no longer gets one.

Idempotency. A :class:`DispatchRun` per submission is claimed first; the writes happen in one
transaction that re-checks the run under a lock, so a duplicated or retried task writes once
and any later call returns the finished run. The solve itself may run twice (wasted work, no
harm).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Sum

from market.trading.models import AwardReceived, BidSubmission
from market.trading.optimiser import OptimiserError, OptimiserInput
from market.trading.optimiser.curves import dispatchable_schedule
from sites.flexibility import envelope_at
from sites.models import Site
from sites.selectors import site_specs
from vpp import audit, clock
from vpp.errors import ApplicationError
from vpp.intervals import day_intervals, interval_hours, interval_length, market_day_of

from .instructions import Plan, deadline_for, locked_active, place, retire, to_mw
from .models import DispatchRun, Instruction
from .reallocation import open_position

MIN_INSTRUCTION_MW = Decimal("0.010")
SLACK_MW = 0.001


def _progress(run_id: int, pct: int, message: str) -> None:
    DispatchRun.objects.filter(pk=run_id).update(progress_pct=pct, progress_message=message)


def award_totals(submission_id: int):
    """(node, side) -> {interval_start: MW}, and (node, interval) -> clearing price."""
    totals: dict[tuple[str, str], dict[datetime, Decimal]] = defaultdict(dict)
    prices: dict[tuple[str, datetime], Decimal] = {}
    rows = (
        AwardReceived.objects.filter(submission_id=submission_id)
        .values("node_code", "interval_start", "side")
        .annotate(mw=Sum("awarded_mw"), price=Max("price_per_mwh"))
    )
    for r in rows:
        totals[r["node_code"], r["side"]][r["interval_start"]] = r["mw"]
        prices[r["node_code"], r["interval_start"]] = r["price"]
    return dict(totals), prices


def _claim(submission: BidSubmission, confirm_by: datetime | None) -> tuple[DispatchRun, bool]:
    """Get or create the run; True when there is work to do."""
    first = submission.awards.order_by("interval_start").values_list("interval_start", flat=True)
    day = market_day_of(first[0]) if first else market_day_of(submission.submitted_at)
    with transaction.atomic():
        run, _ = DispatchRun.objects.get_or_create(
            submission_id=submission.pk,
            defaults={
                "auction_id": submission.auction_id,
                "market_day": day,
                "confirm_by": confirm_by,
                "created_at": clock.now(),
            },
        )
    return run, run.state in (DispatchRun.State.RUNNING, DispatchRun.State.FAILED)


def _is_latest(submission: BidSubmission) -> bool:
    latest = (
        BidSubmission.objects.filter(auction_id=submission.auction_id)
        .order_by("-exchange_version", "-pk")
        .values_list("pk", flat=True)
        .first()
    )
    return latest == submission.pk


def _node_targets(totals, usual_node, starts):
    """A[n][t] per the module docstring, and the awarded intervals per node."""
    nodes = sorted({n for n, _ in totals})
    targets, awarded = {}, {}
    for n in nodes:
        demand = totals.get((n, "demand"), {})
        reduction = totals.get((n, "reduction"), {})
        row, hit = [], set()
        for t, start in enumerate(starts):
            d, r = demand.get(start), reduction.get(start)
            if d is None and r is None:
                row.append(usual_node[n][t])
                continue
            hit.add(start)
            base = float(d) if d is not None else usual_node[n][t]
            row.append(base - float(r or 0))
        targets[n], awarded[n] = row, hit
    return targets, awarded


def plan_day(submission: BidSubmission, day: date, totals, prices, confirm_by, now):
    """Solve one market day; return (plans, open gaps [(node, start, side, missing_mw)],
    summary)."""
    starts = day_intervals(day)
    nodes = sorted({n for n, _ in totals})
    specs = site_specs(Site.objects.filter(node__code__in=nodes).order_by("pk"))
    summary: dict = {"day": day.isoformat(), "nodes": nodes, "sites": [s.code for s in specs]}
    gaps = []
    sided = {n: ("demand" if (n, "demand") in totals else "reduction") for n in nodes}
    with_sites = {s.node_code for s in specs}
    for n in sorted(set(nodes) - with_sites):  # nobody there: the whole award is open
        for start, mw in {
            **totals.get((n, "reduction"), {}),
            **totals.get((n, "demand"), {}),
        }.items():
            if mw > 0 and start > now:
                gaps.append((n, start, sided[n], Decimal(mw), "no active site at the node"))
    nodes = [n for n in nodes if n in with_sites]
    if not nodes:
        return [], gaps, summary
    usual = {s.id: [envelope_at(s, t).baseline_mw for t in starts] for s in specs}
    usual_node = {
        n: [sum(usual[s.id][t] for s in specs if s.node_code == n) for t in range(len(starts))]
        for n in nodes
    }
    targets, awarded = _node_targets(
        {k: v for k, v in totals.items() if k[0] in nodes}, usual_node, starts
    )
    known = {n: [prices.get((n, t)) for t in starts] for n in nodes}
    price = {}
    for n, row in known.items():
        have = [float(p) for p in row if p is not None]
        mean = sum(have) / len(have) if have else 0.0
        price[n] = [float(p) if p is not None else mean for p in row]
    inp = OptimiserInput(
        sites=specs,
        interval_starts=starts,
        interval_hours=interval_hours(),
        price_per_mwh=price,
        time_limit_s=getattr(settings, "DISPATCH_OPTIMISER_TIME_LIMIT_SECONDS", 60),
        mip_gap=getattr(settings, "TRADING_OPTIMISER_MIP_GAP", 0.005),
    )
    schedule = dispatchable_schedule(inp, targets, decompose=True)
    summary.update(
        status=schedule.status,
        solver=schedule.solver,
        solve_seconds=round(schedule.solve_seconds, 3),
        mip_gap=schedule.mip_gap,
    )
    step = interval_length()
    plans = []
    for spec in specs:
        sched = schedule.sites[spec.code]
        for t, start in enumerate(starts):
            if start not in awarded[spec.node_code]:
                continue
            deadline = deadline_for(
                interval_start=start, notice_minutes=spec.notice_minutes, now=now, gate=confirm_by
            )
            if deadline is None:
                continue
            target, base = to_mw(sched.facility_mw[t]), to_mw(sched.usual_facility_mw[t])
            plans.append(
                Plan(
                    site_id=spec.id,
                    interval_start=start,
                    interval_end=start + step,
                    market_day=day,
                    target_mw=max(target, Decimal("0")),
                    baseline_mw=base,
                    deadline_at=deadline,
                    node_code=spec.node_code,
                    side=sided[spec.node_code],
                    submission_id=submission.pk,
                    reason=f"award of submission {submission.pk}",
                )
            )
    slack = {}
    for n in nodes:
        for t, start in enumerate(starts):
            s = schedule.nodes[n].slack_mw[t] if schedule.nodes[n].slack_mw else 0.0
            if start in awarded[n] and abs(s) > SLACK_MW and start > now:
                gaps.append((n, start, sided[n], to_mw(abs(s)), "the portfolio cannot run it"))
                slack[f"{n} {start.isoformat()}"] = round(s, 3)
    summary["slack_mw"] = slack
    return plans, gaps, summary


def dispatch_awards(
    *, submission_id: int, confirm_by: datetime | None = None, progress=None
) -> DispatchRun:
    """Turn the awards of ``submission_id`` into pending instructions (module docstring)."""
    submission = BidSubmission.objects.filter(pk=submission_id).first()
    if submission is None:
        raise ApplicationError(f"no bid submission {submission_id}", field="submission_id")
    if confirm_by is not None and confirm_by.tzinfo is None:
        raise ApplicationError("naive datetime: give an offset", field="confirm_by")
    run, todo = _claim(submission, confirm_by)
    if not todo:
        return run
    if not _is_latest(submission):
        DispatchRun.objects.filter(pk=run.pk).update(
            state=DispatchRun.State.STALE, finished_at=clock.now(), progress_pct=100
        )
        run.refresh_from_db()
        return run
    report = progress or (lambda pct, msg: _progress(run.pk, pct, msg))
    gate = confirm_by or run.confirm_by
    now = clock.now()
    report(5, "reading awards")
    totals, prices = award_totals(submission.pk)
    days = sorted({market_day_of(t) for by_t in totals.values() for t in by_t})
    plans, gaps, summaries = [], [], []
    try:
        for k, day in enumerate(days, start=1):
            report(10 + 70 * (k - 1) // max(1, len(days)), f"solving {day.isoformat()}")
            p, g, s = plan_day(submission, day, totals, prices, gate, now)
            plans += p
            gaps += g
            summaries.append(s)
    except OptimiserError as exc:
        DispatchRun.objects.filter(pk=run.pk).update(
            state=DispatchRun.State.FAILED, error=str(exc), finished_at=clock.now()
        )
        raise
    report(85, "writing instructions")
    _write(run.pk, submission, plans, gaps, summaries, prices, days)
    run.refresh_from_db()
    return run


def _instructed(plans: list[Plan]) -> list[Plan]:
    return [p for p in plans if abs(p.baseline_mw - p.target_mw) >= MIN_INSTRUCTION_MW]


@transaction.atomic
def _write(run_pk, submission, plans, gaps, summaries, prices, days) -> None:
    run = DispatchRun.objects.select_for_update().get(pk=run_pk)
    if run.state == DispatchRun.State.DONE:
        return
    now = clock.now()
    wanted = _instructed(plans)
    created = place(wanted, now=now)
    # older versions of this auction's bid: what they asked and this one no longer does
    older = BidSubmission.objects.filter(auction_id=submission.auction_id).exclude(pk=submission.pk)
    keep = {(p.site_id, p.interval_start) for p in wanted}
    stale = Instruction.objects.filter(
        submission_id__in=list(older.values_list("pk", flat=True)),
        state__in=Instruction.ACTIVE_STATES,
        market_day__in=days,
    ).values_list("site_id", "interval_start")
    drop = {k for k in stale if k not in keep}
    cancelled = retire(
        list(locked_active(drop).values()),
        to_state=Instruction.State.CANCELLED,
        reason=f"award withdrawn by submission {submission.pk}",
        now=now,
    )
    for node, start, side, missing, why in gaps:
        open_position(
            node_code=node,
            interval_start=start,
            side=side,
            submission_id=submission.pk,
            missing_mw=missing,
            price_per_mwh=prices.get((node, start)),
            reason=f"award of submission {submission.pk}: {why}",
            now=now,
        )
    run.state = DispatchRun.State.DONE
    run.progress_pct, run.progress_message = 100, "done"
    run.finished_at = now
    run.summary = {
        "days": summaries,
        "instructions_created": len(created),
        "instructions_kept": len(wanted) - len(created),
        "instructions_cancelled": len(cancelled),
        "open_positions": len(gaps),
    }
    run.save()
    audit.record(
        actor=None,
        action="dispatch.awards_dispatched",
        obj=run,
        changes={"submission_id": submission.pk, **run.summary, "days": len(summaries)},
    )
