"""Bulk import of a fleet from one CSV or JSON file: all or nothing, with a per-row report.

JSON: ``{"sites": [{<site fields>, "batteries": [...], "workloads": [{..., "jobs": [...]}]}]}``.
CSV: one record a row; column ``record`` is ``site``, ``battery``, ``workload`` or ``job``; a
battery or workload row names its site in ``site`` (the site code), a job row its site and its
batch class in ``site`` and ``workload``; ``pue_hourly`` is 24 numbers separated by ``;``; an empty
cell means "not given". Field names are those of the API (see docs/sites.md).

Every record is checked with the API's serializers and the services' rules; if any fails, nothing
is stored and every failing row is reported.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from rest_framework import serializers

from vpp.errors import ApplicationError
from vpp.limits import loads_bounded
from vpp.models import User

from . import services
from .api.serializers import (
    BatterySerializer,
    JobSerializer,
    SiteSerializer,
    WorkloadClassSerializer,
)
from .models import Battery, Job, Site, WorkloadClass
from .selectors import sites_managed_by

RECORD_KINDS = ("site", "battery", "workload", "job")


@dataclass
class Record:
    row: int
    where: str
    kind: str
    fields: dict[str, Any]


@dataclass
class RowError:
    row: int
    record: str
    errors: dict[str, list[str]]


@dataclass
class ImportCounts:
    sites: int = 0
    batteries: int = 0
    workloads: int = 0
    jobs: int = 0


class FleetImportError(ApplicationError):
    def __init__(self, rows: list[RowError]) -> None:
        super().__init__(
            f"{len(rows)} record(s) have errors; nothing was imported",
            field="file",
            code="import_rejected",
        )
        self.rows = rows


@dataclass
class _Context:
    actor: User
    sites: dict[str, Site] = field(default_factory=dict)
    classes: dict[tuple[str, str], WorkloadClass] = field(default_factory=dict)
    counts: ImportCounts = field(default_factory=ImportCounts)


def parse(content: bytes, filename: str) -> list[Record]:
    """Records of a ``.json`` or ``.csv`` file, in file order."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ApplicationError("the file is not UTF-8 text", field="file") from exc
    if "\x00" in text:
        raise ApplicationError("the file contains NUL bytes: not a text file", field="file")
    if filename.lower().endswith(".json"):
        return _parse_json(text)
    if filename.lower().endswith(".csv"):
        return _parse_csv(text)
    raise ApplicationError("give a .csv or .json file", field="file")


def _parse_json(text: str) -> list[Record]:
    doc = loads_bounded(text, field="file")
    if not isinstance(doc, dict) or not isinstance(doc.get("sites"), list):
        raise ApplicationError('a fleet file is an object with a "sites" list', field="file")
    records: list[Record] = []
    for i, site in enumerate(doc["sites"]):
        if not isinstance(site, dict):
            raise ApplicationError(f"sites[{i}] is not an object", field="file")
        site = dict(site)
        batteries, workloads = site.pop("batteries", []), site.pop("workloads", [])
        code = site.get("code", "")
        records.append(Record(len(records) + 1, f"sites[{i}]", "site", site))
        for j, battery in enumerate(batteries):
            where = f"sites[{i}].batteries[{j}]"
            records.append(Record(len(records) + 1, where, "battery", {**battery, "site": code}))
        for j, workload in enumerate(workloads):
            workload = dict(workload)
            jobs = workload.pop("jobs", [])
            where = f"sites[{i}].workloads[{j}]"
            records.append(Record(len(records) + 1, where, "workload", {**workload, "site": code}))
            for k, job in enumerate(jobs):
                fields = {**job, "site": code, "workload": workload.get("name", "")}
                records.append(Record(len(records) + 1, f"{where}.jobs[{k}]", "job", fields))
    return records


