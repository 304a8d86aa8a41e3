"""The VTN's HTTP endpoints under ``/openadr3/3.1.0`` (see docs/openadr.md for the table).

Bearer tokens only (no sessions, no CSRF); scopes per method in ``required_scopes``; lists are
JSON arrays paged with ``skip`` (>= 0) and ``limit`` (1..50, default 50); errors are problem
objects. Views parse and check, then call one service."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.urls import reverse
from rest_framework import status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from vpp.errors import ApplicationError

from . import validation
from .auth import BearerAuthentication, OAuthError, ScopeRequired, issue_token
from .models import Event, Program, Report, Resource, Ven
from .problems import exception_handler, problem
from .services import objects, reports
from .services.instructions import confirm_on_read
from .services.visibility import (
    events_for,
    hide_targets,
    programs_for,
    reports_for,
    resources_for,
    vens_for,
)
from .wire import to_wire

MAX_LIMIT = 50
READ_TARGETED = ("read_all", "read_targets")
READ_OWN = ("read_all", "read_ven_objects")


def _int_param(request, name: str, default: int, lo: int, hi: int | None) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    if not raw.isdigit() or int(raw) < lo or (hi is not None and int(raw) > hi):
        bound = f"{lo}..{hi}" if hi is not None else f">= {lo}"
        raise ApplicationError(f"an integer {bound}", field=name)
    return int(raw)


def page(request, items) -> list:
    skip = _int_param(request, "skip", 0, 0, None)
    limit = _int_param(request, "limit", MAX_LIMIT, 1, MAX_LIMIT)
    return list(items[skip : skip + limit])


def _pk(object_id: str) -> int:
    return int(object_id) if object_id.isdigit() else -1


class VtnView(APIView):
    authentication_classes = [BearerAuthentication]
    permission_classes = [ScopeRequired]
    parser_classes = [JSONParser]
    required_scopes: dict[str, tuple[str, ...]] = {}

    def get_exception_handler(self):
        return exception_handler

    def initial(self, request, *args, **kwargs):
        if request.method == "HEAD":
            self.required_scopes = {**self.required_scopes, "HEAD": self.required_scopes["GET"]}
        super().initial(request, *args, **kwargs)

    @property
    def principal(self):
        return self.request.user

    def requested_targets(self) -> list[str]:
        return [t for t in self.request.query_params.getlist("targets") if t.strip()]


# --- auth -----------------------------------------------------------------------------------


class AuthServerView(APIView):
    """``GET /auth/server``: where to get a token (no authentication)."""

    authentication_classes: list = []
    permission_classes: list = []

    def get_exception_handler(self):
        return exception_handler

    def get(self, request):
        return Response({"tokenURL": request.build_absolute_uri(reverse("openadr:token"))})


class TokenView(APIView):
    """``POST /auth/token``: client credentials, form-encoded (RFC 6749 4.4), or in HTTP Basic
    auth (2.3.1). Errors are RFC 6749 ``{"error", "error_description"}`` objects."""

    authentication_classes: list = []
    permission_classes: list = []
    parser_classes = [FormParser, MultiPartParser, JSONParser]

    def get_exception_handler(self):
        return exception_handler

    def post(self, request):
        data = request.data if hasattr(request.data, "get") else {}
        client_id, client_secret = data.get("client_id"), data.get("client_secret")
        basic = request.headers.get("Authorization", "")
        if basic.lower().startswith("basic ") and not client_id:
            import base64
            from urllib.parse import unquote

            try:
                raw = base64.b64decode(basic[6:].strip()).decode()
                client_id, _, client_secret = (unquote(p) for p in raw.partition(":"))
            except ValueError:
                client_id = client_secret = None
        try:
            body = issue_token(
                grant_type=data.get("grant_type"),
                client_id=client_id,
                client_secret=client_secret,
                scope=data.get("scope"),
            )
        except OAuthError as exc:
            return Response(
                {"error": exc.error, "error_description": exc.description},
                status=exc.status,
                headers={"Cache-Control": "no-store"},
            )
        return Response(body, headers={"Cache-Control": "no-store", "Pragma": "no-cache"})


# --- programs -------------------------------------------------------------------------------


class ProgramList(VtnView):
    required_scopes = {"GET": READ_TARGETED, "POST": ("write_programs",)}

    def get(self, request):
        requested = self.requested_targets()
        out = []
        for p in page(request, programs_for(self.principal, requested=requested)):
            shown = {**p.body, "targets": hide_targets(self.principal, p.targets, requested)}
            out.append(to_wire(p, "PROGRAM", shown))
        return Response(out)

    def post(self, request):
        program = objects.save_program(body=validation.program_request(request.data))
        return Response(to_wire(program, "PROGRAM"), status=status.HTTP_201_CREATED)


class ProgramDetail(VtnView):
    required_scopes = {
        "GET": READ_TARGETED,
        "PUT": ("write_programs",),
        "DELETE": ("write_programs",),
    }

    def _get(self, program_id: str) -> Program:
        for program in programs_for(self.principal, requested=[]):
            if program.pk == _pk(program_id):
                return program
        raise_not_found("program")

    def get(self, request, program_id):
        program = self._get(program_id)
        shown = {**program.body, "targets": hide_targets(self.principal, program.targets, [])}
        return Response(to_wire(program, "PROGRAM", shown))

    def put(self, request, program_id):
        program = self._get(program_id)
        body = validation.program_request(request.data)
        return Response(to_wire(objects.save_program(body=body, program=program), "PROGRAM"))

    def delete(self, request, program_id):
        program = self._get(program_id)
        wire = to_wire(program, "PROGRAM")
        objects.delete_program(program=program)
        return Response(wire)


def raise_not_found(kind: str):
    from django.http import Http404

    raise Http404(f"no {kind} with this id is visible to this client")


# --- events ---------------------------------------------------------------------------------


class EventList(VtnView):
    required_scopes = {"GET": READ_TARGETED, "POST": ("write_events",)}

    def get(self, request):
        requested = self.requested_targets()
        program_id = request.query_params.get("programID")
        events = page(
            request, events_for(self.principal, requested=requested, program_id=program_id)
        )
        confirm_on_read(self.principal, events)
        return Response([self.wire(e, requested) for e in events])

    def wire(self, event: Event, requested: list[str]) -> dict:
        shown = {**event.body, "targets": hide_targets(self.principal, event.targets, requested)}
        return to_wire(event, "EVENT", shown)

    def post(self, request):
        event = objects.save_event(body=validation.event_request(request.data))
        return Response(to_wire(event, "EVENT"), status=status.HTTP_201_CREATED)


class EventDetail(EventList):
    required_scopes = {"GET": READ_TARGETED, "PUT": ("write_events",), "DELETE": ("write_events",)}

    def _get(self, event_id: str) -> Event:
        events = events_for(self.principal, requested=[], program_id=None)
        return get_object_or_404(events, pk=_pk(event_id))

    def get(self, request, event_id):
        event = self._get(event_id)
        confirm_on_read(self.principal, [event])
        return Response(self.wire(event, []))

    def put(self, request, event_id):
        event = self._get(event_id)
        body = validation.event_request(request.data)
        return Response(to_wire(objects.save_event(body=body, event=event), "EVENT"))

    def delete(self, request, event_id):
        event = self._get(event_id)
        wire = to_wire(event, "EVENT")
        objects.delete_event(event=event)
        return Response(wire)


# --- reports --------------------------------------------------------------------------------


class ReportList(VtnView):
    required_scopes = {"GET": READ_OWN, "POST": ("write_reports",)}

    def get(self, request):
        found = reports_for(self.principal)
        for param, column in (("eventID", "event_id"), ("clientName", "client_name")):
            value = request.query_params.get(param)
            if value is not None:
                value = _pk(value) if column == "event_id" else value
                found = found.filter(**{column: value})
        return Response([to_wire(r, "REPORT") for r in page(request, found)])

    def post(self, request):
        body = validation.report_request(request.data)
        report = reports.save_report(principal=self.principal, body=body)
        return Response(to_wire(report, "REPORT"), status=status.HTTP_201_CREATED)


class ReportDetail(VtnView):
    required_scopes = {
        "GET": READ_OWN,
        "PUT": ("write_reports",),
        "DELETE": ("write_reports",),
    }

    def _get(self, report_id: str) -> Report:
        return get_object_or_404(reports_for(self.principal), pk=_pk(report_id))

    def get(self, request, report_id):
        return Response(to_wire(self._get(report_id), "REPORT"))

    def put(self, request, report_id):
        report = self._get(report_id)
        body = validation.report_request(request.data)
        report = reports.save_report(principal=self.principal, body=body, report=report)
        return Response(to_wire(report, "REPORT"))

    def delete(self, request, report_id):
        report = self._get(report_id)
        wire = to_wire(report, "REPORT")
        report.delete()  # readings already received stay: they are the site's delivery record
        return Response(wire)


# --- vens and resources ---------------------------------------------------------------------


class VenList(VtnView):
    required_scopes = {"GET": READ_OWN, "POST": ("write_vens",)}

    def get(self, request):
        vens = vens_for(self.principal)
        name = request.query_params.get("venName")
        if name is not None:
            vens = vens.filter(ven_name=name)
        return Response([to_wire(v, "VEN") for v in page(request, vens)])

    def post(self, request):
        body = validation.ven_request(request.data, by_bl=self.principal.is_bl)
        ven = objects.save_ven(principal=self.principal, body=body)
        return Response(to_wire(ven, "VEN"), status=status.HTTP_201_CREATED)


class VenDetail(VtnView):
    required_scopes = {"GET": READ_OWN, "PUT": ("write_vens",), "DELETE": ("write_vens",)}

    def _get(self, ven_id: str) -> Ven:
        return get_object_or_404(vens_for(self.principal), pk=_pk(ven_id))

    def get(self, request, ven_id):
        return Response(to_wire(self._get(ven_id), "VEN"))

    def put(self, request, ven_id):
        ven = self._get(ven_id)
        body = validation.ven_request(request.data, by_bl=self.principal.is_bl)
        return Response(
            to_wire(objects.save_ven(principal=self.principal, body=body, ven=ven), "VEN")
        )

    def delete(self, request, ven_id):
        ven = self._get(ven_id)
        if not self.principal.is_bl:
            return problem(403, "only the business logic deletes vens")
        wire = to_wire(ven, "VEN")
        objects.delete_ven(ven=ven)
        return Response(wire)


class ResourceList(VtnView):
    """``/resources`` (3.1.0; ``?venID=`` narrows) and ``/vens/{venID}/resources`` (3.0 path)."""

    required_scopes = {"GET": READ_OWN, "POST": ("write_vens",)}

    def get(self, request, ven_id=None):
        found = resources_for(self.principal)
        ven_id = ven_id or request.query_params.get("venID")
        if ven_id is not None:
            found = found.filter(ven_id=_pk(ven_id))
        name = request.query_params.get("resourceName")
        if name is not None:
            found = found.filter(resource_name=name)
        return Response([to_wire(r, "RESOURCE") for r in page(request, found)])

    def post(self, request, ven_id=None):
        data = request.data
        if ven_id is not None and isinstance(data, dict):
            data = {**data, "venID": ven_id}
        body = validation.resource_request(data, by_bl=self.principal.is_bl)
        ven = vens_for(self.principal).filter(pk=_pk(body["venID"])).first()
        if ven is None:
            raise ApplicationError("no ven with this id is visible to this client", field="venID")
        resource = objects.save_resource(principal=self.principal, ven=ven, body=body)
        return Response(to_wire(resource, "RESOURCE"), status=status.HTTP_201_CREATED)


class ResourceDetail(VtnView):
    required_scopes = {"GET": READ_OWN, "PUT": ("write_vens",), "DELETE": ("write_vens",)}

    def _get(self, resource_id: str, ven_id: str | None) -> Resource:
        found = resources_for(self.principal)
        if ven_id is not None:
            found = found.filter(ven_id=_pk(ven_id))
        return get_object_or_404(found, pk=_pk(resource_id))

    def get(self, request, resource_id, ven_id=None):
        return Response(to_wire(self._get(resource_id, ven_id), "RESOURCE"))

    def put(self, request, resource_id, ven_id=None):
        resource = self._get(resource_id, ven_id)
        data = request.data
        if isinstance(data, dict):
            data = {**data, "venID": str(resource.ven_id)}
        body = validation.resource_request(data, by_bl=self.principal.is_bl)
        saved = objects.save_resource(
            principal=self.principal, ven=resource.ven, body=body, resource=resource
        )
        return Response(to_wire(saved, "RESOURCE"))

    def delete(self, request, resource_id, ven_id=None):
        resource = self._get(resource_id, ven_id)
        wire = to_wire(resource, "RESOURCE")
        resource.delete()
        return Response(wire)


class NotFoundView(APIView):
    authentication_classes: list = []
    permission_classes: list = []

    def get_exception_handler(self):
        return exception_handler

    def _answer(self, request, rest):
        return problem(404, f"unrecognized URL: {rest} (see docs/openadr.md for what exists)")

    get = post = put = delete = patch = _answer


not_found = NotFoundView.as_view()
