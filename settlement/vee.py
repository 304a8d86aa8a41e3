"""Validation, estimation and editing (VEE) of one site's meter readings for one market day.

Validation (flags on the current readings, a bitmask :class:`settlement.models.Flag`):

- at the door (:mod:`settlement.meters`): ``NEGATIVE`` (load below zero), ``DUPLICATE`` (the
  same interval twice in one batch with the same value), ``OUT_OF_ORDER`` (earlier than a row
  before it in its batch); naive or misaligned timestamps are refused there, never stored;
- here: ``SPIKE``: a reading above ``spike_factor`` x the median of the real (not estimated)
  current readings within ``spike_window`` intervals either side of it (itself excluded), when
  that median is above zero. The flag is recomputed on every run (set or cleared).

Estimation: an interval of the day with no current reading is a gap. A run of at most
``linear_max_intervals`` missing intervals with a real reading on both sides (the neighbouring
days count) is filled by linear interpolation between them: ``x_i = a + (b - a) * i / (n + 1)``
for the i-th of n missing intervals between readings a and b. Any other gap is filled
``like_day``: the mean of the same interval (same clock time) on the ``like_days`` most recent of
the previous 28 days that are of the same type (working / non-working, Chinese calendar) and have
a real reading there. A gap neither method can fill stays a gap and is reported. Estimates are
readings with ``source = estimate``, the ``ESTIMATED`` flag and ``estimation_method`` ``linear``
or ``like_day``; a real reading arriving later becomes their next version.

Running VEE twice changes nothing the second time: the gaps are filled and the flags are set.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from statistics import median

from django.db import transaction

from sites.models import Site
from vpp import clock
from vpp.intervals import day_intervals, interval_length, market_tz

from .holidays_cn import ChinaCalendar
from .meters import MW_PLACES
from .models import Flag, MeterReading, Source

LIKE_DAY_SEARCH_DAYS = 28


@dataclass
class VeeReport:
    site_id: int
    market_day: str
    intervals: int
    metered: int
    filled_linear: int
    filled_like_day: int
    unfilled: int
    spikes: int
    negative: int
    duplicate: int
    out_of_order: int

    def as_dict(self) -> dict:
        return asdict(self)


def _runs(missing: list[int]) -> list[list[int]]:
    runs: list[list[int]] = []
    for i in missing:
        if runs and runs[-1][-1] == i - 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    return runs


@transaction.atomic
def validate_site_day(
    *,
    site: Site,
    day: date,
    spike_factor: float = 3.0,
    spike_window: int = 8,
    linear_max_intervals: int = 4,
    like_days: int = 3,
) -> VeeReport:
    """Flag spikes and fill the gaps of ``site`` on market ``day`` (module docstring)."""
    Site.objects.select_for_update().filter(pk=site.pk).values("pk").first()
    step = interval_length()
    starts = day_intervals(day)
    span = max(spike_window, linear_max_intervals + 1)
    lo, hi = starts[0] - span * step, starts[-1] + span * step
    history_lo = starts[0] - timedelta(days=LIKE_DAY_SEARCH_DAYS)
    rows = list(
        MeterReading.objects.current()
        .filter(site=site, interval_start__gte=history_lo, interval_start__lte=hi)
        .only("pk", "interval_start", "load_mw", "source", "flags", "version")
    )
    by_start = {r.interval_start: r for r in rows}
    real = {t: float(r.load_mw) for t, r in by_start.items() if r.source != Source.ESTIMATE}

    spikes = _flag_spikes(by_start, real, starts, step, spike_factor, spike_window)

    missing = [i for i, t in enumerate(starts) if t not in by_start]
    estimates: list[MeterReading] = []
    counts = {"linear": 0, "like_day": 0, "unfilled": 0}
    now = clock.now()
    for run in _runs(missing):
        before = starts[run[0]] - step
        after = starts[run[-1]] + step
        linear = (
            len(run) <= linear_max_intervals and before in real and after in real and lo <= before
        )
        for k, i in enumerate(run, start=1):
            t = starts[i]
            if linear:
                a, b = real[before], real[after]
                value, method = a + (b - a) * k / (len(run) + 1), "linear"
            else:
                value, method = _like_day(real, t, day, like_days), "like_day"
            if value is None:
                counts["unfilled"] += 1
                continue
            counts[method] += 1
            estimates.append(
                MeterReading(
                    site=site,
                    interval_start=t,
                    load_mw=Decimal(str(value)).quantize(MW_PLACES, rounding=ROUND_HALF_UP),
                    source=Source.ESTIMATE,
                    version=_next_version(site, t),
                    is_current=True,
                    flags=int(Flag.ESTIMATED),
                    estimation_method=method,
                    received_at=now,
                )
            )
    MeterReading.objects.bulk_create(estimates)

    day_rows = [by_start[t] for t in starts if t in by_start]
    return VeeReport(
        site_id=site.pk,
        market_day=day.isoformat(),
        intervals=len(starts),
        metered=sum(1 for r in day_rows if r.source != Source.ESTIMATE),
        filled_linear=counts["linear"],
        filled_like_day=counts["like_day"],
        unfilled=counts["unfilled"],
        spikes=spikes,
        negative=sum(1 for r in day_rows if r.flags & Flag.NEGATIVE),
        duplicate=sum(1 for r in day_rows if r.flags & Flag.DUPLICATE),
        out_of_order=sum(1 for r in day_rows if r.flags & Flag.OUT_OF_ORDER),
    )


def _flag_spikes(by_start, real, starts, step, factor: float, window: int) -> int:
    changed: list[MeterReading] = []
    spikes = 0
    for t in starts:
        row = by_start.get(t)
        if row is None or row.source == Source.ESTIMATE:
            continue
        near = [t + k * step for k in range(1, window + 1)]
        near += [t - k * step for k in range(1, window + 1)]
        around = [real[u] for u in near if u in real]
        mid = median(around) if around else 0.0
        is_spike = mid > 0 and real[t] > factor * mid
        spikes += is_spike
        flags = (row.flags & ~Flag.SPIKE) | (Flag.SPIKE if is_spike else 0)
        if flags != row.flags:
            row.flags = int(flags)
            changed.append(row)
    MeterReading.objects.bulk_update(changed, ["flags"])
    return spikes


def _like_day(real: dict[datetime, float], t: datetime, day: date, count: int) -> float | None:
    cal = ChinaCalendar()
    working = cal.is_working_day(day)
    tz = market_tz()
    values: list[float] = []
    for back in range(1, LIKE_DAY_SEARCH_DAYS + 1):
        other = day - timedelta(days=back)
        if cal.is_working_day(other) != working:
            continue
        local = t.astimezone(tz)
        u = local.replace(year=other.year, month=other.month, day=other.day).astimezone(t.tzinfo)
        if u in real:
            values.append(real[u])
        if len(values) == count:
            break
    return sum(values) / len(values) if values else None


def _next_version(site: Site, t: datetime) -> int:
    last = (
        MeterReading.objects.filter(site=site, interval_start=t)
        .order_by("-version")
        .values_list("version", flat=True)
        .first()
    )
    return (last or 0) + 1
