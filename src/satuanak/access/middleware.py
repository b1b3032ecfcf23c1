"""The gate: a view that does not declare its access rule is refused (fails closed)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from satuanak.access.agreements import purposes_for
from satuanak.access.decorators import access_rule_of
from satuanak.access.policy import role_can
from satuanak.access.purpose import allowed_session_purpose, session_purpose
from satuanak.audit.models import AuditAction
from satuanak.audit.services import audit_record

# Third-party views with their own guard: the admin checks is_staff (and our admin site
# checks the steward's capability); static files are public by nature.
_EXEMPT_PREFIXES = ("/admin/", "/" + settings.STATIC_URL.lstrip("/"))


class AccessGateMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> HttpResponse | None:
        if request.path.startswith(_EXEMPT_PREFIXES):
            return None
        rule = access_rule_of(view_func)
        if rule is None:
            audit_record(
                action=AuditAction.ACCESS_DENIED,
                actor=request.user,
                request=request,
                detail={"reason": "view without access rule"},
            )
            raise PermissionDenied("Halaman ini belum ditandai hak aksesnya / view has no access rule")
        if rule.kind in ("public", "api"):  # the API authenticates its own tokens (interop/api)
            return None
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        # A personal-data rule without a capability would be a programming error: refuse.
        if rule.kind == "personal" and (
            rule.capability is None or not role_can(getattr(request.user, "role", ""), rule.capability)
        ):
            audit_record(
                action=AuditAction.ACCESS_DENIED,
                actor=request.user,
                request=request,
                detail={"capability": rule.capability.value if rule.capability else None},
            )
            raise PermissionDenied(
                "Peran Anda tidak berhak membuka halaman ini / your role may not open this page"
            )
        if rule.needs_purpose:
            return _purpose_gate(request)
        return None


def _purpose_gate(request: HttpRequest) -> HttpResponse | None:
    """Personal data needs an agreement in force and a purpose it allows, chosen for the session.

    No agreement: refused (403), whatever the role. No purpose yet (or one no agreement allows
    any more): a page read goes to the purpose page and comes back; anything else is refused, so
    a form posted from a page opened before the agreement ended does not go through."""
    if not purposes_for(request.user):
        audit_record(
            action=AuditAction.ACCESS_DENIED,
            actor=request.user,
            request=request,
            detail={"reason": "no data-sharing agreement in force"},
        )
        raise PermissionDenied(
            "Tidak ada perjanjian berbagi data yang berlaku untuk instansi Anda, jadi data pribadi "
            "tidak dapat dibuka; hubungi pengelola data. / No data-sharing agreement in force covers "
            "your agency, so personal data cannot be opened; contact the data steward."
        )
    if allowed_session_purpose(request):
        return None
    audit_record(
        action=AuditAction.ACCESS_DENIED,
        actor=request.user,
        request=request,
        detail={"reason": "no purpose chosen for the session", "had": session_purpose(request)},
    )
    if request.method in ("GET", "HEAD"):
        return redirect(f"{reverse('web:purpose')}?{urlencode({'next': request.get_full_path()})}")
    raise PermissionDenied(
        "Pilih dulu tujuan akses untuk sesi ini. / Choose the purpose of this session first."
    )
