"""The VTN's objects (OpenADR 3.1.0) and its OAuth2 client-credentials store.

Every addressable object keeps the client's representation in ``body`` (camelCase, as the
specification's request schema has it, without the VTN-owned metadata) and copies the fields the
VTN filters or joins on into columns. The wire form is ``body`` plus ``id`` (``str(pk)``),
``createdDateTime``, ``modificationDateTime`` and ``objectType`` (see ``wire.py``).

Targets are plain strings (3.1.0). A VEN is *granted* the targets of its ``Ven`` row and of its
resources (only BL writes those); it sees a program or event with targets only when they meet its
granted targets. :class:`EventTarget` indexes event targets so that filter runs in the database.

Times are the market clock's (``vpp.clock.now``), aware UTC.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from dispatch.models import Instruction
from sites.models import Site


class VtnObject(models.Model):
    body = models.JSONField(default=dict)
    created_at = models.DateTimeField()
    modified_at = models.DateTimeField()

    class Meta:
        abstract = True


class Program(VtnObject):
    """A program (``programName`` unique in the VTN). ``suandian-dispatch`` carries dispatch."""

    program_name = models.CharField(max_length=128, unique=True)
    targets = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.program_name


class Ven(VtnObject):
    """A VEN: one OAuth client (``client_id``), and for an automated site, that site."""

    ven_name = models.CharField(max_length=128, unique=True)
    client_id = models.CharField(max_length=128, unique=True)
    targets = models.JSONField(default=list, blank=True)
    site = models.OneToOneField(
        Site, null=True, blank=True, on_delete=models.PROTECT, related_name="openadr_ven"
    )

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.ven_name


class Resource(VtnObject):
    """A resource of a VEN (``resourceName`` unique per VEN)."""

    ven = models.ForeignKey(Ven, on_delete=models.CASCADE, related_name="resources")
    resource_name = models.CharField(max_length=128)
    client_id = models.CharField(max_length=128)
    targets = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["ven", "resource_name"], name="openadr_resource_name")
        ]


class Event(VtnObject):
    """An event. ``instruction`` is set for the events the VTN made from dispatch instructions
    (one per instruction; BL cannot edit those). ``delivered_at`` is the first read by the
    targeted VEN, when the instruction was confirmed; ``delivery_error`` says why a confirmation
    was refused (e.g. the instruction had been superseded meanwhile)."""

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="events")
    targets = models.JSONField(default=list, blank=True)
    instruction = models.OneToOneField(
        Instruction, null=True, blank=True, on_delete=models.PROTECT, related_name="openadr_event"
    )
    ven = models.ForeignKey(
        Ven, null=True, blank=True, on_delete=models.PROTECT, related_name="instruction_events"
    )
    delivered_at = models.DateTimeField(null=True, blank=True)
    delivery_error = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(instruction__isnull=True) | Q(ven__isnull=False),
                name="openadr_instruction_event_has_ven",
            )
        ]


class EventTarget(models.Model):
    """One target string of an event (an index of ``Event.targets``)."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="target_rows")
    label = models.CharField(max_length=128, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["event", "label"], name="openadr_event_target")
        ]


class Report(VtnObject):
    """A report posted by a VEN (``client_id`` is the poster's, from its token)."""

    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="reports")
    ven = models.ForeignKey(Ven, on_delete=models.PROTECT, related_name="reports")
    client_id = models.CharField(max_length=128)
    client_name = models.CharField(max_length=128)

    class Meta:
        ordering = ["id"]


class OAuthClient(models.Model):
    """OAuth2 client credentials. The secret is stored hashed (Django's password hasher); it
    is shown once, when the client is registered. ``kind`` decides the scopes it may get."""

    class Kind(models.TextChoices):
        VEN = "ven", "VEN"
        BL = "bl", "Business logic"

    client_id = models.CharField(max_length=128, unique=True)
    secret_hash = models.CharField(max_length=256)
    kind = models.CharField(max_length=3, choices=Kind.choices)
    name = models.CharField(max_length=128)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=["ven", "bl"]), name="openadr_client_kind")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.kind})"


class AccessToken(models.Model):
    """A bearer token: only its SHA-256 is stored. ``scopes`` is space-separated."""

    client = models.ForeignKey(OAuthClient, on_delete=models.CASCADE, related_name="tokens")
    key_sha256 = models.CharField(max_length=64, unique=True)
    scopes = models.CharField(max_length=512)
    issued_at = models.DateTimeField()
    expires_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("issued_at")), name="openadr_token_expiry"
            )
        ]
