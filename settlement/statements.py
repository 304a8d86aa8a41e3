"""Building a market day's statement from its inputs, versioning it and listing what changed.

Settled intervals of a site: the intervals of the market day in which it holds a final dispatch
instruction (the latest version that is not superseded or cancelled). Confirmed: its
``reduction_mw`` is instructed; declined, expired or still pending: zero instructed.

Inputs, read here: the instructions (dispatch, read-only), the current meter readings of the
day, the sites' baseline results (computed by the pipeline's baseline stage, by the method named
in ``SETTLEMENT_BASELINE_METHOD``), and the day-ahead and real-time prices through the trading
desk's exchange client (published auctions only; DA falls back to the award's clearing price).

Versioning: ``input_digest`` is a SHA-256 over every input's identity and version. Under a
per-day advisory lock (PostgreSQL) the latest statement of the day is read: the same digest
returns it and makes nothing; otherwise version n + 1 is stored with the per-site, per-interval
changes against version n. A stored statement is never changed.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction

from sites.models import Site
from vpp import audit, clock
from vpp.intervals import day_bounds, day_intervals, interval_hours

from . import performance, reports
from .models import (
    BaselineResult,
    MeterReading,
    SettlementRun,
    Statement,
    StatementLine,
    flag_names,
)

FINAL_EXCLUDED = ("superseded", "cancelled")


def baseline_method_name() -> str:
    return getattr(settings, "SETTLEMENT_BASELINE_METHOD", "cn_similar_days")


def final_instructions(day: date) -> dict[int, dict]:
    """``{site_id: {interval_start: instruction}}`` of the day's final instructions."""
    from dispatch.models import Instruction  # settlement reads dispatch, never writes it

    out: dict[int, dict] = defaultdict(dict)
    qs = (
        Instruction.objects.filter(market_day=day)
        .exclude(state__in=FINAL_EXCLUDED)
        .order_by("site_id", "interval_start", "-version")
        .only(
            "pk", "site_id", "interval_start", "interval_end", "reduction_mw", "state", "node_code"
        )
    )
    for i in qs:
        out[i.site_id].setdefault(i.interval_start, i)
    return dict(out)


def event_window(instructions: dict) -> tuple:
    starts = sorted(instructions)
    return starts[0], max(i.interval_end for i in instructions.values())


def _prices(day: date, nodes: list[str]) -> tuple[dict, dict, dict]:
    """DA and RT prices ``{(node, start): Decimal}`` and a digest of what was read."""
    from market.trading.exchange import get_client
    from market.trading.models import AwardReceived

    start, end = day_bounds(day)
    client = get_client()
    da = {(p.node, p.interval_start): Decimal(p.price_per_mwh) for p in client.price_history(
        start=start, end=end, kind="da", nodes=nodes)}  # fmt: skip
    rt = {(p.node, p.interval_start): Decimal(p.price_per_mwh) for p in client.price_history(
        start=start, end=end, kind="rt", nodes=nodes)}  # fmt: skip
    awarded = AwardReceived.objects.filter(
        node_code__in=nodes, interval_start__gte=start, interval_start__lt=end
    ).values_list("node_code", "interval_start", "price_per_mwh")
    fallback = 0
    for node, t, price in awarded:
        if (node, t) not in da:
            da[(node, t)] = price
            fallback += 1
    h = hashlib.sha256()
    for kind, table in (("da", da), ("rt", rt)):
        for (node, t), price in sorted(table.items()):
            h.update(f"{kind}|{node}|{t.isoformat()}|{price}\n".encode())
    source = {"da_points": len(da), "da_from_awards": fallback, "rt_points": len(rt),
              "digest": h.hexdigest()}  # fmt: skip
    return da, rt, source


