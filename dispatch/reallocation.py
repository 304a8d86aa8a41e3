"""Reallocation: when a site declines (or lets expire) its instruction for interval t at node
n, the other sites at n pick up what it will not do, at once; the rest is an open position.

Why the same node only: the award is nodal (priced and settled at n), so MW moved to another
node would be a different product at a different price.

The gap. The declining site falls back to its usual load u_d, so the node is off its award by
``delta = target_d - u_d`` (negative: the award needs that much more reduction from the others;
positive: more load). Each candidate k changes its load x_k in the same direction.

Limits of a candidate k at t (facility MW; c_k its current target, an active instruction's or
its usual load):
    lo_k = max(min_load, u_k - down_k, L_k[t-1] - R_k, L_k[t+1] - R_k)
    hi_k = min(grid,     u_k + up_k,   L_k[t-1] + R_k, L_k[t+1] + R_k)
with down/up from the flexibility envelope (training caps, deferrable jobs, batteries above
their reserve), R_k = ramp limit x interval minutes, and L_k at the neighbouring intervals the
loads it is instructed (or its usual load). Headroom h_k = c_k - lo_k (down) or hi_k - c_k (up),
never negative, and zero when:
    * the site cannot be given its notice (``interval_start - notice_minutes`` has passed);
    * it already declined or let expire an instruction for t;
    * taking part would start a new event beyond ``max_events_per_day``.

The split is the solution of the small LP
    min  s                       (then min max_k x_k / h_k)
    s.t. sum_k x_k + s = |delta|,  0 <= x_k <= h_k,  s >= 0,
which is x_k = h_k * min(1, |delta| / H), H = sum_k h_k: each site takes the same fraction of its
headroom, and the shortfall s = max(0, |delta| - H) is the least possible. It is solved in
closed form, per interval, in microseconds, so a decline answers at once; the full portfolio
MIP is not re-run, which would move every other interval's instructions too.

Known approximation: the envelope's depth holds per interval; energy limits across intervals
(a battery's charge spent in the intervals around t, a training class's deferral budget) are
not re-checked. The flexibility hold time ``down_hours`` bounds it: a candidate whose reduced
run through t would last longer than it gets no down headroom.

The shortfall becomes an :class:`OpenPosition` priced at the award's day-ahead clearing price
(``expected_cost = s x interval hours x price``, half-up to the cent): the real-time price is
unknown until the interval runs, and the day-ahead price is what the award was settled at.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_DOWN, Decimal

from market.trading.models import AwardReceived
from sites.flexibility import envelope_at
from sites.models import Site
from sites.selectors import site_specs
from sites.specs import SiteSpec
from vpp import clock
from vpp.intervals import interval_hours, interval_length
from vpp.money import round_money

from .instructions import MW_STEP, Plan, deadline_for, place, to_mw
from .models import Instruction, OpenPosition

S = Instruction.State
EVENT_MW = 0.05


@dataclass
class Candidate:
    site: SiteSpec
    current_mw: float
    baseline_mw: float
    headroom_mw: float
    deadline_at: datetime | None
    why_not: str = ""


@dataclass
class Reallocation:
    needed_mw: Decimal
    placed_mw: Decimal
    pickups: list[Instruction] = field(default_factory=list)
    open_position: OpenPosition | None = None
    candidates: list[Candidate] = field(default_factory=list)


def _loads(site_ids: list[int], starts: list[datetime]) -> dict[tuple[int, datetime], float]:
    rows = Instruction.objects.filter(
        site_id__in=site_ids, interval_start__in=starts, state__in=Instruction.ACTIVE_STATES
    ).values_list("site_id", "interval_start", "target_mw")
    return {(s, t): float(mw) for s, t, mw in rows}


def _event_count(site_id: int, market_day) -> tuple[int, set[datetime]]:
    """Events (runs of reduced intervals) in the site's active instructions of the day."""
    step = interval_length()
    reduced = set(
        Instruction.objects.filter(
            site_id=site_id,
            market_day=market_day,
            state__in=Instruction.ACTIVE_STATES,
            reduction_mw__gte=EVENT_MW,
        ).values_list("interval_start", flat=True)
    )
    return sum(1 for t in reduced if t - step not in reduced), reduced


