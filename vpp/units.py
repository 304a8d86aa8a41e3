"""Unit conversions, done once at the door. Power is MW, energy MWh, price currency per MWh.

Sign convention: consumption is positive; a load reduction is a positive ``reduction_mw``.
"""

from __future__ import annotations

from decimal import Decimal

from .errors import ApplicationError

POWER_UNITS_TO_MW = {"W": Decimal("0.000001"), "kW": Decimal("0.001"), "MW": Decimal("1")}
ENERGY_UNITS_TO_MWH = {"Wh": Decimal("0.000001"), "kWh": Decimal("0.001"), "MWh": Decimal("1")}

# Physical bounds of what a client may report (vpp.parsing refuses beyond them with a 400):
# no single grid connection comes near 100 GW (the largest data-center campuses are a few GW),
# and a PUE of 5 would be cooling four times the IT load (real sites are 1.05 to 2.5).
MAX_FACILITY_MW = Decimal("100000")
MAX_PUE = 5.0
# No spot market's cap comes near a million per MWh (Chinese provinces cap at 1,500 to 10,000).
MAX_PRICE_PER_MWH = Decimal("1000000")


def power_to_mw(amount: Decimal | float, unit: str, *, field: str = "unit") -> Decimal:
    if unit not in POWER_UNITS_TO_MW:
        raise ApplicationError(
            f"unknown power unit {unit!r}; use one of {', '.join(POWER_UNITS_TO_MW)}", field=field
        )
    return Decimal(str(amount)) * POWER_UNITS_TO_MW[unit]


def energy_to_mwh(amount: Decimal | float, unit: str, *, field: str = "unit") -> Decimal:
    if unit not in ENERGY_UNITS_TO_MWH:
        raise ApplicationError(
            f"unknown energy unit {unit!r}; use one of {', '.join(ENERGY_UNITS_TO_MWH)}",
            field=field,
        )
    return Decimal(str(amount)) * ENERGY_UNITS_TO_MWH[unit]


def energy_mwh(power_mw: float, minutes: float) -> float:
    """Energy of a constant power over a span (optimiser arithmetic, floats)."""
    return power_mw * minutes / 60.0
