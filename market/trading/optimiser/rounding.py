"""A rounding heuristic: from the LP relaxation to a choice of every binary of the MIP.

Read after the LP relaxation has been solved and its values written to the PuLP variables.
The continuous part is not decided here: the caller fixes the binaries and re-solves the LP,
which gives the best schedule for that choice (and proves the choice feasible, or not).

- Relocation z[j, d]: the destination with the largest LP value (the origin on ties).
- Battery exclusivity q[b, t]: 1 (may charge) when the LP charges at least as much as it
  discharges.
- Events r[s, t]: 1 where the LP reduces the load more than the threshold below usual
  (d = u - L > thr, which r = 0 forbids), or reduces by the threshold with r > 1/2. Where the
  site's events-per-day limit applies, the runs of consecutive r = 1 are then cut to the limit
  greedily by the cheaper of two moves, valued at the LP's reductions with the rebound price
  cbar as the worth of deferring one MWh:

      drop a run:       loss  = h sum_{t in run} (d[t] - thr) max(0, c[t] - cbar)
      join two runs:    cost  = h sum_{t in gap} max(0, thr - d[t]) max(0, cbar - c[t])
                        (the gap must then be held at least thr below usual; only joined when
                        every interval of the gap can be an event interval; the price factor
                        is at least cbar / 10, as holding the load down is never free)

  ``drop_only`` leaves out the joins (the caller's second try when a join proved infeasible).
"""

from __future__ import annotations

from .model import Model

TOL = 1e-6


def _value(v) -> float:
    return float(v.varValue or 0.0)


def _runs(on: set[int]) -> list[list[int]]:
    runs: list[list[int]] = []
    for t in sorted(on):
        if runs and runs[-1][-1] == t - 1:
            runs[-1].append(t)
        else:
            runs.append([t])
    return runs


def _limit_runs(
    on: set[int],
    candidates: set[int],
    limit: int,
    gain: dict[int, float],
    hold: dict[int, float],
    *,
    drop_only: bool,
) -> set[int]:
    """Cut the runs of ``on`` to ``limit``; ``gain[t]`` is what an interval's reduction beyond
    the threshold is worth, ``hold[t]`` what holding the threshold there would cost."""
    runs = _runs(on)
    while len(runs) > limit:
        moves: list[tuple[float, int, str]] = []
        for k, run in enumerate(runs):
            moves.append((sum(gain[t] for t in run), k, "drop"))
            if drop_only or k + 1 == len(runs):
                continue
            gap = range(run[-1] + 1, runs[k + 1][0])
            if all(t in candidates for t in gap):
                moves.append((sum(hold[t] for t in gap), k, "join"))
        _cost, k, kind = min(moves)
        if kind == "drop":
            del runs[k]
        else:
            runs[k] = runs[k] + list(range(runs[k][-1] + 1, runs[k + 1][0])) + runs[k + 1]
            del runs[k + 1]
    return {t for run in runs for t in run}


def event_choice(m: Model, si: int, *, drop_only: bool = False) -> set[int]:
    """The intervals of site ``si`` that the rounding makes event intervals (r = 1)."""
    r = m.reduced[si]
    site = m.inp.sites[si]
    u, thr, h = m.usual[si], m.threshold[si], m.h
    price, cbar = m.price[site.node_code], m.rebound[site.node_code]
    d = {t: u[t] - _value(m.load[si][t]) for t in r}
    on = {t for t in r if d[t] > thr + TOL or (d[t] >= thr - TOL and _value(r[t]) > 0.5)}
    if not m.starts[si]:
        return on
    gain = {t: h * max(0.0, d[t] - thr) * max(0.0, price[t] - cbar) for t in r}
    hold = {t: h * max(0.0, thr - d[t]) * max(0.1 * cbar, cbar - price[t]) for t in r}
    return _limit_runs(on, set(r), site.max_events_per_day, gain, hold, drop_only=drop_only)


def relocation_choice(m: Model) -> dict[str, float]:
    """Variable name -> 0/1 for every relocation binary z (see the module docstring)."""
    fix: dict[str, float] = {}
    for jv in m.jobs:
        if jv.z:
            best = max(jv.z, key=lambda d: (_value(jv.z[d]), d == jv.site_index))  # noqa: B023
            for d, z in jv.z.items():
                fix[z.name] = 1.0 if d == best else 0.0
    return fix


def binary_choice(m: Model, *, drop_only: bool = False) -> dict[str, float]:
    """Variable name -> 0/1 for every binary of the model (see the module docstring)."""
    fix = relocation_choice(m)
    for bv in m.batteries:
        for t, q in bv.exclusive.items():
            fix[q.name] = 1.0 if _value(bv.ch[t]) >= _value(bv.dis[t]) else 0.0
    for si in range(len(m.inp.sites)):
        on = event_choice(m, si, drop_only=drop_only)
        for t, v in m.reduced[si].items():
            fix[v.name] = 1.0 if t in on else 0.0
    return fix
