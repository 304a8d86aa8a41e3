"""The API's token authentication: django-rest-knox (vpp/tokens.py), kept apart from the views
because DRF imports authentication classes while it is still loading its own views."""

from __future__ import annotations

import binascii

from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from rest_framework import exceptions


class TokenAuthentication(KnoxTokenAuthentication):
    """knox's ``Authorization: Token <key>``, with a malformed key (not UTF-8, not hex) a 401
    like any wrong key rather than a 500."""

    def authenticate_credentials(self, token):
        try:
            token.decode("ascii")
        except (UnicodeDecodeError, binascii.Error) as exc:
            raise exceptions.AuthenticationFailed("Invalid token.") from exc
        return super().authenticate_credentials(token)
