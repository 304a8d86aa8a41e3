"""Statement downloads: CSV, XLSX (openpyxl) and PDF (fpdf2), each with the method, the input
versions and the checksum.

The checksum of a statement is the SHA-256 of its **canonical CSV**: the header
:data:`COLUMNS` and, per line in site-code order (the portfolio line last), one ``line`` row and
then one ``interval`` row per settled interval, values as stored (money of a line rounded to the
cent; interval money exact), ``\\n`` line ends, UTF-8. The CSV download is a ``#`` preamble
(method, inputs, checksum) followed by the canonical CSV, so anyone can recompute the checksum
from the rows below the preamble. Downloads are deterministic: the same statement gives the same
bytes (the files carry the statement's creation time, never the time of the download).
"""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

COLUMNS = (
    "row", "site_code", "interval_start", "instruction_state", "instructed_mwh",
    "baseline_mw", "metered_mw", "delivered_mwh", "shortfall_mwh", "performance_factor",
    "da_price_per_mwh", "rt_price_per_mwh", "rt_price_source", "da_credit", "rt_deviation",
    "penalty", "net_amount", "flags",
)  # fmt: skip


def _fmt(value, places: int) -> str:
    if value is None:
        return ""
    return str(Decimal(value).quantize(Decimal(1).scaleb(-places)))


def _line_row(code, r) -> list[str]:
    return ["line", code or "portfolio", "", "", _fmt(r.instructed_mwh, 6), "", "",
            _fmt(r.delivered_mwh, 6), _fmt(r.shortfall_mwh, 6), _fmt(r.performance_factor, 4),
            "", "", "", _fmt(r.da_credit, 2), _fmt(r.rt_deviation, 2), _fmt(r.penalty, 2),
            _fmt(r.net_amount, 2), json.dumps(r.flags, sort_keys=True)]  # fmt: skip


def _interval_row(code, i: dict) -> list[str]:
    net = Decimal(i["da_credit"]) + Decimal(i["rt_deviation"]) - Decimal(i["penalty"])
    return ["interval", code, i["interval_start"], i["instruction_state"], i["instructed_mwh"],
            i["baseline_mw"] or "", i["metered_mw"] or "", i["delivered_mwh"],
            i["shortfall_mwh"], "", i["da_price_per_mwh"], i["rt_price_per_mwh"],
            i["rt_price_source"], i["da_credit"], i["rt_deviation"], i["penalty"], str(net),
            "|".join(i["flags"])]  # fmt: skip


def _write(rows) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(COLUMNS)
    w.writerows(rows)
    return buf.getvalue()


def _rows(pairs) -> list[list[str]]:
    out = []
    for code, r in pairs:
        out.append(_line_row(code, r))
        out.extend(_interval_row(code or "portfolio", i) for i in r.intervals)
    return out


def canonical_csv_from_results(lines) -> str:
    """The canonical CSV of computed lines ``[(site | None, SiteResult)]``."""
    return _write(_rows([(site.code if site else "", r) for site, r in lines]))


def ordered_lines(statement) -> list:
    lines = list(statement.lines.all())
    return sorted(lines, key=lambda x: (x.site_id is None, x.site_code))


def canonical_csv(statement, lines=None) -> str:
    """The canonical CSV of stored lines (all of them unless ``lines`` is given)."""
    lines = ordered_lines(statement) if lines is None else lines
    return _write(_rows([(x.site_code, x) for x in lines]))


def preamble(statement) -> list[tuple[str, str]]:
    return [
        ("statement", f"market day {statement.market_day.isoformat()} version {statement.version}"),
        ("created_at", statement.created_at.isoformat()),
        ("currency", statement.currency),
        ("method", json.dumps(statement.method, sort_keys=True)),
        ("inputs", json.dumps(statement.inputs, sort_keys=True)),
        ("input_digest", statement.input_digest),
        ("checksum_sha256", statement.checksum),
    ]


def csv_report(statement) -> bytes:
    head = "".join(f"# {k}: {v}\n" for k, v in preamble(statement))
    note = "# checksum_sha256 is the SHA-256 of the lines below this preamble\n"
    return (head + note + canonical_csv(statement)).encode()


