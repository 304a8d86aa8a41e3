"""Placing instructions: the one place that creates them, superseding the active one of the same
site and interval, with a change record for each row and the automated-site hook.

Used by the award dispatch (hundreds of rows at once, hence the bulk writes) and by the
reallocation (a few rows). The caller holds the transaction; the rows it supersedes are locked
here (``select_for_update``) before they are changed. The partial unique constraint
``instruction_one_active_per_site_interval`` is the last word: two writers racing on the same
site and interval cannot both leave an active row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Max

from . import hooks
from .models import AutomatedSite, Instruction, InstructionChange

S = Instruction.State
MW_STEP = Decimal("0.001")
SAME_MW = Decimal("0.0005")


def to_mw(value: float | Decimal) -> Decimal:
    """MW as stored: Decimal to the kW (3 places), half-up."""
    return Decimal(str(value)).quantize(MW_STEP, rounding=ROUND_HALF_UP)


def deadline_for(
    *, interval_start: datetime, notice_minutes: int, now: datetime, gate: datetime | None = None
) -> datetime | None:
    """``interval_start - notice``, no later than ``gate``. When that is already past, the site
    gets until the interval starts (late notice: the award binds anyway); when the interval has
    started, None (too late to instruct)."""
    if interval_start <= now:
        return None
    deadline = interval_start - timedelta(minutes=notice_minutes)
    if gate is not None:
        deadline = min(deadline, gate)
    return deadline if deadline > now else interval_start


@dataclass
class Plan:
    """What one site must hold in one interval, before it is written."""

    site_id: int
    interval_start: datetime
    interval_end: datetime
    market_day: date
    target_mw: Decimal
    baseline_mw: Decimal
    deadline_at: datetime
    node_code: str
    side: str
    submission_id: int
    origin: str = Instruction.Origin.AWARD
    reason: str = ""


def locked_active(keys: set[tuple[int, datetime]]) -> dict[tuple[int, datetime], Instruction]:
    """Active instructions at the (site, interval) keys, locked, in a stable order."""
    if not keys:
        return {}
    sites = {k[0] for k in keys}
    starts = {k[1] for k in keys}
    rows = (
        Instruction.objects.select_for_update(of=("self",))
        .filter(site_id__in=sites, interval_start__in=starts, state__in=Instruction.ACTIVE_STATES)
        .order_by("site_id", "interval_start")
    )
    return {(r.site_id, r.interval_start): r for r in rows if (r.site_id, r.interval_start) in keys}


def _next_versions(keys: set[tuple[int, datetime]]) -> dict[tuple[int, datetime], int]:
    sites = {k[0] for k in keys}
    starts = {k[1] for k in keys}
    rows = (
        Instruction.objects.filter(site_id__in=sites, interval_start__in=starts)
        .values("site_id", "interval_start")
        .annotate(v=Max("version"))
    )
    return {(r["site_id"], r["interval_start"]): r["v"] for r in rows}


def retire(
    rows: list[Instruction], *, to_state: str, reason: str, now: datetime
) -> list[Instruction]:
    """Mark locked active rows superseded or cancelled (bulk), with their change records."""
    changes = [
        InstructionChange(
            instruction=row, from_state=row.state, to_state=to_state, at=now, reason=reason
        )
        for row in rows
    ]
    for row in rows:
        row.state = to_state
    Instruction.objects.bulk_update(rows, ["state"], batch_size=500)
    InstructionChange.objects.bulk_create(changes, batch_size=500)
    notify_automated([r.pk for r in rows], {r.site_id for r in rows})
    return rows


def notify_automated(instruction_ids: list[int], site_ids: set[int]) -> None:
    """Run the hooks (on commit) for the rows of automated sites among ``instruction_ids``."""
    automated = set(
        AutomatedSite.objects.filter(site_id__in=site_ids, active=True).values_list(
            "site_id", flat=True
        )
    )
    if not automated:
        return
    for pk, site_id in Instruction.objects.filter(pk__in=instruction_ids).values_list(
        "pk", "site_id"
    ):
        if site_id in automated:
            hooks.instruction_changed(pk)


def place(plans: list[Plan], *, now: datetime, keep_equal: bool = True) -> list[Instruction]:
    """Write ``plans`` as pending instructions; return the new rows.

    An active instruction at the same site and interval is superseded by the new one (the new
    row's ``supersedes``, version + 1). With ``keep_equal`` an active row that already asks for
    the same target (within half a kW) stays as it is and no new row is made: a confirmed
    operator is not asked to confirm the same thing twice.
    """
    keys = {(p.site_id, p.interval_start) for p in plans}
    active = locked_active(keys)
    versions = _next_versions(keys)
    automated = set(
        AutomatedSite.objects.filter(site_id__in={k[0] for k in keys}, active=True).values_list(
            "site_id", flat=True
        )
    )
    old_rows, new_rows, reasons = [], [], []
    for p in plans:
        key = (p.site_id, p.interval_start)
        old = active.get(key)
        if old is not None and keep_equal and abs(old.target_mw - p.target_mw) <= SAME_MW:
            continue
        row = Instruction(
            site_id=p.site_id,
            market_day=p.market_day,
            interval_start=p.interval_start,
            interval_end=p.interval_end,
            target_mw=p.target_mw,
            baseline_mw=p.baseline_mw,
            reduction_mw=p.baseline_mw - p.target_mw,
            state=S.PENDING,
            deadline_at=p.deadline_at,
            node_code=p.node_code,
            side=p.side,
            submission_id=p.submission_id,
            origin=p.origin,
            supersedes=old,
            version=versions.get(key, 0) + 1,
            created_at=now,
        )
        # Field checks here; the constraints (one active row, deadline before start, ...) are
        # the database's, checked on insert, which also covers writers racing us.
        row.full_clean(exclude=["site", "supersedes"], validate_unique=False,
                       validate_constraints=False)  # fmt: skip
        if old is not None:
            old_rows.append(old)
        new_rows.append(row)
        reasons.append(p.reason)
    # the old rows leave the active set before the new ones enter it (partial unique index)
    changes = []
    for old in old_rows:
        changes.append(
            InstructionChange(
                instruction=old,
                from_state=old.state,
                to_state=S.SUPERSEDED,
                at=now,
                reason="superseded by a new instruction",
            )
        )
        old.state = S.SUPERSEDED
    Instruction.objects.bulk_update(old_rows, ["state"], batch_size=500)
    Instruction.objects.bulk_create(new_rows, batch_size=500)
    changes += [
        InstructionChange(instruction=row, from_state="", to_state=S.PENDING, at=now, reason=why)
        for row, why in zip(new_rows, reasons, strict=True)
    ]
    InstructionChange.objects.bulk_create(changes, batch_size=500)
    for row in old_rows + new_rows:
        if row.site_id in automated:
            hooks.instruction_changed(row.pk)
    return new_rows
