"""The case-file format: one JSON document that describes a clearing completely.

    {
      "name": "three-bus congested",            # optional
      "intervals": 2,                            # number of intervals cleared together
      "base_mva": 100,                           # optional, default 100
      "price_floor_per_mwh": 0,                  # optional, default 0
      "price_cap_per_mwh": 1500,                 # optional, default 1500
      "network": {
        "nodes": ["A", "B", "C"],
        "slack_node": "A",                       # optional, default the first node
        "lines": [{"code": "A-B", "from": "A", "to": "B", "reactance_pu": 0.1,
                   "limit_mw": 100,              # null = unlimited
                   "phase_shift_deg": 0}]        # optional; reactance < 0: series capacitor
      },
      "offers": [{"code": "G1", "node": "A", "fuel": "coal", "marginal_cost_per_mwh": 10,
                  "max_mw": 300,                 # a number, or one number per interval
                  "min_mw": 0, "ramp_mw_per_interval": null, "initial_mw": null}],
      "demand": {"C": [200, 180]},               # inelastic MW per node: number or list
      "bids": [{"participant": "vpp-1", "node": "C", "interval": 0, "side": "demand",
                "segments": [{"price_per_mwh": 60, "quantity_mw": 10}]}]
    }

``side`` is ``demand`` (prices non-increasing along the curve) or ``reduction`` (load
reduction sold as supply, prices non-decreasing). A bid segment's key in the output is
``<participant>/<node>/<interval>/<side>/<segment index>``.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from vpp.errors import ApplicationError

from .bids import check_curve
from .clearing import BidSegmentSpec, ClearingCase, ClearingOutcome, GeneratorSpec, LineSpec


def _series(value: Any, n: int, *, field: str) -> list[float]:
    if isinstance(value, int | float):
        return [float(value)] * n
    if isinstance(value, list) and len(value) == n:
        return [float(v) for v in value]
    raise ApplicationError(f"give a number or a list of {n} numbers", field=field)


def _line(i: int, ln: dict[str, Any], node_of) -> LineSpec:
    field = f"network.lines[{i}]"
    reactance = _number(ln.get("reactance_pu"), field=f"{field}.reactance_pu")
    if reactance == 0:
        raise ApplicationError(
            "must not be zero (a zero-impedance branch: merge its two nodes into one)",
            field=f"{field}.reactance_pu",
        )
    line = LineSpec(
        code=str(ln.get("code") or f"{ln.get('from')}-{ln.get('to')}#{i}"),
        from_node=node_of(ln.get("from"), f"{field}.from"),
        to_node=node_of(ln.get("to"), f"{field}.to"),
        reactance_pu=reactance,
        limit_mw=None if ln.get("limit_mw") is None else float(ln["limit_mw"]),
        phase_shift_deg=_number(ln.get("phase_shift_deg", 0), field=f"{field}.phase_shift_deg"),
    )
    if line.from_node == line.to_node:
        raise ApplicationError("a line must join two different nodes", field=f"{field}.to")
    return line


def _number(value: Any, *, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ApplicationError("give a finite number", field=field)
    return float(value)


def case_from_dict(data: dict[str, Any]) -> ClearingCase:
    """Read and check a case; an error names the field at fault."""
    try:
        n = int(data["intervals"])
        network = data["network"]
        nodes = [str(x) for x in network["nodes"]]
    except (KeyError, TypeError, ValueError) as exc:
        raise ApplicationError(f"missing or bad {exc}", field="case") from exc
    if n < 1 or not nodes:
        raise ApplicationError("need at least one interval and one node", field="case")
    known = set(nodes)
    floor = float(data.get("price_floor_per_mwh", 0))
    cap = float(data.get("price_cap_per_mwh", 1500))

    def node_of(value: Any, field: str) -> str:
        if value not in known:
            raise ApplicationError(f"unknown node {value!r}", field=field)
        return value

    lines = [_line(i, ln, node_of) for i, ln in enumerate(network.get("lines", []))]
    generators = [
        GeneratorSpec(
            code=str(o["code"]),
            node=node_of(o["node"], f"offers[{i}].node"),
            fuel=str(o.get("fuel", "")),
            marginal_cost_per_mwh=float(o["marginal_cost_per_mwh"]),
            available_mw=tuple(_series(o["max_mw"], n, field=f"offers[{i}].max_mw")),
            min_mw=float(o.get("min_mw") or 0.0),
            ramp_mw_per_interval=(
                None if o.get("ramp_mw_per_interval") is None else float(o["ramp_mw_per_interval"])
            ),
            initial_mw=None if o.get("initial_mw") is None else float(o["initial_mw"]),
        )
        for i, o in enumerate(data.get("offers", []))
    ]
    demand = {
        node_of(node, f"demand.{node}"): _series(v, n, field=f"demand.{node}")
        for node, v in (data.get("demand") or {}).items()
    }
    bids: list[BidSegmentSpec] = []
    for i, bid in enumerate(data.get("bids", [])):
        field = f"bids[{i}]"
        node = node_of(bid["node"], f"{field}.node")
        t = int(bid["interval"])
        if not 0 <= t < n:
            raise ApplicationError(f"interval {t} is outside 0..{n - 1}", field=f"{field}.interval")
        segments = [(float(s["price_per_mwh"]), float(s["quantity_mw"])) for s in bid["segments"]]
        check_curve(
            bid["side"],
            segments,
            floor=floor,
            cap=cap,
            max_segments=None,
            field=f"{field}.segments",
        )
        who = str(bid.get("participant", "case"))
        for s, (price, qty) in enumerate(segments):
            bids.append(
                BidSegmentSpec(
                    key=f"{who}/{node}/{t}/{bid['side']}/{s}",
                    node=node,
                    interval=t,
                    side=bid["side"],
                    price_per_mwh=price,
                    quantity_mw=qty,
                )
            )
    return ClearingCase(
        nodes=nodes,
        lines=lines,
        generators=generators,
        demand_mw=demand,
        n_intervals=n,
        bids=bids,
        price_floor_per_mwh=floor,
        price_cap_per_mwh=cap,
        base_mva=float(data.get("base_mva", 100.0)),
        slack_node=network.get("slack_node"),
    )


def load_case(path: str | Path) -> ClearingCase:
    with open(path, encoding="utf-8") as fh:
        return case_from_dict(json.load(fh))


def outcome_to_dict(case: ClearingCase, outcome: ClearingOutcome) -> dict[str, Any]:
    """The printable result: prices, flows (with congestion), dispatch and awards."""
    limits = {ln.code: ln.limit_mw for ln in case.lines}
    return {
        "solver": outcome.solver,
        "objective": round(outcome.objective, 4),
        "prices_per_mwh": {n: [round(p, 2) for p in ps] for n, ps in outcome.prices.items()},
        "flows_mw": {
            code: [
                {
                    "flow_mw": round(f, 3),
                    "congested": outcome.congested(code, t, limits[code]),
                }
                for t, f in enumerate(fs)
            ]
            for code, fs in outcome.flows_mw.items()
        },
        "generation_mw": {c: [round(x, 3) for x in xs] for c, xs in outcome.generation_mw.items()},
        "awards_mw": {k: round(v, 3) for k, v in outcome.awards_mw.items()},
        "unserved_mw": {n: [round(x, 3) for x in xs] for n, xs in outcome.unserved_mw.items()},
        "build_seconds": round(outcome.build_seconds, 4),
        "solve_seconds": round(outcome.solve_seconds, 4),
    }
