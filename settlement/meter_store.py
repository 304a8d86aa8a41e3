"""Storing a checked batch of readings under the versioning rule, and the intake services.

Versioning rule, per (site, interval) of the batch, against the current reading ``c``:

- no ``c``: insert version 1;
- ``c.load_mw`` equals the new value and ``c`` is not an estimate: unchanged (no new row);
- otherwise (a correction, or a real reading replacing an estimate): clear ``c.is_current`` and
  insert version ``c.version + 1``. Old versions are never changed or deleted.

Concurrency: the batch's sites are locked (``SELECT ... FOR UPDATE``, in id order) before the
current versions are read, so two batches for one site are applied one after the other. A batch
whose checksum is already stored returns that batch and changes nothing.

Two paths write the same result: ``orm`` (any database; the demo's SQLite) and ``copy``
(PostgreSQL: ``COPY`` into a temporary table, then one ``UPDATE`` and one ``INSERT ... SELECT``),
chosen for batches of :data:`COPY_THRESHOLD` rows or more. Rows are checked at the door
(:mod:`settlement.meters`), so neither path runs ``full_clean`` per row; the database constraints
(one current version, unique versions) hold the invariants.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, connection, transaction

from sites.models import Site
from vpp import audit, clock
from vpp.errors import ApplicationError
from vpp.limits import PayloadTooLarge
from vpp.models import User

from . import meters
from .models import MeterReading, MeterUpload, Source

COPY_THRESHOLD = 2000


@dataclass
class StoreResult:
    upload: MeterUpload
    created: bool  # False: the same batch was stored before; nothing changed

    @property
    def stored(self) -> int:
        return self.upload.rows_stored


def _path(rows: int, method: str | None) -> str:
    if connection.vendor != "postgresql":
        if method == "copy":
            raise ApplicationError("the COPY path needs PostgreSQL", field="method")
        return "orm"
    if method:
        return method
    return "copy" if rows >= COPY_THRESHOLD else "orm"


@transaction.atomic
def store_batch(
    *,
    rows: list[meters.Incoming],
    source: str,
    checksum: str,
    actor: User | None,
    filename: str = "",
    method: str | None = None,
) -> StoreResult:
    """Store ``rows`` as one :class:`MeterUpload` under the versioning rule (module docstring)."""
    existing = MeterUpload.objects.filter(checksum=checksum).first()
    if existing is not None:
        return StoreResult(existing, created=False)
    site_ids = sorted({r.site_id for r in rows})
    list(Site.objects.select_for_update().filter(pk__in=site_ids).order_by("pk").values("pk"))
    path = _path(len(rows), method)
    try:
        with transaction.atomic():
            upload = MeterUpload.objects.create(
                source=source,
                checksum=checksum,
                filename=filename[:255],
                uploaded_by=actor if actor is not None and actor.pk else None,
                organisation=getattr(actor, "organisation", None),
                uploaded_at=clock.now(),
                rows_received=len(rows),
                bulk_path=path,
            )
    except IntegrityError:  # the same batch committed concurrently: it is stored
        return StoreResult(MeterUpload.objects.get(checksum=checksum), created=False)
    stored = (_store_copy if path == "copy" else _store_orm)(rows, source, upload)
    upload.rows_stored, upload.rows_unchanged = stored, len(rows) - stored
    upload.save(update_fields=["rows_stored", "rows_unchanged"])
    audit.record(
        actor=actor,
        action="meter.upload",
        obj=upload,
        organisation=upload.organisation,
        changes={"source": source, "rows": len(rows), "stored": stored, "path": path},
    )
    return StoreResult(upload, created=True)


def _store_orm(rows: list[meters.Incoming], source: str, upload: MeterUpload) -> int:
    starts = [r.interval_start for r in rows]
    current = {
        (c.site_id, c.interval_start): c
        for c in MeterReading.objects.filter(
            is_current=True,
            site_id__in={r.site_id for r in rows},
            interval_start__gte=min(starts),
            interval_start__lte=max(starts),
        ).only("pk", "site_id", "interval_start", "load_mw", "source", "version")
    }
    retire: list[int] = []
    new: list[MeterReading] = []
    for r in rows:
        c = current.get((r.site_id, r.interval_start))
        if c is not None and c.load_mw == r.load_mw and c.source != Source.ESTIMATE:
            continue
        if c is not None:
            retire.append(c.pk)
        new.append(
            MeterReading(
                site_id=r.site_id,
                interval_start=r.interval_start,
                load_mw=r.load_mw,
                source=source,
                version=c.version + 1 if c is not None else 1,
                is_current=True,
                flags=r.flags,
                received_at=upload.uploaded_at,
                upload=upload,
            )
        )
    MeterReading.objects.filter(pk__in=retire).update(is_current=False)
    MeterReading.objects.bulk_create(new, batch_size=2000)
    return len(new)


def _store_copy(rows: list[meters.Incoming], source: str, upload: MeterUpload) -> int:
    table = MeterReading._meta.db_table
    with connection.cursor() as cur:
        cur.execute(
            "CREATE TEMP TABLE meter_in (site_id integer, interval_start timestamptz, "
            "load_mw numeric(14, 6), flags integer) ON COMMIT DROP"
        )
        with cur.copy("COPY meter_in (site_id, interval_start, load_mw, flags) FROM STDIN") as cp:
            for r in rows:
                cp.write_row((r.site_id, r.interval_start, r.load_mw, r.flags))
        cur.execute(
            f"""CREATE TEMP TABLE meter_changed ON COMMIT DROP AS
            SELECT i.site_id, i.interval_start, i.load_mw, i.flags,
                   c.id AS prev_id, COALESCE(c.version, 0) AS prev_version
            FROM meter_in i
            LEFT JOIN {table} c ON c.site_id = i.site_id
                 AND c.interval_start = i.interval_start AND c.is_current
            WHERE c.id IS NULL OR c.load_mw <> i.load_mw OR c.source = %s""",
            [Source.ESTIMATE.value],
        )
        cur.execute(
            f"UPDATE {table} SET is_current = false "
            "WHERE id IN (SELECT prev_id FROM meter_changed WHERE prev_id IS NOT NULL)"
        )
        cur.execute(
            f"""INSERT INTO {table} (site_id, interval_start, load_mw, source, version,
                is_current, flags, estimation_method, received_at, upload_id)
            SELECT site_id, interval_start, load_mw, %s, prev_version + 1, true, flags, '',
                   %s, %s
            FROM meter_changed""",
            [source, upload.uploaded_at, upload.pk],
        )
        stored = cur.rowcount
        cur.execute("DROP TABLE meter_in; DROP TABLE meter_changed")
    return stored


# --- intake services -------------------------------------------------------------------------


def upload_csv(
    *, actor: User, content: bytes, filename: str = "", method: str | None = None
) -> StoreResult:
    """A CSV file of readings (format in :mod:`settlement.meters`): all rows or none. A file
    beyond ``METER_UPLOAD_MAX_BYTES`` is refused (413) before it is parsed."""
    limit = settings.METER_UPLOAD_MAX_BYTES
    if len(content) > limit:
        raise PayloadTooLarge(
            f"the file is {len(content):,} bytes; the limit is {limit:,} (split it by day or site)",
            field="file",
        )
    checksum = meters.checksum_bytes(content)
    rows = meters.check_rows(actor=actor, rows=meters.parse_csv(content))
    return store_batch(
        rows=rows,
        source=Source.CSV,
        checksum=checksum,
        actor=actor,
        filename=filename,
        method=method,
    )


def submit_readings(*, actor: User, readings: list, method: str | None = None) -> StoreResult:
    """The bulk JSON API's readings (same row format as the CSV): all rows or none."""
    rows = meters.check_rows(actor=actor, rows=meters.json_rows(readings))
    return store_batch(
        rows=rows,
        source=Source.API,
        checksum=meters.checksum_rows(rows, Source.API),
        actor=actor,
        method=method,
    )


