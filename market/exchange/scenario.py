"""The seeded scenario generator: the default market's network, fleet and weather-driven data.

Same seed, same market: every random draw comes from ``numpy.random.default_rng`` seeded with
the seed (and, for a day's data, the day), never from global state. Pure Python: the services
store what this returns, and the benchmark clears it directly.

Default network (codes as ``vpp.fixtures.DEFAULT_NODES``): western wind and solar hubs, a coal
base, a hydro region, and the eastern and southern load centres, joined by corridors whose
limits bind when the west is windy or the east is at its evening peak.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime

import numpy as np

from .clearing import ClearingCase, GeneratorSpec, LineSpec


@dataclass(frozen=True)
class NodeDef:
    code: str
    name: str
    region: str
    peak_demand_mw: float
    wind_weather: float  # mean wind capacity factor
    solar_weather: float  # clear-sky scale (0..1)


@dataclass(frozen=True)
class GenDef:
    code: str
    node: str
    fuel: str
    marginal_cost_per_mwh: float
    min_mw: float
    max_mw: float
    ramp_mw_per_interval: float | None


@dataclass(frozen=True)
class ScenarioNetwork:
    nodes: list[NodeDef]
    lines: list[LineSpec]
    generators: list[GenDef]
    slack_node: str


NODES = [
    NodeDef("NW-WIND", "Northwest wind hub", "Gansu / Ningxia", 900, 0.38, 0.55),
    NodeDef("NW-SOLAR", "Northwest solar hub", "Qinghai", 700, 0.25, 0.95),
    NodeDef("N-COAL", "North coal base", "Inner Mongolia / Shanxi", 2200, 0.30, 0.60),
    NodeDef("SW-HYDRO", "Southwest hydro", "Sichuan / Yunnan", 1800, 0.10, 0.50),
    NodeDef("E-LOAD", "East load center", "Jiangsu / Shanghai", 8200, 0.20, 0.55),
    NodeDef("S-LOAD", "South load center", "Guangdong", 6400, 0.15, 0.60),
]

LINES = [
    LineSpec("NW-WIND~NW-SOLAR", "NW-WIND", "NW-SOLAR", 0.05, 1500),
    LineSpec("NW-WIND~N-COAL", "NW-WIND", "N-COAL", 0.08, 1400),
    LineSpec("NW-SOLAR~SW-HYDRO", "NW-SOLAR", "SW-HYDRO", 0.10, 1000),
    LineSpec("N-COAL~E-LOAD", "N-COAL", "E-LOAD", 0.06, 3000),
    LineSpec("NW-WIND~E-LOAD", "NW-WIND", "E-LOAD", 0.12, 1500),
    LineSpec("N-COAL~SW-HYDRO", "N-COAL", "SW-HYDRO", 0.10, 800),
    LineSpec("SW-HYDRO~S-LOAD", "SW-HYDRO", "S-LOAD", 0.05, 2500),
    LineSpec("E-LOAD~S-LOAD", "E-LOAD", "S-LOAD", 0.08, 1200),
]

# (node, fuel, units, MW per unit, base marginal cost CNY/MWh, min share, ramp share / 15 min)
FLEET = [
    ("NW-WIND", "wind", 6, 500, 0, 0.0, None),
    ("NW-WIND", "coal", 2, 600, 300, 0.4, 0.15),
    ("NW-SOLAR", "solar", 5, 500, 0, 0.0, None),
    ("NW-SOLAR", "hydro", 2, 400, 90, 0.1, 0.5),
    ("N-COAL", "coal", 6, 600, 320, 0.4, 0.15),
    ("N-COAL", "wind", 2, 400, 0, 0.0, None),
    ("SW-HYDRO", "hydro", 8, 500, 100, 0.1, 0.5),
    ("E-LOAD", "coal", 3, 660, 360, 0.4, 0.15),
    ("E-LOAD", "gas", 6, 450, 620, 0.0, 0.5),
    ("E-LOAD", "nuclear", 1, 1000, 160, 0.9, 0.02),
    ("E-LOAD", "solar", 2, 400, 0, 0.0, None),
    ("S-LOAD", "gas", 4, 450, 650, 0.0, 0.5),
    ("S-LOAD", "nuclear", 2, 1000, 150, 0.9, 0.02),
    ("S-LOAD", "coal", 2, 600, 380, 0.4, 0.15),
]


def default_network(seed: int) -> ScenarioNetwork:
    """The default market's nodes, lines and fleet; unit costs vary by a seeded few percent."""
    rng = np.random.default_rng([seed, 0])
    gens: list[GenDef] = []
    for node, fuel, units, mw, cost, min_share, ramp_share in FLEET:
        for u in range(units):
            spread = 1.0 + 0.06 * (rng.random() - 0.5) if cost else 1.0
            gens.append(
                GenDef(
                    code=f"{node}-{fuel}-{u + 1}",
                    node=node,
                    fuel=fuel,
                    marginal_cost_per_mwh=round(cost * spread, 2),
                    min_mw=mw * min_share,
                    max_mw=float(mw),
                    ramp_mw_per_interval=None if ramp_share is None else mw * ramp_share,
                )
            )
    return ScenarioNetwork(nodes=NODES, lines=LINES, generators=gens, slack_node="N-COAL")


