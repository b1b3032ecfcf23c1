"""Who is calling: a bearer token (interop/tokens.py) becomes the request's user, so every
selector, capability check and audit entry downstream is the one the pages use."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja.security import HttpBearer

from satuanak.access.agreements import purposes_for
from satuanak.access.policy import PURPOSE_CAPABILITIES, Capability, policy_for
from satuanak.audit.models import AuditAction
from satuanak.audit.services import audit_record
from satuanak.common import throttle
from satuanak.interop.api.errors import ApiError
from satuanak.interop.tokens import token_authenticate


def _rate_limit() -> int:
    return int(settings.SATUANAK_API_RATE_PER_MINUTE)


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = token_authenticate(token.strip())
        if found is None:
            return None  # ninja answers 401 (errors.py) — one answer for every kind of bad token
        # Per token, not per address: a puskesmas behind one NAT has many legitimate devices.
        if throttle.hit(f"api-rate:{found.pk}", 60) > _rate_limit():
            raise ApiError(
                429,
                "too_many_requests",
                f"Lebih dari {_rate_limit()} permintaan per menit untuk token ini; coba lagi sebentar.",
                f"More than {_rate_limit()} requests a minute for this token; try again shortly.",
            )
        request.user = found.user
        request.satuanak_api_token_id = found.pk  # type: ignore[attr-defined]  # the audit entry names it
        request.satuanak_api_purpose = found.purpose  # type: ignore[attr-defined]  # and its purpose
        return found.user


def need(request: HttpRequest, capability: Capability) -> Any:
    """The request's user, if the role holds the capability; otherwise a 403, audited as on pages."""
    user = request.user
    if capability not in policy_for(getattr(user, "role", "")).capabilities:
        audit_record(
            action=AuditAction.ACCESS_DENIED,
            actor=user,
            request=request,
            detail={"capability": capability.value},
        )
        raise ApiError(
            403,
            "forbidden",
            "Peran Anda tidak berhak melakukan ini.",
            "Your role may not do this.",
        )
    if capability in PURPOSE_CAPABILITIES:
        purpose_check(request, user)
    return user


def purpose_check(request: HttpRequest, user: Any) -> None:
    """Personal data through the API needs what a page needs: an agreement in force, and a
    purpose it allows (the token's, chosen when it was made). Refused and audited otherwise."""
    allowed = purposes_for(user)
    purpose = getattr(request, "satuanak_api_purpose", "")
    if allowed and purpose in allowed:
        return
    reason = "no data-sharing agreement in force" if not allowed else "token purpose not allowed"
    audit_record(action=AuditAction.ACCESS_DENIED, actor=user, request=request, detail={"reason": reason})
    if not allowed:
        raise ApiError(
            403,
            "no_agreement",
            "Tidak ada perjanjian berbagi data yang berlaku untuk instansi Anda; "
            "data pribadi tidak dapat dibuka.",
            "No data-sharing agreement in force covers your agency; personal data cannot be opened.",
        )
    raise ApiError(
        403,
        "purpose_required",
        "Token ini tidak membawa tujuan yang diizinkan perjanjian; "
        "buat token baru dengan tujuan di /akun/token/.",
        "This token carries no purpose the agreements allow; make a new one with a purpose at /akun/token/.",
    )
