"""Sign-in throttling with django-axes, on every door that checks a password.

django-axes hooks into ``django.contrib.auth.authenticate()`` itself (its backend comes first in
``AUTHENTICATION_BACKENDS`` and it listens to ``user_login_failed``), so the web login, the
admin login (``/admin/login/``) and the API token (``POST /api/auth/token/``) are all behind
the same count: no door checks a password without passing it.

What is counted, and the rule (docs/hardening.md):

- the **normalised username**: NFKC then casefold, as Django's own ``UsernameField`` normalises
  before authenticating, so ``ｏperator`` (fullwidth o) and ``Operator`` count as ``operator``;
- three tiers, each with its own limit in ``AXES_LOCKOUT_PARAMETERS`` order: the (username,
  address) pair (``AXES_FAILURE_LIMIT``, 5), the address over every username
  (``LOGIN_FAILURE_LIMIT_PER_ADDRESS``, 20: password spraying from one address), the username
  over every address (``LOGIN_FAILURE_LIMIT_PER_USERNAME``, 10: distributed guessing at one
  account). Reaching any tier locks until ``AXES_COOLOFF_TIME`` (15 min) after the last failure;
- a success clears only its own (username, address) rows, so an attacker who also owns an
  account cannot reset the address's spraying count by signing in as themself;
- the counts live in PostgreSQL (axes' database handler), not in the cache: with Redis down,
  sign-in and the throttle keep working.

The client address is ``REMOTE_ADDR`` (``AXES_IPWARE_META_PRECEDENCE_ORDER``): behind a proxy,
the proxy must set it; a client's ``X-Forwarded-For`` is not trusted.
"""

from __future__ import annotations

import unicodedata

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.http import JsonResponse
from django.shortcuts import render


def normalise_username(value) -> str | None:
    """The key every door counts failures under: NFKC (what Django's ``UsernameField`` does
    before authenticating), stripped, casefolded."""
    if value is None:
        return None
    return unicodedata.normalize("NFKC", str(value)).strip().casefold()


def client_username(request, credentials) -> str | None:
    """``AXES_USERNAME_CALLABLE``: the normalised username from the credentials given to
    ``authenticate()``, else from the form or JSON body."""
    if credentials and credentials.get("username") is not None:
        return normalise_username(credentials["username"])
    data = getattr(request, "data", None) or getattr(request, "POST", {})
    username = data.get("username") if hasattr(data, "get") else None
    return normalise_username(username)


def tier_limits() -> tuple[int, int, int]:
    """Limits in ``AXES_LOCKOUT_PARAMETERS`` order: pair, address, username."""
    return (
        settings.AXES_FAILURE_LIMIT,
        settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS,
        settings.LOGIN_FAILURE_LIMIT_PER_USERNAME,
    )


class TieredDatabaseHandler(AxesDatabaseHandler):
    """axes' database handler with one limit per lockout tier.

    axes compares one number with one limit (``AXES_FAILURE_LIMIT``); this handler answers, as
    that number, each tier's failures scaled to the pair's limit, and the largest of them:
    ``count * L // limit_i >= L`` exactly when ``count >= limit_i`` (L and limit_i integers), so
    "any tier full" is "locked" and axes' own lock-out path is unchanged."""

    def get_failures(self, request, credentials=None) -> int:
        pair_limit = settings.AXES_FAILURE_LIMIT
        scores = [0]
        for attempts, limit in zip(
            self.get_user_attempts(request, credentials), tier_limits(), strict=True
        ):
            count = sum(attempts.values_list("failures_since_start", flat=True))
            scores.append(count * pair_limit // max(1, limit))
        return max(scores)

    def reset_user_attempts(self, request, credentials=None) -> int:
        """On success, only this (username, address) pair's failures are forgiven."""
        username = get_client_username(request, credentials)
        count, _ = AccessAttempt.objects.filter(
            username=username, ip_address=request.axes_ip_address
        ).delete()
        return count


def lockout_response(request, original_response=None, credentials=None):
    """429 in each door's own shape: JSON ``{"detail": ...}`` for the API, the login form with
    the message for a page (the web login and the admin login alike)."""
    message = str(settings.AXES_COOLOFF_MESSAGE)
    retry = {"Retry-After": str(int(settings.AXES_COOLOFF_TIME.total_seconds()))}
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=429, headers=retry)
    context = {"form": AuthenticationForm(request), "locked": message}
    response = render(request, "registration/login.html", context, status=429)
    response["Retry-After"] = retry["Retry-After"]
    return response