def gather(*, day: date, baseline_ids: dict[int, int] | None = None) -> dict:
    """Everything the statement of ``day`` is computed from (see the module docstring)."""
    instructions = final_instructions(day)
    site_ids = sorted(instructions)
    sites = {s.pk: s for s in Site.objects.filter(pk__in=site_ids).only("pk", "code")}
    start, end = day_bounds(day)
    readings: dict[int, dict] = defaultdict(dict)
    h = hashlib.sha256()
    by_version: dict[str, int] = {}
    for r in (
        MeterReading.objects.current()
        .filter(site_id__in=site_ids, interval_start__gte=start, interval_start__lt=end)
        .order_by("site_id", "interval_start")
        .values_list("pk", "site_id", "interval_start", "load_mw", "version", "flags")
    ):
        readings[r[1]][r[2]] = r
        h.update(f"{r[1]}|{r[2].isoformat()}|{r[0]}|{r[4]}\n".encode())
        by_version[str(r[4])] = by_version.get(str(r[4]), 0) + 1
    baselines = {}
    if baseline_ids:
        for b in BaselineResult.objects.filter(pk__in=baseline_ids.values()).select_related(
            "method"
        ):
            baselines[b.site_id] = b
    nodes = sorted({i.node_code for per in instructions.values() for i in per.values()})
    da, rt, price_source = _prices(day, nodes)
    return {
        "day": day,
        "instructions": instructions,
        "sites": sites,
        "readings": readings,
        "baselines": baselines,
        "da": da,
        "rt": rt,
        "inputs": {
            "meter_readings": {
                "count": sum(by_version.values()),
                "by_version": by_version,
                "digest": h.hexdigest(),
            },  # fmt: skip
            "baselines": [
                {
                    "site": sites[s].code,
                    "result_id": b.pk,
                    "method": str(b.method),
                    "input_digest": b.input_digest,
                }
                for s, b in sorted(baselines.items())
            ],  # fmt: skip
            "instructions": [
                [i.pk, i.state, str(i.reduction_mw)]
                for s in site_ids
                for _, i in sorted(instructions[s].items())
            ],
            "prices": price_source,
        },
    }


def compute_lines(
    data: dict, rules: performance.Rules
) -> list[tuple[Site | None, performance.SiteResult]]:
    """The site lines (by site code) and the portfolio line last."""
    hours = Decimal(str(interval_hours()))
    out = []
    for site_id, per in data["instructions"].items():
        baseline = data["baselines"].get(site_id)
        values = {}
        if baseline is not None:
            values = dict(zip(day_intervals(data["day"]), baseline.baseline_mw, strict=False))
        inputs = []
        for t, ins in sorted(per.items()):
            r = data["readings"].get(site_id, {}).get(t)
            node = ins.node_code
            da = data["da"].get((node, t))
            b = values.get(t)
            inputs.append(
                performance.IntervalInput(
                    interval_start=t.isoformat(),
                    instructed_mw=ins.reduction_mw if ins.state == "confirmed" else Decimal(0),
                    baseline_mw=None if b is None else Decimal(str(b)),
                    metered_mw=None if r is None else r[3],
                    da_price_per_mwh=da if da is not None else Decimal(0),
                    rt_price_per_mwh=data["rt"].get((node, t)),
                    meter_flags=(*flag_names(r[5]),) if r is not None else (),
                    instruction_state=ins.state,
                )
            )
        out.append(
            (data["sites"][site_id], performance.settle_site(inputs, hours=hours, rules=rules))
        )
    out.sort(key=lambda pair: pair[0].code)
    out.append((None, performance.portfolio([r for _, r in out], rules)))
    return out


def input_digest(method: dict, inputs: dict) -> str:
    blob = json.dumps({"method": method, "inputs": inputs}, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def _lock_day(day: date) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s, %s)", [7306, day.toordinal()])


