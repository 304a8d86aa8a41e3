"""The settlement pipeline of one market day, stage by stage, with progress on its run row.

``start_run`` claims the day: a :class:`SettlementRun` in state ``running`` (at most one per
day, a partial unique constraint), and queues the Celery chain on commit
(``collect -> validate -> baselines -> statement``, :mod:`settlement.tasks`). A second start
while one runs returns the running one. Every stage is idempotent (meter ingest by checksum,
VEE, baselines by input digest, the statement by input digest under a per-day lock), skips a
run that is no longer running, and so a retried or repeated stage changes nothing.
"""

from __future__ import annotations

from datetime import date

from django.db import IntegrityError, transaction

from sites.models import Site
from vpp import claims, clock
from vpp.errors import ApplicationError
from vpp.intervals import day_bounds, market_day_of
from vpp.models import User

from . import baseline_services, meter_store, statements, vee
from .models import SettlementRun

STAGES = ("collect", "validate", "baselines", "statement")


def start_run(*, day: date, actor: User | None, queue: bool = True) -> tuple[SettlementRun, bool]:
    """Claim ``day`` and queue its pipeline: ``(run, created)``. Refused: a day that has not
    ended, and a day the platform cannot have anything to settle for (:func:`check_settleable`)."""
    check_settleable(day)
    if day_bounds(day)[1] > clock.now():
        raise ApplicationError("the market day has not ended yet", field="market_day")
    try:
        with transaction.atomic():
            run = SettlementRun.objects.create(
                market_day=day, started_by=actor, created_at=clock.now(), message="queued"
            )
    except IntegrityError:
        return SettlementRun.objects.get(market_day=day, state="running"), False
    if queue:
        from .tasks import queue_pipeline

        # Broker down: the run is failed with the reason (not left "running", which would hand
        # it back to every later start and make the nightly settlement skip the day).
        transaction.on_commit(
            lambda: claims.enqueue_or_fail(
                lambda: queue_pipeline(run.pk), fail=lambda why: fail(run_id=run.pk, error=why)
            )
        )
    return run, True


def check_settleable(day: date) -> None:
    """An official statement only for a day the market existed and the platform holds data
    for: not before ``SETTLEMENT_FIRST_DAY`` (the market's opening; 2020-01-01 by default) and
    not before the earliest day of any instruction or meter reading the platform holds (a day
    before the VPP ever traded or metered is not an empty statement, it is a mistake)."""
    from django.conf import settings
    from django.db.models import Min

    from dispatch.models import Instruction  # settlement reads dispatch, never writes it

    from .models import MeterReading

    first = date.fromisoformat(settings.SETTLEMENT_FIRST_DAY)
    if day < first:
        raise ApplicationError(
            f"the market opened on {first.isoformat()}: nothing to settle before",
            field="market_day",
        )
    earliest = [
        Instruction.objects.aggregate(d=Min("market_day"))["d"],
        MeterReading.objects.aggregate(d=Min("interval_start"))["d"],
    ]
    days = [market_day_of(e) if hasattr(e, "hour") else e for e in earliest if e is not None]
    if days and day < min(days):
        raise ApplicationError(
            f"the platform holds no data before {min(days).isoformat()}: nothing to settle",
            field="market_day",
        )


def _progress(run: SettlementRun, stage: str, pct: int, message: str, **summary) -> None:
    run.stage, run.progress_pct, run.message = stage, pct, message[:200]
    run.summary = {**run.summary, **summary}
    run.save(update_fields=["stage", "progress_pct", "message", "summary"])


def _claim(run_id: int) -> SettlementRun | None:
    run = SettlementRun.objects.select_for_update().get(pk=run_id)
    return run if run.state == SettlementRun.State.RUNNING else None


@transaction.atomic
def collect(*, run_id: int) -> None:
    """Stage 1: ingest the OpenADR delivery reports of the day as meter readings."""
    run = _claim(run_id)
    if run is None:
        return
    start, end = day_bounds(run.market_day)
    result = meter_store.ingest_delivery_readings(start=start, end=end)
    stored = result.upload.rows_stored if result and result.created else 0
    _progress(run, "collect", 20, f"collected {stored} OpenADR reading(s)", collected=stored)


def _site_ids(day: date) -> list[int]:
    return sorted(statements.final_instructions(day))


def validate(*, run_id: int) -> None:
    """Stage 2: VEE per site of the day (one transaction per site, progress between)."""
    run = SettlementRun.objects.get(pk=run_id)
    if run.state != SettlementRun.State.RUNNING:
        return
    sites = list(Site.objects.filter(pk__in=_site_ids(run.market_day)).order_by("pk"))
    filled = 0
    for n, site in enumerate(sites, 1):
        report = vee.validate_site_day(site=site, day=run.market_day)
        filled += report.filled_linear + report.filled_like_day
        if n % 50 == 0 or n == len(sites):
            SettlementRun.objects.filter(pk=run_id).update(
                progress_pct=20 + 25 * n // len(sites), message=f"validated {n}/{len(sites)} sites"
            )
    with transaction.atomic():
        run = _claim(run_id)
        if run is not None:
            _progress(run, "validate", 45, f"validated {len(sites)} site(s)", estimated=filled)


