"""Storing a clearing's results: the price per node and interval, the flow per line and
interval, the award per bid segment.

Rounding (docs/exchange.md, price rule 5): a price is the LP's float rounded half-even to the
cent (``Decimal(str(round(p, 2)))``), an award the same to 0.001 MW; an award is settled at
its node's rounded price for its interval.

Two paths write the same rows. On PostgreSQL, ``COPY`` straight into the three tables from
plain tuples (a 118-bus day is about 40,000 rows: no model object and no per-value
``get_db_prep_save`` for each, which is where ``bulk_create`` spent nine tenths of its time);
elsewhere (the demo's SQLite) ``bulk_create``. The caller holds the auction's row lock and the
auction has no results yet, so the rows are plain inserts; the tables' unique constraints
still check them, and a failure rolls back with the caller's transaction.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import connection

from .clearing import ClearingOutcome
from .models import Auction, Award, Line, LineFlow, Node, NodePrice

CENT = Decimal("0.01")
MW_STEP = Decimal("0.001")


def price(value: float) -> Decimal:
    return Decimal(str(round(value, 2))).quantize(CENT)


def awarded_mw(value: float) -> Decimal:
    return Decimal(str(round(value, 3))).quantize(MW_STEP)


def store_results(
    *, auction: Auction, built, outcome: ClearingOutcome, method: str | None = None
) -> None:
    """Write ``outcome``'s prices, flows and awards for ``auction``, cleared from ``built``
    (``services.BuiltCase``: the case, its interval starts, its segments by key, and the
    inelastic demand's two parts). ``method``: ``copy`` (PostgreSQL only) or ``orm``; by default
    ``copy`` where the database has it."""
    method = method or ("copy" if connection.vendor == "postgresql" else "orm")
    case, starts, segments = built.case, built.starts, built.segments
    node_ids = dict(Node.objects.values_list("code", "pk"))
    line_ids = dict(Line.objects.values_list("code", "pk"))
    limits = {ln.code: ln.limit_mw for ln in case.lines}
    prices = {code: [price(p) for p in ps] for code, ps in outcome.prices.items()}
    index = {s: k for k, s in enumerate(starts)}
    T = range(len(starts))
    tables = {
        NodePrice: (
            [
                "auction",
                "node",
                "interval_start",
                "price_per_mwh",
                "demand_mw",
                "participant_demand_mw",
                "unserved_mw",
            ],
            [
                (
                    auction.pk,
                    node_ids[code],
                    starts[t],
                    prices[code][t],
                    built.exogenous_mw[code][t],
                    built.participant_mw[code][t],
                    outcome.unserved_mw[code][t],
                )
                for code in case.nodes
                for t in T
            ],
        ),
        LineFlow: (
            [
                "auction",
                "line",
                "interval_start",
                "flow_mw",
                "limit_mw",
                "congested",
                "shadow_price_per_mwh",
            ],
            [
                (
                    auction.pk,
                    line_ids[code],
                    starts[t],
                    flows[t],
                    limits[code],
                    outcome.congested(code, t, limits[code]),
                    outcome.line_shadow_prices[code][t],
                )
                for code, flows in outcome.flows_mw.items()
                for t in T
            ],
        ),
        Award: (
            ["segment", "auction", "awarded_mw", "price_per_mwh"],
            [
                (
                    seg.pk,
                    auction.pk,
                    awarded_mw(outcome.awards_mw[key]),
                    prices[seg.node.code][index[seg.interval_start]],
                )
                for key, seg in segments.items()
            ],
        ),
    }
    for model, (fields, rows) in tables.items():
        if method == "copy":
            _copy(model, fields, rows)
        else:
            attnames = [model._meta.get_field(f).attname for f in fields]
            model.objects.bulk_create(
                (model(**dict(zip(attnames, row, strict=True))) for row in rows), batch_size=5000
            )


def _copy(model, fields: list[str], rows: list[tuple]) -> None:
    columns = ", ".join(model._meta.get_field(f).column for f in fields)
    with connection.cursor() as cursor:
        # Django's cursor wraps psycopg's, whose copy() streams the rows.
        with cursor.cursor.copy(f"COPY {model._meta.db_table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
