"""The whole market-day flow for the demo, one simulated day after another.

For each market day D (bidding happens on D-1, before the exchange's gate):

1. clock -> D-1 08:00 local; the exchange opens D's day-ahead auction;
2. forecast + optimise: ``runs.start_run`` then ``runs.execute_run`` (with
   ``VPP_TASKS_IN_PROCESS`` the queued task already ran eagerly; executing again is a no-op);
3. bid: ``bidding.submit_bids`` of the run's load-reduction curves;
4. clear: ``demo.simulate.run_day_ahead`` (gate, clear, publish);
5. awards: ``bidding.fetch_due_awards`` (its signal queues dispatch), then
   ``dispatch.services.dispatch_awards`` called directly (idempotent: a no-op if the signal's
   task already ran), so the demo does not depend on a worker being up;
6. answers: every ``DECLINE_EVERY``-th pending instruction is declined by its operator (the
   reallocation makes new pending ones for other sites), the rest confirmed; repeated until
   nothing is pending;
7. meter: once D has ended on the clock, one reading per site and interval
   = (confirmed target if instructed, else the usual load) x (1 + N(0, METER_NOISE)), seeded,
   through settlement's intake service (``meter_store.submit_readings``);
8. settle: settlement's pipeline when it is importable, else a printed note.

Meter history: the ``METER_HISTORY_DAYS`` days before the first demo day get usual-load
readings too, so baselines (X-of-Y days) have a look-back.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Q

from demo import setup, simulate
from dispatch import services as dispatch
from dispatch.models import Instruction
from market.exchange import services as exchange
from market.trading import bidding, forecasting, runs
from sites.flexibility import envelope_at
from sites.models import Site
from sites.selectors import site_specs
from vpp import clock
from vpp.intervals import day_bounds, day_intervals, market_tz
from vpp.models import User

DECLINE_EVERY = 5
MAX_DECLINES_PER_DAY = 12
METER_NOISE = 0.02
METER_HISTORY_DAYS = 10
SEED = 7

Progress = Callable[[int, int, str], None]


@dataclass
class DayReport:
    market_day: date
    run_state: str = ""
    optimise_seconds: float = 0.0
    curves_submitted: int = 0
    awards: int = 0
    instructions: int = 0
    declined: int = 0
    confirmed: int = 0
    meter_rows: int = 0
    settled: str = ""


@dataclass
class FlowReport:
    days: list[DayReport] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour, 0), tzinfo=market_tz())


def _noise(rng: random.Random) -> float:
    return 1.0 + rng.gauss(0.0, METER_NOISE)


def usual_loads(day: date) -> dict[str, list[tuple[datetime, float]]]:
    """Site code -> the usual facility load (MW) per interval of ``day`` (the envelope's
    baseline, the same definition the optimiser and dispatch use)."""
    starts = day_intervals(day)
    return {
        s.code: [(t, envelope_at(s, t).baseline_mw) for t in starts]
        for s in site_specs(Site.objects.filter(active=True))
    }


def _readings(day: date, rng: random.Random) -> list[dict]:
    start, end = day_bounds(day)
    targets = {
        (code, t): float(mw)
        for code, t, mw in Instruction.objects.filter(
            interval_start__gte=start, interval_start__lt=end, state="confirmed"
        ).values_list("site__code", "interval_start", "target_mw")
    }
    rows = []
    for code, series in usual_loads(day).items():
        for t, usual_mw in series:
            mw = targets.get((code, t), usual_mw) * _noise(rng)
            rows.append(
                {
                    "site_code": code,
                    "interval_start": t.isoformat(),
                    "value": str(Decimal(repr(max(0.0, mw))).quantize(Decimal("0.001"))),
                    "unit": "MW",
                }
            )
    return rows


def meter_day(*, day: date, actor: User, rng: random.Random) -> int:
    """Store the synthetic meter readings of ``day`` (which must have ended on the clock)."""
    from settlement.meter_store import submit_readings

    rows = _readings(day, rng)
    submit_readings(actor=actor, readings=rows)
    return len(rows)


def settle_day(day: date, actor: User | None = None) -> str:
    """Settlement's pipeline for ``day`` in this process, when this checkout has it."""
    try:
        from settlement import pipeline
    except ImportError:
        return "skipped: settlement.pipeline is not in this checkout yet"
    run_inline = getattr(pipeline, "run_inline", None)
    if run_inline is None:
        return "skipped: settlement.pipeline has no run_inline(day=..., actor=...)"
    try:
        run = run_inline(day=day, actor=actor)
    except Exception as exc:  # the demo goes on; its report names the failure
        return f"failed: {type(exc).__name__}: {str(exc)[:160]}"
    return f"{run.state}{': ' + run.error[:120] if getattr(run, 'error', '') else ''}"


