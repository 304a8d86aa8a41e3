"""Errors as RFC 7807 problem objects (``application/problem+json``), as OpenADR 3 asks for
every 4xx: ``type`` (``about:blank``: the status says it all), ``title`` (the reason phrase),
``status``, ``detail``; a 400 also carries ``errors``: ``{field: [message]}`` naming the input
at fault (``resources[0].intervals[2].payloads[0].values``)."""

from __future__ import annotations

from http import HTTPStatus

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response

from vpp.errors import ApplicationError

PROBLEM_CONTENT_TYPE = "application/problem+json"


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "the object conflicts with one that exists"


def problem(status_code: int, detail: str, errors: dict | None = None, headers=None) -> Response:
    body = {
        "type": "about:blank",
        "title": HTTPStatus(status_code).phrase,
        "status": status_code,
        "detail": detail,
    }
    if errors:
        body["errors"] = errors
    response = Response(body, status=status_code, headers=headers)
    response.content_type = PROBLEM_CONTENT_TYPE
    return response


def _flatten(detail, prefix: str = "") -> dict[str, list[str]]:
    if isinstance(detail, dict):
        out: dict[str, list[str]] = {}
        for key, value in detail.items():
            out.update(_flatten(value, f"{prefix}.{key}" if prefix else str(key)))
        return out
    if isinstance(detail, list) and detail and not all(isinstance(d, str) for d in detail):
        out = {}
        for i, value in enumerate(detail):
            out.update(_flatten(value, f"{prefix}[{i}]"))
        return out
    messages = detail if isinstance(detail, list) else [detail]
    return {prefix or "detail": [str(m) for m in messages]}


def _summary(errors: dict[str, list[str]]) -> str:
    return "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in errors.items())


def exception_handler(exc, context):
    """Every error of the VTN's views as a problem object (500s stay Django's)."""
    if isinstance(exc, ApplicationError):
        errors = exc.as_dict()
        return problem(400, _summary(errors), errors)
    if isinstance(exc, DjangoValidationError):
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        return problem(400, _summary(errors), errors)
    if isinstance(exc, Http404):
        return problem(404, str(exc) or "no such object")
    if isinstance(exc, exceptions.ValidationError):
        errors = _flatten(exc.detail)
        return problem(400, _summary(errors), errors)
    if isinstance(exc, exceptions.APIException):
        headers = None
        if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
            headers = {"WWW-Authenticate": 'Bearer realm="openadr3"'}
            exc.status_code = status.HTTP_401_UNAUTHORIZED
        return problem(exc.status_code, str(exc.detail), headers=headers)
    return None
