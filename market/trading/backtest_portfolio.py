"""Backtest of the portfolio's flexibility over past market days: cost, revenue and carbon of
the fleet run by the optimiser, against the same fleet without flexibility (its usual load),
both valued at the day-ahead prices the exchange actually cleared.

Decision prices (``mode``):
  * ``perfect``: the optimiser sees each day's cleared prices (perfect foresight, an upper
    bound of what flexibility is worth as a price-taker);
  * ``naive``: the optimiser sees the previous day's cleared prices (a seasonal-naive forecast,
    an honest figure: decisions on yesterday's prices, valued at today's).
Both treat the portfolio as a price-taker: its schedule does not move the cleared prices.

Per site s and day d, with h the interval length in hours, p the cleared price at the site's
node, c the node's carbon intensity (t/MWh, ``TRADING_CARBON_T_PER_MWH``), u the usual facility
load and q the optimised load (MW):
    usual_cost   = h * sum_t p_t * u_t                    (without flexibility)
    energy_cost  = h * sum_t p_t * q_t + deferred_mwh * mean_t(p_t)
                   (training energy deferred past the day is still bought, at the day's mean)
    reduction_revenue = h * sum_t p_t * max(0, u_t - q_t)
                   (what the reductions earn sold as load-reduction offers at the cleared
                    price, settled against u as the baseline; shown, not netted into cost)
    saving       = usual_cost - energy_cost               (value of shifting and curtailing)
    carbon_usual_t = h * sum_t c * u_t,  carbon_t = h * sum_t c * q_t + c * deferred_mwh
Money: each site-day line is rounded half-up to the cent (``vpp.money``); every total is the
sum of the rounded lines, so site lines add up to the portfolio line to the cent. The
optimiser's floats stop at the line. Same market data, fleet and settings -> the same figures
(HiGHS is deterministic; a run that hits the time limit is flagged ``time_limit``).
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from django.conf import settings

from sites.models import Site
from sites.selectors import site_specs
from vpp.errors import ApplicationError
from vpp.intervals import day_bounds, day_intervals, interval_hours
from vpp.money import round_money

from .exchange import get_client
from .optimiser import OptimiserError, OptimiserInput, optimise
from .runs import carbon_intensity

MODES = ("perfect", "naive")
MONEY_FIELDS = ("usual_cost", "energy_cost", "reduction_revenue", "saving")
CARBON_FIELDS = ("carbon_usual_t", "carbon_t", "carbon_saved_t")
CSV_COLUMNS = ("site_code", "node_code", *MONEY_FIELDS, "energy_usual_mwh", "energy_mwh")
CSV_COLUMNS = (*CSV_COLUMNS, "reduction_mwh", *CARBON_FIELDS)


@dataclass
class Line:
    """One site's figures over the backtest (or the portfolio's: ``site_code`` = "TOTAL")."""

    site_code: str
    node_code: str
    usual_cost: Decimal = Decimal("0.00")
    energy_cost: Decimal = Decimal("0.00")
    reduction_revenue: Decimal = Decimal("0.00")
    saving: Decimal = Decimal("0.00")
    energy_usual_mwh: float = 0.0
    energy_mwh: float = 0.0
    reduction_mwh: float = 0.0
    carbon_usual_t: float = 0.0
    carbon_t: float = 0.0
    carbon_saved_t: float = 0.0

    def add(self, other: Line) -> None:
        for name in (*MONEY_FIELDS, "energy_usual_mwh", "energy_mwh", "reduction_mwh"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for name in CARBON_FIELDS:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def rounded(self) -> dict:
        out = asdict(self)
        for name in ("energy_usual_mwh", "energy_mwh", "reduction_mwh", *CARBON_FIELDS):
            out[name] = round(out[name], 3)
        for name in MONEY_FIELDS:
            out[name] = str(out[name])
        return out


@dataclass
class BacktestReport:
    first_day: date
    last_day: date
    mode: str
    seed: int
    sites: list[Line]
    total: Line
    days: list[dict] = field(default_factory=list)  # per day: portfolio saving, status
    solve_seconds: float = 0.0

    def as_dict(self) -> dict:
        return {
            "first_day": self.first_day.isoformat(),
            "last_day": self.last_day.isoformat(),
            "mode": self.mode,
            "seed": self.seed,
            "sites": [s.rounded() for s in self.sites],
            "total": self.total.rounded(),
            "days": self.days,
            "solve_seconds": round(self.solve_seconds, 1),
        }

    def figures(self) -> dict:
        """The reproducible part (no timings)."""
        data = self.as_dict()
        data.pop("solve_seconds")
        for d in data["days"]:
            d.pop("solve_seconds", None)
        return data


def cleared_prices(day: date) -> dict[str, list[float]]:
    """Node -> the day's published day-ahead prices per interval; empty when not cleared."""
    start, end = day_bounds(day)
    starts = day_intervals(day)
    index = {t: k for k, t in enumerate(starts)}
    out: dict[str, list[float | None]] = {}
    for p in get_client().price_history(start=start, end=end, kind="da"):
        out.setdefault(p.node, [None] * len(starts))[index[p.interval_start]] = float(
            p.price_per_mwh
        )
    return {n: v for n, v in out.items() if all(x is not None for x in v)}


