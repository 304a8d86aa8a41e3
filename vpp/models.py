"""Organisations, users and roles, the market's node list, the simulation clock, the audit log."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q


class Organisation(models.Model):
    """A company using the platform: the aggregator, a site operator, or a regulator."""

    class Kind(models.TextChoices):
        AGGREGATOR = "aggregator", "Aggregator"
        SITE_OPERATOR = "site_operator", "Site operator"
        REGULATOR = "regulator", "Regulator"

    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A person (or an automated client) who logs in. The role decides what they may do:

    trader (aggregator organisation) reads the whole portfolio and trades; operator (site
    operator organisation) manages that organisation's sites only; regulator reads and never
    writes; admin manages organisations, users and market configuration.
    """

    class Role(models.TextChoices):
        TRADER = "trader", "Aggregator trader"
        OPERATOR = "operator", "Site operator"
        REGULATOR = "regulator", "Regulator"
        ADMIN = "admin", "Administrator"

    ROLE_ORGANISATION_KIND = {
        Role.TRADER: Organisation.Kind.AGGREGATOR,
        Role.OPERATOR: Organisation.Kind.SITE_OPERATOR,
        Role.REGULATOR: Organisation.Kind.REGULATOR,
    }

    role = models.CharField(max_length=20, choices=Role.choices, default=Role.OPERATOR)
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(role="admin") | Q(organisation__isnull=False),
                name="user_non_admin_has_organisation",
            )
        ]

    def clean(self) -> None:
        super().clean()
        expected = self.ROLE_ORGANISATION_KIND.get(self.role)
        if expected and (self.organisation is None or self.organisation.kind != expected):
            raise ValidationError(
                {"organisation": f"a {self.role} must belong to an organisation of kind {expected}"}
            )

    @property
    def is_trader(self) -> bool:
        return self.role == self.Role.TRADER

    @property
    def is_operator(self) -> bool:
        return self.role == self.Role.OPERATOR

    @property
    def is_regulator(self) -> bool:
        return self.role == self.Role.REGULATOR

    @property
    def is_admin_role(self) -> bool:
        return self.role == self.Role.ADMIN or self.is_superuser


class MarketNode(models.Model):
    """A pricing node of the spot market as participants know it (the market's published node
    list, kept by the admin). Sites sit at one node; the exchange prices each node."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=200)
    region = models.CharField(max_length=200, blank=True)
    description = models.CharField(max_length=300, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class SimulationClock(models.Model):
    """The single row holding the simulated "now" (used when ``MARKET_CLOCK=simulation``).

    It lives in the database so the web app, the worker and beat agree on the time."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    now = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(id=1), name="simulation_clock_single")]

    def __str__(self) -> str:
        return f"simulation clock at {self.now.isoformat()}"


class AuditEvent(models.Model):
    """One write that matters (a site changed, a bid submitted, money or load moved): who did
    what to which object, when (market clock and wall clock), with the changed fields."""

    at = models.DateTimeField(help_text="market clock instant of the write")
    recorded_at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    action = models.CharField(max_length=80)
    object_type = models.CharField(max_length=80)
    object_id = models.CharField(max_length=64)
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changes = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-recorded_at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.action} {self.object_type}#{self.object_id}"