def baselines(*, run_id: int) -> None:
    """Stage 3: each site's baseline by ``SETTLEMENT_BASELINE_METHOD`` over its event window."""
    run = SettlementRun.objects.get(pk=run_id)
    if run.state != SettlementRun.State.RUNNING:
        return
    method = baseline_services.ensure_presets().get(statements.baseline_method_name())
    if method is None:
        from .models import BaselineMethod

        method = BaselineMethod.objects.filter(name=statements.baseline_method_name()).latest(
            "version"
        )
    per_site = statements.final_instructions(run.market_day)
    sites = {s.pk: s for s in Site.objects.filter(pk__in=per_site)}
    ids, errors = {}, {}
    for n, (site_id, instructions) in enumerate(sorted(per_site.items()), 1):
        start, end = statements.event_window(instructions)
        try:
            result = baseline_services.compute_baseline(
                site=sites[site_id], day=run.market_day, method=method,
                event_start=start, event_end=end,
            )  # fmt: skip
            ids[str(site_id)] = result.pk
        except ApplicationError as exc:  # no history: the line says missing_baseline
            errors[sites[site_id].code] = exc.message
        if n % 50 == 0 or n == len(per_site):
            SettlementRun.objects.filter(pk=run_id).update(
                progress_pct=45 + 40 * n // len(per_site),
                message=f"baselines {n}/{len(per_site)} sites",
            )
    with transaction.atomic():
        run = _claim(run_id)
        if run is not None:
            _progress(run, "baselines", 85, f"{len(ids)} baseline(s), {len(errors)} missing",
                      baseline_ids=ids, baseline_errors=errors)  # fmt: skip


@transaction.atomic
def statement(*, run_id: int) -> None:
    """Stage 4: performance, lines and the statement (a new version only if inputs changed)."""
    run = _claim(run_id)
    if run is None:
        return
    ids = {int(k): v for k, v in run.summary.get("baseline_ids", {}).items()}
    st, created = statements.build_statement(day=run.market_day, run=run, baseline_ids=ids)
    run.statement, run.new_version = st, created
    run.state, run.finished_at = SettlementRun.State.DONE, clock.now()
    _progress(run, "statement", 100,
              f"statement v{st.version} {'created' if created else 'unchanged'}")  # fmt: skip
    run.save(update_fields=["statement", "new_version", "state", "finished_at"])


def fail(*, run_id: int, error: str) -> None:
    SettlementRun.objects.filter(pk=run_id, state=SettlementRun.State.RUNNING).update(
        state=SettlementRun.State.FAILED, error=error[:2000], finished_at=clock.now()
    )


def settle_due() -> list[int]:
    """Beat: start the run of each ended market day of the last ``SETTLEMENT_CATCH_UP_DAYS``
    (market clock) that has instructions, no statement and no running run, and fewer than
    ``SETTLEMENT_AUTO_ATTEMPTS`` failed runs: a day whose run failed (the queue was down, the
    work was lost) is started again, not skipped. Re-settlement after corrections is started by
    a user. Returns the run ids started."""
    from datetime import timedelta

    from django.conf import settings

    from vpp.intervals import market_day_of

    from .models import Statement

    today = market_day_of(clock.now())
    started = []
    for back in range(settings.SETTLEMENT_CATCH_UP_DAYS, 0, -1):
        day = today - timedelta(days=back)
        runs = SettlementRun.objects.filter(market_day=day)
        if Statement.objects.filter(market_day=day).exists():
            continue
        failed = runs.filter(state=SettlementRun.State.FAILED).count()
        if runs.exclude(state=SettlementRun.State.FAILED).exists():
            continue
        if failed >= settings.SETTLEMENT_AUTO_ATTEMPTS or not _site_ids(day):
            continue
        run, created = start_run(day=day, actor=None)
        if created:
            started.append(run.pk)
    return started


def sweep_stuck_runs() -> list[int]:
    """Beat: fail the running runs that made no progress within the budget of their four
    stages (vpp.claims), so the next ``settle_due`` or a user starts the day again."""
    return claims.fail_stale(
        SettlementRun.objects.all(),
        states=(SettlementRun.State.RUNNING,),
        budget=claims.claim_budget(stages=len(STAGES)),
    )


def run_inline(*, day: date, actor: User | None = None) -> SettlementRun:
    """The whole pipeline in this process (the demo, the bench, tests of the maths)."""
    run, _ = start_run(day=day, actor=actor, queue=False)
    for stage in (collect, validate, baselines, statement):
        try:
            stage(run_id=run.pk)
        except Exception as exc:  # the run must not stay claimed: mark it failed, as the tasks do
            fail(run_id=run.pk, error=f"{stage.__name__}: {exc}")
            break
    run.refresh_from_db()
    return run
