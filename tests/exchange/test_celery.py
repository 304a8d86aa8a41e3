"""The clearing task on a real Celery worker: running it twice changes nothing."""

from __future__ import annotations

import pytest

from market.exchange import services, tasks
from market.exchange.models import Auction, Award, NodePrice

from .conftest import AFTER_GATE, BEFORE_GATE, DAY


@pytest.mark.celery_worker
def test_clearing_task_is_idempotent_on_a_real_worker(
    transactional_db, celery_worker_process, sim_now
):
    sim_now(BEFORE_GATE)
    services.install_default_market()
    auction = services.open_day_ahead(day=DAY)
    sim_now(AFTER_GATE)
    due = tasks.run_due_auctions.delay().get(timeout=120)
    assert auction.pk in due
    # run_due_auctions queued the clearing already; two more runs race with it.
    first = tasks.clear_auction.delay(auction.pk)
    second = tasks.clear_auction.delay(auction.pk)
    first.get(timeout=120), second.get(timeout=120)
    auction.refresh_from_db()
    assert auction.state == Auction.State.PUBLISHED
    prices = NodePrice.objects.filter(auction=auction).count()
    assert prices == 96 * 6
    assert tasks.clear_auction.delay(auction.pk).get(timeout=60) is False
    assert NodePrice.objects.filter(auction=auction).count() == prices
    assert Award.objects.filter(auction=auction).count() == 0


@pytest.mark.celery_worker
def test_beat_clears_a_real_time_auction_around_the_day_ahead_positions_on_a_real_worker(
    transactional_db, celery_worker_process, sim_now
):
    # the beat task opens (catching up the day's intervals), closes at the gate and queues one
    # clearing per closed auction; the worker clears interval 0 with site-co's P_DA = 20 MW
    from datetime import timedelta

    from .test_real_time import day_ahead_with_positions

    da = day_ahead_with_positions()
    sim_now(da.first_interval - timedelta(minutes=30))
    due = tasks.run_due_auctions.delay().get(timeout=120)
    rt = Auction.objects.get(kind="rt", first_interval=da.first_interval)
    assert rt.pk in due
    tasks.clear_auction.delay(rt.pk).get(timeout=120)  # after the one the beat task queued
    rt.refresh_from_db()
    assert rt.state == Auction.State.PUBLISHED
    b = NodePrice.objects.get(auction=rt, node__code="B")
    assert (b.demand_mw, b.participant_demand_mw, str(b.price_per_mwh)) == (150, 20, "90.00")