def ingest_delivery_readings(*, start: datetime, end: datetime) -> StoreResult | None:
    """Meter readings (source ``openadr``) from the OpenADR reports dispatch received.

    Reads ``dispatch.models.DeliveryReading`` rows with ``source = "openadr"`` and
    ``start <= interval_start < end`` (fields ``site``, ``interval_start``, ``load_mw``), already
    in MW. Idempotent: the same rows make the same checksum, and unchanged values make no
    version. Returns ``None`` when there is nothing to ingest."""
    from dispatch.models import DeliveryReading  # settlement reads dispatch, never writes it

    found = DeliveryReading.objects.filter(
        source="openadr", interval_start__gte=start, interval_start__lt=end
    ).order_by("site_id", "interval_start", "received_at", "pk")
    rows = [
        meters.Incoming(
            where=f"delivery reading {d.pk}",
            site_id=d.site_id,
            interval_start=d.interval_start,
            load_mw=meters.to_mw(Decimal(str(d.load_mw)), "MW"),
            flags=int(meters.Flag.NEGATIVE) if d.load_mw < 0 else 0,
        )
        for d in found
    ]
    latest: dict[tuple[int, datetime], meters.Incoming] = {}
    for r in rows:  # the latest report of an interval wins
        latest[(r.site_id, r.interval_start)] = r
    rows = list(latest.values())
    if not rows:
        return None
    return store_batch(
        rows=rows,
        source=Source.OPENADR,
        checksum=meters.checksum_rows(rows, Source.OPENADR),
        actor=None,
        filename=f"openadr {start.isoformat()}..{end.isoformat()}",
    )