@dataclass(frozen=True)
class NodeSeries:
    """Forecast and actual series of one node over a day's intervals."""

    demand_mw: tuple[list[float], list[float]]
    wind_cf: tuple[list[float], list[float]]
    solar_cf: tuple[list[float], list[float]]


def daily_load_shape(hour: float) -> float:
    """Relative load by local hour: night trough near 04:00, late-morning and evening peaks."""
    morning = math.exp(-(((hour - 11.0) / 2.5) ** 2))
    evening = math.exp(-(((hour - 19.5) / 2.2) ** 2))
    return 0.62 + 0.30 * morning + 0.38 * evening


def _solar_shape(hour: float) -> float:
    if hour <= 6.0 or hour >= 19.0:
        return 0.0
    return math.sin(math.pi * (hour - 6.0) / 13.0) ** 1.5


def day_series(day: date, local_starts: list[datetime], seed: int) -> dict[str, NodeSeries]:
    """Demand and wind/solar capacity factors for every node and interval of ``day``.

    Forecasts follow the daily and weekly shape and a seeded weather path; actuals add a seeded
    deviation (demand about 2 %, wind an AR(1) error, solar cloud noise)."""
    n = len(local_starts)
    hours = [s.hour + s.minute / 60.0 for s in local_starts]
    weekly = 0.9 if day.weekday() >= 5 else 1.0
    out: dict[str, NodeSeries] = {}
    for j, node in enumerate(NODES):
        rng = np.random.default_rng([seed, day.toordinal(), j])
        # Demand: shape x weekly factor x a day level, with small interval noise.
        level = 1.0 + 0.04 * (rng.random() - 0.5)
        dem_f = [node.peak_demand_mw * daily_load_shape(h) / 1.05 * weekly * level for h in hours]
        dem_a = [d * (1.0 + 0.02 * rng.standard_normal()) for d in dem_f]
        # Wind: a mean-reverting path around the node's weather mean.
        wind_f, x = [], node.wind_weather * (0.5 + rng.random())
        for _ in range(n):
            x = x + 0.08 * (node.wind_weather - x) + 0.03 * rng.standard_normal()
            wind_f.append(min(0.95, max(0.02, x)))
        err, wind_a = 0.0, []
        for w in wind_f:
            err = 0.9 * err + 0.025 * rng.standard_normal()
            wind_a.append(min(0.98, max(0.0, w + err)))
        # Solar: clear-sky shape x the day's cloudiness; actual clouds vary per interval.
        cloud = 0.55 + 0.45 * rng.random()
        solar_f = [node.solar_weather * cloud * _solar_shape(h) for h in hours]
        solar_a = [min(1.0, max(0.0, s * (1.0 + 0.10 * rng.standard_normal()))) for s in solar_f]
        out[node.code] = NodeSeries((dem_f, dem_a), (wind_f, wind_a), (solar_f, solar_a))
    return out


def availability_mw(gen: GenDef | GeneratorSpec, max_mw: float, cf: list[float] | None) -> list:
    """Available MW per interval: capacity x capacity factor for wind and solar, else capacity."""
    if cf is None:
        raise ValueError("renewables need a capacity factor series")
    return [max_mw * c for c in cf]


