"""OpenAPI extensions (drf-spectacular): the API's knox token scheme, so every operation states
how it is authenticated (``Authorization: Token <key>``)."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class KnoxTokenScheme(OpenApiAuthenticationExtension):
    target_class = "vpp.api.authentication.TokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Token <key>` from POST /api/auth/token/; it expires (auth/tokens/)",
        }
