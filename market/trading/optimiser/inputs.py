"""What the optimiser takes and what it gives back: plain dataclasses, floats, no ORM.

Units: power in MW (consumption positive), energy in MWh, prices in currency per MWh, carbon
intensity in t/MWh, carbon price in currency per t. Every instant is an aware UTC datetime; an
interval is named by its start and lasts ``interval_hours``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sites.specs import SiteSpec

SOLVERS = ("highs", "cbc")


class OptimiserError(Exception):
    """The model could not be built or solved (bad input, infeasible, solver failure)."""


@dataclass
class OptimiserInput:
    """One market day (or any horizon) of the portfolio and the expected prices.

    ``price_per_mwh[node]`` has one expected energy price per interval. ``reduction_price_per_mwh``
    (optional) pays per MWh of facility load below a site's usual load. ``carbon_t_per_mwh[node]``
    with ``carbon_price_per_t`` adds a carbon cost per MWh drawn. ``relocation_candidates`` is
    how many other sites of the same organisation (those at the cheapest nodes) a movable job
    may go to. ``event_threshold_fraction`` of a site's peak usual load (at least
    ``event_threshold_mw``) is the reduction below which an interval does not count as an event.
    ``rebound_price_per_mwh[node]`` is what deferred work costs when it runs after the horizon
    (default: the horizon's mean effective price at the node).
    """

    sites: list[SiteSpec]
    interval_starts: list[datetime]
    interval_hours: float
    price_per_mwh: dict[str, list[float]]
    reduction_price_per_mwh: dict[str, list[float]] | None = None
    carbon_t_per_mwh: dict[str, list[float]] | None = None
    carbon_price_per_t: float = 0.0
    time_limit_s: float = 30.0
    mip_gap: float = 0.005
    solver: str = "highs"
    relocation_candidates: int = 3
    event_threshold_mw: float = 0.05
    event_threshold_fraction: float = 0.02
    rebound_price_per_mwh: dict[str, float] | None = None  # default: mean effective price

    def __post_init__(self) -> None:
        n = len(self.interval_starts)
        if n == 0:
            raise OptimiserError("no intervals")
        if self.interval_hours <= 0:
            raise OptimiserError("interval_hours must be positive")
        if self.solver not in SOLVERS:
            raise OptimiserError(f"solver must be one of {', '.join(SOLVERS)}")
        for t in self.interval_starts:
            if t.tzinfo is None:
                raise OptimiserError(f"naive interval start {t.isoformat()}")
        series = {"price_per_mwh": self.price_per_mwh}
        if self.reduction_price_per_mwh is not None:
            series["reduction_price_per_mwh"] = self.reduction_price_per_mwh
        if self.carbon_t_per_mwh is not None:
            series["carbon_t_per_mwh"] = self.carbon_t_per_mwh
        for site in self.sites:
            if site.node_code not in self.price_per_mwh:
                raise OptimiserError(f"no price for node {site.node_code} (site {site.code})")
        for name, by_node in series.items():
            for node, values in by_node.items():
                if len(values) != n:
                    raise OptimiserError(f"{name}[{node}]: {len(values)} values for {n} intervals")

    @property
    def nodes(self) -> list[str]:
        return sorted({s.node_code for s in self.sites})

    def effective_price(self, node: str) -> list[float]:
        """Energy price plus carbon cost per MWh drawn at ``node``, per interval."""
        price = self.price_per_mwh[node]
        carbon = (self.carbon_t_per_mwh or {}).get(node)
        if not carbon or not self.carbon_price_per_t:
            return list(price)
        return [p + self.carbon_price_per_t * c for p, c in zip(price, carbon, strict=True)]


@dataclass
class BatterySchedule:
    name: str
    charge_mw: list[float]
    discharge_mw: list[float]
    soc_mwh: list[float]  # at the END of each interval


@dataclass
class JobPlacement:
    """Where and when one batch job's IT energy runs; ``site_code`` may differ from the origin.

    A job has one placement (the site it runs at; the origin with zeros when it runs entirely
    after the horizon); ``deferred_mwh`` is its energy left for after the horizon."""

    job_name: str
    origin_site_code: str
    site_code: str
    it_mw: list[float]
    energy_mwh: float
    deferred_mwh: float  # energy left for after the horizon (window reaches past it)


@dataclass
class SiteSchedule:
    site_code: str
    node_code: str
    facility_mw: list[float]
    usual_facility_mw: list[float]
    pue: list[float]
    it_mw_by_kind: dict[str, list[float]]  # inference, training, batch (incl. incoming work)
    training_deferred_mwh: float
    batteries: list[BatterySchedule]
    reduced: list[bool]  # interval counts as an event (load below usual beyond the threshold)
    events: int


@dataclass
class NodeSchedule:
    node_code: str
    facility_mw: list[float]
    usual_facility_mw: list[float]
    slack_mw: list[float] = field(default_factory=list)  # award - load, when fixed to an award


@dataclass
class ObjectiveBreakdown:
    """All in currency over the horizon; ``total = energy + carbon - reduction + deferred``."""

    energy_cost: float
    carbon_cost: float
    reduction_revenue: float
    deferred_value: float
    slack_penalty: float = 0.0

    @property
    def total(self) -> float:
        return (
            self.energy_cost
            + self.carbon_cost
            - self.reduction_revenue
            + self.deferred_value
            + self.slack_penalty
        )


@dataclass
class ModelSize:
    variables: int
    binaries: int
    constraints: int

    def __add__(self, other: ModelSize) -> ModelSize:
        return ModelSize(
            self.variables + other.variables,
            self.binaries + other.binaries,
            self.constraints + other.constraints,
        )


@dataclass
class Schedule:
    interval_starts: list[datetime]
    interval_hours: float
    sites: dict[str, SiteSchedule]
    jobs: list[JobPlacement]
    nodes: dict[str, NodeSchedule]
    objective: ObjectiveBreakdown
    status: str  # optimal | time_limit (a feasible, not proven optimal, schedule)
    solver: str
    size: ModelSize
    build_seconds: float
    solve_seconds: float
    mip_gap: float | None  # relative gap reached; None when the solver does not say
    blocks: int = 1  # independent sub-models solved (1 = one MIP)
