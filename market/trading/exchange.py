"""The trading desk's one door to the market: an ``ExchangeClient`` chosen in settings
(``TRADING_EXCHANGE_CLIENT``), so a real exchange adapter can replace the mock one. Nothing in
``market.trading`` imports any other part of ``market.exchange``."""

from __future__ import annotations

from django.conf import settings
from django.utils.module_loading import import_string
from django.utils.text import slugify

from market.exchange.client import ExchangeClient
from vpp.models import Organisation


def get_client() -> ExchangeClient:
    return import_string(settings.TRADING_EXCHANGE_CLIENT)()


def participant_code() -> str:
    """The code this platform bids under: the aggregator organisation's slug, as the exchange
    knows its members (or ``TRADING_PARTICIPANT`` when set)."""
    if settings.TRADING_PARTICIPANT:
        return settings.TRADING_PARTICIPANT
    org = Organisation.objects.filter(kind=Organisation.Kind.AGGREGATOR).order_by("pk").first()
    return slugify(org.name) if org else "aggregator"
