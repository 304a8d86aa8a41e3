"""API tokens with a lifetime (django-rest-knox): issue, list, revoke.

Why knox rather than DRF's ``authtoken``: DRF keeps one token per user, for ever, in plain text;
knox stores only a SHA-512 digest, gives each token an expiry (``REST_KNOX["TOKEN_TTL"]``,
``API_TOKEN_TTL_HOURS``, 10 h by default), allows several tokens per user (one per script or
machine) that are revoked one by one, and is kept by Jazzband. A token is named to its owner by
its first 15 characters (``token_key``); the whole token is shown once, when issued.

Revoked: the one token on ``POST /api/auth/logout/``; all of a user's tokens on
``POST /api/auth/logoutall/``, on signing out of the web app (``user_logged_out``: signing out
signs out everywhere) and whenever the password changes (``post_save`` of a user whose password
hash differs from the stored one, however it was changed: the admin, ``set_password``, a
management command). Expired tokens are refused by knox and deleted when met.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.contrib.auth.signals import user_logged_out
from django.db import transaction
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver
from django.utils import timezone
from knox.models import AuthToken

from . import audit
from .models import User


def live_tokens(*, user: User):
    """The user's tokens that have not expired, newest first."""
    return AuthToken.objects.filter(user=user, expiry__gt=timezone.now()).order_by("-created")


@transaction.atomic
def token_create(*, user: User) -> tuple[AuthToken, str]:
    """Issue a token (its plain text is returned once, never stored). Beyond
    ``API_TOKEN_LIMIT_PER_USER`` live tokens, the oldest are revoked."""
    User.objects.select_for_update().filter(pk=user.pk).first()  # one issuer at a time per user
    instance, token = AuthToken.objects.create(user=user)
    keep = list(live_tokens(user=user).values_list("digest", flat=True)[: token_limit()])
    AuthToken.objects.filter(user=user).exclude(digest__in=keep).delete()
    audit.record(actor=user, action="auth.token_created", obj=user, changes=_key(instance))
    return instance, token


@transaction.atomic
def token_revoke(*, user: User, token_key: str) -> int:
    """Revoke the user's token(s) named ``token_key``; answers how many were revoked."""
    count, _ = AuthToken.objects.filter(user=user, token_key=token_key).delete()
    if count:
        audit.record(
            actor=user, action="auth.token_revoked", obj=user, changes={"token_key": token_key}
        )
    return count


@transaction.atomic
def tokens_revoke_all(*, user: User, reason: str) -> int:
    count, _ = AuthToken.objects.filter(user=user).delete()
    if count:
        changes = {"count": count, "reason": reason}
        audit.record(actor=user, action="auth.tokens_revoked", obj=user, changes=changes)
    return count


def token_limit() -> int:
    return settings.API_TOKEN_LIMIT_PER_USER


def _key(instance: AuthToken) -> dict[str, str]:
    expiry: datetime | None = instance.expiry
    return {"token_key": instance.token_key, "expiry": expiry.isoformat() if expiry else ""}


@receiver(user_logged_out)
def _revoke_on_logout(sender, request, user, **kwargs):
    if user is not None and user.pk:
        tokens_revoke_all(user=user, reason="signed out")


@receiver(pre_save, sender=User)
def _note_password_change(sender, instance: User, **kwargs):
    if instance.pk is None:
        return
    stored = User.objects.filter(pk=instance.pk).values_list("password", flat=True).first()
    instance._password_hash_changed = stored is not None and stored != instance.password


@receiver(post_save, sender=User)
def _revoke_on_password_change(sender, instance: User, created, **kwargs):
    if not created and getattr(instance, "_password_hash_changed", False):
        instance._password_hash_changed = False
        tokens_revoke_all(user=instance, reason="password changed")
