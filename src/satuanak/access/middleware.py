"""The gate: a view that does not declare its access rule is refused (fails closed)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from satuanak.access.decorators import access_rule_of
from satuanak.access.policy import role_can
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
        return None
