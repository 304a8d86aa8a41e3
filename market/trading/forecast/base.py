"""The price-model protocol and the helpers every model shares.

A model is plain Python + numpy: it sees the exchange's published prices (``PricePoint``) and
exogenous data (``ExogenousPoint``) as the client returns them, never the ORM. ``predict`` returns,
per node, one price per interval start of ``vpp.intervals.day_intervals(day)`` (96 on a normal
day, 92/100 on a DST day in zones that have one), as floats in currency per MWh.

Missing values: a price or exogenous point may be absent (an auction that failed, a node that
joined late). ``day_vector`` leaves holes as ``None`` and ``fill_missing`` fills them by linear
interpolation inside the day and by holding the first/last known value at the edges.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import numpy as np
from django.conf import settings

from vpp.intervals import day_bounds, day_intervals, market_day_of

if TYPE_CHECKING:  # dataclasses only; the module never touches the exchange's ORM
    from market.exchange.client import ExogenousPoint, PricePoint

Series = dict[datetime, float]
Quantiles = dict[float, list[float]]  # level (0.1 ... 0.9) -> one price per interval

# The levels every stored forecast carries: the optimiser's scenarios and the 10-90 % band.
LEVELS = (0.1, 0.25, 0.5, 0.75, 0.9)


@runtime_checkable
class PriceModel(Protocol):
    name: str

    def fit(self, history: list[PricePoint], exogenous: list[ExogenousPoint]) -> None: ...

    def predict(
        self, day: date, nodes: list[str], exogenous: list[ExogenousPoint]
    ) -> dict[str, list[float]]: ...


@runtime_checkable
class QuantileModel(PriceModel, Protocol):
    """A model that also forecasts the price distribution: per node, level -> one price per
    interval, levels non-decreasing at every interval; ``predict`` is its median."""

    def predict_quantiles(
        self, day: date, nodes: list[str], exogenous: list[ExogenousPoint]
    ) -> dict[str, Quantiles]: ...


def sort_levels(raw: dict[float, Iterable[float]]) -> Quantiles:
    """Levels in ascending order with their values sorted per interval, so no two cross."""
    levels = sorted(raw)
    stacked = np.sort(np.vstack([np.asarray(list(raw[q]), dtype=float) for q in levels]), axis=0)
    return {q: [float(v) for v in stacked[k]] for k, q in enumerate(levels)}


def price_bounds(floor: float | None = None, cap: float | None = None) -> tuple[float, float]:
    """The clip range: given values, else the exchange's configured floor and cap."""
    lo = floor if floor is not None else float(getattr(settings, "EXCHANGE_PRICE_FLOOR_PER_MWH", 0))
    hi = cap if cap is not None else float(getattr(settings, "EXCHANGE_PRICE_CAP_PER_MWH", 1500))
    if lo > hi:
        raise ValueError(f"price floor {lo} above cap {hi}")
    return lo, hi


def pivot_prices(history: Iterable[PricePoint], *, kind: str | None = None) -> dict[str, Series]:
    """node -> {interval_start: price}. With ``kind`` ("da"/"rt") only that auction kind counts.
    When two auctions priced the same node-interval the later auction (higher id) wins; non-finite
    prices are dropped, as if missing."""
    best: dict[tuple[str, datetime], tuple[int, float]] = {}
    for p in history:
        if kind is not None and p.auction_kind != kind:
            continue
        value = float(p.price_per_mwh)
        if not math.isfinite(value):
            continue
        key = (p.node, p.interval_start)
        seen = best.get(key)
        if seen is None or p.auction_id >= seen[0]:
            best[key] = (p.auction_id, value)
    out: dict[str, Series] = {}
    for (node, at), (_, value) in best.items():
        out.setdefault(node, {})[at] = value
    return out


def pivot_exogenous(
    exogenous: Iterable[ExogenousPoint],
) -> dict[str, dict[datetime, ExogenousPoint]]:
    """node -> {interval_start: point}; a later duplicate replaces an earlier one."""
    out: dict[str, dict[datetime, ExogenousPoint]] = {}
    for e in exogenous:
        out.setdefault(e.node, {})[e.interval_start] = e
    return out


def day_vector(series: Series, day: date) -> list[float | None]:
    """The values of ``series`` at each interval start of ``day``; ``None`` where missing."""
    return [series.get(at) for at in day_intervals(day)]


def fill_missing(values: list[float | None], default: float | None = None) -> list[float] | None:
    """Fill holes by linear interpolation, holding the edge values. All missing: ``default``
    repeated, or ``None`` when no default is given."""
    known = [i for i, v in enumerate(values) if v is not None]
    if not known:
        return None if default is None else [float(default)] * len(values)
    if len(known) == len(values):
        return [float(v) for v in values]  # type: ignore[arg-type]
    xs = np.array(known, dtype=float)
    ys = np.array([values[i] for i in known], dtype=float)
    return [float(v) for v in np.interp(np.arange(len(values), dtype=float), xs, ys)]


def days_with_data(series: Series) -> list[date]:
    """Market days on which ``series`` has at least one value, ascending."""
    return sorted({market_day_of(at) for at in series})


def lagged_day(series: Series, day: date, lags: tuple[int, ...]) -> list[float] | None:
    """The first of ``day - lag`` (in order) with any data, filled; else ``None``. Positions are
    matched by interval index; a DST day longer or shorter than ``day`` is padded/truncated."""
    n = len(day_intervals(day))
    for lag in lags:
        raw = day_vector(series, day - timedelta(days=lag))
        filled = fill_missing(raw)
        if filled is None:
            continue
        if len(filled) < n:
            filled = filled + [filled[-1]] * (n - len(filled))
        return filled[:n]
    return None


def series_mean(series: Series, default: float = 0.0) -> float:
    return sum(series.values()) / len(series) if series else default


def before(history: Iterable[PricePoint], instant: datetime) -> list[PricePoint]:
    """Prices of intervals starting strictly before ``instant``."""
    return [p for p in history if p.interval_start < instant]


def known_for_day(exogenous: Iterable[ExogenousPoint], day: date) -> list[ExogenousPoint]:
    """What was known when bidding for ``day``: every point up to the end of ``day``, with the
    actuals blanked from the start of ``day`` on (only the exchange's forecasts were published)."""
    start, end = day_bounds(day)
    out = []
    for e in exogenous:
        if e.interval_start >= end:
            continue
        if e.interval_start >= start:
            e = replace(e, demand_mw_actual=None, wind_cf_actual=None, solar_cf_actual=None)
        out.append(e)
    return out
