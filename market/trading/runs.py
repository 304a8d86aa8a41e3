"""Optimiser runs: start one for a day-ahead auction, execute it (the Celery task's service),
report progress for the trader's page.

A run solves the portfolio MIP against several price scenarios around the forecast (see
``optimiser/curves.py``), stores the schedule at the expected prices (``ScheduleLine``) and the
bid curves both ways (``ProposedCurve``: demand curves and load-reduction offers per node and
interval). Idempotency: executing a run that is already done changes nothing; a retry after a
crash in the middle rewrites the run's rows in one transaction, so it never doubles them.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import transaction

from sites.models import Site
from sites.selectors import site_specs
from vpp import claims, clock
from vpp.errors import ApplicationError
from vpp.intervals import interval_hours
from vpp.models import User

from .exchange import get_client
from .forecasting import DEFAULT_MODEL, forecast_prices, make_forecast
from .models import OptimisationRun, PriceForecast, ProposedCurve, ScheduleLine
from .optimiser import OptimiserError, OptimiserInput
from .optimiser.curves import DEFAULT_MULTIPLIERS, BidSet, build_curves

PRICE_PLACES = Decimal("0.01")
MW_PLACES = Decimal("0.001")


def _auction_for(market_day: date):
    auction = get_client().day_ahead_auction(market_day)
    if auction is None:
        raise ApplicationError(
            f"the exchange has no day-ahead auction for {market_day}", field="market_day"
        )
    if auction.state != "open" or clock.now() >= auction.gate_closure_at:
        raise ApplicationError(
            f"the day-ahead auction for {market_day} is {auction.state}; its gate closed at "
            f"{auction.gate_closure_at.isoformat()}",
            field="market_day",
        )
    return auction


def latest_forecast(market_day: date, model_name: str = DEFAULT_MODEL) -> PriceForecast | None:
    return (
        PriceForecast.objects.filter(market_day=market_day, model_name=model_name)
        .order_by("-created_at", "-pk")
        .first()
    )


@transaction.atomic
def start_run(
    *,
    market_day: date,
    user: User | None,
    carbon_price_per_t: Decimal = Decimal("0"),
    model_name: str = DEFAULT_MODEL,
) -> OptimisationRun:
    """Queue an optimiser run for ``market_day``'s open day-ahead auction. While a run of the
    day is queued or running, that run is returned instead of a second one."""
    if carbon_price_per_t < 0:
        raise ApplicationError("must be zero or more", field="carbon_price_per_t")
    auction = _auction_for(market_day)
    busy = (
        OptimisationRun.objects.select_for_update()
        .filter(market_day=market_day, state__in=["queued", "running"])
        .first()
    )
    if busy:
        return busy
    if not Site.objects.filter(active=True).exists():
        raise ApplicationError("the portfolio has no active site", field="market_day")
    forecast = latest_forecast(market_day, model_name) or make_forecast(
        market_day=market_day, model_name=model_name
    )
    run = OptimisationRun.objects.create(
        market_day=market_day,
        auction_id=auction.id,
        forecast=forecast,
        created_by=user,
        created_at=clock.now(),
        carbon_price_per_t=carbon_price_per_t,
        progress_message="queued",
    )
    from .tasks import run_optimisation  # the task module imports this one

    transaction.on_commit(lambda: _enqueue(run.pk, run_optimisation))
    return run


def _enqueue(run_id: int, task) -> None:
    """Queue the run; when the broker refuses, fail the run (so the next start is not handed
    this never-queued run) and let the error reach the API, which answers 503."""
    claims.enqueue_or_fail(
        lambda: task.delay(run_id),
        fail=lambda why: OptimisationRun.objects.filter(pk=run_id, state="queued").update(
            state="failed", error=why, progress_message="not queued", finished_at=clock.now()
        ),
    )


def sweep_stuck_runs() -> list[int]:
    """Beat: fail queued or running runs that made no progress within one task's budget
    (vpp.claims), so the trader can start the day's run again."""
    return claims.fail_stale(
        OptimisationRun.objects.all(),
        states=("queued", "running"),
        budget=claims.claim_budget(stages=1),
        progress_message="failed: no progress",
    )


def _progress(run_id: int, pct: int, message: str) -> None:
    """Written outside the run's transaction, so the page sees it while the solve works."""
    OptimisationRun.objects.filter(pk=run_id).update(
        progress_pct=min(100, max(0, pct)), progress_message=message[:200]
    )


def _claim(run_id: int) -> bool:
    """queued (or running, on a retry after a lost worker) -> running; False when done."""
    now = clock.now()
    return bool(
        OptimisationRun.objects.filter(pk=run_id, state__in=["queued", "running"]).update(
            state="running", started_at=now, progress_pct=1, progress_message="building"
        )
    )


def carbon_intensity(nodes: list[str]) -> dict[str, list[float]]:
    return {n: settings.TRADING_CARBON_T_PER_MWH.get(n, 0.6) for n in nodes}


def optimiser_input(run: OptimisationRun) -> OptimiserInput:
    prices = forecast_prices(run.forecast)
    sites = site_specs(Site.objects.all())
    if not sites:
        raise OptimiserError("the portfolio has no active site")
    starts = get_client().get_auction(run.auction_id).interval_starts
    intensity = carbon_intensity(sorted(prices))
    missing = sorted({s.node_code for s in sites} - set(prices))
    if missing:
        raise OptimiserError(f"no price forecast for nodes {', '.join(missing)}")
    return OptimiserInput(
        sites=sites,
        interval_starts=starts,
        interval_hours=interval_hours(),
        price_per_mwh=prices,
        carbon_t_per_mwh={n: [v] * len(starts) for n, v in intensity.items()},
        carbon_price_per_t=float(run.carbon_price_per_t),
        time_limit_s=settings.TRADING_OPTIMISER_TIME_LIMIT_SECONDS,
        mip_gap=settings.TRADING_OPTIMISER_MIP_GAP,
    )


