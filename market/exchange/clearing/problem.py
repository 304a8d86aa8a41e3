"""Inputs and outputs of one clearing, as plain dataclasses (floats: the LP's arithmetic).

Units: power in MW (average over an interval), prices in currency per MWh, reactance in per
unit on ``base_mva``. Intervals are positions ``0 .. n_intervals - 1``; the caller maps them to
instants.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

TIE_BREAK_PER_RANK = 1e-7  # currency per MWh; 10,000 ranks tilt a price by at most 0.001


class ClearingError(Exception):
    """The case is malformed, or the LP could not be solved to optimality (infeasible data,
    time limit, solver failure)."""


@dataclass(frozen=True)
class LineSpec:
    """A transmission line (or transformer) from ``from_node`` to ``to_node``.

    Flow is positive from ``from_node`` to ``to_node``: ``flow_mw = base_mva * (theta_from -
    theta_to - shift) / reactance_pu``, held within ``[-limit_mw, limit_mw]`` (no limit when
    None), with ``shift`` the phase-shifting transformer's angle ``phase_shift_deg`` in radians.

    A negative reactance is a series capacitor (series compensation, as in IEEE 300-bus); a zero
    reactance is refused (:func:`check_case`): a zero-impedance branch carries any flow at equal
    angles, so its two buses are one node and should be given as one.
    """

    code: str
    from_node: str
    to_node: str
    reactance_pu: float
    limit_mw: float | None
    phase_shift_deg: float = 0.0


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
    generator outputs, awarded MW per bid segment, unserved and spilled MW per node.

    ``builder`` names the LP build (``highs``: arrays straight into HiGHS; ``pulp``: the PuLP
    model); ``build_seconds + solve_seconds + read_seconds`` is the whole clearing."""

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
    builder: str = ""
    read_seconds: float = 0.0

    def congested(self, line: str, t: int, limit_mw: float | None, tol: float = 1e-4) -> bool:
        if limit_mw is None:
            return False
        return abs(self.flows_mw[line][t]) >= limit_mw - tol * max(1.0, limit_mw)


def check_case(case: ClearingCase) -> None:
    """Refuse what neither LP build can represent, naming the element. Raises ClearingError."""
    if case.n_intervals < 1:
        raise ClearingError("a clearing needs at least one interval")
    known = set(case.nodes)
    if len(known) != len(case.nodes):
        raise ClearingError("node codes must be unique")
    if case.slack_node is not None and case.slack_node not in known:
        raise ClearingError(f"slack node {case.slack_node!r} is not a node")
    for line in case.lines:
        if line.from_node not in known or line.to_node not in known:
            raise ClearingError(f"line {line.code}: joins an unknown node")
        if line.from_node == line.to_node:
            raise ClearingError(f"line {line.code}: must join two different nodes")
        if not math.isfinite(line.reactance_pu) or not math.isfinite(line.phase_shift_deg):
            raise ClearingError(f"line {line.code}: reactance and phase shift must be finite")
        if line.reactance_pu == 0:
            raise ClearingError(
                f"line {line.code}: zero reactance (a zero-impedance branch); merge its two "
                "nodes into one, or give it its small real reactance"
            )
    for gen in case.generators:
        if gen.node not in known:
            raise ClearingError(f"generator {gen.code}: unknown node {gen.node!r}")
        if len(gen.available_mw) != case.n_intervals:
            raise ClearingError(f"generator {gen.code}: availability must cover every interval")
    for node, load in case.demand_mw.items():
        if node not in known:
            raise ClearingError(f"demand at unknown node {node!r}")
        if len(load) != case.n_intervals:
            raise ClearingError(f"demand at {node}: must cover every interval")
    for seg in case.bids:
        if seg.node not in known:
            raise ClearingError(f"bid segment {seg.key}: unknown node {seg.node!r}")
        if not 0 <= seg.interval < case.n_intervals:
            raise ClearingError(f"bid segment {seg.key}: interval {seg.interval} out of range")
        if seg.side not in ("demand", "reduction"):
            raise ClearingError(f"bid segment {seg.key}: side must be demand or reduction")


def tilt(rank: int) -> float:
    """The tie-break cost tilt of the offer ranked ``rank`` (see docs/exchange.md, rule 6)."""
    return TIE_BREAK_PER_RANK * (rank + 1)


def ranks(codes) -> dict:
    """Each code's position in sorted order: the rank its tie-break tilt is computed from."""
    return {code: r for r, code in enumerate(sorted(codes))}
