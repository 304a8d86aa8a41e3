"""Inputs and outputs of one clearing, as plain dataclasses (floats: the LP's arithmetic).

Units: power in MW (average over an interval), prices in currency per MWh, reactance in per
unit on ``base_mva``. Intervals are positions ``0 .. n_intervals - 1``; the caller maps them to
instants.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class LineSpec:
    """A transmission line (or transformer) from ``from_node`` to ``to_node``.

    Flow is positive from ``from_node`` to ``to_node``: ``flow_mw = base_mva * (theta_from -
    theta_to) / reactance_pu``, held within ``[-limit_mw, limit_mw]`` (no limit when None).
    """

    code: str
    from_node: str
    to_node: str
    reactance_pu: float
    limit_mw: float | None


@dataclass(frozen=True)
class GeneratorSpec:
    """A supply offer at one node: linear ``marginal_cost_per_mwh``, output within
    ``[min_mw, available_mw[t]]`` each interval, and ``|output[t] - output[t-1]| <=
    ramp_mw_per_interval`` between consecutive intervals (no limit when None).

    ``min_mw`` is a must-run floor (no commitment decisions: the LP stays convex so its duals are
    prices); it is capped by the availability of each interval. ``initial_mw`` (optional) is the
    output just before interval 0, which the first ramp step is measured from.
    """

    code: str
    node: str
    marginal_cost_per_mwh: float
    available_mw: tuple[float, ...]
    min_mw: float = 0.0
    ramp_mw_per_interval: float | None = None
    initial_mw: float | None = None
    fuel: str = ""


@dataclass(frozen=True)
class BidSegmentSpec:
    """One price-quantity segment of a participant's bid at one node and interval.

    ``side="demand"``: buys up to ``quantity_mw`` when the price is at or below
    ``price_per_mwh``. ``side="reduction"``: a load reduction sold as supply, up to
    ``quantity_mw`` when the price is at or above ``price_per_mwh``.
    """

    key: str
    node: str
    interval: int
    side: str
    price_per_mwh: float
    quantity_mw: float


@dataclass
class ClearingCase:
    """Everything one clearing needs. ``demand_mw[node][t]`` is inelastic load."""

    nodes: list[str]
    lines: list[LineSpec]
    generators: list[GeneratorSpec]
    demand_mw: dict[str, list[float]]
    n_intervals: int
    bids: list[BidSegmentSpec] = field(default_factory=list)
    price_floor_per_mwh: float = 0.0
    price_cap_per_mwh: float = 1500.0
    base_mva: float = 100.0
    slack_node: str | None = None
    time_limit_seconds: float = 120.0


@dataclass
class ClearingOutcome:
    """The solution: prices (LMPs) per node and interval, flows per line and interval,
    generator outputs, awarded MW per bid segment, unserved and spilled MW per node."""

    status: str
    solver: str
    objective: float
    prices: dict[str, list[float]]
    flows_mw: dict[str, list[float]]
    line_shadow_prices: dict[str, list[float]]
    generation_mw: dict[str, list[float]]
    awards_mw: dict[str, float]
    unserved_mw: dict[str, list[float]]
    spilled_mw: dict[str, list[float]]
    build_seconds: float
    solve_seconds: float
    variables: int
    constraints: int

    def congested(self, line: str, t: int, limit_mw: float | None, tol: float = 1e-4) -> bool:
        if limit_mw is None:
            return False
        return abs(self.flows_mw[line][t]) >= limit_mw - tol * max(1.0, limit_mw)
