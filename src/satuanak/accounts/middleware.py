"""Holds signed-in users to the second factor.

- A user with a confirmed authenticator whose session never proved it (signed in through some
  path other than the two-step login, e.g. an old session from before enrolment elsewhere) is
  signed out and sent to the login page.
- A user whose role must use a second factor (SATUANAK_REQUIRE_TOTP_ROLES) and has none yet is
  sent to the enrolment page and can reach nothing else (except signing out) until enrolled.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from satuanak.accounts.models import User
from satuanak.accounts.selectors import totp_device_confirmed_for, totp_required_for
from satuanak.accounts.services import SESSION_2FA_VERIFIED
from satuanak.common.middleware import LOGOUT_REASON_ATTR


class SecondFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        static = request.path.startswith("/" + settings.STATIC_URL.lstrip("/"))
        if not isinstance(user, User) or not user.is_authenticated or static:
            return self.get_response(request)
        device = totp_device_confirmed_for(user=user)
        if device is not None and not request.session.get(SESSION_2FA_VERIFIED):
            setattr(request, LOGOUT_REASON_ATTR, "second_factor_not_verified")
            logout(request)
            messages.info(
                request,
                "Masukkan kode autentikator untuk melanjutkan. / Enter your authenticator code to continue.",
            )
            return redirect_to_login(request.get_full_path() if request.method == "GET" else "/")
        if device is None and totp_required_for(user=user):
            allowed = {reverse("accounts:totp"), reverse("web:logout")}
            if request.path not in allowed:
                messages.warning(
                    request,
                    "Peran Anda wajib memakai autentikasi dua langkah. Aktifkan dulu sebelum melanjutkan. / "
                    "Your role must use two-factor authentication. Enable it before continuing.",
                )
                return HttpResponseRedirect(reverse("accounts:totp"))
        return self.get_response(request)
