"""From proposed curves to the exchange and back: the trader edits a curve, submits a side of
a run's curves before gate closure, and the awards are fetched once the auction publishes.

Checks on an edited curve, each an ``ApplicationError`` naming the segment and field:
  * the exchange's rules (``MarketRules.check_curve``: floor, cap, segment count, monotone
    prices, positive quantities), so the trader hears the reason before anything is sent;
  * the portfolio's limits at the node and interval: a demand curve may not ask for more than
    the grid connections of the node's active sites; a reduction offer may not sell more than
    the node's flexibility envelope can take down (``aggregation.portfolio_envelope``).

Submission is exactly what the trader approved: the stored curves of the chosen side, sent as
they are (Decimal strings), and kept verbatim in ``BidSubmission.curves``. The client-chosen
idempotency key makes a retried click or request harmless: the exchange hands back the same bid
and the same ``BidSubmission`` row is returned.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from decimal import ROUND_CEILING, Decimal, InvalidOperation

from django.db import transaction
from django.dispatch import Signal

from market.exchange.client import Baseline, Curve, Segment
from sites.models import Site
from sites.selectors import site_specs
from vpp import audit, clock
from vpp.errors import ApplicationError
from vpp.models import User

from .aggregation import portfolio_envelope
from .exchange import get_client, participant_code
from .models import AwardReceived, BidSubmission, OptimisationRun, ProposedCurve
from .runs import MW_PLACES, PRICE_PLACES

# Sent on commit after a submission's awards were stored: dispatch turns them into instructions.
awards_received = Signal()  # kwargs: submission_id


def parse_segments(raw, field: str = "segments") -> list[tuple[Decimal, Decimal]]:
    """``[[price_per_mwh, quantity_mw], ...]`` or ``[{"price_per_mwh":..,"quantity_mw":..}]``
    as Decimals (price to the cent, MW to the kW); anything else is a 400 naming the entry."""
    if not isinstance(raw, list):
        raise ApplicationError("a list of [price_per_mwh, quantity_mw] pairs", field=field)
    out = []
    for k, seg in enumerate(raw):
        if isinstance(seg, dict):
            seg = [seg.get("price_per_mwh"), seg.get("quantity_mw")]
        if not isinstance(seg, list | tuple) or len(seg) != 2:
            raise ApplicationError("expected [price_per_mwh, quantity_mw]", field=f"{field}[{k}]")
        values = []
        for name, value, places in zip(
            ("price_per_mwh", "quantity_mw"), seg, (PRICE_PLACES, MW_PLACES), strict=True
        ):
            try:
                number = Decimal(str(value))
                if not number.is_finite():
                    raise InvalidOperation
            except (InvalidOperation, TypeError, ValueError):
                raise ApplicationError(
                    f"not a number: {value!r}", field=f"{field}[{k}].{name}"
                ) from None
            values.append(number.quantize(places))
        out.append((values[0], values[1]))
    return out


def node_limit_mw(node_code: str, interval_start: datetime, side: str) -> Decimal:
    """The most the portfolio can bid at a node and interval on ``side``."""
    sites = site_specs(Site.objects.filter(node__code=node_code))
    if side == "demand":
        total = sum(s.grid_connection_mw for s in sites)
    else:
        envelope = portfolio_envelope(sites, [interval_start]).get(node_code)
        total = envelope[0].down_mw if envelope else 0.0
    return Decimal(repr(total)).quantize(MW_PLACES)


def _check_editable(run: OptimisationRun) -> None:
    if run.state != "done":
        raise ApplicationError(f"the run is {run.state}, not done", field="run")
    auction = get_client().get_auction(run.auction_id)
    if auction.state != "open" or clock.now() >= auction.gate_closure_at:
        raise ApplicationError(
            f"the auction's gate closed at {auction.gate_closure_at.isoformat()}",
            field="auction",
            code="gate_closed",
        )


@transaction.atomic
def edit_curve(*, curve_id: int, user: User, segments) -> ProposedCurve:
    curve = ProposedCurve.objects.select_for_update().select_related("run").get(pk=curve_id)
    _check_editable(curve.run)
    parsed = parse_segments(segments)
    get_client().rules().check_curve(curve.side, parsed, "segments")
    total = sum(q for _, q in parsed)
    limit = node_limit_mw(curve.node_code, curve.interval_start, curve.side)
    if total > limit:
        what = "grid connections" if curve.side == "demand" else "flexibility envelope (down)"
        raise ApplicationError(
            f"{total} MW in all exceeds the {limit} MW the portfolio's {what} allow at "
            f"{curve.node_code} in this interval",
            field="segments",
            code="site_limit",
        )
    before = curve.segments
    curve.segments = [[str(p), str(q)] for p, q in parsed]
    curve.edited_by = user
    curve.edited_at = clock.now()
    curve.full_clean()
    curve.save()
    audit.record(
        actor=user,
        action="trading.curve_edited",
        obj=curve,
        changes={"segments": [before, curve.segments]},
    )
    return curve


def _wire(curves: list[ProposedCurve]) -> list[dict]:
    return [
        {
            "node": c.node_code,
            "interval_start": c.interval_start.isoformat(),
            "side": c.side,
            "segments": [list(s) for s in c.segments],
        }
        for c in curves
    ]


def _usual_load_baselines(curves: list[ProposedCurve]) -> list[Baseline]:
    """Per node and interval of the reduction curves, the node's usual load (the sites'
    envelope baselines summed), rounded up to the kW so a reduction within the envelope stays
    within it."""
    # stopgap: the integration replaces this with the registered baseline
    starts = sorted({c.interval_start for c in curves})
    at = {t: k for k, t in enumerate(starts)}
    nodes = sorted({c.node_code for c in curves})
    envelope = portfolio_envelope(site_specs(Site.objects.filter(node__code__in=nodes)), starts)
    out = []
    for c in curves:
        rows = envelope.get(c.node_code)
        usual = rows[at[c.interval_start]].baseline_mw if rows else 0.0
        out.append(
            Baseline(
                c.node_code,
                c.interval_start,
                Decimal(repr(usual)).quantize(MW_PLACES, rounding=ROUND_CEILING),
            )
        )
    return out


def submit_bids(
    *, run_id: int, user: User, side: str, idempotency_key: str, nodes: list[str] | None = None
) -> BidSubmission:
    """Send the run's ``side`` curves (optionally only at ``nodes``) to its auction."""
    if not idempotency_key or len(idempotency_key) > 80:
        raise ApplicationError("1 to 80 characters, unique per submission", field="idempotency_key")
    done = BidSubmission.objects.filter(idempotency_key=idempotency_key).first()
    if done is not None:
        if done.run_id != run_id:
            raise ApplicationError("already used for another run", field="idempotency_key")
        return done
    if side not in ("demand", "reduction"):
        raise ApplicationError("side must be demand or reduction", field="side")
    run = OptimisationRun.objects.get(pk=run_id)
    _check_editable(run)
    qs = run.curves.filter(side=side).order_by("node_code", "interval_start")
    if nodes:
        unknown = sorted(set(nodes) - set(run.curves.values_list("node_code", flat=True)))
        if unknown:
            raise ApplicationError(f"no curves at {', '.join(unknown)}", field="nodes")
        qs = qs.filter(node_code__in=nodes)
    curves = list(qs)
    if not curves:
        raise ApplicationError(f"the run has no {side} curves to submit", field="side")
    sent = _wire(curves)
    receipt = get_client().submit_bid(
        auction_id=run.auction_id,
        participant=participant_code(),
        curves=[
            Curve(
                c.node_code,
                c.interval_start,
                c.side,
                [Segment(Decimal(p), Decimal(q)) for p, q in c.segments],
            )
            for c in curves
        ],
        # stopgap: the integration replaces this with the registered baseline
        baselines=_usual_load_baselines(curves) if side == "reduction" else [],
        idempotency_key=idempotency_key,
    )
    with transaction.atomic():
        submission, created = BidSubmission.objects.get_or_create(
            idempotency_key=idempotency_key,
            defaults={
                "run": run,
                "auction_id": run.auction_id,
                "submitted_by": user,
                "submitted_at": receipt.submitted_at,
                "curves": sent,
                "exchange_bid_id": receipt.bid_id,
                "exchange_version": receipt.version,
            },
        )
        if created:
            audit.record(
                actor=user,
                action="trading.bids_submitted",
                obj=submission,
                changes={"auction_id": run.auction_id, "side": side, "curves": len(sent)},
            )
    return submission


