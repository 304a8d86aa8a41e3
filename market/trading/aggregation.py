"""Portfolio aggregation: the sites' flexibility envelopes summed per node and interval, with
the energy that could be shifted and the battery energy above reserve.

``shiftable_mwh`` in an interval is the IT energy planned there that may run at another time
(batch jobs with slack, training that may be deferred), at the site's PUE; ``battery_mwh`` is the
energy the node's batteries hold above their reserves at their usual state of charge.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sites.flexibility import envelope_at, job_rate_mw
from sites.specs import SiteSpec
from vpp.intervals import interval_hours


@dataclass
class NodeEnvelope:
    interval_start: datetime
    sites: int = 0
    baseline_mw: float = 0.0
    down_mw: float = 0.0
    up_mw: float = 0.0
    shiftable_mwh: float = 0.0
    battery_mwh: float = 0.0


def _shiftable_it_mwh(site: SiteSpec, start: datetime, h: float) -> float:
    energy = 0.0
    for w in site.workloads:
        if w.kind == "training" and w.max_deferral_hours > 0:
            energy += (w.it_mw - w.floor_it_mw) * h
        for job in w.jobs:
            if job.release_at <= start < job.deadline_at:
                energy += job_rate_mw(job) * h
    return energy


def portfolio_envelope(
    sites: Sequence[SiteSpec], interval_starts: Sequence[datetime]
) -> dict[str, list[NodeEnvelope]]:
    h = interval_hours()
    out: dict[str, list[NodeEnvelope]] = defaultdict(
        lambda: [NodeEnvelope(interval_start=t) for t in interval_starts]
    )
    for site in sites:
        battery_mwh = sum(max(0.0, b.nominal_soc_mwh - b.reserve_mwh) for b in site.batteries)
        rows = out[site.node_code]
        for i, t in enumerate(interval_starts):
            e = envelope_at(site, t)
            row = rows[i]
            row.sites += 1
            row.baseline_mw += e.baseline_mw
            row.down_mw += e.down_mw
            row.up_mw += e.up_mw
            row.shiftable_mwh += _shiftable_it_mwh(site, t, h) * e.pue
            row.battery_mwh += battery_mwh
    return dict(sorted(out.items()))
