"""Money is Decimal in the market's currency, rounded once, at the settlement line.

Rounding rule: half-up to the cent (0.005 -> 0.01), applied to each settlement line; portfolio
totals are sums of rounded lines, so site lines add up to the portfolio to the cent.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def round_money(amount: Decimal) -> Decimal:
    if not isinstance(amount, Decimal):
        raise TypeError(f"money must be Decimal, got {type(amount).__name__}")
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)