def fetch_awards(*, submission_id: int) -> int:
    """Store the awards of a submission once its auction is published; returns how many
    award rows the submission holds. Rerunning adds nothing."""
    submission = BidSubmission.objects.get(pk=submission_id)
    client = get_client()
    if client.get_auction(submission.auction_id).state != "published":
        return 0
    latest = (
        BidSubmission.objects.filter(auction_id=submission.auction_id)
        .order_by("-exchange_version", "-pk")
        .first()
    )
    lines = [
        a
        for a in client.get_awards(auction_id=submission.auction_id, participant=participant_code())
        if a.bid_id == submission.exchange_bid_id and a.bid_version == submission.exchange_version
    ]
    with transaction.atomic():
        locked = BidSubmission.objects.select_for_update().get(pk=submission_id)
        AwardReceived.objects.bulk_create(
            [
                AwardReceived(
                    submission=locked,
                    node_code=a.node,
                    interval_start=a.interval_start,
                    side=a.side,
                    segment_index=a.segment_index,
                    offered_price_per_mwh=a.offered_price_per_mwh,
                    offered_mw=a.offered_mw,
                    awarded_mw=a.awarded_mw,
                    price_per_mwh=a.price_per_mwh,
                )
                for a in lines
            ],
            ignore_conflicts=True,
        )
        first_time = locked.awards_fetched_at is None
        if first_time:
            locked.awards_fetched_at = clock.now()
            locked.save(update_fields=["awards_fetched_at"])
        if first_time and latest is not None and latest.pk == locked.pk:
            transaction.on_commit(
                lambda: awards_received.send(sender=BidSubmission, submission_id=submission_id)
            )
    return AwardReceived.objects.filter(submission_id=submission_id).count()


def fetch_due_awards() -> list[int]:
    """Fetch every submission whose awards are not stored yet (superseded versions store none
    and are marked fetched); returns the submissions that got awards."""
    pending = BidSubmission.objects.filter(awards_fetched_at__isnull=True).order_by("pk")
    return [pk for pk in pending.values_list("pk", flat=True) if fetch_awards(submission_id=pk)]


def awarded_by_node(submission: BidSubmission) -> dict[tuple[str, str], dict[datetime, Decimal]]:
    """(node, side) -> interval start -> awarded MW (segments summed)."""
    out: dict[tuple[str, str], dict[datetime, Decimal]] = defaultdict(dict)
    for a in submission.awards.all():
        slot = out[a.node_code, a.side]
        slot[a.interval_start] = slot.get(a.interval_start, Decimal("0")) + a.awarded_mw
    return dict(out)
