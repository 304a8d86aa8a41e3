"""Market rules as data: the presets of the markets the mock exchange can run (pure data, no
Django, so the settings can take their defaults from the active one).

``settings.EXCHANGE_MARKET`` names the active preset; the settings ``EXCHANGE_PRICE_FLOOR_PER_MWH``
and the others in :data:`SETTINGS` default to that preset's values (each may be set on its own
in the environment to move one rule). The exchange reads them through
``market.exchange.markets.active_market()``; nothing else should (the desk asks
``ExchangeClient.rules()``).

Sources: /work/shared/context/market-rules-and-figures.md (Guangdong Energy Bureau and NEA
Southern office VPP implementation plan of 4 Nov 2024; the Mengxi spot reform plan of 30 May
2025). The gate times of both and Guangdong's cap are not in those sources: they are the common
provincial values (10:00 on D-1, 1,500 CNY/MWh), placeholders to check.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from decimal import ROUND_CEILING, Decimal


@dataclass(frozen=True)
class MarketConfig:
    """One market's rules. Prices in the market's currency per MWh. The trading unit is what one
    participant offers at one clearing node: at least ``min_trading_unit_mw`` of flexibility in
    every interval where it offers any, in runs of at least ``min_trading_unit_hours``, at nodes
    of at least ``min_node_voltage_kv`` (``market/exchange/rules.py``)."""

    code: str
    name: str
    currency: str
    price_floor_per_mwh: Decimal
    price_cap_per_mwh: Decimal
    da_gate_closure_local: time  # on D-1, market time
    rt_gate_closure_minutes: int  # before the interval starts
    interval_minutes: int
    max_bid_segments: int
    min_trading_unit_mw: Decimal
    min_trading_unit_hours: Decimal
    min_node_voltage_kv: int
    bid_form: str  # what a load VPP bids: "quantity_and_price" (price-quantity curves)
    notes: str = ""

    def problems(self) -> list[str]:
        out = []
        if self.price_floor_per_mwh >= self.price_cap_per_mwh:
            out.append(
                f"floor {self.price_floor_per_mwh} is not below the cap {self.price_cap_per_mwh}"
            )
        if self.min_trading_unit_mw < 0 or self.min_trading_unit_hours < 0:
            out.append("a trading unit cannot be negative")
        if self.max_bid_segments < 1 or self.rt_gate_closure_minutes < 0:
            out.append("at least one segment per curve, and a gate not after the interval")
        return out

    def min_run_intervals(self) -> int:
        """How many consecutive intervals ``min_trading_unit_hours`` spans (rounded up)."""
        needed = self.min_trading_unit_hours * 60 / Decimal(self.interval_minutes)
        return int(needed.to_integral_value(rounding=ROUND_CEILING))


GENERIC = MarketConfig(
    code="generic",
    name="Generic provincial spot market",
    currency="CNY",
    price_floor_per_mwh=Decimal("0"),
    price_cap_per_mwh=Decimal("1500"),
    da_gate_closure_local=time(10, 0),
    rt_gate_closure_minutes=30,
    interval_minutes=15,
    max_bid_segments=10,
    min_trading_unit_mw=Decimal("0"),
    min_trading_unit_hours=Decimal("0"),
    min_node_voltage_kv=0,
    bid_form="quantity_and_price",
    notes=(
        "What most provinces share: floor 0, cap 1,500 CNY/MWh (cap unverified for some), "
        "day-ahead bids closing on the morning of D-1; no VPP trading-unit rule. The mock's "
        "market before presets existed, kept as the default until the desk meets Guangdong's "
        "trading unit (docs/market-loop.md §2)."
    ),
)

GUANGDONG = MarketConfig(
    code="guangdong",
    name="Guangdong spot market",
    currency="CNY",
    price_floor_per_mwh=Decimal("0"),
    price_cap_per_mwh=Decimal("1500"),
    da_gate_closure_local=time(10, 0),
    rt_gate_closure_minutes=30,
    interval_minutes=15,
    max_bid_segments=10,
    min_trading_unit_mw=Decimal("1"),
    min_trading_unit_hours=Decimal("1"),
    min_node_voltage_kv=220,
    bid_form="quantity_and_price",
    notes=(
        "VPP trading unit: the resources at one spot clearing node (bus >= 220 kV), >= 1 MW "
        "adjustable, continuous response >= 1 h; load-type VPPs bid quantity and price "
        "(implementation plan of 4 Nov 2024). Cap and gate time unverified."
    ),
)

MENGXI = MarketConfig(
    code="mengxi",
    name="Mengxi (Inner Mongolia west) spot market",
    currency="CNY",
    price_floor_per_mwh=Decimal("-50"),
    price_cap_per_mwh=Decimal("1500"),
    da_gate_closure_local=time(10, 0),
    rt_gate_closure_minutes=30,
    interval_minutes=15,
    max_bid_segments=10,
    # The sources give no VPP trading-unit rule for Mengxi: none is applied.
    min_trading_unit_mw=Decimal("0"),
    min_trading_unit_hours=Decimal("0"),
    min_node_voltage_kv=0,
    bid_form="quantity_and_price",
    notes="Bid limits 1,500 and -50 CNY/MWh (reform plan of 30 May 2025). Gate time unverified.",
)

PRESETS: dict[str, MarketConfig] = {m.code: m for m in (GENERIC, GUANGDONG, MENGXI)}

# setting -> the MarketConfig field it holds (the setting's default is the preset's value)
SETTINGS = {
    "EXCHANGE_PRICE_FLOOR_PER_MWH": "price_floor_per_mwh",
    "EXCHANGE_PRICE_CAP_PER_MWH": "price_cap_per_mwh",
    "EXCHANGE_DA_GATE_CLOSURE_LOCAL": "da_gate_closure_local",
    "EXCHANGE_RT_GATE_CLOSURE_MINUTES": "rt_gate_closure_minutes",
    "EXCHANGE_MAX_BID_SEGMENTS": "max_bid_segments",
    "EXCHANGE_MIN_TRADING_UNIT_MW": "min_trading_unit_mw",
    "EXCHANGE_MIN_TRADING_UNIT_HOURS": "min_trading_unit_hours",
    "EXCHANGE_MIN_NODE_VOLTAGE_KV": "min_node_voltage_kv",
}


def setting_value(market: MarketConfig, name: str):
    """A preset's value as the setting holds it: Decimals and times as strings, ints as ints."""
    value = getattr(market, SETTINGS[name])
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, time):
        return value.strftime("%H:%M")
    return value


def settings_for(code: str) -> dict:
    """Every market setting for preset ``code``: what ``EXCHANGE_MARKET=code`` gives when nothing
    else is set (e.g. ``override_settings(**settings_for("mengxi"))`` in a test)."""
    market = PRESETS[code]
    return {"EXCHANGE_MARKET": code} | {name: setting_value(market, name) for name in SETTINGS}
