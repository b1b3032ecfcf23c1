"""Account pages: the second sign-in step, two-factor enrolment, password change.

Views parse the request, call a service, render. Every page here shows a secret or takes a
credential, so none is cached.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from satuanak.access.decorators import public_view, signed_in_view
from satuanak.accounts.forms import PasswordChangeForm, TotpCodeForm, TotpDisableForm
from satuanak.accounts.models import User
from satuanak.accounts.selectors import (
    totp_available_for,
    totp_device_confirmed_for,
    totp_qr_svg,
    totp_required_for,
    totp_secret_grouped,
)
from satuanak.accounts.services import (
    AccountError,
    LockoutStatus,
    login_lockout_status,
    login_pending,
    login_refused_locked,
    login_second_factor,
    password_change,
    totp_device_begin,
    totp_device_confirm,
    totp_device_disable,
)
from satuanak.audit.services import client_ip

_WRONG_CODE = (
    "Kode salah atau sudah dipakai. Tunggu kode berikutnya lalu coba lagi. / "
    "Wrong or already used code. Wait for the next code and try again."
)


def lockout_response(request: HttpRequest, status: LockoutStatus) -> HttpResponse:
    """The 429 page of a locked sign-in (password step and code step)."""
    response = render(request, "web/lockout.html", {"minutes": status.minutes_left}, status=429)
    response["Retry-After"] = str(status.minutes_left * 60)
    return response


def _user(request: HttpRequest) -> User:
    # signed_in_view already turned anonymous users away; this is for the type checker.
    if not isinstance(request.user, User):
        raise PermissionDenied
    return request.user


@public_view
@never_cache
@sensitive_post_parameters("code")
def login_totp(request: HttpRequest) -> HttpResponse:
    """Second sign-in step: the 6-digit code. Nobody is signed in until it is right."""
    pending = login_pending(request=request)
    if pending is None:
        messages.info(request, "Silakan masuk lagi. / Please sign in again.")
        return HttpResponseRedirect(reverse("web:login"))
    user, next_url = pending
    form = TotpCodeForm(request.POST or None)
    if request.method == "POST":
        status = login_lockout_status(username=user.username, ip=client_ip(request))
        if status.locked:
            login_refused_locked(request=request, username=user.username, status=status)
            return lockout_response(request, status)
        if form.is_valid():
            if login_second_factor(request=request, user=user, code=form.cleaned_data["code"]):
                return HttpResponseRedirect(next_url or reverse("web:home"))
            form.add_error("code", _WRONG_CODE)
    return render(request, "accounts/login_totp.html", {"form": form})


@signed_in_view
@never_cache
@sensitive_post_parameters("password", "code")
def totp_setup(request: HttpRequest) -> HttpResponse:
    """/akun/2fa/: enrol an authenticator app (QR code + secret, confirm with a code), or
    remove it with the password and a code."""
    user = _user(request)
    if not totp_available_for(user=user):
        return render(request, "accounts/totp.html", {"available": False})
    device = totp_device_confirmed_for(user=user)
    if device is not None:
        disable_form = TotpDisableForm(request.POST or None)
        if request.method == "POST" and disable_form.is_valid():
            try:
                totp_device_disable(
                    request=request,
                    user=user,
                    password=disable_form.cleaned_data["password"],
                    code=disable_form.cleaned_data["code"],
                )
            except AccountError as error:
                disable_form.add_error(None, str(error))
            else:
                messages.success(
                    request,
                    "Autentikasi dua langkah dinonaktifkan. / Two-factor authentication disabled.",
                )
                return HttpResponseRedirect(reverse("accounts:totp"))
        context = {
            "available": True,
            "device": device,
            "required": totp_required_for(user=user),
            "disable_form": disable_form,
        }
        return render(request, "accounts/totp.html", context)

    pending_device = totp_device_begin(user=user)
    form = TotpCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if totp_device_confirm(request=request, user=user, code=form.cleaned_data["code"]):
            messages.success(
                request, "Autentikasi dua langkah aktif. / Two-factor authentication is now enabled."
            )
            return HttpResponseRedirect(reverse("accounts:totp"))
        form.add_error("code", _WRONG_CODE)
    context = {
        "available": True,
        "device": None,
        "required": totp_required_for(user=user),
        "form": form,
        "qr_svg": totp_qr_svg(device=pending_device),
        "secret": totp_secret_grouped(device=pending_device),
    }
    return render(request, "accounts/totp.html", context)


@signed_in_view
@never_cache
@sensitive_post_parameters("old_password", "new_password1", "new_password2")
def password_change_view(request: HttpRequest) -> HttpResponse:
    """/akun/kata-sandi/: change one's own password (old one, new one twice, validators)."""
    user = _user(request)
    form = PasswordChangeForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        password_change(request=request, user=user, new_password=form.cleaned_data["new_password1"])
        messages.success(request, "Kata sandi sudah diganti. / Your password has been changed.")
        return HttpResponseRedirect(reverse("accounts:password"))
    return render(request, "accounts/password_change.html", {"form": form})