def candidates(instruction: Instruction, *, down: bool, now: datetime) -> list[Candidate]:
    t = instruction.interval_start
    step = interval_length()
    refused = set(
        Instruction.objects.filter(
            interval_start=t,
            state__in=[S.DECLINED, S.EXPIRED],
            site__node__code=instruction.node_code,
        ).values_list("site_id", flat=True)
    )
    qs = Site.objects.filter(node__code=instruction.node_code).exclude(pk=instruction.site_id)
    specs = site_specs(qs.order_by("pk"))
    loads = _loads([s.id for s in specs], [t - step, t, t + step])
    out = []
    for spec in specs:
        env = envelope_at(spec, t)
        usual = env.baseline_mw
        current = loads.get((spec.id, t), usual)
        deadline = deadline_for(interval_start=t, notice_minutes=spec.notice_minutes, now=now)
        cand = Candidate(spec, current, usual, 0.0, deadline)
        out.append(cand)
        if spec.id in refused:
            cand.why_not = "already declined this interval"
            continue
        if deadline is None or t - timedelta(minutes=spec.notice_minutes) <= now:
            cand.why_not = f"needs {spec.notice_minutes} min notice"
            continue
        ramp = spec.ramp_limit_mw_per_min * step.total_seconds() / 60.0
        neighbours = [
            loads.get((spec.id, u), envelope_at(spec, u).baseline_mw) for u in (t - step, t + step)
        ]
        if down:
            lo = max(spec.min_load_mw, usual - env.down_mw, *(n - ramp for n in neighbours))
            cand.headroom_mw = max(0.0, current - lo)
            count, reduced = _event_count(spec.id, instruction.market_day)
            new_event = usual - current < EVENT_MW and not ({t - step, t + step} & reduced)
            if new_event and count >= spec.max_events_per_day:
                cand.headroom_mw, cand.why_not = 0.0, "no events left today"
            run_hours = (1 + len({t - step, t + step} & reduced)) * interval_hours()
            if env.down_hours and run_hours > env.down_hours + 1e-9:
                cand.headroom_mw, cand.why_not = 0.0, "cannot hold a longer reduction"
        else:
            hi = min(spec.grid_connection_mw, usual + env.up_mw, *(n + ramp for n in neighbours))
            cand.headroom_mw = max(0.0, hi - current)
        if cand.headroom_mw <= float(MW_STEP) and not cand.why_not:
            cand.why_not = "at its limit"
    return out


def _award_price(instruction: Instruction) -> Decimal | None:
    return (
        AwardReceived.objects.filter(
            submission_id=instruction.submission_id,
            node_code=instruction.node_code,
            interval_start=instruction.interval_start,
        )
        .values_list("price_per_mwh", flat=True)
        .first()
    )


def open_position(
    *,
    node_code: str,
    interval_start: datetime,
    side: str,
    submission_id: int,
    missing_mw: Decimal,
    price_per_mwh: Decimal | None,
    reason: str,
    now: datetime,
    instruction: Instruction | None = None,
) -> OpenPosition:
    # SQLite's Max() over a decimal column comes back as a float-born Decimal: quantize here.
    price = Decimal(str(price_per_mwh if price_per_mwh is not None else 0)).quantize(
        Decimal("0.01")
    )
    hours = Decimal(str(interval_hours()))
    position = OpenPosition(
        node_code=node_code,
        interval_start=interval_start,
        side=side if side in OpenPosition.Side.values else OpenPosition.Side.REDUCTION,
        submission_id=submission_id,
        missing_mw=missing_mw,
        price_per_mwh=price,
        price_basis="day_ahead" if price_per_mwh is not None else "unknown",
        expected_cost=round_money(missing_mw * hours * price),
        reason=reason,
        instruction=instruction,
        created_at=now,
    )
    position.full_clean(exclude=["instruction"], validate_constraints=False)
    position.save()
    return position


def reallocate(*, instruction: Instruction) -> Reallocation:
    """Spread a declined or expired instruction's share over its node (see the module doc).
    The caller holds the transaction and the node-interval lock. It runs once per instruction
    because only the pending -> declined/expired move calls it, and that move happens once
    (the row is locked and its state re-read); the open position is unique per instruction."""
    now = clock.now()
    delta = instruction.target_mw - instruction.baseline_mw  # < 0: others must reduce more
    needed = abs(delta)
    result = Reallocation(needed_mw=needed, placed_mw=Decimal("0"))
    if needed < MW_STEP or OpenPosition.objects.filter(instruction=instruction).exists():
        return result
    down = delta < 0
    cands = candidates(instruction, down=down, now=now)
    result.candidates = cands
    room = sum(c.headroom_mw for c in cands if not c.why_not)
    take = min(float(needed), room)
    plans = []
    for c in cands:
        if c.why_not or room <= 0:
            continue
        share = Decimal(str(c.headroom_mw * take / room)).quantize(MW_STEP, rounding=ROUND_DOWN)
        if share < MW_STEP:
            continue
        target = to_mw(c.current_mw) + (-share if down else share)
        plans.append(
            Plan(
                site_id=c.site.id,
                interval_start=instruction.interval_start,
                interval_end=instruction.interval_end,
                market_day=instruction.market_day,
                target_mw=target,
                baseline_mw=to_mw(c.baseline_mw),
                deadline_at=c.deadline_at,
                node_code=instruction.node_code,
                side=instruction.side,
                submission_id=instruction.submission_id,
                origin=Instruction.Origin.REALLOCATION,
                reason=f"picks up {share} MW of instruction {instruction.pk} "
                f"({instruction.state} by site {instruction.site.code})",
            )
        )
        result.placed_mw += share
    result.pickups = place(plans, now=now, keep_equal=False)
    missing = needed - result.placed_mw
    if missing >= MW_STEP:
        refusals = "; ".join(f"{c.site.code}: {c.why_not}" for c in cands if c.why_not)
        result.open_position = open_position(
            node_code=instruction.node_code,
            interval_start=instruction.interval_start,
            side=instruction.side,
            submission_id=instruction.submission_id,
            missing_mw=missing,
            price_per_mwh=_award_price(instruction),
            reason=(
                f"site {instruction.site.code} {instruction.state}; the other sites at "
                f"{instruction.node_code} could take {result.placed_mw} of {needed} MW "
                f"({'reduction' if down else 'extra load'})"
                + (f" [{refusals}]" if refusals else "")
            ),
            now=now,
            instruction=instruction,
        )
    return result
