"""OAuth2 client credentials (RFC 6749 section 4.4) for the VTN, and the bearer-token check.

Scopes (3.1.0): a BL client may hold ``read_all read_bl write_programs write_events
write_vens``; a VEN ``read_targets read_ven_objects write_reports write_vens``. A token request
that names scopes gets the ones its kind allows (the intersection; RFC 6749 section 3.3 lets the
server narrow the request) and ``invalid_scope`` when none is left; one that names none gets
every scope of its kind. Tokens are 256-bit random strings; only their SHA-256 is stored, and
they expire ``OPENADR_TOKEN_LIFETIME_SECONDS`` after issue on the market clock.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from functools import cached_property

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import BasePermission

from vpp import clock

from .models import AccessToken, OAuthClient, Ven

BL_SCOPES = frozenset({"read_all", "read_bl", "write_programs", "write_events", "write_vens"})
VEN_SCOPES = frozenset({"read_targets", "read_ven_objects", "write_reports", "write_vens"})
SCOPES_OF_KIND = {OAuthClient.Kind.BL: BL_SCOPES, OAuthClient.Kind.VEN: VEN_SCOPES}


class OAuthError(Exception):
    """An RFC 6749 section 5.2 error of the token endpoint (not a problem object)."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status


def token_lifetime() -> timedelta:
    return timedelta(seconds=getattr(settings, "OPENADR_TOKEN_LIFETIME_SECONDS", 3600))


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@transaction.atomic
def create_client(*, name: str, kind: str) -> tuple[OAuthClient, str]:
    """A new client with a random id and secret; returns it and the secret (shown once)."""
    secret = secrets.token_urlsafe(32)
    client = OAuthClient(
        client_id=f"{kind}-{secrets.token_hex(8)}",
        secret_hash=make_password(secret),
        kind=kind,
        name=name,
        created_at=clock.now(),
    )
    client.full_clean()
    client.save()
    return client, secret


@transaction.atomic
def issue_token(
    *, grant_type: str | None, client_id: str | None, client_secret: str | None, scope: str | None
) -> dict:
    """The token endpoint's work: check the grant and the credentials, store a token."""
    if not grant_type:
        raise OAuthError("invalid_request", "grant_type is required")
    if grant_type != "client_credentials":
        raise OAuthError("unsupported_grant_type", "only client_credentials is supported")
    if not client_id or not client_secret:
        raise OAuthError("invalid_request", "client_id and client_secret are required")
    client = OAuthClient.objects.filter(client_id=client_id, active=True).first()
    if client is None or not check_password(client_secret, client.secret_hash):
        raise OAuthError("invalid_client", "unknown client or wrong secret", status=401)
    allowed = SCOPES_OF_KIND[client.kind]
    granted = allowed if not scope else allowed & set(scope.split())
    if not granted:
        raise OAuthError("invalid_scope", f"this client may hold only: {' '.join(sorted(allowed))}")
    key = secrets.token_urlsafe(32)
    issued = clock.now()
    AccessToken.objects.create(
        client=client,
        key_sha256=_sha256(key),
        scopes=" ".join(sorted(granted)),
        issued_at=issued,
        expires_at=issued + token_lifetime(),
    )
    return {
        "access_token": key,
        "token_type": "Bearer",
        "expires_in": int(token_lifetime().total_seconds()),
        "scope": " ".join(sorted(granted)),
    }


@dataclass(frozen=True)
class Principal:
    """Who a bearer token speaks for: a BL client, or a VEN client (and its ``Ven`` row)."""

    client: OAuthClient
    scopes: frozenset[str]
    ven: Ven | None

    is_authenticated = True
    is_anonymous = False

    @property
    def client_id(self) -> str:
        return self.client.client_id

    @property
    def is_bl(self) -> bool:
        return "read_all" in self.scopes

    @cached_property
    def granted_targets(self) -> frozenset[str]:
        """Targets BL granted to this VEN: its ven object's and its resources' (one query per
        request, however many objects are shown)."""
        if self.ven is None:
            return frozenset()
        labels = set(self.ven.targets)
        for resource_targets in self.ven.resources.values_list("targets", flat=True):
            labels.update(resource_targets or [])
        return frozenset(labels)

    def has(self, *scopes: str) -> bool:
        return bool(self.scopes & set(scopes))


class BearerAuthentication(BaseAuthentication):
    """``Authorization: Bearer <token>``. No header: not authenticated (401 from the
    permission check); a wrong or expired token: 401 at once."""

    def authenticate(self, request):
        header = request.headers.get("Authorization", "")
        if not header:
            return None
        kind, _, key = header.partition(" ")
        if kind.lower() != "bearer" or not key.strip():
            raise exceptions.AuthenticationFailed("use Authorization: Bearer <access_token>")
        token = (
            AccessToken.objects.select_related("client")
            .filter(key_sha256=_sha256(key.strip()), client__active=True)
            .first()
        )
        if token is None or token.expires_at <= clock.now():
            raise exceptions.AuthenticationFailed("the access token is unknown or expired")
        ven = None
        if token.client.kind == OAuthClient.Kind.VEN:
            ven = Ven.objects.filter(client_id=token.client.client_id).first()
        principal = Principal(token.client, frozenset(token.scopes.split()), ven)
        return principal, token

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="openadr3"'


class ScopeRequired(BasePermission):
    """The view's ``required_scopes[METHOD]`` lists scopes of which the token needs one."""

    def has_permission(self, request, view) -> bool:
        principal = request.user
        if not isinstance(principal, Principal):
            raise exceptions.NotAuthenticated("a bearer token is required")
        needed = view.required_scopes.get(request.method, ())
        if not principal.has(*needed):
            raise exceptions.PermissionDenied(
                f"{request.method} here needs one of the scopes: {', '.join(needed)}"
            )
        return True