def diff(old: Statement, new_lines: list) -> list[dict]:
    """Per site and interval, what differs between ``old`` and the new lines."""
    before = {line.site_code: line for line in old.lines.all()}
    changes = []
    for site, result in new_lines:
        code = site.code if site else ""
        prev = before.pop(code, None)
        prev_rows = {r["interval_start"]: r for r in (prev.intervals if prev else [])}
        for row in result.intervals:
            p = prev_rows.pop(row["interval_start"], None)
            keys = (
                "metered_mw",
                "baseline_mw",
                "delivered_mwh",
                "instructed_mwh",
                "rt_price_per_mwh",
            )
            if p is None or any(p[k] != row[k] for k in keys):
                changes.append(_change(code, row["interval_start"], p, row))
        for t, p in prev_rows.items():
            changes.append(_change(code, t, p, None))
        if prev is None or prev.net_amount != result.net_amount:
            changes.append({"site": code or "portfolio", "interval_start": None,
                            "old_net_amount": str(prev.net_amount) if prev else None,
                            "new_net_amount": str(result.net_amount)})  # fmt: skip
    for code, prev in before.items():
        changes.append(
            {
                "site": code,
                "interval_start": None,
                "old_net_amount": str(prev.net_amount),
                "new_net_amount": None,
            }
        )
    return changes


def _net(row: dict | None) -> str | None:
    if row is None:
        return None
    return str(Decimal(row["da_credit"]) + Decimal(row["rt_deviation"]) - Decimal(row["penalty"]))


def _change(code: str, t: str, old: dict | None, new: dict | None) -> dict:
    def get(row, key):
        return row[key] if row else None

    return {
        "site": code,
        "interval_start": t,
        "old_metered_mw": get(old, "metered_mw"),
        "new_metered_mw": get(new, "metered_mw"),
        "old_delivered_mwh": get(old, "delivered_mwh"),
        "new_delivered_mwh": get(new, "delivered_mwh"),
        "old_net": _net(old),
        "new_net": _net(new),
    }


@transaction.atomic
def build_statement(
    *, day: date, run: SettlementRun | None = None, baseline_ids: dict[int, int] | None = None
) -> tuple[Statement, bool]:
    """The statement of ``day`` for the current inputs: ``(statement, created)``.

    Idempotent: unchanged inputs return the latest version and store nothing."""
    _lock_day(day)
    rules = performance.Rules.from_settings()
    data = gather(day=day, baseline_ids=baseline_ids)
    method = {"baseline_method": sorted({b["method"] for b in data["inputs"]["baselines"]}),
              "money_rules": rules.as_dict(), "currency": _currency()}  # fmt: skip
    digest = input_digest(method, data["inputs"])
    latest = Statement.objects.filter(market_day=day).order_by("-version").first()
    if latest is not None and latest.input_digest == digest:
        return latest, False
    lines = compute_lines(data, rules)
    checksum = hashlib.sha256(reports.canonical_csv_from_results(lines).encode()).hexdigest()
    total = lines[-1][1]
    statement = Statement(
        market_day=day,
        version=latest.version + 1 if latest else 1,
        previous=latest,
        currency=_currency(),
        method=method,
        inputs=data["inputs"],
        input_digest=digest,
        checksum=checksum,
        changes=diff(latest, lines) if latest else [],
        instructed_mwh=total.instructed_mwh,
        delivered_mwh=total.delivered_mwh,
        net_amount=total.net_amount,
        created_at=clock.now(),
        run=run,
    )
    statement.full_clean()
    statement.save()
    StatementLine.objects.bulk_create(
        [
            StatementLine(
                statement=statement,
                site=site,
                site_code=site.code if site else "",
                instructed_mwh=r.instructed_mwh,
                delivered_mwh=r.delivered_mwh,
                shortfall_mwh=r.shortfall_mwh,
                performance_factor=r.performance_factor,
                da_credit=r.da_credit,
                rt_deviation=r.rt_deviation,
                penalty=r.penalty,
                net_amount=r.net_amount,
                flags=r.flags,
                intervals=r.intervals,
            )
            for site, r in lines
        ],  # fmt: skip
        batch_size=500,
    )
    audit.record(
        actor=run.started_by if run else None,
        action="settlement.statement_created",
        obj=statement,
        changes={
            "market_day": day.isoformat(),
            "version": statement.version,
            "checksum": checksum,
            "input_digest": digest,
            "changed_rows": len(statement.changes),
        },  # fmt: skip
    )
    return statement, True


def _currency() -> str:
    return getattr(settings, "MARKET_CURRENCY", "CNY")
