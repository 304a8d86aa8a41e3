"""Sign-in throttling (django-axes, vpp/throttle.py) and API tokens with a lifetime
(django-rest-knox, vpp/tokens.py): every way around the old throttle that the attack report
found, tried again, and the token lifecycle (expiry, logout, password change, list, revoke)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client, override_settings
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from vpp.models import AuditEvent

FULLWIDTH_O = "\uff4f"  # ｏ: NFKC turns it into "o"


def _login(username, password, ip="10.0.0.1", client=None):
    client = client or Client()
    return client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=ip)


def _token(username, password, ip="10.0.0.1"):
    body = {"username": username, "password": password}
    return APIClient(REMOTE_ADDR=ip).post("/api/auth/token/", body, format="json")


def test_five_failures_lock_the_pair_even_with_the_right_password(trader, operator_a):
    for _ in range(4):
        assert _login("trader", "wrong").status_code == 200  # the form with its error
    assert _login("trader", "wrong").status_code == 429  # the fifth failure locks
    client = Client()
    locked = _login("trader", "pw-trader", client=client)
    assert locked.status_code == 429
    assert "Too many failed sign-ins" in locked.content.decode()
    assert "_auth_user_id" not in client.session
    # Another address, or another user from the same address, is not locked out.
    assert _login("trader", "pw-trader", ip="10.0.0.2").status_code == 302
    assert _login("operator_a", "pw-operator_a").status_code == 302


def test_a_locked_username_cannot_sign_in_under_another_spelling(operator_a):
    """Django NFKC-normalises the username before authenticating: ``ｏperator_a`` IS operator_a,
    so it must share operator_a's count (on main it was a fresh key: 25 guesses, none refused)."""
    spellings = ["operator_a", f"{FULLWIDTH_O}perator_a", "Operator_a", " operator_a", "OPERATOR_A"]
    for name in spellings:
        _login(name, "wrong")
    # Each of the five spellings was one failure of the same account: it is locked, whatever
    # spelling is used next, on the web and on the API.
    assert _login(f"{FULLWIDTH_O}perator_a", "pw-operator_a").status_code == 429
    assert _login("operator_a", "pw-operator_a").status_code == 429
    assert _token(f"{FULLWIDTH_O}perator_a", "pw-operator_a").status_code == 429


def test_the_fullwidth_spelling_signs_in_as_the_same_account_when_not_locked(operator_a):
    # The API normalises as the web form does (one account, however it is spelt).
    response = _token(f"{FULLWIDTH_O}perator_a", "pw-operator_a")
    assert response.status_code == 200, response.content
    assert AuthToken.objects.get().user == operator_a


def test_the_admin_login_is_throttled(admin_user):
    client = Client()
    for _ in range(8):
        bad = client.post(
            "/admin/login/?next=/admin/",
            {"username": "admin", "password": "wrong"},
            REMOTE_ADDR="10.0.0.7",
        )
        assert bad.status_code in (200, 429)
    right = client.post(
        "/admin/login/?next=/admin/",
        {"username": "admin", "password": "pw-admin"},
        REMOTE_ADDR="10.0.0.7",
    )
    assert right.status_code == 429
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302  # still signed out


def test_password_spraying_from_one_address_is_throttled(trader):
    """One wrong password for each of 20 usernames from one address: the address is locked for
    every username, the real one with its right password included; other addresses are not."""
    for i in range(20):
        _login(f"user{i}", "Summer2026!", ip="10.0.0.66")
    assert _login("trader", "pw-trader", ip="10.0.0.66").status_code == 429
    assert _token("trader", "pw-trader", ip="10.0.0.66").status_code == 429
    assert _login("trader", "pw-trader", ip="10.0.0.67").status_code == 302


def test_guessing_one_username_from_many_addresses_is_throttled(trader):
    for i in range(10):
        _login("trader", "wrong", ip=f"10.0.1.{i}")
    assert _login("trader", "pw-trader", ip="10.0.1.200").status_code == 429


def test_a_success_forgives_only_its_own_pair(trader, operator_a):
    """An attacker with an account of their own cannot reset the address's spraying count by
    signing in as themself between guesses."""
    for i in range(19):
        _login(f"victim{i}", "guess", ip="10.0.0.80")
    assert _login("operator_a", "pw-operator_a", ip="10.0.0.80").status_code == 302
    _login("victim19", "guess", ip="10.0.0.80")  # the 20th failure from the address
    assert _login("trader", "pw-trader", ip="10.0.0.80").status_code == 429


