"""From schedules to bids: demand curves and load-reduction offers per node and interval.

Method
------
1. Scenarios. Solve the portfolio MIP once per price scenario: the expected energy price scaled
   by each multiplier (default 0.5, 0.75, 1, 1.5, 2, 3; the reduction price scales with it), or
   price series given by the caller (e.g. forecast quantiles). Work deferred past the horizon is
   always charged at the EXPECTED rebound price (the mean expected effective price), since that
   is what it will cost later whatever today's price turns out to be. Without that anchor a
   uniform scaling would leave every decision unchanged (the problem is linear in the price).
2. Points. For each node n and interval t, scenario k gives a point (price_k[n,t], q_k[n,t]),
   q the portfolio's facility load at the node.
3. Monotone demand. Sort the points by price; going from the highest price down, take a running
   maximum: q'_k = max(q_k, q'_{k+1}), so the quantity never falls as the price falls. The
   highest-price scenario's load is kept as is.
4. Demand segments (incremental, as the exchange accepts them: a segment clears when the price
   is at or below its price): (must_buy_price, q'_K) then (p_k, q'_k - q'_{k+1}) for
   k = K-1..1. At a clearing price pi in (p_k, p_{k+1}] the portfolio is awarded q'_{k+1}, and at
   exactly p_k it is awarded q'_k: a scenario's price clears the scenario's load.
5. Reduction offers: R_k = max(0, U - q'_k), U the node's usual load; R is non-decreasing in the
   price. Segments (p_k, R_k - R_{k-1}) in rising price order; a supply segment clears when the
   price is at or above its price, so at pi in [p_k, p_{k+1}) the award is R_k. The demand curve
   and the reduction offers describe the same flexibility: submit one of the two per node and
   interval (energy market: demand; reduction program: reduction).
6. Segments with equal prices are merged; zero quantities dropped; while there are more than
   ``max_segments``, the adjacent pair with the least quantity becomes one segment at their
   quantity-weighted mean price (which keeps the prices monotone). Prices are clipped to
   [price_floor, must_buy_price].

Runnable awards: ``dispatchable_schedule`` re-solves with each node's load fixed to what cleared
(slack penalised heavily). If the award is a scenario's load in every interval, that scenario's
schedule satisfies it, so the slack is zero; a mix of scenarios across intervals may not be
runnable (energy must still be served somewhere) and the slack then says by how much.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from .inputs import OptimiserError, OptimiserInput, Schedule
from .solve import optimise

DEFAULT_MULTIPLIERS = (0.5, 0.75, 1.0, 1.5, 2.0, 3.0)
MIN_MW = 1e-4


@dataclass(frozen=True)
class Segment:
    price_per_mwh: float
    quantity_mw: float


@dataclass
class BidCurve:
    node_code: str
    interval_start: datetime
    side: str  # demand | reduction
    segments: list[Segment]

    def cleared_mw(self, price_per_mwh: float) -> float:
        """Quantity awarded at a clearing price (demand: price <= bid; reduction: >=)."""
        if self.side == "demand":
            return sum(s.quantity_mw for s in self.segments if price_per_mwh <= s.price_per_mwh)
        return sum(s.quantity_mw for s in self.segments if price_per_mwh >= s.price_per_mwh)


@dataclass
class BidSet:
    curves: list[BidCurve]
    scenario_prices: list[dict[str, list[float]]]
    schedules: list[Schedule]  # one per scenario, same order

    def curve(self, node_code: str, interval_start: datetime, side: str) -> BidCurve | None:
        for c in self.curves:
            if (c.node_code, c.interval_start, c.side) == (node_code, interval_start, side):
                return c
        return None


def scenario_inputs(
    inp: OptimiserInput,
    multipliers=DEFAULT_MULTIPLIERS,
    scenarios: list[dict[str, list[float]]] | None = None,
) -> list[OptimiserInput]:
    """One input per scenario, the rebound price fixed at the expected one (see step 1)."""
    rebound = inp.rebound_price_per_mwh or {
        n: sum(inp.effective_price(n)) / len(inp.interval_starts) for n in inp.nodes
    }
    out = []
    if scenarios is None:
        for k in multipliers:
            price = {n: [k * p for p in v] for n, v in inp.price_per_mwh.items()}
            reduction = None
            if inp.reduction_price_per_mwh is not None:
                reduction = {n: [k * p for p in v] for n, v in inp.reduction_price_per_mwh.items()}
            out.append(
                replace(
                    inp,
                    price_per_mwh=price,
                    reduction_price_per_mwh=reduction,
                    rebound_price_per_mwh=rebound,
                )
            )
    else:
        for price in scenarios:
            out.append(replace(inp, price_per_mwh=price, rebound_price_per_mwh=rebound))
    return out


def _merge(segments: list[Segment], max_segments: int) -> list[Segment]:
    merged: list[Segment] = []
    for s in segments:
        if s.quantity_mw <= MIN_MW:
            continue
        if merged and abs(merged[-1].price_per_mwh - s.price_per_mwh) < 1e-9:
            merged[-1] = Segment(s.price_per_mwh, merged[-1].quantity_mw + s.quantity_mw)
        else:
            merged.append(s)
    while len(merged) > max_segments:
        i = min(
            range(len(merged) - 1),
            key=lambda k: merged[k].quantity_mw + merged[k + 1].quantity_mw,
        )
        a, b = merged[i], merged[i + 1]
        q = a.quantity_mw + b.quantity_mw
        price = (a.price_per_mwh * a.quantity_mw + b.price_per_mwh * b.quantity_mw) / q
        merged[i : i + 2] = [Segment(price, q)]
    return merged


def monotone_demand(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Points (price, load) sorted by rising price, loads made non-increasing (step 3)."""
    ordered = sorted(points)
    out: list[tuple[float, float]] = []
    running = 0.0
    for price, q in reversed(ordered):
        running = max(running, q)
        out.append((price, running))
    return list(reversed(out))


