"""Who sees what (Definition 3.1.0, "Object Privacy").

- A BL client (scope ``read_all``) sees every object.
- A VEN sees the ven, resources, reports it owns (``clientID`` of its token), and the programs
  and events whose targets meet the targets it was *granted*: those of its ``Ven`` row and its
  resources, which only BL writes. An object without targets is public (the dispatch program).
- Request targets (``?targets=a&targets=b``) narrow the result: an object is listed when its
  targets meet ``granted AND requested``. A VEN that names no targets is treated as asking
  for all its granted targets (the specification's strict reading returns an empty list; we
  chose the lenient one so a plain poll works, and the VEN still sees nothing of others').
- Target hiding: a VEN sees only the targets of an event or program that it asked with.
- Events of instructions that are no longer active (declined, expired, superseded,
  cancelled) are withdrawn: nobody lists or reads them any more.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from ..auth import Principal
from ..models import Event, Program, Report, Resource, Ven

ACTIVE_INSTRUCTION = Q(instruction__isnull=True) | Q(
    instruction__state__in=["pending", "confirmed"]
)


def effective_targets(principal: Principal, requested: list[str]) -> set[str] | None:
    """``None``: no target filter (BL asking for everything)."""
    if principal.is_bl:
        return set(requested) if requested else None
    granted = set(principal.granted_targets)
    return granted & set(requested) if requested else granted


def events_for(principal: Principal, *, requested: list[str], program_id: str | None) -> QuerySet:
    events = Event.objects.filter(ACTIVE_INSTRUCTION).select_related("program")
    if program_id is not None:
        events = events.filter(pk__in=[]) if not program_id.isdigit() else events
        events = events.filter(program_id=int(program_id)) if program_id.isdigit() else events
    labels = effective_targets(principal, requested)
    if requested:
        events = events.filter(target_rows__label__in=labels)
    elif not principal.is_bl:
        events = events.filter(Q(target_rows__label__in=labels) | Q(target_rows__isnull=True))
    return events.distinct().order_by("id")


def programs_for(principal: Principal, *, requested: list[str]) -> list[Program]:
    """Programs are few: filtered here rather than through an index table."""
    labels = effective_targets(principal, requested)
    out = []
    for program in Program.objects.order_by("id"):
        if requested:
            if labels & set(program.targets):
                out.append(program)
        elif principal.is_bl or not program.targets or labels & set(program.targets):
            out.append(program)
    return out


def hide_targets(principal: Principal, targets: list[str], requested: list[str]) -> list[str]:
    labels = effective_targets(principal, requested)
    if principal.is_bl or labels is None:
        return targets
    return [t for t in targets if t in labels]


def vens_for(principal: Principal) -> QuerySet:
    vens = Ven.objects.order_by("id")
    return vens if principal.is_bl else vens.filter(client_id=principal.client_id)


def resources_for(principal: Principal) -> QuerySet:
    resources = Resource.objects.select_related("ven").order_by("id")
    return resources if principal.is_bl else resources.filter(ven__client_id=principal.client_id)


def reports_for(principal: Principal) -> QuerySet:
    reports = Report.objects.order_by("id")
    return reports if principal.is_bl else reports.filter(client_id=principal.client_id)
