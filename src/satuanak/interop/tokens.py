"""API tokens: made by a signed-in user for one device or app, shown once, stored as a hash.

A token is the user: the API applies that user's role, area and audit exactly as the pages do
(access/selectors.py). So a token is only as strong as the account behind it: it lapses when it
expires, when it is revoked, and the moment its user is deactivated.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from django.utils import timezone

from satuanak.access.agreements import purposes_for
from satuanak.audit.models import AuditAction
from satuanak.audit.services import audit_record
from satuanak.interop.models import ApiToken

PREFIX = "sda_"  # recognisable in a leaked file or a secret scanner
DEFAULT_DAYS = 90
MAX_DAYS = 365
# last_used_at is for people ("is this token still in use?"), not for forensics (the audit log
# is): writing it on every request would turn each read into a write.
_TOUCH_EVERY = timedelta(minutes=1)


class TokenError(ValueError):
    pass


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def token_create(
    *, user: Any, name: str, days: int = DEFAULT_DAYS, purpose: str = "", request: Any = None
) -> tuple[ApiToken, str]:
    """A new token for `user`; returns it with the secret, which is not kept anywhere.

    `purpose` (a code the user's agreements allow) lets the token read personal data; without
    one it reads aggregates only (interop/api/auth.py `need`)."""
    name = (name or "").strip()[:100]
    if not name:
        raise TokenError("Beri nama token (mis. 'HP kader Sebalo'). / Give the token a name.")
    if not 1 <= days <= MAX_DAYS:
        raise TokenError(f"Masa berlaku 1-{MAX_DAYS} hari. / Validity must be 1-{MAX_DAYS} days.")
    if not getattr(user, "is_active", False):
        raise TokenError("Akun tidak aktif. / The account is not active.")
    purpose = (purpose or "").strip()
    if purpose and purpose not in purposes_for(user):
        raise TokenError(
            "Tujuan itu tidak diizinkan perjanjian yang berlaku untuk instansi Anda. / "
            "No agreement in force for your agency allows that purpose."
        )
    raw = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=raw[: len(PREFIX) + 6],
        token_sha256=_digest(raw),
        expires_at=timezone.now() + timedelta(days=days),
        purpose=purpose,
    )
    audit_record(
        action=AuditAction.USER_CHANGED,
        actor=user,
        request=request,
        subject_type="api_token",
        subject_id=token.pk,
        detail={"created": True, "name": name, "days": days, "token_purpose": purpose},
    )
    return token, raw


def token_revoke(*, token: ApiToken, by: Any, request: Any = None) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.revoked_by = by
        token.save(update_fields=["revoked_at", "revoked_by"])
        audit_record(
            action=AuditAction.USER_REVOKED,
            actor=by,
            request=request,
            subject_type="api_token",
            subject_id=token.pk,
            detail={"user": token.user_id},
        )
    return token


def token_authenticate(raw: str) -> ApiToken | None:
    """The usable token for a presented secret, with its user; None for anything else (unknown,
    expired, revoked, user deactivated) — the caller answers all of these the same way."""
    if not raw or not raw.startswith(PREFIX) or len(raw) > 200:
        return None
    token = ApiToken.objects.select_related("user").filter(token_sha256=_digest(raw)).first()
    if token is None or not token.is_usable() or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > _TOUCH_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


def token_lookup(raw: str) -> ApiToken | None:
    """The token a presented secret is, usable or not (a revoked device is told to wipe itself:
    lapangan/services.py). Not for authentication: token_authenticate is."""
    if not raw or not raw.startswith(PREFIX) or len(raw) > 200:
        return None
    return ApiToken.objects.filter(token_sha256=_digest(raw)).first()


def tokens_of(user: Any) -> Any:
    return ApiToken.objects.filter(user=user).order_by("-created_at")
