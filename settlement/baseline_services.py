"""Baselines from the database: the stored methods, and computing a site's baseline for a day
from its current meter readings with the pure engine (:mod:`settlement.baselines`)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from sites.models import Site
from vpp import clock
from vpp.errors import ApplicationError
from vpp.intervals import day_bounds, market_tz, require_aware

from .baselines import PRESETS, BaselineError, BaselineInput, compute
from .models import BaselineMethod, BaselineResult, MeterReading, Source

PRESET_DESCRIPTIONS = {
    "caiso_10in10": "10 most recent eligible weekdays (4 of 4 weekend days), ratio day-of "
    "adjustment over the 3 h ending 1 h before the event, capped at +/-20 %",
    "pjm_high_4of5": "highest 4 of the 5 most recent eligible weekdays (2 of 3 weekend days), "
    "symmetric additive adjustment over 3 h ending 1 h before the event",
    "nyiso_5of10": "highest 5 of the 10 most recent eligible weekdays (2 of 3 weekend days), "
    "ratio adjustment over 2 h ending 1 h before the event, capped at +/-20 %",
    "cn_similar_days": "mean curve of the 5 most recent similar days (working/non-working in "
    "the Chinese calendar), holidays, event days and days below 75 % of the mean excluded",
    "meter_before_after": "the mean load of the hour before the event, held flat",
    "max_base_load": "the mean of the daily peaks of the last 30 days",
    "regression": "least squares on hour of day and temperature over the last 60 similar days",
}


@transaction.atomic
def ensure_presets() -> dict[str, BaselineMethod]:
    """The presets as version 1 methods (created once; a stored one is never changed)."""
    out = {}
    for name, params in PRESETS.items():
        method = BaselineMethod.objects.filter(name=name, version=1).first()
        if method is None:
            method = BaselineMethod(
                name=name,
                version=1,
                params=params.as_dict(),
                description=PRESET_DESCRIPTIONS.get(name, ""),
                created_at=clock.now(),
            )
            method.full_clean()
            method.save()
        out[name] = method
    return out


@transaction.atomic
def method_create(*, name: str, params: dict, description: str = "") -> BaselineMethod:
    """A new version of method ``name`` (version 1 when the name is new)."""
    last = BaselineMethod.objects.select_for_update().filter(name=name).order_by("-version")
    previous = last.first()
    method = BaselineMethod(
        name=name,
        version=previous.version + 1 if previous else 1,
        params=params,
        description=description,
        created_at=clock.now(),
    )
    method.full_clean()
    method.save()
    return method


def dispatch_event_days(*, site: Site, first: date, last: date) -> set[date]:
    """Market days in ``first..last`` on which ``site`` held a confirmed dispatch instruction
    that moved its load (``reduction_mw != 0``): its event days (read-only from dispatch)."""
    from dispatch.models import Instruction

    return set(
        Instruction.objects.filter(
            site=site,
            market_day__gte=first,
            market_day__lte=last,
            state=Instruction.State.CONFIRMED,
        )
        .exclude(reduction_mw=0)
        .values_list("market_day", flat=True)
        .distinct()
    )


def _digest(readings: list[MeterReading], event_days: set[date]) -> tuple[str, dict]:
    h = hashlib.sha256()
    days = sorted(d.isoformat() for d in event_days)
    h.update(("event days " + ",".join(days) + "\n").encode())
    versions: dict[str, int] = {}
    estimated = 0
    for r in readings:
        h.update(f"{r.interval_start.isoformat()}|{r.pk}|{r.version}\n".encode())
        versions[str(r.version)] = versions.get(str(r.version), 0) + 1
        estimated += r.source == Source.ESTIMATE
    summary = {
        "readings": len(readings),
        "by_version": versions,
        "estimated": estimated,
        "event_days": days,
    }
    return h.hexdigest(), summary


@transaction.atomic
def compute_baseline(
    *,
    site: Site,
    day: date,
    method: BaselineMethod,
    event_start: datetime | None = None,
    event_end: datetime | None = None,
    event_days: Iterable[date] | None = None,
    temperatures_c: Mapping[datetime, float] | None = None,
) -> BaselineResult:
    """The baseline of ``site`` on market ``day`` by ``method``, stored with its evidence.

    Reads the current meter readings of the look-back and the day. ``event_days`` are the
    site's earlier event days (excluded from the look-back when the method says so); ``None``
    reads them from dispatch (:func:`dispatch_event_days`).
    Idempotent: the same inputs (readings, method, event window) return the stored result."""
    if event_start is not None:
        event_start = require_aware(event_start, field="event_start")
    if event_end is not None:
        event_end = require_aware(event_end, field="event_end")
    if event_start and event_end and event_end <= event_start:
        raise ApplicationError("the event must end after it starts", field="event_end")
    params = method.parsed()
    lo = day_bounds(day - timedelta(days=params.lookback_days))[0]
    hi = day_bounds(day)[1]
    readings = list(
        MeterReading.objects.current()
        .filter(site=site, interval_start__gte=lo, interval_start__lt=hi)
        .order_by("interval_start")
        .only("pk", "interval_start", "load_mw", "version", "source")
    )
    if event_days is None:
        first = day - timedelta(days=params.lookback_days)
        event_days = dispatch_event_days(site=site, first=first, last=day - timedelta(days=1))
    event_days = set(event_days)
    digest, summary = _digest(readings, event_days)
    event_key = f"{event_start.isoformat()}/{event_end.isoformat()}" if event_start else ""
    found = BaselineResult.objects.filter(
        site=site, market_day=day, method=method, event_key=event_key, input_digest=digest
    ).first()
    if found is not None:
        return found
    inp = BaselineInput(
        day=day,
        loads_mw={r.interval_start: float(r.load_mw) for r in readings},
        zone=market_tz(),
        interval_minutes=settings.MARKET_INTERVAL_MINUTES,
        event_start=event_start,
        event_end=event_end,
        event_days=frozenset(event_days),
        temperatures_c=temperatures_c,
    )
    try:
        outcome = compute(inp, params)
    except BaselineError as exc:
        raise ApplicationError(exc.message, field=exc.field, code="baseline") from exc
    result = BaselineResult(
        site=site,
        market_day=day,
        method=method,
        event_start=event_start,
        event_end=event_end,
        event_key=event_key,
        baseline_mw=[round(v, 6) for v in outcome.baseline_mw],
        used_days=outcome.used_days_json(),
        excluded_days=outcome.excluded_days_json(),
        adjustment=outcome.adjustment,
        input_digest=digest,
        input_summary=summary,
        computed_at=clock.now(),
    )
    try:
        result.full_clean()
    except ValidationError as exc:  # pragma: no cover - the engine's output is well formed
        raise ApplicationError(str(exc), field="baseline") from exc
    result.save()
    return result
