"""OpenADR fixtures: two automated sites of different companies, each a registered VEN (real
OAuth clients with hashed secrets), a BL client, and instructions written as dispatch stores
them. The VTN is driven over HTTP with real bearer tokens from ``/auth/token``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from dispatch.models import Instruction
from dispatch.openadr.services.objects import register_bl_client, register_site_ven
from tests.factories import SiteFactory
from vpp.intervals import market_day_of

BASE = "/openadr3/3.1.0"
T0 = datetime(2026, 7, 1, 4, 0, tzinfo=UTC)  # 12:00 local; the sim clock starts at 02:00 UTC
STEP = timedelta(minutes=15)


def make_instruction(site, start=T0, *, target="12.5", baseline="20", state="pending", version=1):
    target, baseline = Decimal(target), Decimal(baseline)
    return Instruction.objects.create(
        site=site,
        market_day=market_day_of(start),
        interval_start=start,
        interval_end=start + STEP,
        target_mw=target,
        baseline_mw=baseline,
        reduction_mw=baseline - target,
        state=state,
        deadline_at=start - STEP,
        node_code=site.node.code,
        side="reduction",
        submission_id=1,
        version=version,
        created_at=start - timedelta(hours=2),
        confirmed_at=start - timedelta(hours=1) if state == "confirmed" else None,
    )


class Vtn:
    """An HTTP client of the VTN holding one client's credentials and token."""

    def __init__(self, client_id: str, secret: str):
        self.client_id, self.secret = client_id, secret
        self.http = APIClient()
        response = self.http.post(
            f"{BASE}/auth/token",
            {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
        )
        assert response.status_code == 200, response.content
        self.token = response.json()["access_token"]
        self.scope = response.json()["scope"]
        self.http.credentials(HTTP_AUTHORIZATION=f"Bearer {self.token}")

    def get(self, path, **params):
        return self.http.get(f"{BASE}{path}", params)

    def post(self, path, body):
        return self.http.post(f"{BASE}{path}", body, format="json")

    def put(self, path, body):
        return self.http.put(f"{BASE}{path}", body, format="json")

    def delete(self, path):
        return self.http.delete(f"{BASE}{path}")


@pytest.fixture(autouse=True)
def long_tokens(settings):
    """Tests move the market clock by hours; tokens last 6 h here (1 h by default)."""
    settings.OPENADR_TOKEN_LIFETIME_SECONDS = 6 * 3600


@pytest.fixture
def sites(org_a, org_b, nodes, sim_now):
    return {
        "a": SiteFactory(organisation=org_a, node=nodes["E-LOAD"], code="dc-alpha"),
        "b": SiteFactory(organisation=org_b, node=nodes["E-LOAD"], code="dc-beta"),
    }


@pytest.fixture
def vens(sites):
    """``{"a": (ven, client_id, secret), "b": ...}``: both sites registered as VENs."""
    return {key: register_site_ven(site=site) for key, site in sites.items()}


@pytest.fixture
def ven_a(vens):
    _, client_id, secret = vens["a"]
    return Vtn(client_id, secret)


@pytest.fixture
def ven_b(vens):
    _, client_id, secret = vens["b"]
    return Vtn(client_id, secret)


@pytest.fixture
def bl(db):
    return Vtn(*register_bl_client(name="aggregator-desk"))
