"""Concurrency on a transactional database: two threads, each with its own connection, released
together by a barrier. The outcome must be the one a single request would give.

- two traders of the aggregator submitting for the same auction: both land, as versions 1 and
  2 of one participant's bid, exactly one current (the auction row lock serialises them);
- two operators of one company confirming the same instruction through the API: one
  confirmation, one state change, one audit row; the other answer is a clean 409 (or 200), not a 5xx;
- two settlement runs started for the same day: one run (the partial unique index decides).
"""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connections
from rest_framework.test import APIClient

from dispatch.models import Instruction, InstructionChange
from market.exchange import services as exchange
from market.exchange.models import Bid
from settlement import pipeline
from settlement.statement_models import SettlementRun
from vpp.models import AuditEvent, User

pytestmark = pytest.mark.django_db(transaction=True)


def together(*calls):
    """Run ``calls`` at once in threads; return their results (or exceptions) in order."""
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait(timeout=10)
            results[i] = call()
        except Exception as exc:  # noqa: BLE001 - returned to the test
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def _api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_two_traders_submitting_for_the_same_auction_make_two_versions_one_current(
    trader, aggregator_org, sim_now
):
    sim_now(datetime(2026, 7, 1, 0, 0, tzinfo=UTC))
    exchange.install_default_market()
    auction = exchange.open_day_ahead(day=date(2026, 7, 2))
    second = User.objects.create_user(
        username="trader2", password="pw", role="trader", organisation=aggregator_org
    )
    url = f"/api/exchange/auctions/{auction.pk}/bids/"

    def bid(user, mw):
        body = {"curves": [{"node": "E-LOAD", "interval_start": auction.first_interval.isoformat(),
                            "side": "demand",
                            "segments": [{"price_per_mwh": "500", "quantity_mw": mw}]}]}  # fmt: skip
        return lambda: _api(user).post(url, body, format="json")

    answers = together(bid(trader, "5"), bid(second, "7"))
    assert [a.status_code for a in answers] == [201, 201], answers
    bids = list(Bid.objects.filter(auction=auction).order_by("version"))
    assert [b.version for b in bids] == [1, 2]
    assert len({b.participant for b in bids}) == 1
    assert [b.superseded for b in bids] == [True, False]


def test_two_operators_confirming_the_same_instruction_confirm_it_once(
    operator_a, org_a, nodes, sim_now
):
    from tests.factories import SiteFactory

    now = sim_now(datetime(2026, 7, 1, 2, 0, tzinfo=UTC))
    colleague = User.objects.create_user(
        username="operator_a2", password="pw", role="operator", organisation=org_a
    )
    site = SiteFactory(organisation=org_a, node=nodes["E-LOAD"])
    start = now + timedelta(hours=2)
    instruction = Instruction.objects.create(
        site=site, market_day=date(2026, 7, 1), interval_start=start,
        interval_end=start + timedelta(minutes=15), target_mw=Decimal("1"),
        baseline_mw=Decimal("2"), reduction_mw=Decimal("1"),
        deadline_at=start - timedelta(hours=1), node_code="E-LOAD", side="reduction",
        submission_id=1, created_at=now,
    )  # fmt: skip
    url = f"/api/dispatch/instructions/{instruction.pk}/confirm/"
    answers = together(lambda: _api(operator_a).post(url), lambda: _api(colleague).post(url))
    codes = sorted(a.status_code for a in answers)
    assert codes[0] == 200 and all(c in (200, 409) for c in codes), answers
    instruction.refresh_from_db()
    assert instruction.state == "confirmed"
    assert (
        InstructionChange.objects.filter(instruction=instruction, to_state="confirmed").count() == 1
    )
    assert (
        AuditEvent.objects.filter(
            action="dispatch.instruction_confirmed", object_id=str(instruction.pk)
        ).count()
        == 1
    )


def test_two_settlement_runs_for_the_same_day_are_one_run(trader, sim_now):
    sim_now(datetime(2026, 7, 3, 2, 0, tzinfo=UTC))
    day = date(2026, 7, 1)
    answers = together(
        lambda: pipeline.start_run(day=day, actor=trader, queue=False),
        lambda: pipeline.start_run(day=day, actor=trader, queue=False),
    )
    assert all(isinstance(a, tuple) for a in answers), answers
    assert sorted(created for _, created in answers) == [False, True]
    assert answers[0][0].pk == answers[1][0].pk
    assert SettlementRun.objects.filter(market_day=day).count() == 1
