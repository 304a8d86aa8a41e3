"""Celery adapters: each takes ids, calls one service. The beat schedule is in settings."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(name="market.exchange.run_due_auctions")
def run_due_auctions() -> list[int]:
    """Open, close and queue the clearing of whatever is due by the market clock."""
    due = services.run_due()
    for auction_id in due:
        clear_auction.delay(auction_id)
    return due


@shared_task(name="market.exchange.clear_auction")
def clear_auction(auction_id: int) -> bool:
    """Clear then publish one auction; running it twice changes nothing the second time."""
    cleared = services.clear_auction(auction_id=auction_id)
    published = services.publish_auction(auction_id=auction_id)
    return cleared or published
