"""Settlement runs and statements (imported by :mod:`settlement.models`).

- :class:`SettlementRun`: one attempt to settle a market day, with its progress. At most one
  running per market day (a partial unique constraint: the claim row).
- :class:`Statement`: one immutable version of a market day's settlement. ``save()`` refuses an
  update and ``delete()`` refuses always; on PostgreSQL a trigger refuses UPDATE and DELETE too.
- :class:`StatementLine`: one site's line of a statement (``site`` null = the portfolio line),
  with the interval detail in ``intervals``. Immutable like its statement.

Money is Decimal in the market currency, rounded once per site line (see
:mod:`settlement.performance`); the portfolio line is the sum of the rounded site lines.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import Q

from sites.models import Site

MONEY = {"max_digits": 16, "decimal_places": 2}
NET = models.F("da_credit") + models.F("rt_deviation") - models.F("penalty")
MWH = {"max_digits": 16, "decimal_places": 6}


class ImmutableError(Exception):
    """A write to a stored statement or line: statements are never changed."""


class SettlementRun(models.Model):
    """One run of the settlement pipeline for a market day; the page polls its progress."""

    class State(models.TextChoices):
        RUNNING = "running"
        DONE = "done"
        FAILED = "failed"

    market_day = models.DateField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.RUNNING)
    stage = models.CharField(max_length=20, blank=True, help_text="last stage finished")
    progress_pct = models.PositiveSmallIntegerField(default=0)
    message = models.CharField(max_length=200, blank=True)
    error = models.TextField(blank=True)
    started_by = models.ForeignKey(
        "vpp.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(help_text="market clock")
    finished_at = models.DateTimeField(null=True, blank=True)
    statement = models.ForeignKey(
        "settlement.Statement", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    new_version = models.BooleanField(default=False, help_text="False: inputs were unchanged")
    summary = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["market_day"],
                condition=Q(state="running"),
                name="settlement_one_running_run_per_day",
            ),
            models.CheckConstraint(
                condition=Q(progress_pct__lte=100), name="settlement_run_progress_pct"
            ),
        ]

    def __str__(self) -> str:
        return f"settlement run {self.pk} {self.market_day} {self.state} {self.progress_pct}%"


class Statement(models.Model):
    """One version of the settlement statement of a market day. Never changed once stored.

    ``inputs`` lists the input versions (meter readings digest with counts by version,
    baseline result ids and their method versions, instruction ids, price sources);
    ``input_digest`` is a SHA-256 over them: the same digest makes no new version.
    ``checksum`` is the SHA-256 of the canonical CSV of the lines
    (:func:`settlement.reports.canonical_csv`). ``changes`` lists, for version n > 1, what
    differs from version n - 1 per site and interval (old and new delivered MWh and money)."""

    market_day = models.DateField()
    version = models.PositiveIntegerField()
    previous = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="next_version"
    )
    currency = models.CharField(max_length=3, default="CNY")
    method = models.JSONField(help_text="baseline method and money rules used")
    inputs = models.JSONField()
    input_digest = models.CharField(max_length=64)
    checksum = models.CharField(max_length=64)
    changes = models.JSONField(default=list, blank=True)
    instructed_mwh = models.DecimalField(**MWH)
    delivered_mwh = models.DecimalField(**MWH)
    net_amount = models.DecimalField(**MONEY)
    created_at = models.DateTimeField(help_text="market clock")
    run = models.ForeignKey(
        SettlementRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-market_day", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["market_day", "version"], name="statement_day_version_unique"
            ),
            models.UniqueConstraint(
                fields=["market_day", "input_digest"], name="statement_day_inputs_unique"
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="statement_version_from_1"),
        ]

    def __str__(self) -> str:
        return f"statement {self.market_day} v{self.version}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None or not self._state.adding:
            raise ImmutableError("a statement is immutable: re-settle to make a new version")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableError("a statement is immutable and is never deleted")


class StatementLine(models.Model):
    """One site's performance and money for the market day (``site`` null: the portfolio).

    ``intervals`` holds one dict per settled interval: interval_start, instructed_mw,
    baseline_mw, metered_mw, delivered_mw, da/rt price and their source, exact money parts
    (strings) and the meter quality flags. ``flags`` counts the flags over the day."""

    statement = models.ForeignKey(Statement, on_delete=models.PROTECT, related_name="lines")
    site = models.ForeignKey(Site, null=True, blank=True, on_delete=models.PROTECT)
    site_code = models.CharField(max_length=60, help_text="'' for the portfolio line")
    instructed_mwh = models.DecimalField(**MWH)
    delivered_mwh = models.DecimalField(**MWH)
    shortfall_mwh = models.DecimalField(**MWH)
    performance_factor = models.DecimalField(max_digits=8, decimal_places=4, null=True)
    da_credit = models.DecimalField(**MONEY)
    rt_deviation = models.DecimalField(**MONEY)
    penalty = models.DecimalField(**MONEY)
    net_amount = models.DecimalField(**MONEY)
    flags = models.JSONField(default=dict, blank=True)
    intervals = models.JSONField(default=list, blank=True)
    notes = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["statement", "site_code"]
        constraints = [
            models.UniqueConstraint(fields=["statement", "site"], name="statement_line_site"),
            models.UniqueConstraint(
                fields=["statement"],
                condition=Q(site__isnull=True),
                name="statement_one_portfolio_line",
            ),
            # net = credit + deviation - penalty, to within half a cent: exact on PostgreSQL
            # (numeric); SQLite compares these decimals as floats, so equality could fail there
            models.CheckConstraint(
                condition=Q(net_amount__gte=NET - Decimal("0.005"))
                & Q(net_amount__lte=NET + Decimal("0.005"))
                & Q(penalty__gte=0),
                name="statement_line_net_is_sum_v2",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.statement} {self.site_code or 'portfolio'}: {self.net_amount}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None or not self._state.adding:
            raise ImmutableError("a statement line is immutable")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableError("a statement line is immutable and is never deleted")
