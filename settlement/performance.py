"""Performance and money of one site over one market day: the written rules, in exact Decimals.

Per settled interval t of length h hours (0.25 for 15 minutes), with MW averages:

- ``delivered_mw = baseline_mw - metered_mw`` (positive = load reduced);
  ``delivered_mwh = delivered_mw * h``, ``instructed_mwh = instructed_mw * h``;
- ``instructed_mw`` is the ``reduction_mw`` of the site's confirmed instruction; a declined or
  expired one counts as zero (the site it was reallocated to carries it);
- day-ahead award credit ``da_credit = instructed_mwh * da_price_per_mwh``;
- real-time deviation ``rt_deviation = (delivered_mwh - instructed_mwh) * rt_price_per_mwh``
  (negative when short, positive when over-delivering). No real-time price for the interval:
  the day-ahead price is used and the interval records ``rt_price_source = "da"``;
- shortfall beyond the tolerance band: with tolerance ``tol`` (``SETTLEMENT_TOLERANCE_FRACTION``,
  default 0.10), ``shortfall_mwh = max(0, (1 - tol) * instructed_mwh - delivered_mwh)`` when
  ``instructed_mwh > 0``; ``penalty = shortfall_mwh * SETTLEMENT_PENALTY_FACTOR (default 1.5)
  * da_price_per_mwh`` (a charge, never negative; zero when the DA price is not positive);
- ``net = da_credit + rt_deviation - penalty``.

Per site and day: every part is summed exactly over the intervals and **rounded once**, half-up
to the cent (:func:`vpp.money.round_money`); the site's ``net`` is the sum of its rounded parts.
The portfolio line is the sum of the rounded site lines, so site lines add up to the portfolio
to the cent by construction. Performance factor = ``sum(delivered_mwh) / sum(instructed_mwh)``,
clipped to ``[0, SETTLEMENT_PERFORMANCE_FACTOR_CAP]`` (default 1.2), 4 decimals half-up, and
``None`` when nothing was instructed.

A missing metered value (a gap VEE could not fill) or a missing baseline counts as no delivery
(``delivered_mw = 0``) and is flagged ``missing_meter`` / ``missing_baseline`` on the interval.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings

from vpp.money import round_money

ZERO = Decimal("0")
MWH_PLACES = Decimal("0.000001")


@dataclass(frozen=True)
class Rules:
    tolerance_fraction: Decimal
    penalty_factor: Decimal
    performance_factor_cap: Decimal

    @classmethod
    def from_settings(cls) -> Rules:
        return cls(
            Decimal(str(getattr(settings, "SETTLEMENT_TOLERANCE_FRACTION", "0.10"))),
            Decimal(str(getattr(settings, "SETTLEMENT_PENALTY_FACTOR", "1.5"))),
            Decimal(str(getattr(settings, "SETTLEMENT_PERFORMANCE_FACTOR_CAP", "1.2"))),
        )

    def as_dict(self) -> dict:
        return {
            "tolerance_fraction": str(self.tolerance_fraction),
            "penalty_factor": str(self.penalty_factor),
            "performance_factor_cap": str(self.performance_factor_cap),
            "rounding": "exact per interval, ROUND_HALF_UP to the cent once per site line; "
            "portfolio = sum of rounded site lines",
        }


@dataclass(frozen=True)
class IntervalInput:
    interval_start: str  # ISO UTC
    instructed_mw: Decimal
    baseline_mw: Decimal | None
    metered_mw: Decimal | None
    da_price_per_mwh: Decimal
    rt_price_per_mwh: Decimal | None  # None: no real-time price, the DA price is used
    meter_flags: tuple[str, ...] = ()
    instruction_state: str = ""


@dataclass
class SiteResult:
    instructed_mwh: Decimal
    delivered_mwh: Decimal
    shortfall_mwh: Decimal
    performance_factor: Decimal | None
    da_credit: Decimal
    rt_deviation: Decimal
    penalty: Decimal
    net_amount: Decimal
    flags: dict[str, int] = field(default_factory=dict)
    intervals: list[dict] = field(default_factory=list)


def settle_interval(x: IntervalInput, *, hours: Decimal, rules: Rules) -> dict:
    """One interval's exact quantities and money (strings, unrounded), as stored in the line."""
    flags = list(x.meter_flags)
    if x.baseline_mw is None:
        flags.append("missing_baseline")
    if x.metered_mw is None:
        flags.append("missing_meter")
    if x.baseline_mw is None or x.metered_mw is None:
        delivered_mw = ZERO
    else:
        delivered_mw = x.baseline_mw - x.metered_mw
    instructed_mwh = x.instructed_mw * hours
    delivered_mwh = delivered_mw * hours
    rt_price, rt_source = (x.rt_price_per_mwh, "rt")
    if rt_price is None:
        rt_price, rt_source = x.da_price_per_mwh, "da"
    da_credit = instructed_mwh * x.da_price_per_mwh
    rt_deviation = (delivered_mwh - instructed_mwh) * rt_price
    shortfall = ZERO
    if instructed_mwh > 0:
        shortfall = max(ZERO, (1 - rules.tolerance_fraction) * instructed_mwh - delivered_mwh)
    penalty = shortfall * rules.penalty_factor * max(x.da_price_per_mwh, ZERO)
    return {
        "interval_start": x.interval_start,
        "instruction_state": x.instruction_state,
        "instructed_mw": str(x.instructed_mw),
        "baseline_mw": None if x.baseline_mw is None else str(x.baseline_mw),
        "metered_mw": None if x.metered_mw is None else str(x.metered_mw),
        "delivered_mw": str(delivered_mw),
        "instructed_mwh": str(instructed_mwh),
        "delivered_mwh": str(delivered_mwh),
        "shortfall_mwh": str(shortfall),
        "da_price_per_mwh": str(x.da_price_per_mwh),
        "rt_price_per_mwh": str(rt_price),
        "rt_price_source": rt_source,
        "da_credit": str(da_credit),
        "rt_deviation": str(rt_deviation),
        "penalty": str(penalty),
        "flags": flags,
    }


