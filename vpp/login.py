"""Login with throttling: too many failed sign-ins for one username from one address lock that
pair out for a while.

Rule: after ``LOGIN_FAILURE_LIMIT`` failed attempts (default 5) for the same
(username, client IP) within ``LOGIN_FAILURE_WINDOW_SECONDS`` (default 900 s), every further
attempt for that pair, right password or not, answers 429 with the form and a message, until the
window since the first counted failure runs out. A successful sign-in clears the count. The count
lives in the default cache (Redis in production, so every web process shares it); other users
and other addresses are not affected, so one attacker cannot lock a user out from everywhere.
The API's token endpoint (``POST /api/auth/token/``) is the same sign-in and shares the rule
and the count. An empty username is not counted (there is no account to protect). The client IP
is ``REMOTE_ADDR`` (the proxy in front must set it, e.g. gunicorn behind nginx
with ``--forwarded-allow-ips``); ``X-Forwarded-For`` is not trusted here.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.core.cache import cache
from django.forms.utils import ErrorDict
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.response import Response

LOCKED_MESSAGE = "Too many failed sign-ins for this username. Try again in {minutes} minutes."


def _limit() -> int:
    return getattr(settings, "LOGIN_FAILURE_LIMIT", 5)


def _window() -> int:
    return getattr(settings, "LOGIN_FAILURE_WINDOW_SECONDS", 900)


def failure_key(username: str, ip: str) -> str:
    digest = hashlib.sha256(f"{username.strip().lower()}|{ip}".encode()).hexdigest()
    return f"login-failures:{digest}"


def locked(key: str) -> bool:
    return cache.get(key, 0) >= _limit()


def count_failure(key: str, username: str) -> None:
    if not username.strip():
        return
    if cache.add(key, 1, timeout=_window()) is False:
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=_window())


def locked_message() -> str:
    return LOCKED_MESSAGE.format(minutes=max(1, _window() // 60))


class ThrottledLoginView(auth_views.LoginView):
    def _key(self) -> str:
        return failure_key(
            self.request.POST.get("username", ""), self.request.META.get("REMOTE_ADDR", "")
        )

    def post(self, request, *args, **kwargs):
        if locked(self._key()):
            form = self.get_form()
            # No clean(): a locked pair must not even reach authenticate().
            form._errors, form.cleaned_data = ErrorDict(), {}
            message = locked_message()
            form.add_error(None, message)
            context = self.get_context_data(form=form, locked=message)
            return self.render_to_response(context, status=429)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        count_failure(self._key(), self.request.POST.get("username", ""))
        return super().form_invalid(form)

    def form_valid(self, form):
        cache.delete(self._key())
        return super().form_valid(form)


class ThrottledObtainAuthToken(ObtainAuthToken):
    """``POST /api/auth/token/`` under the same throttle: 429 ``{"detail": ...}`` when locked."""

    def post(self, request, *args, **kwargs):
        username = str(request.data.get("username", "")) if hasattr(request.data, "get") else ""
        key = failure_key(username, request.META.get("REMOTE_ADDR", ""))
        if locked(key):
            return Response({"detail": locked_message()}, status=429)
        serializer = self.get_serializer(data=request.data)
        if not serializer.is_valid():
            count_failure(key, username)
            serializer.is_valid(raise_exception=True)
        cache.delete(key)
        token, _ = Token.objects.get_or_create(user=serializer.validated_data["user"])
        return Response({"token": token.key})