def _parse_csv(text: str) -> list[Record]:
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or "record" not in reader.fieldnames:
        raise ApplicationError('a fleet CSV needs a "record" column', field="file")
    records = []
    try:
        rows = list(reader)
    except csv.Error as exc:
        raise ApplicationError(f"line {reader.line_num}: {exc}", field="file") from exc
    for line_no, raw in enumerate(rows, start=2):
        fields = {k: v.strip() for k, v in raw.items() if k and v is not None and v.strip() != ""}
        kind = fields.pop("record", "")
        if "pue_hourly" in fields:
            try:
                fields["pue_hourly"] = [float(v) for v in fields["pue_hourly"].split(";")]
            except ValueError:
                fields["pue_hourly"] = "not numbers"
        records.append(Record(len(records) + 1, f"line {line_no}", kind, fields))
    return records


def _errors_of(exc: Exception) -> dict[str, list[str]]:
    if isinstance(exc, serializers.ValidationError):
        detail = exc.detail
        if isinstance(detail, dict):
            return {
                k: [str(m) for m in (v if isinstance(v, list) else [v])] for k, v in detail.items()
            }
        return {"detail": [str(m) for m in detail]}
    if isinstance(exc, DjangoValidationError):
        return exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
    if isinstance(exc, ApplicationError):
        return exc.as_dict()
    raise exc


def _validated(serializer_class, data: dict, ctx: _Context) -> dict:
    request = SimpleNamespace(user=ctx.actor)
    serializer = serializer_class(data=data, context={"request": request})
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _site_ref(ctx: _Context, code: str) -> Site:
    site = ctx.sites.get(code) or sites_managed_by(ctx.actor).filter(code=code).first()
    if site is None:
        raise ApplicationError(f"no site {code!r} in this file or among your sites", field="site")
    return site


def _import_one(ctx: _Context, rec: Record) -> None:
    data = dict(rec.fields)
    if rec.kind == "site":
        values = _validated(SiteSerializer, data, ctx)
        site = services.site_create(actor=ctx.actor, **values)
        ctx.sites[site.code] = site
        ctx.counts.sites += 1
    elif rec.kind == "battery":
        data["site"] = _site_ref(ctx, str(data.get("site", ""))).pk
        values = _validated(BatterySerializer, data, ctx)
        battery = Battery(site=values.pop("site"))
        services.save_resource(
            actor=ctx.actor, instance=battery, fields=values, action="battery.create"
        )
        ctx.counts.batteries += 1
    elif rec.kind == "workload":
        site = _site_ref(ctx, str(data.get("site", "")))
        data["site"] = site.pk
        values = _validated(WorkloadClassSerializer, data, ctx)
        values.pop("site")
        workload = services.save_resource(
            actor=ctx.actor, instance=WorkloadClass(site=site), fields=values,
            action="workloadclass.create",
        )  # fmt: skip
        ctx.classes[(site.code, workload.name)] = workload
        ctx.counts.workloads += 1
    elif rec.kind == "job":
        site = _site_ref(ctx, str(data.get("site", "")))
        key = (site.code, str(data.get("workload", "")))
        workload = ctx.classes.get(key) or site.workloads.filter(name=key[1]).first()
        if workload is None:
            raise ApplicationError(f"no workload class {key[1]!r} at {site.code}", field="workload")
        data.pop("site")
        data["workload"] = workload.pk
        values = _validated(JobSerializer, data, ctx)
        values.pop("workload")
        services.save_resource(
            actor=ctx.actor, instance=Job(workload=workload), fields=values, action="job.create"
        )
        ctx.counts.jobs += 1
    else:
        raise ApplicationError(f"record must be one of {', '.join(RECORD_KINDS)}", field="record")


def import_fleet(*, actor: User, records: list[Record]) -> ImportCounts:
    """Create every record, or none: the first failure does not stop the checking of the
    rest, so the report lists every bad row; then the whole transaction is rolled back."""
    if not records:
        raise ApplicationError("the file holds no records", field="file")
    ctx = _Context(actor=actor)
    errors: list[RowError] = []
    with transaction.atomic():
        for rec in records:
            try:
                with transaction.atomic():
                    _import_one(ctx, rec)
            except (serializers.ValidationError, DjangoValidationError, ApplicationError) as exc:
                errors.append(RowError(rec.row, f"{rec.where} ({rec.kind})", _errors_of(exc)))
        if errors:
            raise FleetImportError(errors)
    return ctx.counts
