"""OAuth2 client credentials, bearer tokens, scopes and problem-JSON errors."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from django.contrib.auth.hashers import check_password
from rest_framework.test import APIClient

from dispatch.openadr.models import AccessToken, OAuthClient
from vpp import clock

from .conftest import BASE, Vtn

pytestmark = pytest.mark.django_db


def token(client_id, secret, extra=None):
    body = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
    return APIClient().post(f"{BASE}/auth/token", {**body, **(extra or {})})


def test_discovery_names_the_token_url():
    response = APIClient().get(f"{BASE}/auth/server")
    assert response.status_code == 200
    assert response.json()["tokenURL"] == "http://testserver/openadr3/3.1.0/auth/token"


def test_secret_is_stored_hashed_and_token_only_as_a_digest(vens):
    _, client_id, secret = vens["a"]
    client = OAuthClient.objects.get(client_id=client_id)
    assert secret not in client.secret_hash and check_password(secret, client.secret_hash)
    issued = token(client_id, secret).json()
    assert issued["token_type"] == "Bearer" and issued["expires_in"] == 6 * 3600
    assert set(issued["scope"].split()) == {
        "read_targets",
        "read_ven_objects",
        "write_reports",
        "write_vens",
    }
    assert not AccessToken.objects.filter(key_sha256=issued["access_token"]).exists()
    assert AccessToken.objects.filter(client=client).count() == 1


def test_http_basic_credentials_work_too(vens):
    _, client_id, secret = vens["a"]
    basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    response = APIClient().post(
        f"{BASE}/auth/token",
        {"grant_type": "client_credentials"},
        HTTP_AUTHORIZATION=f"Basic {basic}",
    )
    assert response.status_code == 200 and response.json()["access_token"]


@pytest.mark.parametrize(
    ("change", "status", "error"),
    [
        ({"client_secret": "wrong"}, 401, "invalid_client"),
        ({"client_id": "nobody"}, 401, "invalid_client"),
        ({"grant_type": "password"}, 400, "unsupported_grant_type"),
        ({"grant_type": ""}, 400, "invalid_request"),
        ({"scope": "write_events write_programs"}, 400, "invalid_scope"),
    ],
)
def test_token_errors_follow_rfc6749(vens, change, status, error):
    _, client_id, secret = vens["a"]
    response = token(client_id, secret, change)
    assert response.status_code == status
    assert response.json()["error"] == error
    assert not AccessToken.objects.exists()


def test_requested_scopes_are_narrowed_to_the_kind(vens):
    _, client_id, secret = vens["a"]
    issued = token(client_id, secret, {"scope": "read_all read_targets write_reports"}).json()
    assert issued["scope"] == "read_targets write_reports"  # read_all is BL-only: dropped


def test_missing_or_bad_token_is_401_problem(vens):
    for headers in ({}, {"HTTP_AUTHORIZATION": "Bearer nope"}, {"HTTP_AUTHORIZATION": "Token x"}):
        response = APIClient().get(f"{BASE}/events", **headers)
        assert response.status_code == 401
        assert response["Content-Type"] == "application/problem+json"
        assert response["WWW-Authenticate"].startswith("Bearer")
        body = response.json()
        assert body["status"] == 401 and body["title"] == "Unauthorized" and body["detail"]
        assert body["type"] == "about:blank"


def test_token_expires_on_the_market_clock(ven_a):
    assert ven_a.get("/programs").status_code == 200
    clock.advance(timedelta(hours=6))
    assert ven_a.get("/programs").status_code == 401


def test_session_users_get_nothing(trader_api, vens):
    assert trader_api.get(f"{BASE}/events").status_code == 401


def test_rotating_a_site_registration_revokes_old_tokens(sites, vens, ven_a):
    from dispatch.openadr.services.objects import register_site_ven

    _, new_id, new_secret = register_site_ven(site=sites["a"])
    assert ven_a.get("/programs").status_code == 401
    assert Vtn(new_id, new_secret).get("/programs").status_code == 200


# --- the scope matrix: which kind of client may do what --------------------------------------

EVENT = {
    "programID": "0",
    "intervals": [{"id": 0, "payloads": [{"type": "SIMPLE", "values": [1]}]}],
}


@pytest.mark.parametrize(
    ("method", "path", "body", "ven_status", "bl_status"),
    [
        ("get", "/programs", None, 200, 200),
        ("post", "/programs", {"programName": "p2"}, 403, 201),
        ("get", "/events", None, 200, 200),
        ("post", "/events", EVENT, 403, 400),  # BL may; program 0 does not exist
        ("get", "/reports", None, 200, 200),
        ("post", "/reports", {"eventID": "1", "clientName": "x", "resources": []}, 400, 403),
        ("get", "/vens", None, 200, 200),
        ("get", "/resources", None, 200, 200),
        ("get", "/subscriptions", None, 404, 404),
    ],
)
def test_scope_matrix(ven_a, bl, method, path, body, ven_status, bl_status):
    for client, expected in ((ven_a, ven_status), (bl, bl_status)):
        send = getattr(client, method)
        response = send(path, body) if body is not None else send(path)
        assert response.status_code == expected, (client.scope, response.content)
        if expected >= 400:
            assert response["Content-Type"] == "application/problem+json"
            assert response.json()["status"] == expected


def test_ven_sees_only_its_own_ven_and_resources(vens, ven_a, ven_b, bl):
    ven_a_obj = vens["a"][0]
    mine = ven_a.get("/vens").json()
    assert [v["venName"] for v in mine] == ["dc-alpha"]
    assert mine[0]["objectType"] == "VEN" and mine[0]["clientID"] == ven_a.client_id
    assert ven_b.get(f"/vens/{ven_a_obj.pk}").status_code == 404
    created = ven_a.post(f"/vens/{ven_a_obj.pk}/resources", {"resourceName": "hall-1"})
    assert created.status_code == 201, created.content
    assert created.json()["venID"] == str(ven_a_obj.pk)
    assert ven_b.get("/resources").json() == []
    assert ven_b.post(f"/vens/{ven_a_obj.pk}/resources", {"resourceName": "x"}).status_code == 400
    granting = ven_a.post(
        "/resources", {"resourceName": "h2", "venID": str(ven_a_obj.pk), "targets": ["x"]}
    )
    assert granting.status_code == 400 and "targets" in granting.json()["errors"]
    assert len(bl.get("/vens").json()) == 2 and len(bl.get("/resources").json()) == 1


def test_register_command_prints_working_credentials(sites):
    import io

    from django.core.management import call_command

    from dispatch.models import AutomatedSite

    out = io.StringIO()
    call_command("openadr_register", "--site", "dc-alpha", stdout=out)
    lines = dict(line.split(": ", 1) for line in out.getvalue().splitlines())
    assert AutomatedSite.objects.get(site=sites["a"]).ven_id == lines["ven_name"] == "dc-alpha"
    assert (
        Vtn(lines["client_id"], lines["client_secret"]).get("/vens").json()[0]["venName"]
        == "dc-alpha"
    )