def demand_segments(
    points, *, max_segments: int, must_buy_price: float, price_floor: float
) -> list[Segment]:
    mono = monotone_demand(points)
    clip = lambda p: min(max(p, price_floor), must_buy_price)  # noqa: E731
    segments = [Segment(must_buy_price, mono[-1][1])]
    for k in range(len(mono) - 2, -1, -1):
        segments.append(Segment(clip(mono[k][0]), mono[k][1] - mono[k + 1][1]))
    return _merge(segments, max_segments)


def reduction_segments(
    points, usual_mw: float, *, max_segments: int, must_buy_price: float, price_floor: float
) -> list[Segment]:
    mono = monotone_demand(points)
    clip = lambda p: min(max(p, price_floor), must_buy_price)  # noqa: E731
    segments, previous = [], 0.0
    for price, q in mono:
        reduction = max(0.0, usual_mw - q)
        segments.append(Segment(clip(price), reduction - previous))
        previous = max(previous, reduction)
    return _merge(segments, max_segments)


def build_curves(
    inp: OptimiserInput,
    *,
    multipliers=DEFAULT_MULTIPLIERS,
    scenarios: list[dict[str, list[float]]] | None = None,
    max_segments: int = 10,
    must_buy_price_per_mwh: float = 1500.0,
    price_floor_per_mwh: float = 0.0,
    decompose: bool = False,
    progress: Callable[[float, str], None] | None = None,
    workers: int | None = None,
) -> BidSet:
    """Solve every scenario and turn the node loads into curves (see the module docstring).
    ``progress(fraction, message)`` is called after each scenario's solve, and with
    ``decompose`` after each block of each scenario (fraction of all the work, rising to 1)."""
    if max_segments < 1:
        raise OptimiserError("max_segments must be at least 1")
    inputs = scenario_inputs(inp, multipliers, scenarios)
    schedules = []
    for k, s in enumerate(inputs):

        def step(fraction: float, message: str, k: int = k) -> None:
            progress((k + fraction) / len(inputs), f"scenario {k + 1} of {len(inputs)}: {message}")

        schedules.append(
            optimise(s, decompose=decompose, workers=workers, progress=step if progress else None)
        )
    curves: list[BidCurve] = []
    limits = {
        "max_segments": max_segments,
        "must_buy_price": must_buy_price_per_mwh,
        "price_floor": price_floor_per_mwh,
    }
    for node in inp.nodes:
        usual = schedules[0].nodes[node].usual_facility_mw
        for t, start in enumerate(inp.interval_starts):
            points = [
                (s_inp.price_per_mwh[node][t], sched.nodes[node].facility_mw[t])
                for s_inp, sched in zip(inputs, schedules, strict=True)
            ]
            demand = demand_segments(points, **limits)
            if demand:
                curves.append(BidCurve(node, start, "demand", demand))
            reduction = reduction_segments(points, usual[t], **limits)
            if reduction:
                curves.append(BidCurve(node, start, "reduction", reduction))
    return BidSet(curves, [s.price_per_mwh for s in inputs], schedules)


def dispatchable_schedule(
    inp: OptimiserInput,
    cleared_by_node: dict[str, list[float]],
    *,
    penalty_per_mwh: float = 1e5,
    decompose: bool = False,
) -> Schedule:
    """Re-solve with each listed node's facility load fixed to the cleared MW per interval.

    ``cleared_by_node[node][t]`` is the portfolio's load at the node (a demand award; for a
    reduction award pass ``usual - reduction``). Any shortfall or excess shows in
    ``schedule.nodes[node].slack_mw`` (award - load) and costs ``penalty_per_mwh``.
    """
    return optimise(
        inp, award_mw=cleared_by_node, penalty_per_mwh=penalty_per_mwh, decompose=decompose
    )