def settle_site(inputs: list[IntervalInput], *, hours: Decimal, rules: Rules) -> SiteResult:
    """The site's line: exact sums over its intervals, each money part rounded once."""
    rows = [settle_interval(x, hours=hours, rules=rules) for x in inputs]

    def total(key: str) -> Decimal:
        return sum((Decimal(r[key]) for r in rows), ZERO)

    instructed, delivered = total("instructed_mwh"), total("delivered_mwh")
    da_credit = round_money(total("da_credit"))
    rt_deviation = round_money(total("rt_deviation"))
    penalty = round_money(total("penalty"))
    flags: dict[str, int] = {}
    for r in rows:
        for f in r["flags"]:
            flags[f] = flags.get(f, 0) + 1
        if r["rt_price_source"] == "da":
            flags["rt_price_from_da"] = flags.get("rt_price_from_da", 0) + 1
    return SiteResult(
        instructed_mwh=instructed.quantize(MWH_PLACES, rounding=ROUND_HALF_UP),
        delivered_mwh=delivered.quantize(MWH_PLACES, rounding=ROUND_HALF_UP),
        shortfall_mwh=total("shortfall_mwh").quantize(MWH_PLACES, rounding=ROUND_HALF_UP),
        performance_factor=performance_factor(delivered, instructed, rules),
        da_credit=da_credit,
        rt_deviation=rt_deviation,
        penalty=penalty,
        net_amount=da_credit + rt_deviation - penalty,
        flags=flags,
        intervals=rows,
    )


def performance_factor(delivered_mwh: Decimal, instructed_mwh: Decimal, rules: Rules):
    if instructed_mwh <= 0:
        return None
    pf = min(max(delivered_mwh / instructed_mwh, ZERO), rules.performance_factor_cap)
    return pf.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def portfolio(results: list[SiteResult], rules: Rules) -> SiteResult:
    """The portfolio line: the sum of the (already rounded) site lines."""

    def total(key: str) -> Decimal:
        return sum((getattr(r, key) for r in results), ZERO)

    flags: dict[str, int] = {}
    for r in results:
        for k, v in r.flags.items():
            flags[k] = flags.get(k, 0) + v
    instructed, delivered = total("instructed_mwh"), total("delivered_mwh")
    return SiteResult(
        instructed_mwh=instructed,
        delivered_mwh=delivered,
        shortfall_mwh=total("shortfall_mwh"),
        performance_factor=performance_factor(delivered, instructed, rules),
        da_credit=total("da_credit"),
        rt_deviation=total("rt_deviation"),
        penalty=total("penalty"),
        net_amount=total("net_amount"),
        flags=flags,
    )
