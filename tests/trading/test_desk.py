"""The trading desk's flow on a small portfolio against the real exchange: run the optimiser,
edit a curve, submit before gate closure, fetch the awards after clearing."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from demo.simulate import run_day_ahead
from market.exchange.models import Award, BidSegment
from market.trading import bidding, runs
from market.trading.models import AwardReceived, BidSubmission, ProposedCurve, ScheduleLine
from tests.trading.conftest import NAIVE, TRADING_DAY
from vpp.errors import ApplicationError
from vpp.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_run_stores_schedule_curves_and_expected_value(done_run, portfolio):
    assert done_run.state == "done" and done_run.progress_pct == 100
    assert ScheduleLine.objects.filter(run=done_run).count() == 3 * 96
    curves = ProposedCurve.objects.filter(run=done_run)
    assert {c.node_code for c in curves} == {"E-LOAD", "N-COAL"}
    assert curves.filter(side="demand").count() == 2 * 96
    for c in curves:
        prices = [Decimal(p) for p, _ in c.segments]
        assert prices == sorted(prices, reverse=c.side == "demand")
        assert all(Decimal(q) > 0 for _, q in c.segments)
    summary = done_run.summary
    # flexibility never costs more than running as usual at the expected prices
    assert Decimal(summary["expected_saving"]) >= Decimal("-0.01")
    assert summary["sites"] == 3 and summary["scenarios"] == 6
    # the batch job's 60 MWh of IT are all in the day's schedule (PUE 1.5 on top)
    north = ScheduleLine.objects.filter(run=done_run, site__code="north-c")
    assert sum(line.facility_mw for line in north) * 0.25 == pytest.approx(
        (5 * 24 + 60) * 1.5, rel=1e-4
    )


def test_executing_a_done_run_again_changes_nothing(done_run):
    lines = ScheduleLine.objects.filter(run=done_run).count()
    curves = list(ProposedCurve.objects.filter(run=done_run).values_list("pk", flat=True))
    again = runs.execute_run(run_id=done_run.pk)
    assert again.state == "done"
    assert ScheduleLine.objects.filter(run=done_run).count() == lines
    assert list(ProposedCurve.objects.filter(run=done_run).values_list("pk", flat=True)) == curves


def test_a_second_start_while_queued_returns_the_same_run(portfolio, trader):
    first = runs.start_run(market_day=TRADING_DAY, user=trader, model_name=NAIVE)
    assert runs.start_run(market_day=TRADING_DAY, user=trader, model_name=NAIVE).pk == first.pk


def test_no_run_after_gate_closure(portfolio, trader, sim_now, short_history):
    sim_now(short_history.gate_closure_at)
    with pytest.raises(ApplicationError) as err:
        runs.start_run(market_day=TRADING_DAY, user=trader, model_name=NAIVE)
    assert err.value.field == "market_day" and "gate closed" in err.value.message


def _reduction(run):
    return (
        ProposedCurve.objects.filter(run=run, side="reduction", node_code="E-LOAD")
        .order_by("interval_start")
        .first()
    )


@pytest.mark.parametrize(
    ("segments", "field", "code"),
    [
        ([["300", "1"], ["200", "1"]], "segments[1].price_per_mwh", "monotone"),
        ([["1600", "1"]], "segments[0].price_per_mwh", "price_limits"),
        ([["100", "0"]], "segments[0].quantity_mw", "quantity"),
        ([["100", "abc"]], "segments[0].quantity_mw", "invalid"),
        ([["100", "1"]] * 11, "segments", "invalid"),
        ([["100", "500"]], "segments", "site_limit"),  # more than the node can take down
    ],
)
def test_an_edit_that_breaks_a_rule_is_refused_with_the_reason(
    done_run, trader, segments, field, code
):
    curve = _reduction(done_run)
    before = curve.segments
    with pytest.raises(ApplicationError) as err:
        bidding.edit_curve(curve_id=curve.pk, user=trader, segments=segments)
    assert (err.value.field, err.value.code) == (field, code)
    curve.refresh_from_db()
    assert curve.segments == before and curve.edited_by is None


def test_bids_submitted_are_exactly_what_the_trader_approved(done_run, trader):
    curve = _reduction(done_run)
    bidding.edit_curve(curve_id=curve.pk, user=trader, segments=[["120.5", "1.25"], [400, 2]])
    assert AuditEvent.objects.filter(action="trading.curve_edited").count() == 1

    sub = bidding.submit_bids(
        run_id=done_run.pk, user=trader, side="reduction", idempotency_key="k-1"
    )
    approved = {
        (c.node_code, c.interval_start): c.segments
        for c in ProposedCurve.objects.filter(run=done_run, side="reduction")
    }
    assert approved[curve.node_code, curve.interval_start] == [
        ["120.50", "1.250"],
        ["400.00", "2.000"],
    ]
    # what the exchange holds is the approved curves, segment for segment
    held: dict = {}
    for seg in BidSegment.objects.filter(bid_id=sub.exchange_bid_id).order_by("segment_index"):
        held.setdefault((seg.node.code, seg.interval_start), []).append(
            [f"{seg.price_per_mwh:.2f}", f"{seg.quantity_mw:.3f}"]
        )
    assert held == approved
    assert len(sub.curves) == len(approved)
    assert AuditEvent.objects.filter(action="trading.bids_submitted").count() == 1

    # a retried click with the same key is the same submission, not a new bid version
    again = bidding.submit_bids(
        run_id=done_run.pk, user=trader, side="reduction", idempotency_key="k-1"
    )
    assert again.pk == sub.pk and BidSubmission.objects.count() == 1


def test_no_edit_or_submission_after_gate_closure(done_run, trader, sim_now, short_history):
    sim_now(short_history.gate_closure_at + timedelta(seconds=1))
    with pytest.raises(ApplicationError) as err:
        bidding.submit_bids(run_id=done_run.pk, user=trader, side="reduction", idempotency_key="x")
    assert err.value.code == "gate_closed" and err.value.field == "auction"
    with pytest.raises(ApplicationError):
        bidding.edit_curve(curve_id=_reduction(done_run).pk, user=trader, segments=[["1", "1"]])
    assert not BidSubmission.objects.exists()


def test_awards_are_fetched_once_after_clearing_and_announced(
    done_run, trader, django_capture_on_commit_callbacks
):
    sub = bidding.submit_bids(
        run_id=done_run.pk, user=trader, side="reduction", idempotency_key="k-2"
    )
    assert bidding.fetch_due_awards() == []  # not cleared yet
    heard = []

    def receiver(sender, submission_id, **kwargs):
        heard.append(submission_id)

    bidding.awards_received.connect(receiver)
    try:
        run_day_ahead(TRADING_DAY)
        with django_capture_on_commit_callbacks(execute=True):
            assert bidding.fetch_due_awards() == [sub.pk]
        assert heard == [sub.pk]
    finally:
        bidding.awards_received.disconnect(receiver)
    exchange_awards = Award.objects.filter(segment__bid_id=sub.exchange_bid_id)
    assert AwardReceived.objects.filter(submission=sub).count() == exchange_awards.count() > 0
    total = sum(a.awarded_mw for a in AwardReceived.objects.filter(submission=sub))
    assert total == sum(a.awarded_mw for a in exchange_awards)
    assert bidding.fetch_awards(submission_id=sub.pk) == exchange_awards.count()  # no doubles
    assert bidding.fetch_due_awards() == []