def answer_instructions(day: date) -> tuple[int, int]:
    """In the first round every DECLINE_EVERY-th pending instruction (at most
    MAX_DECLINES_PER_DAY) of ``day`` is declined by
    its site's operator, the others confirmed; the reallocation's new pending instructions are
    confirmed in the next rounds until none is pending. Returns (confirmed, declined)."""
    confirmed = declined = 0
    start, end = day_bounds(day)
    admin = User.objects.get(username="admin")
    operators = {u.organisation_id: u for u in User.objects.filter(role="operator").order_by("-pk")}
    for round_no in range(10):
        pending = list(
            Instruction.objects.filter(
                state="pending", interval_start__gte=start, interval_start__lt=end
            )
            .select_related("site")
            .order_by("interval_start", "site__code", "pk")
        )
        if not pending:
            break
        for k, ins in enumerate(pending):
            who = operators.get(ins.site.organisation_id, admin)
            ins.refresh_from_db(fields=["state"])
            if ins.state != "pending":  # a decline's reallocation may have superseded it
                continue
            if round_no == 0 and k % DECLINE_EVERY == 0 and declined < MAX_DECLINES_PER_DAY:
                dispatch.decline(
                    instruction_id=ins.pk,
                    user=who,
                    reason="demo: cooling maintenance, cannot hold the target",
                )
                declined += 1
            else:
                dispatch.confirm(instruction_id=ins.pk, user=who)
                confirmed += 1
    return confirmed, declined


def bid_day(*, day: date, trader: User) -> DayReport:
    """Steps 1-6 for market day ``day`` (clock goes to D-1 08:00, then past D's gate)."""
    import time as perf

    report = DayReport(market_day=day)
    clock.set_now(max(clock.now(), _at(day - timedelta(days=1), 8)))
    exchange.open_day_ahead(day=day)
    t0 = perf.perf_counter()
    run = runs.start_run(market_day=day, user=trader)
    run = runs.execute_run(run_id=run.pk)
    report.optimise_seconds = perf.perf_counter() - t0
    report.run_state = run.state
    if run.state != "done":
        simulate.run_day_ahead(day)
        return report
    submission = bidding.submit_bids(
        run_id=run.pk, user=trader, side="reduction", idempotency_key=f"demo-{day.isoformat()}"
    )
    report.curves_submitted = len(submission.curves)
    simulate.run_day_ahead(day)
    bidding.fetch_due_awards()
    report.awards = submission.awards.filter(awarded_mw__gt=0).count()
    dispatch.dispatch_awards(submission_id=submission.pk)
    start, end = day_bounds(day)
    report.instructions = Instruction.objects.filter(
        Q(interval_start__gte=start) & Q(interval_start__lt=end)
    ).count()
    return report


def run_flow(*, days: int, progress: Progress | None = None, seed: int = SEED) -> FlowReport:
    """Bid, clear and dispatch ``days`` market days after the demo's history
    (setup.DEMO_START_DAY + 1, ...); meter and settle each day once it has ended on the clock.
    The clock is left on the last market day at 08:00 ("today": dispatched, not yet metered;
    yesterday settled) with tomorrow's day-ahead auction open, before its gate, so a trader can
    run the optimiser live. Expects ``setup.load_demo`` and the price history in place."""
    rng = random.Random(seed)
    trader = User.objects.get(username="trader")
    admin = User.objects.get(username="admin")
    first = setup.DEMO_START_DAY + timedelta(days=1)
    market_days = [first + timedelta(days=k) for k in range(days)]
    to_meter = [first - timedelta(days=k) for k in range(METER_HISTORY_DAYS, 0, -1)]
    to_meter += market_days[:-1]
    steps = len(to_meter) + len(market_days)
    done = 0
    report = FlowReport()
    by_day: dict[date, DayReport] = {}

    def tick(label: str) -> None:
        nonlocal done
        done += 1
        if progress:
            progress(done, steps, label)

    def meter_ended() -> None:
        while to_meter and day_bounds(to_meter[0])[1] <= clock.now():
            day = to_meter.pop(0)
            rows = meter_day(day=day, actor=admin, rng=rng)
            if day in by_day:
                by_day[day].meter_rows = rows
                by_day[day].settled = settle_day(day, admin)
            tick(f"metered {day}")

    for day in market_days:
        meter_ended()
        day_report = bid_day(day=day, trader=trader)
        day_report.confirmed, day_report.declined = answer_instructions(day)
        by_day[day] = day_report
        report.days.append(day_report)
        tick(f"bid, cleared, dispatched {day} ({day_report.optimise_seconds:.1f} s optimiser)")
    if market_days:
        clock.set_now(max(clock.now(), _at(market_days[-1], 8)))
        meter_ended()
        exchange.open_day_ahead(day=market_days[-1] + timedelta(days=1))
        # the open day's forecast, so the desk a newcomer opens shows prices before any run
        forecasting.make_forecast(market_day=market_days[-1] + timedelta(days=1))
    report.notes = sorted(
        {d.settled for d in report.days if d.settled.startswith(("skipped", "failed"))}
    )
    return report
