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
