"""Turn domain errors into 400 responses that name the field, in DRF's own error shape:
``{"field": ["message"]}`` (``"detail"`` when no single field is at fault).

Work that needs the task queue answers 503 when the broker (Redis) cannot take it: Celery's
publish retries (about a second) end in ``kombu.exceptions.OperationalError``; the client is told
the queue is unavailable and to retry, with ``Retry-After``. Data intake does not need the queue
and keeps working (tests/hardening/test_faults.py)."""

from __future__ import annotations

import logging

from django.core.exceptions import ValidationError as DjangoValidationError
from kombu.exceptions import OperationalError as QueueError
from redis.exceptions import ConnectionError as RedisConnectionError
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from vpp.errors import ApplicationError
from vpp.limits import PayloadTooLarge

log = logging.getLogger(__name__)
QUEUE_UNAVAILABLE = (
    "the task queue is unavailable, so this work could not be started; nothing was queued. "
    "Try again in a minute."
)


def exception_handler(exc, context):
    if isinstance(exc, PayloadTooLarge):
        return Response(exc.as_dict(), status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    if isinstance(exc, ApplicationError):
        return Response(exc.as_dict(), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, DjangoValidationError):
        body = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        return Response(body, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, QueueError | RedisConnectionError):
        log.error("task queue unavailable: %s", exc)
        return Response(
            {"detail": QUEUE_UNAVAILABLE},
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": "60"},
        )
    return drf_exception_handler(exc, context)
