"""Writes of programs, events, vens and resources through the API, and VEN registration.

Each function takes a validated body (``validation.py``), runs in one transaction and checks
before saving. Refusals: a name that exists is a 409; the dispatch program and the events made
from instructions belong to dispatch and cannot be changed or deleted through the API (409);
a ven tied to a site is removed only with its site's registration (409).
"""

from __future__ import annotations

from django.db import transaction

from dispatch.models import AutomatedSite
from sites.models import Site
from vpp import clock
from vpp.errors import ApplicationError

from ..auth import Principal, create_client
from ..models import AccessToken, Event, EventTarget, OAuthClient, Program, Resource, Ven
from ..problems import Conflict
from .instructions import DISPATCH_PROGRAM


def _touch(obj, body: dict, *, created: bool) -> None:
    now = clock.now()
    obj.body, obj.modified_at = body, now
    if created:
        obj.created_at = now


# --- programs ------------------------------------------------------------------------------


@transaction.atomic
def save_program(*, body: dict, program: Program | None = None) -> Program:
    if program is not None and program.program_name == DISPATCH_PROGRAM:
        raise Conflict("the dispatch program is managed by the VTN")
    clash = Program.objects.filter(program_name=body["programName"])
    if program is not None:
        clash = clash.exclude(pk=program.pk)
    if clash.exists():
        raise Conflict(f"a program named {body['programName']!r} exists")
    program = program or Program()
    _touch(program, body, created=program.pk is None)
    program.program_name, program.targets = body["programName"], body.get("targets") or []
    program.full_clean()
    program.save()
    return program


@transaction.atomic
def delete_program(*, program: Program) -> None:
    if program.program_name == DISPATCH_PROGRAM or program.events.exists():
        raise Conflict("a program with events (or the dispatch program) cannot be deleted")
    program.delete()


# --- events --------------------------------------------------------------------------------


def _program_of(body: dict) -> Program:
    pid = body["programID"]
    program = Program.objects.filter(pk=int(pid) if pid.isdigit() else -1).first()
    if program is None:
        raise ApplicationError("no program with this id", field="programID")
    return program


@transaction.atomic
def save_event(*, body: dict, event: Event | None = None) -> Event:
    if event is not None and event.instruction_id is not None:
        raise Conflict("this event carries a dispatch instruction and is managed by the VTN")
    program = _program_of(body)
    event = event or Event()
    _touch(event, body, created=event.pk is None)
    event.program, event.targets = program, body.get("targets") or []
    event.full_clean()
    event.save()
    event.target_rows.all().delete()
    EventTarget.objects.bulk_create([EventTarget(event=event, label=t) for t in set(event.targets)])
    return event


@transaction.atomic
def delete_event(*, event: Event) -> None:
    if event.instruction_id is not None or event.reports.exists():
        raise Conflict("an instruction's event, or an event with reports, cannot be deleted")
    event.delete()


# --- vens and resources --------------------------------------------------------------------


@transaction.atomic
def save_ven(*, principal: Principal, body: dict, ven: Ven | None = None) -> Ven:
    """BL names the VEN's ``clientID`` and may grant targets; a VEN may create or edit only its
    own ven (its token's client id) and never its targets."""
    client_id = body["clientID"] if principal.is_bl else principal.client_id
    if ven is not None and not principal.is_bl:
        body = {**body, "targets": ven.targets}
    if Ven.objects.filter(ven_name=body["venName"]).exclude(pk=getattr(ven, "pk", None)).exists():
        raise Conflict(f"a ven named {body['venName']!r} exists")
    if Ven.objects.filter(client_id=client_id).exclude(pk=getattr(ven, "pk", None)).exists():
        raise Conflict("a ven with this clientID exists")
    if ven is not None and ven.site_id and body["venName"] != ven.ven_name:
        raise Conflict("this ven drives a site: rename it by registering the site again")
    ven = ven or Ven()
    body = {**body, "clientID": client_id}
    _touch(ven, body, created=ven.pk is None)
    ven.ven_name, ven.client_id, ven.targets = body["venName"], client_id, body.get("targets") or []
    ven.full_clean()
    ven.save()
    return ven


@transaction.atomic
def delete_ven(*, ven: Ven) -> None:
    if ven.site_id or ven.reports.exists() or ven.instruction_events.exists():
        raise Conflict("a ven with a site, reports or events cannot be deleted")
    ven.delete()


@transaction.atomic
def save_resource(
    *, principal: Principal, ven: Ven, body: dict, resource: Resource | None = None
) -> Resource:
    if resource is not None and not principal.is_bl:
        body = {**body, "targets": resource.targets}
    clash = Resource.objects.filter(ven=ven, resource_name=body["resourceName"])
    if clash.exclude(pk=getattr(resource, "pk", None)).exists():
        raise Conflict(f"this ven has a resource named {body['resourceName']!r}")
    resource = resource or Resource()
    body = {**body, "venID": str(ven.pk), "clientID": ven.client_id}
    _touch(resource, body, created=resource.pk is None)
    resource.ven, resource.client_id = ven, ven.client_id
    resource.resource_name, resource.targets = body["resourceName"], body.get("targets") or []
    resource.full_clean()
    resource.save()
    return resource


# --- registration (admin / ops) ------------------------------------------------------------


@transaction.atomic
def register_site_ven(*, site: Site, ven_name: str | None = None) -> tuple[Ven, str, str]:
    """Make ``site`` an automated site: a VEN client (new id and secret, returned once), its
    ven object granted the target ``venName``, and dispatch's ``AutomatedSite`` flag. Run again
    for a registered site it rotates the credentials (old tokens are revoked)."""
    name = ven_name or site.code
    ven = Ven.objects.select_for_update().filter(site=site).first()
    if Ven.objects.filter(ven_name=name).exclude(site=site).exists():
        raise ApplicationError(f"a ven named {name!r} exists", field="ven_name")
    client, secret = create_client(name=name, kind=OAuthClient.Kind.VEN)
    now = clock.now()
    if ven is not None:
        old = OAuthClient.objects.filter(client_id=ven.client_id)
        AccessToken.objects.filter(client__in=old).delete()
        old.update(active=False)
        AutomatedSite.objects.filter(site=site).exclude(ven_id=name).delete()
    else:
        ven = Ven(site=site, created_at=now)
    ven.ven_name, ven.client_id, ven.targets, ven.modified_at = name, client.client_id, [name], now
    ven.body = {"venName": name, "clientID": client.client_id, "targets": [name]}
    ven.full_clean()
    ven.save()
    AutomatedSite.objects.update_or_create(site=site, defaults={"ven_id": name, "active": True})
    return ven, client.client_id, secret


@transaction.atomic
def register_bl_client(*, name: str) -> tuple[str, str]:
    client, secret = create_client(name=name, kind=OAuthClient.Kind.BL)
    return client.client_id, secret
