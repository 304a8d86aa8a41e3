"""The trading desk's records: price forecasts, optimiser runs (with progress), the schedules and
bid curves they propose, what the trader submitted, and the awards that came back.

Every series keeps where it came from and when it was known: a forecast names its model and the
last instant of data it was trained on; a submission keeps the exact curves sent."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from sites.models import Site


class PriceForecast(models.Model):
    """One model's forecast of one market day's prices, made at ``created_at`` (market clock)
    from data up to ``trained_through``; ``version`` counts the forecasts of that day by that
    model (1, 2, ...). ``quantile_levels`` lists the levels every point carries (empty for a
    model without quantiles); ``params`` holds the model's provenance (library, version,
    hyperparameters, training and calibration days, the conformal shifts)."""

    market_day = models.DateField()
    model_name = models.CharField(max_length=40)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField()
    trained_through = models.DateTimeField()
    quantile_levels = models.JSONField(default=list, blank=True)
    params = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-market_day", "-created_at"]
        indexes = [models.Index(fields=["market_day", "model_name"])]


class ForecastPoint(models.Model):
    """Forecast price at one node and interval: the point (``price_per_mwh``, the median for a
    quantile model) and the quantiles, ``{"0.1": price_per_mwh, ...}``."""

    forecast = models.ForeignKey(PriceForecast, on_delete=models.CASCADE, related_name="points")
    node_code = models.CharField(max_length=40)
    interval_start = models.DateTimeField()
    price_per_mwh = models.FloatField()
    quantiles_per_mwh = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["forecast", "node_code", "interval_start"], name="forecast_point_unique"
            )
        ]


class ForecastBacktest(models.Model):
    """One rolling-origin backtest of the price models on the exchange's published day-ahead
    prices over ``first_day`` .. ``last_day``: per model and node (``"*"`` all nodes) MAE and
    RMSE in CNY/MWh, skill against each naive reference, the quantile bands' coverage
    (``scores``: the fields of ``forecast.Score``)."""

    created_at = models.DateTimeField()
    first_day = models.DateField()
    last_day = models.DateField()
    days = models.PositiveSmallIntegerField()
    reference = models.CharField(max_length=40)
    model_names = models.JSONField(default=list)
    nodes = models.JSONField(default=list)
    levels = models.JSONField(default=list)
    scores = models.JSONField(default=list)

    class Meta:
        ordering = ["-created_at", "-id"]


class OptimisationRun(models.Model):
    """One run of the bid optimiser for a day-ahead auction. ``progress_pct`` and
    ``progress_message`` are written while the Celery task works, for the trader's page."""

    class State(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        DONE = "done"
        FAILED = "failed"

    market_day = models.DateField()
    auction_id = models.PositiveIntegerField(help_text="the exchange's auction id")
    forecast = models.ForeignKey(PriceForecast, on_delete=models.PROTECT, related_name="runs")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    progress_pct = models.PositiveSmallIntegerField(default=0)
    progress_message = models.CharField(max_length=200, blank=True)
    error = models.TextField(blank=True)
    carbon_price_per_t = models.DecimalField(max_digits=10, decimal_places=2, default=0)
    summary = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(progress_pct__lte=100), name="run_progress_pct")
        ]


class ScheduleLine(models.Model):
    """The optimiser's planned facility load of one site in one interval at the expected
    prices, next to its usual load (facility MW)."""

    run = models.ForeignKey(OptimisationRun, on_delete=models.CASCADE, related_name="schedule")
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    interval_start = models.DateTimeField()
    facility_mw = models.FloatField()
    baseline_mw = models.FloatField()
    battery_net_mw = models.FloatField(default=0.0, help_text="charge minus discharge")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["run", "site", "interval_start"], name="schedule_line_unique"
            )
        ]


class ProposedCurve(models.Model):
    """A bid curve for one node and interval, as the optimiser proposed it or as the trader
    edited it. ``segments`` is ``[[price_per_mwh, quantity_mw], ...]`` as decimal strings."""

    class Side(models.TextChoices):
        DEMAND = "demand"
        REDUCTION = "reduction"

    run = models.ForeignKey(OptimisationRun, on_delete=models.CASCADE, related_name="curves")
    node_code = models.CharField(max_length=40)
    interval_start = models.DateTimeField()
    side = models.CharField(max_length=10, choices=Side.choices)
    segments = models.JSONField()
    proposed_segments = models.JSONField(help_text="what the optimiser proposed")
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    edited_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["node_code", "interval_start", "side"]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "node_code", "interval_start", "side"], name="proposed_curve_unique"
            )
        ]


class BidSubmission(models.Model):
    """What the trader sent to the exchange, exactly (``curves``), and the exchange's receipt.
    ``idempotency_key`` makes a retried submission harmless on both sides."""

    run = models.ForeignKey(OptimisationRun, on_delete=models.PROTECT, related_name="submissions")
    auction_id = models.PositiveIntegerField()
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField()
    idempotency_key = models.CharField(max_length=80, unique=True)
    curves = models.JSONField()
    exchange_bid_id = models.PositiveIntegerField()
    exchange_version = models.PositiveIntegerField()
    awards_fetched_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]


class AwardReceived(models.Model):
    """One awarded bid segment, as the exchange published it."""

    submission = models.ForeignKey(BidSubmission, on_delete=models.CASCADE, related_name="awards")
    node_code = models.CharField(max_length=40)
    interval_start = models.DateTimeField()
    side = models.CharField(max_length=10)
    segment_index = models.PositiveSmallIntegerField()
    offered_price_per_mwh = models.DecimalField(max_digits=12, decimal_places=2)
    offered_mw = models.DecimalField(max_digits=10, decimal_places=3)
    awarded_mw = models.DecimalField(max_digits=10, decimal_places=3)
    price_per_mwh = models.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        ordering = ["node_code", "interval_start", "side", "segment_index"]
        constraints = [
            models.UniqueConstraint(
                fields=["submission", "node_code", "interval_start", "side", "segment_index"],
                name="award_received_unique",
            )
        ]
