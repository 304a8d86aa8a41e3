"""Limits on what a request may carry, enforced before any of it is parsed.

- Body size: a request whose ``Content-Length`` exceeds ``MAX_REQUEST_BODY_BYTES`` (8 MB) is
  answered 413 before a byte of it is read, so a 100 MB upload costs the server nothing (Django's
  own ``DATA_UPLOAD_MAX_MEMORY_SIZE`` does not cover multipart files). A meter CSV has its own,
  smaller limit (``METER_UPLOAD_MAX_BYTES``, checked where the file is read).
- JSON nesting: a body or an uploaded JSON file deeper than ``MAX_JSON_DEPTH`` (32) is a 400;
  Python's parser would otherwise recurse until it fails.
- Domain errors raised by a page (an impossible ``?day=``) become a 400 page with the message
  and the field, as the API answers 400 ``{"field": ["message"]}``.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render

from .errors import ApplicationError


class PayloadTooLarge(ApplicationError):
    """A body or file beyond its size limit: the API and the pages answer 413."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message, field=field, code="too_large")


def _content_length(request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


class BodyLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = settings.MAX_REQUEST_BODY_BYTES
        if _content_length(request) > limit:
            message = f"the request body is larger than {limit // (1024 * 1024)} MB"
            return _error(request, PayloadTooLarge(message), status=413)
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, PayloadTooLarge):
            return _error(request, exception, status=413)
        if isinstance(exception, ApplicationError):
            return _error(request, exception, status=400)
        return None


def _error(request, exc: ApplicationError, *, status: int):
    if request.path.startswith("/api/"):
        return JsonResponse(exc.as_dict(), status=status)
    context = {"message": exc.message, "field": exc.field, "status": status}
    return render(request, "400.html", context, status=status)


def check_depth(value, *, field: str, limit: int | None = None) -> None:
    """Refuse a parsed JSON value nested deeper than ``limit`` (iterative: no recursion)."""
    limit = settings.MAX_JSON_DEPTH if limit is None else limit
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth > limit:
                raise ApplicationError(f"nested deeper than {limit} levels", field=field)
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


def loads_bounded(data: bytes | str, *, field: str):
    """``json.loads`` with the nesting limit, every failure a 400 naming ``field``."""
    try:
        value = json.loads(data, parse_constant=_refuse_constant)
    except RecursionError as exc:
        raise ApplicationError(
            f"nested deeper than {settings.MAX_JSON_DEPTH} levels", field=field
        ) from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApplicationError(f"not valid JSON: {exc}", field=field) from exc
    check_depth(value, field=field)
    return value
