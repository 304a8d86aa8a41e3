"""``python manage.py baseline loads.csv --day 2026-07-15 --method caiso_10in10 ...``

Computes a baseline from a CSV of interval loads with a preset or a JSON parameter set and
prints the days used, the days excluded with the reason, the adjustment and every interval's
value, so anyone can check the method on their own data. Touches no database.

CSV: a header and the columns ``interval_start`` (ISO 8601 with an offset), ``load_mw`` and,
optionally, ``temperature_c`` (for the regression method). One row per interval.
"""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.dateparse import parse_datetime

from settlement.baselines import (
    PRESETS,
    BaselineError,
    BaselineInput,
    BaselineParams,
    ParamsError,
    compute,
)


def _aware(text: str, what: str):
    value = parse_datetime(text.strip()) if text else None
    if value is None:
        raise CommandError(f"{what}: {text!r} is not an ISO 8601 datetime")
    if value.tzinfo is None:
        raise CommandError(f"{what}: {text!r} is naive; give an offset, e.g. +08:00")
    return value


def read_loads(path: Path) -> tuple[dict, dict | None]:
    loads, temps = {}, {}
    with path.open(newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        if not {"interval_start", "load_mw"} <= set(reader.fieldnames or ()):
            raise CommandError("the CSV needs the columns interval_start, load_mw")
        for row in reader:
            where = f"line {reader.line_num}"
            t = _aware(row["interval_start"], f"{where} interval_start")
            try:
                loads[t] = float(row["load_mw"])
                if row.get("temperature_c") not in (None, ""):
                    temps[t] = float(row["temperature_c"])
            except ValueError as exc:
                raise CommandError(f"{where}: {exc}") from exc
    return loads, (temps or None)


def load_params(method: str) -> tuple[str, BaselineParams]:
    if method in PRESETS:
        return method, PRESETS[method]
    path = Path(method)
    if not path.exists():
        raise CommandError(f"{method!r} is neither a preset ({', '.join(PRESETS)}) nor a file")
    try:
        return path.name, BaselineParams.from_dict(json.loads(path.read_text()))
    except (json.JSONDecodeError, ParamsError) as exc:
        raise CommandError(f"{path}: {exc}") from exc


class Command(BaseCommand):
    help = "Compute a baseline from a CSV of interval loads and print it (no database)."

    def add_arguments(self, parser):
        parser.add_argument("csv", type=Path)
        parser.add_argument("--day", required=True, help="target day YYYY-MM-DD (local)")
        parser.add_argument("--method", default="caiso_10in10", help="preset or JSON file")
        parser.add_argument("--event-start", help="ISO 8601 with offset")
        parser.add_argument("--event-end", help="ISO 8601 with offset")
        parser.add_argument("--event-days", default="", help="comma-separated YYYY-MM-DD")
        parser.add_argument("--zone", default=settings.MARKET_TIME_ZONE)
        parser.add_argument(
            "--interval-minutes", type=int, default=settings.MARKET_INTERVAL_MINUTES
        )
        parser.add_argument("--json", action="store_true", help="print JSON instead of text")

    def handle(self, *args, **opts):
        try:
            zone = ZoneInfo(opts["zone"])
            day = date.fromisoformat(opts["day"])
            event_days = frozenset(
                date.fromisoformat(d) for d in opts["event_days"].split(",") if d.strip()
            )
        except (ValueError, ZoneInfoNotFoundError) as exc:
            raise CommandError(str(exc)) from exc
        name, params = load_params(opts["method"])
        loads, temps = read_loads(opts["csv"])
        inp = BaselineInput(
            day=day,
            loads_mw=loads,
            zone=zone,
            interval_minutes=opts["interval_minutes"],
            event_start=_aware(opts["event_start"], "--event-start")
            if opts["event_start"]
            else None,
            event_end=_aware(opts["event_end"], "--event-end") if opts["event_end"] else None,
            event_days=event_days,
            temperatures_c=temps,
        )
        try:
            out = compute(inp, params)
        except BaselineError as exc:
            raise CommandError(f"{exc.field}: {exc.message}") from exc
        if opts["json"]:
            body = {
                "method": name,
                "params": params.as_dict(),
                "day": day.isoformat(),
                "used_days": out.used_days_json(),
                "excluded_days": out.excluded_days_json(),
                "adjustment": out.adjustment,
                "intervals": [
                    {"interval_start": t.isoformat(), "baseline_mw": round(v, 6)}
                    for t, v in zip(out.interval_starts, out.baseline_mw, strict=True)
                ],
            }
            self.stdout.write(json.dumps(body, indent=2))
            return
        w = self.stdout.write
        w(f"baseline of {day} ({zone.key}) by {name}: {len(out.baseline_mw)} intervals")
        w(f"used days ({len(out.used_days)}): {', '.join(out.used_days_json()) or '-'}")
        w(f"excluded days ({len(out.excluded_days)}):")
        for e in out.excluded_days:
            w(f"  {e['day']}  {e['reason']:<13} {e['detail']}")
        w(f"adjustment: {json.dumps(out.adjustment)}")
        w("local time        UTC start                  baseline_mw")
        for t, v in zip(out.interval_starts, out.baseline_mw, strict=True):
            local = t.astimezone(zone)
            w(f"{local:%Y-%m-%d %H:%M}  {t.isoformat():<25}  {v:12.6f}")