def case_from_network(
    net: ScenarioNetwork,
    series: dict[str, NodeSeries],
    n_intervals: int,
    *,
    actual: bool = False,
    price_floor: float = 0.0,
    price_cap: float = 1500.0,
) -> ClearingCase:
    """A clearing case of the scenario's fleet and one day's (forecast or actual) data."""
    pick = 1 if actual else 0
    gens = []
    for g in net.generators:
        s = series[g.node]
        if g.fuel == "wind":
            avail = [g.max_mw * c for c in s.wind_cf[pick]]
        elif g.fuel == "solar":
            avail = [g.max_mw * c for c in s.solar_cf[pick]]
        else:
            avail = [g.max_mw] * n_intervals
        gens.append(
            GeneratorSpec(
                code=g.code,
                node=g.node,
                fuel=g.fuel,
                marginal_cost_per_mwh=g.marginal_cost_per_mwh,
                available_mw=tuple(avail[:n_intervals]),
                min_mw=g.min_mw,
                ramp_mw_per_interval=g.ramp_mw_per_interval,
            )
        )
    return ClearingCase(
        nodes=[nd.code for nd in net.nodes],
        lines=list(net.lines),
        generators=gens,
        demand_mw={code: s.demand_mw[pick][:n_intervals] for code, s in series.items()},
        n_intervals=n_intervals,
        price_floor_per_mwh=price_floor,
        price_cap_per_mwh=price_cap,
        slack_node=net.slack_node,
    )


def synthetic_case(
    *, n_nodes: int = 50, n_generators: int = 500, n_intervals: int = 96, seed: int = 7
) -> ClearingCase:
    """A large random market for the benchmark: a ring of nodes with random chords (about 1.6
    lines per node), a mixed fleet with ramp limits, and daily-shaped demand; sized so that some
    corridors congest and no load is shed."""
    rng = np.random.default_rng(seed)
    nodes = [f"N{j:03d}" for j in range(n_nodes)]
    lines = []
    for j in range(n_nodes):
        lines.append((j, (j + 1) % n_nodes))
    for _ in range(int(0.6 * n_nodes)):
        a, b = rng.choice(n_nodes, size=2, replace=False)
        lines.append((int(a), int(b)))
    peak = rng.uniform(100, 600, size=n_nodes)
    total_peak = float(peak.sum())
    line_specs = [
        LineSpec(
            f"L{k:03d}",
            nodes[a],
            nodes[b],
            float(rng.uniform(0.02, 0.2)),
            float(rng.uniform(0.3, 1.0) * total_peak / n_nodes),
        )
        for k, (a, b) in enumerate(lines)
    ]
    hours = [t * 24.0 / n_intervals for t in range(n_intervals)]
    shape = np.array([daily_load_shape(h) for h in hours]) / 1.3
    solar = np.array([_solar_shape(h) for h in hours])
    fuels = ["coal", "gas", "hydro", "nuclear", "wind", "solar"]
    base_cost = {"coal": 320, "gas": 600, "hydro": 100, "nuclear": 150, "wind": 0, "solar": 0}
    unit_mw = 1.7 * total_peak / n_generators
    gens = []
    for i in range(n_generators):
        fuel = fuels[int(rng.choice(6, p=[0.35, 0.2, 0.15, 0.05, 0.15, 0.1]))]
        mw = float(unit_mw * rng.uniform(0.5, 1.5))
        if fuel == "wind":
            avail = np.clip(0.35 + 0.2 * np.sin(np.arange(n_intervals) / 9 + i), 0.02, 1) * mw
        elif fuel == "solar":
            avail = solar * mw * rng.uniform(0.6, 1.0)
        else:
            avail = np.full(n_intervals, mw)
        ramp = {"coal": 0.15, "gas": 0.5, "hydro": 0.5, "nuclear": 0.02}.get(fuel)
        gens.append(
            GeneratorSpec(
                code=f"G{i:04d}",
                node=nodes[int(rng.integers(n_nodes))],
                fuel=fuel,
                marginal_cost_per_mwh=round(base_cost[fuel] * float(rng.uniform(0.9, 1.1)), 2),
                available_mw=tuple(float(a) for a in avail),
                min_mw=0.0,
                ramp_mw_per_interval=None if ramp is None else mw * ramp,
            )
        )
    demand = {nodes[j]: [float(peak[j] * s) for s in shape] for j in range(n_nodes)}
    return ClearingCase(
        nodes=nodes,
        lines=line_specs,
        generators=gens,
        demand_mw=demand,
        n_intervals=n_intervals,
        slack_node=nodes[0],
    )
