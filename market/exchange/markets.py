"""The active market's rules, as the exchange obeys them (presets and fields: ``vpp.markets``).

**Which market is active.** ``settings.EXCHANGE_MARKET`` names a preset: ``generic`` (the
default: floor 0, cap 1,500, no trading-unit rule, the mock's market before presets), or the
province presets ``guangdong`` and ``mengxi``. The settings of ``vpp.markets.SETTINGS``
(``EXCHANGE_PRICE_FLOOR_PER_MWH``, ``EXCHANGE_PRICE_CAP_PER_MWH``,
``EXCHANGE_DA_GATE_CLOSURE_LOCAL``, ``EXCHANGE_RT_GATE_CLOSURE_MINUTES``,
``EXCHANGE_MAX_BID_SEGMENTS``, ``EXCHANGE_MIN_TRADING_UNIT_MW``,
``EXCHANGE_MIN_TRADING_UNIT_HOURS``, ``EXCHANGE_MIN_NODE_VOLTAGE_KV``) default to that preset's
values and are the active market's values: set one in the environment to move one rule of the
preset. The interval length is the platform's ``MARKET_INTERVAL_MINUTES`` (``vpp.intervals``
lays out every market day with it) and must equal the preset's. A bad value is
``ImproperlyConfigured`` naming the setting.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import time
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from vpp.markets import PRESETS, SETTINGS, MarketConfig

__all__ = ["MarketConfig", "active_market", "preset"]


def preset(code: str) -> MarketConfig:
    try:
        return PRESETS[code]
    except KeyError:
        raise ImproperlyConfigured(
            f"EXCHANGE_MARKET={code!r} is not a market preset ({', '.join(sorted(PRESETS))})"
        ) from None


def _parse(name: str, field: str, value, default):
    try:
        if isinstance(default, Decimal):
            number = Decimal(str(value))
            if not number.is_finite():
                raise ValueError("not a finite number")
            return number
        if isinstance(default, time):
            return value if isinstance(value, time) else time.fromisoformat(str(value))
        return int(value)
    except (InvalidOperation, ValueError, TypeError) as exc:
        raise ImproperlyConfigured(f"{name}={value!r} is not a valid {field}: {exc}") from exc


def active_market() -> MarketConfig:
    """The preset named by ``EXCHANGE_MARKET`` with the market settings' values."""
    base = preset(settings.EXCHANGE_MARKET)
    changes = {}
    for name, field in SETTINGS.items():
        value = getattr(settings, name, None)
        if value is not None and value != "":
            changes[field] = _parse(name, field, value, getattr(base, field))
    market = replace(base, **changes)
    problems = market.problems()
    if market.interval_minutes != settings.MARKET_INTERVAL_MINUTES:
        problems.append(
            f"{market.interval_minutes}-minute intervals but MARKET_INTERVAL_MINUTES is "
            f"{settings.MARKET_INTERVAL_MINUTES}"
        )
    if problems:
        raise ImproperlyConfigured(f"market {market.code}: {'; '.join(problems)}")
    return market
