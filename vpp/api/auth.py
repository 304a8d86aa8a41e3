"""The API's sign-in and its tokens: obtain, list, revoke, log out (vpp/tokens.py).

``POST /api/auth/token/`` checks the password through ``authenticate()`` with the plain Django
request, so django-axes counts and locks it like every other door (vpp/throttle.py): a locked
client gets 429 ``{"detail": ...}`` from axes' middleware, right password or not."""

from __future__ import annotations

import unicodedata

from django.contrib.auth import authenticate
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from vpp import tokens


class LoginSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150, write_only=True)
    password = serializers.CharField(
        max_length=4096, trim_whitespace=False, write_only=True, style={"input_type": "password"}
    )

    def validate(self, attrs):
        request = self.context["request"]
        # NFKC, as the web form's UsernameField does: one account, however it is spelt.
        username = unicodedata.normalize("NFKC", attrs["username"])
        # The Django request, not DRF's wrapper: axes marks the lock-out on it for its middleware.
        user = authenticate(request._request, username=username, password=attrs["password"])
        if user is None:
            raise serializers.ValidationError(
                {"detail": ["unable to sign in with these credentials"]}, code="authorization"
            )
        attrs["user"] = user
        return attrs


class TokenSerializer(serializers.Serializer):
    token_key = serializers.CharField(help_text="first 15 characters: names the token")
    created = serializers.DateTimeField()
    expiry = serializers.DateTimeField()
    current = serializers.BooleanField(help_text="the token this request was made with")


class IssuedTokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="send as `Authorization: Token <token>`; shown once")
    token_key = serializers.CharField()
    expiry = serializers.DateTimeField()


class ObtainTokenView(APIView):
    """Sign in with a username and password; answers a new token and when it expires."""

    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(
        request=LoginSerializer,
        responses={200: IssuedTokenSerializer, 429: OpenApiResponse(description="locked out")},
    )
    def post(self, request):
        serializer = LoginSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        instance, token = tokens.token_create(user=serializer.validated_data["user"])
        body = {"token": token, "token_key": instance.token_key, "expiry": instance.expiry}
        return Response(IssuedTokenSerializer(body).data)


def _current_key(request) -> str | None:
    return getattr(request.auth, "token_key", None)


class TokenListView(APIView):
    """The signed-in user's live tokens (never the tokens themselves, only their keys)."""

    pagination_class = None

    @extend_schema(responses=TokenSerializer(many=True))
    def get(self, request):
        current = _current_key(request)
        rows = [
            {
                "token_key": t.token_key,
                "created": t.created,
                "expiry": t.expiry,
                "current": t.token_key == current,
            }
            for t in tokens.live_tokens(user=request.user)
        ]
        return Response(TokenSerializer(rows, many=True).data)


class TokenRevokeView(APIView):
    """Revoke one of the signed-in user's tokens by its key (another user's is a 404)."""

    @extend_schema(request=None, responses={204: None})
    def delete(self, request, token_key: str):
        if not tokens.token_revoke(user=request.user, token_key=token_key):
            raise exceptions.NotFound("no such token")
        return Response(status=status.HTTP_204_NO_CONTENT)


class LogoutView(APIView):
    """Revoke the token this request carries."""

    @extend_schema(
        request=None,
        responses={
            204: None,
            400: inline_serializer("LogoutError", {"detail": serializers.CharField()}),
        },
    )
    def post(self, request):
        key = _current_key(request)
        if key is None:
            detail = "this request carries no API token; sign out of the web app at /logout/"
            return Response({"detail": detail}, status=status.HTTP_400_BAD_REQUEST)
        tokens.token_revoke(user=request.user, token_key=key)
        return Response(status=status.HTTP_204_NO_CONTENT)


class LogoutAllView(APIView):
    """Revoke every token of the signed-in user."""

    @extend_schema(request=None, responses={204: None})
    def post(self, request):
        tokens.tokens_revoke_all(user=request.user, reason="logout all")
        return Response(status=status.HTTP_204_NO_CONTENT)
