"""Property-based API testing: schemathesis generates requests from the OpenAPI schema at
``/api/schema/`` for every operation and sends each one as every role (token auth), in-process
through the WSGI app on the real test database.

Checks: no 5xx for any role, and a response whose status is documented matches its documented
body schema and content type. Tokens are the API's own (django-rest-knox, vpp/tokens.py). Excluded, and why:

- ``status_code_conformance``: drf-spectacular documents only the success codes; the 400/403/404
  answers the access matrix (tests/test_access_matrix.py) pins down are not in the schema.
- ``negative_data_rejection`` / ``positive_data_acceptance``: the schema cannot express the
  domain rules (aware datetimes, the operator's own sites, the market clock), so "valid by the
  schema" does not mean "accepted", nor the other way round.
- ``/api/auth/token/`` is exercised anonymously only (it is the login, not a role's action).
- The OpenADR 3 VTN (``/openadr3/3.1.0/``) is not in this schema: it has its own (the
  OpenADR 3.1.0 spec) and its own interop tests with an independent client (tests/openadr).

The budget is small (:data:`MAX_EXAMPLES` per operation) so the suite stays a few minutes;
raise it locally with ``HARDENING_MAX_EXAMPLES=100``.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from market.exchange import services as exchange
from tests.factories import SiteFactory
from vpp.tokens import token_create

MAX_EXAMPLES = int(os.environ.get("HARDENING_MAX_EXAMPLES", "5"))
ROLES = ("trader", "operator_a", "operator_b", "regulator", "admin")


def _load_schema():
    """The schema as ``/api/schema/`` serves it (same generator, no request needed at import)."""
    from drf_spectacular.generators import SchemaGenerator

    loaded = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True))
    loaded.app = get_wsgi_application()
    # The coverage phase sends every boundary case the schema defines (hundreds per operation,
    # whatever max_examples says): too slow for the suite; the fuzzing and examples phases stay.
    loaded.config.phases.coverage.enabled = False
    return loaded


@pytest.fixture(autouse=True)
def _keep_test_connection():
    # As Django's test client does: a raw WSGI request must not close the test transaction's
    # connection at request start/finish.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def tokens(personas, org_a, nodes, sim_now):
    """A small world so that ids and codes can hit something: a site of operator_a's and an
    open day-ahead auction of the default market."""
    sim_now(datetime(2026, 7, 1, 0, 0, tzinfo=UTC))
    SiteFactory(organisation=org_a, node=nodes["E-LOAD"])
    exchange.install_default_market()
    exchange.open_day_ahead(day=date(2026, 7, 2))
    # Real API tokens (knox, with their expiry), obtained as a client would be given them.
    return {role: token_create(user=personas[role])[1] for role in ROLES}


schema = _load_schema()


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_no_5xx_and_documented_shapes(case, tokens):
    checks = [response_schema_conformance, content_type_conformance]
    if case.path == "/api/auth/token/":
        response = case.call()
        assert response.status_code < 500, response.text[:500]
        return
    for role, key in tokens.items():
        response = case.call(headers={"Authorization": f"Token {key}"})
        assert response.status_code < 500, f"{role}: {response.status_code} {response.text[:500]}"
        case.validate_response(response, checks=checks)