@override_settings(AXES_FAILURE_LIMIT=3)
def test_the_api_token_and_the_web_form_share_one_count(trader):
    assert [_token("trader", "x", ip="10.0.0.9").status_code for _ in range(3)] == [400, 400, 429]
    locked = _token("trader", "pw-trader", ip="10.0.0.9")
    assert locked.status_code == 429
    assert "Too many failed sign-ins" in locked.json()["detail"]
    assert _login("trader", "pw-trader", ip="10.0.0.9").status_code == 429


@override_settings(
    CACHES={
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there: the cache is down
        }
    }
)
def test_sign_in_works_while_the_cache_is_down(trader):
    """On main the throttle read the cache first: with Redis down, sign-in was a 500. The
    counts now live in PostgreSQL."""
    assert _login("trader", "wrong").status_code == 200
    assert _login("trader", "pw-trader").status_code == 302
    assert _token("trader", "pw-trader").status_code == 200


def test_the_password_policy_refuses_weak_passwords(trader):
    for weak in ("short-pw1", "password1234", "123456789012345", "trader12"):
        with pytest.raises(ValidationError):
            validate_password(weak, user=trader)
    validate_password("quiet-harbour-lantern-47", user=trader)


# --- tokens with a lifetime ------------------------------------------------------------------


def _refused(response) -> bool:
    """DRF answers a bad or revoked token 403 (session authentication comes first, and it sends
    no WWW-Authenticate challenge), with knox's message."""
    return response.status_code == 403 and "Invalid token" in response.json()["detail"]


def _auth(token):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def test_a_token_expires(trader):
    issued = _token("trader", "pw-trader").json()
    expiry = issued["expiry"]
    assert issued["token"] and issued["token_key"] == issued["token"][:15]
    lifetime = AuthToken.objects.get().expiry - timezone.now()
    assert timedelta(hours=9, minutes=59) < lifetime <= timedelta(hours=10), expiry
    assert _auth(issued["token"]).get("/api/me/").status_code == 200
    AuthToken.objects.update(expiry=timezone.now() - timedelta(seconds=1))
    assert _refused(_auth(issued["token"]).get("/api/me/"))


def test_signing_out_of_the_web_app_revokes_the_users_tokens(trader, operator_a):
    token = _token("trader", "pw-trader").json()["token"]
    other = _token("operator_a", "pw-operator_a").json()["token"]
    web = Client()
    assert _login("trader", "pw-trader", client=web).status_code == 302
    assert web.post("/logout/").status_code == 302
    assert _refused(_auth(token).get("/api/me/"))
    assert _auth(other).get("/api/me/").status_code == 200  # another user's is untouched


def test_a_password_change_revokes_every_token(trader):
    token = _token("trader", "pw-trader").json()["token"]
    trader.set_password("quiet-harbour-lantern-47")
    trader.save()
    assert _refused(_auth(token).get("/api/me/"))
    assert AuditEvent.objects.filter(
        action="auth.tokens_revoked", changes__reason="password changed"
    ).exists()


def test_a_user_lists_and_revokes_their_tokens(trader, operator_a):
    first = _token("trader", "pw-trader").json()
    second = _token("trader", "pw-trader").json()
    theirs = _token("operator_a", "pw-operator_a").json()
    client = _auth(second["token"])
    listed = client.get("/api/auth/tokens/").json()
    assert {row["token_key"] for row in listed} == {first["token_key"], second["token_key"]}
    assert [row["current"] for row in listed if row["token_key"] == second["token_key"]] == [True]
    assert "token" not in listed[0]  # the secret is shown once, at issue, never again
    # Someone else's token is not theirs to revoke.
    assert client.delete(f"/api/auth/tokens/{theirs['token_key']}/").status_code == 404
    assert client.delete(f"/api/auth/tokens/{first['token_key']}/").status_code == 204
    assert _refused(_auth(first["token"]).get("/api/me/"))
    assert _auth(theirs["token"]).get("/api/me/").status_code == 200
    # Logging out revokes the token the request carries; logoutall revokes the rest.
    assert client.post("/api/auth/logout/").status_code == 204
    assert _refused(_auth(second["token"]).get("/api/me/"))
    third = _token("trader", "pw-trader").json()["token"]
    fourth = _token("trader", "pw-trader").json()["token"]
    assert _auth(third).post("/api/auth/logoutall/").status_code == 204
    assert _refused(_auth(fourth).get("/api/me/"))


def test_tokens_are_stored_as_digests_only(trader):
    token = _token("trader", "pw-trader").json()["token"]
    row = AuthToken.objects.get()
    assert token not in (row.digest, row.token_key) and len(row.digest) == 128


def test_a_malformed_token_is_refused_not_a_500(trader):
    for header in ("Token \u00e9\u00e9\u00e9", "Token zz", "Token " + "a" * 500):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=header)
        assert _refused(client.get("/api/me/")), header
