"""No claim outlives an outage: work that could not be queued is failed at once, and a claim
that made no progress within its time budget is failed by a periodic sweep, so it can be
started again (by the user, or by the beat task that settles each day).

A claim is a run row in a "working" state (``queued``/``running``) that makes every later start
hand back the same run. Two ways it can be left standing for ever:

1. the broker is down when the run is queued: :func:`enqueue_or_fail` marks the run failed with
   the reason and re-raises, so the API answers 503 and the next start makes a fresh run;
2. the work was lost after queueing (a worker killed past every retry, a purged queue): each app
   sweeps its runs with :func:`fail_stale`; a run whose ``created_at`` (market clock) is older
   than :func:`claim_budget` is failed with the reason. ``acks_late`` redelivery of a killed
   worker's message happens well within the budget; a stage that arrives after the sweep finds
   the run failed and does nothing (every stage checks its claim first).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from kombu.exceptions import OperationalError as KombuOperationalError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from . import clock

# What a publish raises when the broker cannot take the message.
QUEUE_ERRORS = (KombuOperationalError, RedisConnectionError, RedisTimeoutError)
NOT_QUEUED = "could not be queued: the task queue was unavailable ({error}); start it again"
STALE = "no progress within {minutes} minutes: the work was lost (worker or queue); start it again"


def enqueue_or_fail(send: Callable[[], object], *, fail: Callable[[str], object]) -> None:
    """Call ``send`` (the publish); when the broker refuses, ``fail(reason)`` and re-raise."""
    try:
        send()
    except QUEUE_ERRORS as exc:
        fail(NOT_QUEUED.format(error=exc.__class__.__name__))
        raise


def claim_budget(stages: int = 1) -> timedelta:
    """How long a run of ``stages`` tasks may hold its claim: each stage's hard time limit,
    plus the redelivery wait of a lost message (the broker's visibility timeout) and a grace
    for the queue (``CLAIM_GRACE_SECONDS``)."""
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("visibility_timeout", 3600)
    seconds = stages * settings.CELERY_TASK_TIME_LIMIT + visibility + settings.CLAIM_GRACE_SECONDS
    return timedelta(seconds=seconds)


def fail_stale(queryset, *, states: tuple[str, ...], budget: timedelta, **extra) -> list[int]:
    """Fail the runs of ``queryset`` in ``states`` created before now - ``budget``; answers
    their ids. One conditional UPDATE: a run that finishes meanwhile is left alone."""
    now = clock.now()
    stale = queryset.filter(state__in=states, created_at__lt=now - budget)
    ids = list(stale.values_list("pk", flat=True))
    if ids:
        error = STALE.format(minutes=int(budget.total_seconds() // 60))
        queryset.filter(pk__in=ids, state__in=states).update(
            state="failed", error=error, finished_at=now, **extra
        )
    return ids
