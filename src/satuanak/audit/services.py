"""audit_record(): the one way to write the audit log."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from satuanak.audit.models import PERSONAL_DATA_LOOKS, AuditAction, AuditEvent


def client_ip(request: HttpRequest) -> str | None:
    """The client's address, for the log and for the per-IP sign-in lockout."""
    # Behind nginx the client is in X-Forwarded-For; trust it only when configured to, and
    # take the last address (the one our proxy wrote, as the lockout does): earlier ones come
    # from the client and could be forged into the log.
    if getattr(settings, "SATUANAK_TRUST_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[-1].strip() or None
    return request.META.get("REMOTE_ADDR") or None


def audit_record(
    *,
    action: AuditAction,
    actor: Any = None,
    request: HttpRequest | None = None,
    subject_type: str = "",
    subject_id: str | int = "",
    desa_code: str = "",
    purpose: str = "",
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one entry. `actor` is a user (anonymous users are recorded without one)."""
    user = actor if getattr(actor, "is_authenticated", False) else None
    event = AuditEvent(
        actor=user,
        actor_username=getattr(user, "username", "") if user else "",
        actor_role=getattr(user, "role", "") if user else "",
        action=action,
        subject_type=subject_type,
        subject_id=str(subject_id),
        desa_code=desa_code,
        purpose=purpose[:300],
        detail=detail or {},
    )
    if request is not None:
        # A look at personal data carries the purpose it was made under, so the per-agency report
        # can say what was read for what: the session's (access/purpose.py) or, for an API token,
        # the one it was made for (interop/tokens.py).
        if action in PERSONAL_DATA_LOOKS and "purpose" not in event.detail:
            session = getattr(request, "session", None)
            chosen = session.get("satuanak_purpose", "") if session is not None else ""
            chosen = chosen or getattr(request, "satuanak_api_purpose", "")
            if chosen:
                event.detail = {**event.detail, "purpose": chosen}
        # A request made with an API token (interop/api) says so: the entry shows which token.
        token_id = getattr(request, "satuanak_api_token_id", None)
        if token_id is not None:
            event.detail = {**event.detail, "api_token": token_id}
        event.ip = client_ip(request)
        event.method = request.method or ""
        event.path = request.get_full_path()[:500]
    event.save()
    return event
