"""Meter data to the market operator: a participant's metered consumption per node and interval.

**Latest wins, versioned.** Each (participant, node, interval) keeps every distinct value it was
reported with as versions 1, 2, ...; settlement uses the highest. A report equal to the current
version writes nothing (a retried batch is harmless), a different one is a correction and
becomes the next version. A batch is all or nothing: every row is checked before any is stored.

Rules, each a 400 naming the row and field: a known node; an interval start on the market's
grid that has ended by the market clock (nothing is metered ahead); a finite consumption, not
negative (consumption is positive; net export is not modelled), in MW to the kW (3 places);
one row per node and interval in a batch.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction

from vpp import clock
from vpp.errors import ApplicationError
from vpp.intervals import interval_length, is_interval_start, require_aware

from .models import MeterReport, Node

MW_STEP = Decimal("0.001")


@dataclass(frozen=True)
class MeterInput:
    node: str
    interval_start: datetime
    consumption_mw: Decimal


@dataclass(frozen=True)
class MeterResult:
    stored: int  # versions written: first reports and corrections
    corrected: int  # of those, the ones that replace an earlier version
    unchanged: int  # equal to the current version: nothing written


def _checked(readings: list[MeterInput], now: datetime) -> tuple[list, dict[str, Node]]:
    if not readings:
        raise ApplicationError("a report needs at least one reading", field="readings")
    nodes = {n.code: n for n in Node.objects.filter(code__in={r.node for r in readings})}
    step = interval_length()
    rows, seen = [], set()
    for i, r in enumerate(readings):
        field = f"readings[{i}]"
        if r.node not in nodes:
            raise ApplicationError(
                f"unknown node {r.node!r}", field=f"{field}.node", code="unknown_node"
            )
        start = require_aware(r.interval_start, field=f"{field}.interval_start")
        if not is_interval_start(start):
            raise ApplicationError(
                f"{start.isoformat()} is not an interval start",
                field=f"{field}.interval_start",
                code="interval",
            )
        if start + step > now:
            raise ApplicationError(
                f"the interval {start.isoformat()} has not ended by the market clock "
                f"({now.isoformat()}): nothing is metered ahead",
                field=f"{field}.interval_start",
                code="not_ended",
            )
        try:
            mw = Decimal(str(r.consumption_mw))
        except (InvalidOperation, ValueError):
            mw = Decimal("NaN")
        if not mw.is_finite():
            raise ApplicationError(
                f"{r.consumption_mw!r} is not a finite number",
                field=f"{field}.consumption_mw",
            )
        if mw < 0:
            raise ApplicationError(
                f"consumption_mw must not be negative, got {mw}",
                field=f"{field}.consumption_mw",
                code="negative",
            )
        if mw != mw.quantize(MW_STEP):
            raise ApplicationError(
                f"consumption_mw {mw}: at most 3 decimal places (kW)",
                field=f"{field}.consumption_mw",
            )
        if (r.node, start) in seen:
            raise ApplicationError(
                f"a second reading for {r.node} at {start.isoformat()} in one report",
                field=field,
                code="duplicate",
            )
        seen.add((r.node, start))
        rows.append((r.node, start, mw))
    return rows, nodes


def report_metered(
    *, participant: str, readings: list[MeterInput], source: str = "", reported_by=None
) -> MeterResult:
    """Store a participant's metered consumption (see the module docstring). A concurrent
    report of the same key is retried once against the versions it then finds."""
    if not participant:
        raise ApplicationError("a report needs a participant", field="participant")
    for attempt in range(2):
        try:
            return _report(participant, readings, source, reported_by)
        except IntegrityError:
            if attempt:
                raise
    raise AssertionError("unreachable")


@transaction.atomic
def _report(participant, readings, source, reported_by) -> MeterResult:
    now = clock.now()
    rows, nodes = _checked(readings, now)
    current: dict[tuple[str, datetime], MeterReport] = {}
    for m in (
        MeterReport.objects.filter(
            participant=participant,
            node__code__in={n for n, _, _ in rows},
            interval_start__in={t for _, t, _ in rows},
        )
        .select_related("node")
        .order_by("version")
    ):
        current[m.node.code, m.interval_start] = m  # ascending: the last one kept is the latest
    new, corrected, unchanged = [], 0, 0
    for node, start, mw in rows:
        latest = current.get((node, start))
        if latest is not None and latest.consumption_mw == mw:
            unchanged += 1
            continue
        corrected += latest is not None
        new.append(
            MeterReport(
                participant=participant,
                node=nodes[node],
                interval_start=start,
                consumption_mw=mw,
                version=latest.version + 1 if latest else 1,
                source=source,
                reported_at=now,
                reported_by=reported_by,
            )
        )
    MeterReport.objects.bulk_create(new)
    return MeterResult(stored=len(new), corrected=corrected, unchanged=unchanged)


def latest_metered(
    *, participant: str, start: datetime, end: datetime
) -> dict[tuple[str, datetime], MeterReport]:
    """The current (highest) version per (node, interval start) in [start, end)."""
    out: dict[tuple[str, datetime], MeterReport] = {}
    for m in (
        MeterReport.objects.filter(
            participant=participant, interval_start__gte=start, interval_start__lt=end
        )
        .select_related("node")
        .order_by("version")
    ):
        out[m.node.code, m.interval_start] = m
    return out
