"""Settlement's data: meter uploads and readings (versioned, with quality flags), baseline
methods (versioned parameter sets) and baseline results (with the days used and excluded).

Units are in the names: ``load_mw`` is the site's average consumption over the interval in MW
(consumption positive). Every instant is aware UTC; an interval is named by its start.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q, QuerySet

from sites.models import Site

from .baselines.params import BaselineParams, ParamsError

LOAD_MW = {"max_digits": 14, "decimal_places": 6}


class Source(models.TextChoices):
    API = "api", "Bulk API (JSON)"
    CSV = "csv", "CSV upload"
    OPENADR = "openadr", "OpenADR report"
    ESTIMATE = "estimate", "VEE estimate"


class Flag(models.IntegerChoices):
    """Quality flags of a reading, stored as a bitmask in ``MeterReading.flags``."""

    ESTIMATED = 1, "estimated (gap filled)"
    DUPLICATE = 2, "duplicate in its upload"
    SPIKE = 4, "spike"
    NEGATIVE = 8, "negative load"
    OUT_OF_ORDER = 16, "out of order in its upload"


def flag_names(mask: int) -> list[str]:
    return [f.name.lower() for f in Flag if mask & f.value]


class MeterUpload(models.Model):
    """One batch of meter readings as it arrived: a CSV file, a JSON request, an OpenADR batch
    or a VEE estimation run. All or nothing: a batch with a bad row is refused and not stored.

    ``checksum`` is the SHA-256 of the file (CSV) or of the canonical rows (JSON, OpenADR):
    a batch whose checksum is already stored changes nothing and returns the stored batch."""

    source = models.CharField(max_length=10, choices=Source.choices)
    checksum = models.CharField(max_length=64, unique=True)
    filename = models.CharField(max_length=255, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT
    )
    organisation = models.ForeignKey(
        "vpp.Organisation", null=True, blank=True, on_delete=models.PROTECT
    )
    uploaded_at = models.DateTimeField(help_text="market clock")
    rows_received = models.PositiveIntegerField(default=0)
    rows_stored = models.PositiveIntegerField(default=0, help_text="new readings or versions")
    rows_unchanged = models.PositiveIntegerField(default=0)
    bulk_path = models.CharField(max_length=10, blank=True, help_text="copy or orm")

    class Meta:
        ordering = ["-uploaded_at", "-id"]

    def __str__(self) -> str:
        return f"{self.source} upload {self.pk} ({self.rows_received} rows)"


class MeterReadingQuerySet(QuerySet):
    def current(self) -> MeterReadingQuerySet:
        return self.filter(is_current=True)

    def with_flag(self, flag: Flag) -> MeterReadingQuerySet:
        """Readings carrying ``flag`` (a bitwise AND works on PostgreSQL and SQLite alike)."""
        return self.annotate(_flag=F("flags").bitand(int(flag))).filter(_flag__gt=0)


class MeterReading(models.Model):
    """The metered load of one site over one interval, one version of it.

    A correction never overwrites: it adds ``version`` n+1 and clears ``is_current`` on version
    n (one current row per site and interval, a partial unique constraint). Estimates made by VEE
    are readings with ``source = estimate``, the ``ESTIMATED`` flag and their ``estimation_method``;
    a real reading for the same interval later becomes the next version."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="meter_readings")
    interval_start = models.DateTimeField()
    load_mw = models.DecimalField(**LOAD_MW, help_text="average consumption over the interval")
    source = models.CharField(max_length=10, choices=Source.choices)
    version = models.PositiveIntegerField(default=1)
    is_current = models.BooleanField(default=True)
    flags = models.PositiveIntegerField(default=0, help_text="bitmask of Flag")
    estimation_method = models.CharField(max_length=20, blank=True, help_text="linear, like_day")
    received_at = models.DateTimeField(help_text="market clock")
    upload = models.ForeignKey(
        MeterUpload, null=True, blank=True, on_delete=models.PROTECT, related_name="readings"
    )

    objects = MeterReadingQuerySet.as_manager()

    class Meta:
        ordering = ["site", "interval_start", "version"]
        constraints = [
            models.UniqueConstraint(
                fields=["site", "interval_start", "version"], name="meter_version_unique"
            ),
            models.UniqueConstraint(
                fields=["site", "interval_start"],
                condition=Q(is_current=True),
                name="meter_one_current_version",
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="meter_version_from_1"),
            models.CheckConstraint(
                condition=~Q(source="estimate") | ~Q(estimation_method=""),
                name="meter_estimate_has_method",
            ),
        ]
        indexes = [models.Index(fields=["site", "is_current", "interval_start"])]

    def __str__(self) -> str:
        return f"{self.site_id}@{self.interval_start.isoformat()} v{self.version}: {self.load_mw}"

    @property
    def flag_list(self) -> list[str]:
        return flag_names(self.flags)


class BaselineMethod(models.Model):
    """A named, versioned baseline parameter set (:class:`BaselineParams` as JSON).

    Immutable once a result uses it: change the parameters by adding the next version."""

    name = models.SlugField(max_length=60)
    version = models.PositiveIntegerField(default=1)
    params = models.JSONField()
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(help_text="market clock")

    class Meta:
        ordering = ["name", "version"]
        constraints = [
            models.UniqueConstraint(fields=["name", "version"], name="baseline_method_version")
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"

    def parsed(self) -> BaselineParams:
        return BaselineParams.from_dict(self.params)

    def clean(self) -> None:
        try:
            self.params = self.parsed().as_dict()
        except ParamsError as exc:
            raise ValidationError({"params": f"{exc.field}: {exc.message}"}) from exc
        if self.pk:
            stored = BaselineMethod.objects.filter(pk=self.pk).values_list("params", flat=True)
            if self.results.exists() and stored.first() != self.params:
                raise ValidationError(
                    {"params": "this method has results: add a new version instead"}
                )


class BaselineResult(models.Model):
    """The baseline of one site for one market day by one method version, with its evidence.

    ``baseline_mw`` holds one value per interval of the market day in order (92/96/100);
    ``used_days`` the ISO dates used; ``excluded_days`` ``[{day, reason, detail}]``;
    ``adjustment`` the same-day adjustment (kind, window, uncapped and applied factor, capped);
    ``input_digest`` a SHA-256 over the event days and the (interval, reading id, version) of
    every meter reading read, and ``input_summary`` their count, versions, estimated rows and
    the event days, so a statement can
    tell whether the meter data changed since. Computing again on the same inputs returns this
    row (unique on site, day, method, event window and digest)."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="baselines")
    market_day = models.DateField()
    method = models.ForeignKey(BaselineMethod, on_delete=models.PROTECT, related_name="results")
    event_start = models.DateTimeField(null=True, blank=True)
    event_end = models.DateTimeField(null=True, blank=True)
    event_key = models.CharField(max_length=80, blank=True, help_text="event window, '' = none")
    baseline_mw = models.JSONField()
    used_days = models.JSONField()
    excluded_days = models.JSONField()
    adjustment = models.JSONField(default=dict)
    input_digest = models.CharField(max_length=64)
    input_summary = models.JSONField(default=dict)
    computed_at = models.DateTimeField(help_text="market clock")

    class Meta:
        ordering = ["site", "market_day", "-computed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["site", "market_day", "method", "event_key", "input_digest"],
                name="baseline_result_unique_inputs",
            )
        ]

    def __str__(self) -> str:
        return f"{self.site_id} {self.market_day} by {self.method}"


from .statement_models import (  # noqa: E402, F401  (runs and statements: own module)
    ImmutableError,
    SettlementRun,
    Statement,
    StatementLine,
)