def execute_run(*, run_id: int) -> OptimisationRun:
    """The task's work. Returns the run; a run already done is returned unchanged."""
    if not _claim(run_id):
        return OptimisationRun.objects.get(pk=run_id)
    run = OptimisationRun.objects.select_related("forecast").get(pk=run_id)
    try:
        inp = optimiser_input(run)
        bids = build_curves(
            inp,
            multipliers=DEFAULT_MULTIPLIERS,
            max_segments=settings.EXCHANGE_MAX_BID_SEGMENTS,
            must_buy_price_per_mwh=float(settings.EXCHANGE_PRICE_CAP_PER_MWH),
            price_floor_per_mwh=float(settings.EXCHANGE_PRICE_FLOOR_PER_MWH),
            decompose=True,
            progress=lambda f, msg: _progress(run_id, 5 + int(85 * f), msg),
        )
    except OptimiserError as exc:
        OptimisationRun.objects.filter(pk=run_id).update(
            state="failed", error=str(exc), finished_at=clock.now(), progress_message="failed"
        )
        return OptimisationRun.objects.get(pk=run_id)
    _progress(run_id, 92, "saving schedule and curves")
    _store(run, inp, bids)
    return OptimisationRun.objects.get(pk=run_id)


def _expected_index() -> int:
    return list(DEFAULT_MULTIPLIERS).index(1.0)


def _dec(value: float, places: Decimal) -> Decimal:
    return Decimal(repr(value)).quantize(places)


def segments_json(segments) -> list[list[str]]:
    return [
        [str(_dec(s.price_per_mwh, PRICE_PLACES)), str(_dec(s.quantity_mw, MW_PLACES))]
        for s in segments
        if _dec(s.quantity_mw, MW_PLACES) > 0
    ]


def summarise(inp: OptimiserInput, bids: BidSet) -> dict:
    """Expected value at the forecast prices: the portfolio's cost without flexibility (usual
    load) against the optimised schedule's, with carbon; money as decimal strings."""
    sched = bids.schedules[_expected_index()]
    h = inp.interval_hours
    usual_cost = carbon_usual = carbon_t = reduction_mwh = 0.0
    for s in sched.sites.values():
        price = inp.price_per_mwh[s.node_code]
        intensity = (inp.carbon_t_per_mwh or {}).get(s.node_code, [0.0] * len(price))
        usual_cost += h * sum(p * u for p, u in zip(price, s.usual_facility_mw, strict=True))
        carbon_usual += h * sum(c * u for c, u in zip(intensity, s.usual_facility_mw, strict=True))
        carbon_t += h * sum(c * q for c, q in zip(intensity, s.facility_mw, strict=True))
        reduction_mwh += h * sum(
            max(0.0, u - q) for u, q in zip(s.usual_facility_mw, s.facility_mw, strict=True)
        )
    obj = sched.objective
    money = lambda v: str(_dec(v, PRICE_PLACES))  # noqa: E731
    return {
        "usual_energy_cost": money(usual_cost),
        "energy_cost": money(obj.energy_cost),
        "carbon_cost": money(obj.carbon_cost),
        "deferred_value": money(obj.deferred_value),
        "expected_saving": money(usual_cost - obj.energy_cost - obj.deferred_value),
        "carbon_t_usual": round(carbon_usual, 3),
        "carbon_t": round(carbon_t, 3),
        "reduction_mwh": round(reduction_mwh, 3),
        "status": sched.status,
        "solver": sched.solver,
        "mip_gap": sched.mip_gap,
        "scenarios": len(bids.schedules),
        "solve_seconds": round(sum(s.solve_seconds for s in bids.schedules), 2),
        "build_seconds": round(sum(s.build_seconds for s in bids.schedules), 2),
        "variables": sched.size.variables,
        "binaries": sched.size.binaries,
        "constraints": sched.size.constraints,
        "sites": len(sched.sites),
    }


@transaction.atomic
def _store(run: OptimisationRun, inp: OptimiserInput, bids: BidSet) -> None:
    run = OptimisationRun.objects.select_for_update().get(pk=run.pk)
    if run.state == "done":
        return
    run.schedule.all().delete()
    run.curves.all().delete()
    sched = bids.schedules[_expected_index()]
    ids = dict(Site.objects.filter(code__in=list(sched.sites)).values_list("code", "pk"))
    ScheduleLine.objects.bulk_create(
        ScheduleLine(
            run=run,
            site_id=ids[code],
            interval_start=t,
            facility_mw=s.facility_mw[k],
            baseline_mw=s.usual_facility_mw[k],
            battery_net_mw=sum(b.charge_mw[k] - b.discharge_mw[k] for b in s.batteries),
        )
        for code, s in sched.sites.items()
        for k, t in enumerate(inp.interval_starts)
    )
    rows = []
    for c in bids.curves:
        segs = segments_json(c.segments)
        if segs:
            rows.append(
                ProposedCurve(
                    run=run,
                    node_code=c.node_code,
                    interval_start=c.interval_start,
                    side=c.side,
                    segments=segs,
                    proposed_segments=segs,
                )
            )
    ProposedCurve.objects.bulk_create(rows)
    run.summary = summarise(inp, bids)
    run.state = "done"
    run.finished_at = clock.now()
    run.progress_pct = 100
    run.progress_message = "done"
    run.save()
