"""The published methodology: every baseline method version with its parameters, the method
statements use, and the money rules (what the regulator reads before checking a number)."""

from __future__ import annotations

from . import performance, statements
from .models import BaselineMethod

MONEY_RULES = [
    "delivered_mw = baseline_mw - metered_mw per interval; MWh = MW x interval hours",
    "instructed = reduction_mw of the confirmed instruction; declined, expired or pending = 0",
    "da_credit = instructed_mwh x DA price",
    "rt_deviation = (delivered_mwh - instructed_mwh) x RT price (DA price when no RT price, "
    "recorded as rt_price_source = da)",
    "shortfall_mwh = max(0, (1 - tolerance) x instructed_mwh - delivered_mwh); "
    "penalty = shortfall_mwh x penalty_factor x max(DA price, 0)",
    "net = da_credit + rt_deviation - penalty",
    "performance_factor = delivered_mwh / instructed_mwh over the day, clipped to [0, cap]",
    "exact Decimals per interval; each money part rounded once per site line, half-up to the "
    "cent; the portfolio line is the sum of the rounded site lines",
    "missing meter value or baseline: delivered = 0, flagged on the interval",
]


def methodology() -> dict:
    methods = BaselineMethod.objects.order_by("name", "version")
    return {
        "baseline_method_in_use": statements.baseline_method_name(),
        "baseline_methods": [
            {"name": m.name, "version": m.version, "description": m.description, "params": m.params}
            for m in methods
        ],  # fmt: skip
        "money_parameters": performance.Rules.from_settings().as_dict(),
        "money_rules": MONEY_RULES,
        "checksum": "SHA-256 of the canonical CSV of the statement lines (docs/settlement.md)",
    }