def xlsx_report(statement) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    wb.properties.created = statement.created_at.replace(tzinfo=None)
    wb.properties.modified = statement.created_at.replace(tzinfo=None)
    info = wb.active
    info.title = "Statement"
    for k, v in preamble(statement):
        info.append([k, v])
    sheet = wb.create_sheet("Lines")
    for row in csv.reader(io.StringIO(canonical_csv(statement))):
        sheet.append(row)
    changes = wb.create_sheet("Changes")
    keys = sorted({k for c in statement.changes for k in c})
    changes.append(keys)
    for c in statement.changes:
        changes.append([c.get(k) for k in keys])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def pdf_report(statement) -> bytes:
    from fpdf import FPDF

    pdf = FPDF(orientation="L")
    pdf.set_creation_date(statement.created_at)
    pdf.set_title(f"Settlement statement {statement.market_day} v{statement.version}")
    pdf.set_subject(f"checksum_sha256 {statement.checksum}")
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 14)
    pdf.cell(0, 8, f"Settlement statement {statement.market_day} version {statement.version}",
             new_x="LMARGIN", new_y="NEXT")  # fmt: skip
    pdf.set_font("Helvetica", size=8)
    for k, v in preamble(statement):
        pdf.multi_cell(0, 4, f"{k}: {v}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    heads = ("site", "instructed MWh", "delivered MWh", "shortfall MWh", "perf. factor",
             "DA credit", "RT deviation", "penalty", "net")  # fmt: skip
    widths = (50, 28, 28, 28, 22, 28, 28, 28, 28)
    pdf.set_font("Helvetica", "B", 8)
    for h, w in zip(heads, widths, strict=True):
        pdf.cell(w, 5, h, border=1)
    pdf.ln()
    pdf.set_font("Helvetica", size=8)
    for x in ordered_lines(statement):
        cells = (x.site_code or "portfolio", _fmt(x.instructed_mwh, 6), _fmt(x.delivered_mwh, 6),
                 _fmt(x.shortfall_mwh, 6), _fmt(x.performance_factor, 4), _fmt(x.da_credit, 2),
                 _fmt(x.rt_deviation, 2), _fmt(x.penalty, 2), _fmt(x.net_amount, 2))  # fmt: skip
        for c, w in zip(cells, widths, strict=True):
            pdf.cell(w, 5, c, border=1)
        pdf.ln()
    if statement.changes:
        pdf.ln(2)
        pdf.multi_cell(
            0,
            4,
            f"Changes against version {statement.version - 1}: "
            f"{len(statement.changes)} row(s); see the XLSX 'Changes' sheet.",
        )
    pdf.ln(2)
    pdf.multi_cell(
        0,
        4,
        "Interval detail: the CSV or XLSX download. The checksum is the "
        "SHA-256 of the canonical CSV of the lines (settlement/reports.py).",
    )
    return bytes(pdf.output())


FORMATS = {
    "csv": ("text/csv; charset=utf-8", csv_report),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", xlsx_report),
    "pdf": ("application/pdf", pdf_report),
}


PERIOD_COLUMNS = ("site_code", "market_days", "instructed_mwh", "delivered_mwh", "shortfall_mwh",
                  "da_credit", "rt_deviation", "penalty", "net_amount")  # fmt: skip


def period_csv(statements) -> tuple[bytes, str]:
    """A period report over the given statements (the latest version of each day): per site the
    sums of its lines (already rounded: the sums are exact), the portfolio last, preceded by a
    preamble listing every statement used (day, version, checksum). Returns ``(bytes,
    checksum)``, the checksum being the SHA-256 of the rows below the preamble."""
    import hashlib

    totals: dict[str, dict] = {}
    for st in statements:
        for line in st.lines.all():
            t = totals.setdefault(line.site_code, {"market_days": 0, **{
                k: Decimal(0) for k in PERIOD_COLUMNS[2:]}})  # fmt: skip
            t["market_days"] += 1
            for k in PERIOD_COLUMNS[2:]:
                t[k] += getattr(line, k)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(PERIOD_COLUMNS)
    for code in sorted(totals, key=lambda c: (c == "", c)):
        t = totals[code]
        w.writerow([code or "portfolio", t["market_days"],
                    *(_fmt(t[k], 6) for k in PERIOD_COLUMNS[2:5]),
                    *(_fmt(t[k], 2) for k in PERIOD_COLUMNS[5:])])  # fmt: skip
    body = buf.getvalue()
    checksum = hashlib.sha256(body.encode()).hexdigest()
    head = "".join(
        f"# statement: {st.market_day.isoformat()} v{st.version} checksum {st.checksum}\n"
        for st in statements
    )
    head += f"# checksum_sha256: {checksum}\n# checksum_sha256 is the SHA-256 of the rows below\n"
    return (head + body).encode(), checksum
