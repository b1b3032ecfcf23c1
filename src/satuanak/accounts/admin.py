"""The Django admin, open only to the data steward (the role holding Capability.MANAGE_USERS).

`config/urls.py` serves `steward_admin_site()` at /admin/: a copy of Django's default site with
every app's registrations, whose permission check also asks for the steward's capability. The
admin's own login page is replaced by the platform's login, so the lockout and the second
factor apply to the admin as well. Changes to users and revocations are audited.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse

from satuanak.access.policy import Capability, role_can
from satuanak.accounts.models import Agency, TotpDevice, User
from satuanak.accounts.services import AccountError, user_change_audit, user_revoke
from satuanak.audit.models import AuditAction
from satuanak.audit.services import audit_record


class StewardAdminSite(admin.AdminSite):
    site_header = "Satu Data Anak Bengkayang — pengelolaan"
    site_title = "Satu Data Anak Bengkayang"
    index_title = "Pengelolaan pengguna dan data rujukan / Users and reference data"

    def has_permission(self, request: HttpRequest) -> bool:
        # is_staff alone is a flag anyone with database access may have set by mistake; the
        # role is what the access policy reviews, so both are required.
        user = request.user
        return bool(
            user.is_active and user.is_staff and role_can(getattr(user, "role", ""), Capability.MANAGE_USERS)
        )

    def login(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        if request.user.is_authenticated:
            # Signed in, but not as a steward: refuse (and record it) rather than loop to login.
            audit_record(
                action=AuditAction.ACCESS_DENIED,
                actor=request.user,
                request=request,
                detail={"reason": "admin requires manage_users"},
            )
            raise PermissionDenied(
                "Hanya pengelola data yang dapat membuka halaman admin. / "
                "Only the data steward may open the admin."
            )
        next_url = request.GET.get("next") or reverse("admin:index", current_app=self.name)
        return redirect_to_login(next_url)


def steward_admin_site(default: admin.AdminSite | None = None) -> StewardAdminSite:
    """The steward's site with everything registered on Django's default site.

    Other apps register with `@admin.register` on the default site; re-registering their
    ModelAdmin classes here makes every page go through this site's permission check (a
    ModelAdmin checks permissions through the site it is registered with).
    """
    source = default if default is not None else admin.site
    site = StewardAdminSite(name="admin")
    for model, model_admin in source._registry.items():
        site.register(model, type(model_admin))
    for name, action in source.actions:
        site.add_action(action, name)
    return site


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin[Agency]):
    list_display = ["code", "name", "kind"]
    list_filter = ["kind"]


def _field_names(changed: list[str]) -> list[str]:
    # The creation and password forms name their fields password1/password2; the log only
    # needs to know that the password changed.
    return ["password" if "password" in name else name for name in changed]


@admin.register(User)
class UserAdmin(BaseUserAdmin[User]):
    list_display = ["username", "role", "agency", "area_level", "area_kecamatan", "is_active", "totp_enabled"]
    list_filter = ["role", "area_level", "is_active"]
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        ("Peran dan wilayah", {"fields": ("role", "agency", "area_level", "area_kecamatan", "area_desa")}),
    )
    filter_horizontal = ["area_desa", "groups", "user_permissions"]
    actions = ["revoke_access"]

    @admin.display(boolean=True, description="2FA")
    def totp_enabled(self, obj: User) -> bool:
        return TotpDevice.objects.filter(user=obj, confirmed_at__isnull=False).exists()

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        user_change_audit(
            request=request,
            user=obj,
            by=request.user if isinstance(request.user, User) else None,
            fields=_field_names(list(form.changed_data)),
            created=not change,
        )

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> HttpResponse:
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            user = self.get_object(request, id)
            if user is not None:
                user_change_audit(
                    request=request,
                    user=user,
                    by=request.user if isinstance(request.user, User) else None,
                    fields=["password"],
                    created=False,
                )
        return response

    @admin.action(description="Cabut akses / Revoke access")
    def revoke_access(self, request: HttpRequest, queryset: QuerySet[User]) -> HttpResponse | None:
        """Asks for a reason on an intermediate page, then revokes each selected user."""
        error = ""
        if "apply" in request.POST:
            reason = str(request.POST.get("reason", "")).strip()
            if reason:
                by = request.user if isinstance(request.user, User) else None
                done = 0
                for user in queryset:
                    try:
                        user_revoke(user=user, by=by, reason=reason, request=request)
                        done += 1
                    except AccountError as failure:
                        self.message_user(request, f"{user.username}: {failure}", messages.ERROR)
                if done:
                    self.message_user(
                        request, f"Akses {done} pengguna dicabut. / Access revoked for {done} user(s)."
                    )
                return None
            error = "Alasan wajib diisi. / A reason is required."
        context = {
            **self.admin_site.each_context(request),
            "title": "Cabut akses / Revoke access",
            "users": queryset,
            "opts": self.model._meta,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "error": error,
        }
        return TemplateResponse(request, "accounts/admin/revoke_confirm.html", context)