def _money(amount: float) -> Decimal:
    return round_money(Decimal(repr(amount)))


def _site_day(s, price: list[float], intensity: float, h: float) -> Line:
    u, q = s.usual_facility_mw, s.facility_mw
    mean_price = sum(price) / len(price)
    usual_cost = h * sum(p * x for p, x in zip(price, u, strict=True))
    energy_cost = h * sum(p * x for p, x in zip(price, q, strict=True))
    energy_cost += s.training_deferred_mwh * mean_price
    revenue = h * sum(p * max(0.0, a - b) for p, a, b in zip(price, u, q, strict=True))
    usual_money, energy_money = _money(usual_cost), _money(energy_cost)
    energy_usual = h * sum(u)
    energy = h * sum(q) + s.training_deferred_mwh
    return Line(
        site_code=s.site_code,
        node_code=s.node_code,
        usual_cost=usual_money,
        energy_cost=energy_money,
        reduction_revenue=_money(revenue),
        saving=usual_money - energy_money,
        energy_usual_mwh=energy_usual,
        energy_mwh=energy,
        reduction_mwh=h * sum(max(0.0, a - b) for a, b in zip(u, q, strict=True)),
        carbon_usual_t=intensity * energy_usual,
        carbon_t=intensity * energy,
        carbon_saved_t=intensity * (energy_usual - energy),
    )


def run_backtest(
    *, first_day: date, days: int, mode: str = "perfect", site_codes: list[str] | None = None
) -> BacktestReport:
    """Backtest ``days`` market days from ``first_day`` (module docstring)."""
    if mode not in MODES:
        raise ApplicationError(f"one of {', '.join(MODES)}", field="mode")
    if days < 1:
        raise ApplicationError("at least one day", field="days")
    qs = Site.objects.filter(active=True)
    if site_codes:
        qs = qs.filter(code__in=site_codes)
    specs = site_specs(qs)
    if not specs:
        raise ApplicationError("no active site to backtest", field="sites")
    h = interval_hours()
    by_site = {s.code: Line(site_code=s.code, node_code=s.node_code) for s in specs}
    report = BacktestReport(
        first_day=first_day,
        last_day=first_day + timedelta(days=days - 1),
        mode=mode,
        seed=settings.EXCHANGE_SCENARIO_SEED,
        sites=[],
        total=Line(site_code="TOTAL", node_code=""),
    )
    nodes = sorted({s.node_code for s in specs})
    intensity = carbon_intensity(nodes)
    for k in range(days):
        day = first_day + timedelta(days=k)
        actual = cleared_prices(day)
        decided = actual if mode == "perfect" else cleared_prices(day - timedelta(days=1))
        missing = [n for n in nodes if n not in actual or n not in decided]
        if missing:
            raise ApplicationError(
                f"no cleared day-ahead prices on or before {day} at {', '.join(missing)}; "
                "clear those days first",
                field="first_day",
            )
        starts = day_intervals(day)
        inp = OptimiserInput(
            sites=specs,
            interval_starts=starts,
            interval_hours=h,
            price_per_mwh={n: decided[n] for n in nodes},
            carbon_t_per_mwh={n: [intensity[n]] * len(starts) for n in nodes},
            carbon_price_per_t=0.0,
            time_limit_s=settings.TRADING_OPTIMISER_TIME_LIMIT_SECONDS,
            mip_gap=settings.TRADING_OPTIMISER_MIP_GAP,
        )
        try:
            schedule = optimise(inp, decompose=True)
        except OptimiserError as exc:
            raise ApplicationError(f"{day}: {exc}", field="first_day") from exc
        day_total = Line(site_code="TOTAL", node_code="")
        for code, s in schedule.sites.items():
            line = _site_day(s, actual[s.node_code], intensity[s.node_code], h)
            by_site[code].add(line)
            day_total.add(line)
        report.solve_seconds += schedule.solve_seconds + schedule.build_seconds
        report.days.append(
            {
                "market_day": day.isoformat(),
                "usual_cost": str(day_total.usual_cost),
                "energy_cost": str(day_total.energy_cost),
                "saving": str(day_total.saving),
                "carbon_saved_t": round(day_total.carbon_saved_t, 3),
                "status": schedule.status,
                "solve_seconds": round(schedule.solve_seconds, 2),
            }
        )
    report.sites = [by_site[c] for c in sorted(by_site)]
    for line in report.sites:
        report.total.add(line)
    return report


def to_csv(report: BacktestReport | dict) -> str:
    """Site lines then the TOTAL line, the columns of ``CSV_COLUMNS``."""
    data = report.as_dict() if isinstance(report, BacktestReport) else report
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    for row in [*data["sites"], data["total"]]:
        writer.writerow(row)
    return out.getvalue()


def result_path() -> Path:
    """Where the latest backtest is kept (``BACKTEST_DIR``, default ``var/backtest``)."""
    folder = getattr(settings, "BACKTEST_DIR", None) or Path(settings.VAR_DIR) / "backtest"
    return Path(folder) / "latest.json"


def save(report: BacktestReport) -> Path:
    path = result_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report.as_dict(), indent=1))
    return path


def load_latest() -> dict | None:
    path = result_path()
    if not path.exists():
        return None
    return json.loads(path.read_text())
