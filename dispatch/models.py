"""Dispatch: what each site must do in each interval once bids clear, and what it did.

- :class:`Instruction`: one site's target load for one interval (facility MW), the reduction
  against its usual load that this means, a confirmation deadline on the market clock, and a
  state. At most one *active* (pending or confirmed) instruction per site and interval: a
  database constraint, so two dispatch runs racing cannot both place one.
- :class:`InstructionChange`: every state change, with who (null = the system or a VEN) and when.
- :class:`DeliveryReading`: the load a site reports while the interval runs (live telemetry,
  not the settlement meter data, which settlement keeps itself).
- :class:`OpenPosition`: award MW that no site could take after a decline or an expiry, with the
  money it is expected to cost.
- :class:`AutomatedSite`: a site driven by a machine (an OpenADR 3 VEN): its instructions are
  delivered as events and count as confirmed on delivery.

Units are in the names: MW of facility power at the grid connection (consumption positive;
``reduction_mw`` positive = load below the usual load), prices per MWh, money in the market's
currency as Decimal. Instants are aware UTC; ``market_day`` is the local market day.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from sites.models import Site

MW = {"max_digits": 10, "decimal_places": 3}
MONEY = {"max_digits": 14, "decimal_places": 2}
PRICE = {"max_digits": 12, "decimal_places": 2}


class Instruction(models.Model):
    """One site's dispatch instruction for one interval.

    ``target_mw`` is the facility load the site must hold during the interval; ``baseline_mw``
    its usual load (what it would draw undispatched, from the site model); ``reduction_mw =
    baseline_mw - target_mw`` (negative when a demand award asks it to draw more).

    ``deadline_at`` (market clock) is when it must be confirmed: ``interval_start - notice``
    of the site, and never later than the gate the dispatcher was given. After the deadline a
    pending instruction expires (``expire_due``) and its MW are reallocated.

    ``node_code``/``side``/``submission_id`` name the award it came from (the trading desk's
    ``BidSubmission`` id; plain values so dispatch does not depend on those rows' lifetime).
    ``origin`` says whether the award was split onto the site directly or the site picked up
    another site's share. ``supersedes`` is the instruction this one replaced (a new submission
    version, or a reallocation); ``version`` counts instructions of the site and interval.
    """

    class State(models.TextChoices):
        PENDING = "pending"
        CONFIRMED = "confirmed"
        DECLINED = "declined"
        EXPIRED = "expired"
        SUPERSEDED = "superseded"
        CANCELLED = "cancelled"

    class Origin(models.TextChoices):
        AWARD = "award"
        REALLOCATION = "reallocation"

    ACTIVE_STATES = (State.PENDING, State.CONFIRMED)

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="instructions")
    market_day = models.DateField()
    interval_start = models.DateTimeField()
    interval_end = models.DateTimeField()
    target_mw = models.DecimalField(**MW, help_text="facility load to hold")
    baseline_mw = models.DecimalField(**MW, help_text="usual facility load")
    reduction_mw = models.DecimalField(**MW, help_text="baseline - target; positive = reduction")
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    deadline_at = models.DateTimeField(help_text="confirm before this (market clock)")
    decline_reason = models.TextField(blank=True)

    node_code = models.CharField(max_length=40)
    side = models.CharField(max_length=10, help_text="demand | reduction (award side)")
    submission_id = models.PositiveIntegerField(help_text="trading BidSubmission id")
    origin = models.CharField(max_length=12, choices=Origin.choices, default=Origin.AWARD)
    supersedes = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="superseded_by"
    )
    version = models.PositiveIntegerField(default=1)

    created_at = models.DateTimeField(help_text="market clock")
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["interval_start", "site_id", "-version"]
        indexes = [
            models.Index(fields=["state", "deadline_at"]),
            models.Index(fields=["submission_id", "node_code", "interval_start"]),
            models.Index(fields=["market_day", "site"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["site", "interval_start"],
                condition=Q(state__in=["pending", "confirmed"]),
                name="instruction_one_active_per_site_interval",
            ),
            models.UniqueConstraint(
                fields=["site", "interval_start", "version"], name="instruction_version_unique"
            ),
            models.CheckConstraint(
                condition=Q(interval_end__gt=F("interval_start")), name="instruction_interval_order"
            ),
            models.CheckConstraint(
                condition=Q(deadline_at__lte=F("interval_start")),
                name="instruction_deadline_before_start",
            ),
            models.CheckConstraint(condition=Q(target_mw__gte=0), name="instruction_target_nonneg"),
            models.CheckConstraint(
                condition=Q(
                    state__in=[
                        "pending",
                        "confirmed",
                        "declined",
                        "expired",
                        "superseded",
                        "cancelled",
                    ]
                ),
                name="instruction_state_valid",
            ),
            models.CheckConstraint(
                condition=~Q(state="declined") | ~Q(decline_reason=""),
                name="instruction_decline_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(state="confirmed") | Q(confirmed_at__isnull=False),
                name="instruction_confirmed_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.site_id}@{self.interval_start.isoformat()} v{self.version} {self.state}"

    @property
    def is_active(self) -> bool:
        return self.state in self.ACTIVE_STATES


class InstructionChange(models.Model):
    """One state change of an instruction: ``from_state`` is blank when it was created.
    ``by`` is the person who made it; null means the system (dispatch, expiry) or a VEN."""

    instruction = models.ForeignKey(Instruction, on_delete=models.CASCADE, related_name="changes")
    from_state = models.CharField(max_length=10, blank=True)
    to_state = models.CharField(max_length=10)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(help_text="market clock")
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]


class DeliveryReading(models.Model):
    """The load a site reports for an interval while it runs (``load_mw``, facility MW).

    One row per site, interval and source, keeping the latest report: a live reading is the
    site's running figure for the interval and each new post replaces it (``revision`` counts
    the posts, ``received_at`` is the last). Settlement does not use these; it has its own
    versioned meter data, so overwriting here loses nothing that a statement depends on.
    """

    class Source(models.TextChoices):
        API = "api"
        OPENADR = "openadr"

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="delivery_readings")
    interval_start = models.DateTimeField()
    load_mw = models.DecimalField(**MW)
    source = models.CharField(max_length=10, choices=Source.choices)
    received_at = models.DateTimeField(help_text="market clock of the latest post")
    revision = models.PositiveIntegerField(default=1)
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["interval_start", "site_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["site", "interval_start", "source"], name="delivery_reading_unique"
            ),
            models.CheckConstraint(condition=Q(load_mw__gte=0), name="delivery_load_nonneg"),
        ]


class OpenPosition(models.Model):
    """Award MW nobody could take: ``missing_mw`` at ``node_code`` in one interval.

    ``expected_cost = missing_mw x interval hours x price_per_mwh`` (Decimal, half-up to the
    cent), ``price_basis`` says which price (the day-ahead clearing price of the award: the
    balancing price is not known before the interval, so the day-ahead price is the estimate).
    ``instruction`` is the declined or expired instruction that left the gap (one position per
    such instruction, so reallocating twice does not count it twice).
    """

    class Side(models.TextChoices):
        DEMAND = "demand"
        REDUCTION = "reduction"

    node_code = models.CharField(max_length=40)
    interval_start = models.DateTimeField()
    side = models.CharField(max_length=10, choices=Side.choices)
    submission_id = models.PositiveIntegerField()
    missing_mw = models.DecimalField(**MW)
    price_per_mwh = models.DecimalField(**PRICE)
    price_basis = models.CharField(max_length=12, default="day_ahead")
    expected_cost = models.DecimalField(**MONEY)
    reason = models.TextField()
    instruction = models.ForeignKey(
        Instruction, null=True, blank=True, on_delete=models.PROTECT, related_name="open_positions"
    )
    created_at = models.DateTimeField(help_text="market clock")
    resolved = models.BooleanField(default=False)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["interval_start", "node_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["instruction"],
                condition=Q(instruction__isnull=False),
                name="open_position_one_per_instruction",
            ),
            models.CheckConstraint(condition=Q(missing_mw__gt=0), name="open_position_missing_pos"),
        ]


class AutomatedSite(models.Model):
    """A site run by a machine: an OpenADR 3 VEN named ``ven_id`` (the VEN's name in the VTN).

    Dispatch owns this flag so it can tell automated sites apart without importing the OpenADR
    app; the OpenADR app reads it to target events and writes it when a VEN is registered."""

    site = models.OneToOneField(Site, on_delete=models.CASCADE, related_name="automation")
    ven_id = models.CharField(max_length=128, unique=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["site_id"]

    def __str__(self) -> str:
        return f"{self.ven_id} -> site {self.site_id}"


class DispatchRun(models.Model):
    """Turning one submission's awards into instructions, once: the row is claimed under a lock,
    so a retried or duplicated task finds it ``done`` and creates nothing. ``summary`` keeps the
    optimiser's status, the slack per node (award MW no schedule could meet) and the counts."""

    class State(models.TextChoices):
        RUNNING = "running"
        DONE = "done"
        FAILED = "failed"
        STALE = "stale"  # a newer version of the auction's bid was dispatched instead

    submission_id = models.PositiveIntegerField(unique=True)
    auction_id = models.PositiveIntegerField()
    market_day = models.DateField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.RUNNING)
    progress_pct = models.PositiveSmallIntegerField(default=0)
    progress_message = models.CharField(max_length=200, blank=True)
    confirm_by = models.DateTimeField(null=True, blank=True, help_text="the trader's gate")
    created_at = models.DateTimeField(help_text="market clock")
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    summary = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(progress_pct__lte=100), name="dispatch_run_progress_pct"
            )
        ]
