"""What happens to accounts: sign-in with lockout and a second factor, passwords, revoking.

Every sign-in, failure and account change is written to the audit log (UU 27/2022 PDP asks
that access to children's data be accountable). Passwords and secrets never reach the log.
"""

from __future__ import annotations

import hmac
import math
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pyotp
from django.conf import settings
from django.contrib.auth import login, update_session_auth_hash
from django.contrib.sessions.models import Session
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone

from satuanak.accounts.models import LoginFailure, TotpDevice, User
from satuanak.accounts.selectors import totp_device_confirmed_for, totp_required_for, user_session_keys
from satuanak.audit.models import AuditAction
from satuanak.audit.services import audit_record, client_ip
from satuanak.common.middleware import SESSION_AUTH_AT, SESSION_LAST_ACTIVITY

# Session keys of the sign-in flow.
SESSION_PENDING_2FA = "satuanak_pending_2fa"  # password accepted, code awaited (not signed in)
SESSION_2FA_VERIFIED = "satuanak_2fa_verified"  # this session proved the second factor

TOTP_DRIFT_STEPS = 1  # accept the previous and the next 30-second code (clock drift, typing time)


class AccountError(Exception):
    """A refused account operation; the message is shown to the user (Indonesian / English)."""


# --- client address ---------------------------------------------------------------------------


# The client's address: audit.services.client_ip, one rule for the log and the lockout.


# --- lockout ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LockoutStatus:
    locked: bool
    until: datetime | None = None

    @property
    def minutes_left(self) -> int:
        if self.until is None:
            return 0
        return max(1, math.ceil((self.until - timezone.now()).total_seconds() / 60))


def _locked_until(times: list[datetime], *, threshold: int, now: datetime) -> datetime | None:
    """When a lockout caused by these failures ends, or None if there is none now.

    A lockout starts at the failure that makes `threshold` failures within the window and lasts
    SATUANAK_LOGIN_LOCKOUT_SECONDS from there. Attempts refused while locked are not failures
    (no password was checked), so hammering a locked account does not extend the lockout.
    """
    window = timedelta(seconds=settings.SATUANAK_LOGIN_FAILURE_WINDOW_SECONDS)
    lockout = timedelta(seconds=settings.SATUANAK_LOGIN_LOCKOUT_SECONDS)
    until: datetime | None = None
    for i in range(threshold - 1, len(times)):
        if times[i] - times[i - threshold + 1] <= window and times[i] + lockout > now:
            until = times[i] + lockout
    return until


def login_lockout_status(*, username: str, ip: str | None) -> LockoutStatus:
    now = timezone.now()
    since = now - timedelta(
        seconds=settings.SATUANAK_LOGIN_FAILURE_WINDOW_SECONDS + settings.SATUANAK_LOGIN_LOCKOUT_SECONDS
    )
    recent = LoginFailure.objects.filter(at__gte=since).order_by("at")
    untils = [
        _locked_until(
            list(recent.filter(username=username.lower()).values_list("at", flat=True)),
            threshold=settings.SATUANAK_LOGIN_MAX_FAILURES_PER_USERNAME,
            now=now,
        )
    ]
    if ip:
        untils.append(
            _locked_until(
                list(recent.filter(ip=ip).values_list("at", flat=True)),
                threshold=settings.SATUANAK_LOGIN_MAX_FAILURES_PER_IP,
                now=now,
            )
        )
    found = [u for u in untils if u is not None]
    return LockoutStatus(locked=True, until=max(found)) if found else LockoutStatus(locked=False)


def login_failure_record(*, request: HttpRequest, username: str, reason: str) -> None:
    """Count one failed attempt towards the lockout and audit it (never with the password)."""
    username = username.strip()[:150]
    LoginFailure.objects.create(username=username.lower(), ip=client_ip(request))
    audit_record(
        action=AuditAction.LOGIN_FAILED,
        request=request,
        subject_type="username",
        subject_id=username[:64],
        detail={"username": username, "reason": reason},
    )


def login_refused_locked(*, request: HttpRequest, username: str, status: LockoutStatus) -> None:
    """Audit an attempt refused because of a lockout; it is not counted as a further failure."""
    audit_record(
        action=AuditAction.LOGIN_FAILED,
        request=request,
        subject_type="username",
        subject_id=username.strip()[:64],
        detail={
            "username": username.strip()[:150],
            "reason": "locked_out",
            "locked_until": status.until.isoformat() if status.until else None,
        },
    )


def login_failures_prune() -> int:
    """Delete failures too old to count; they carry no information the audit log lacks."""
    horizon = timezone.now() - timedelta(
        seconds=settings.SATUANAK_LOGIN_FAILURE_WINDOW_SECONDS + settings.SATUANAK_LOGIN_LOCKOUT_SECONDS
    )
    deleted, _ = LoginFailure.objects.filter(at__lt=horizon).delete()
    return deleted


# --- sign-in ----------------------------------------------------------------------------------


def login_complete(*, request: HttpRequest, user: User, second_factor: bool) -> None:
    """Sign the user in: new session key, clocks started, failures forgiven, audited."""
    login(request, user, backend=getattr(user, "backend", None))
    now = int(time.time())
    request.session[SESSION_AUTH_AT] = now
    request.session[SESSION_LAST_ACTIVITY] = now
    request.session[SESSION_2FA_VERIFIED] = second_factor
    request.session.pop(SESSION_PENDING_2FA, None)
    # A successful sign-in clears the username's count (not the IP's: one office may be
    # guessing at several accounts while one of its users signs in correctly).
    LoginFailure.objects.filter(username=user.username.lower()).delete()
    login_failures_prune()
    audit_record(
        action=AuditAction.LOGIN,
        actor=user,
        request=request,
        subject_type="user",
        subject_id=user.pk,
        detail={"second_factor": "totp" if second_factor else None},
    )


def login_pending_start(*, request: HttpRequest, user: User, next_url: str) -> None:
    """Password accepted, second factor awaited: remember who, but do not sign in yet."""
    request.session[SESSION_PENDING_2FA] = {
        "user_id": user.pk,
        "backend": getattr(user, "backend", "django.contrib.auth.backends.ModelBackend"),
        "next": next_url,
        "started": int(time.time()),
    }


def login_pending(*, request: HttpRequest) -> tuple[User, str] | None:
    """The user waiting for the second step and where to send them, or None if nothing is
    pending, the wait expired, or the account changed meanwhile (deactivated, device removed)."""
    pending: dict[str, Any] | None = request.session.get(SESSION_PENDING_2FA)
    if not pending:
        return None
    if int(time.time()) - int(pending.get("started", 0)) > settings.SATUANAK_TOTP_PENDING_SECONDS:
        request.session.pop(SESSION_PENDING_2FA, None)
        return None
    user = User.objects.filter(pk=int(pending.get("user_id") or 0), is_active=True).first()
    if user is None or totp_device_confirmed_for(user=user) is None:
        request.session.pop(SESSION_PENDING_2FA, None)
        return None
    # login() needs to know which backend authenticated the user (set by authenticate() normally).
    setattr(user, "backend", pending.get("backend", "django.contrib.auth.backends.ModelBackend"))  # noqa: B010
    return user, str(pending.get("next", ""))


def login_second_factor(*, request: HttpRequest, user: User, code: str) -> bool:
    """Check the code of a pending sign-in; a wrong code counts towards the lockout."""
    device = totp_device_confirmed_for(user=user)
    if device is None or not totp_verify(device=device, code=code):
        login_failure_record(request=request, username=user.username, reason="totp")
        return False
    login_complete(request=request, user=user, second_factor=True)
    return True


# --- TOTP -------------------------------------------------------------------------------------


def totp_verify(*, device: TotpDevice, code: str, now: float | None = None) -> bool:
    """RFC 6238 check with ±1 step drift; a step already used (or older) is refused.

    The step is claimed with a conditional UPDATE, so two requests racing with the same code
    cannot both succeed.
    """
    code = "".join(code.split())
    if len(code) != 6 or not code.isdigit():
        return False
    totp = pyotp.TOTP(device.secret)
    current = int((now if now is not None else time.time()) // totp.interval)
    for step in range(current - TOTP_DRIFT_STEPS, current + TOTP_DRIFT_STEPS + 1):
        if device.last_used_step is not None and step <= device.last_used_step:
            continue
        if hmac.compare_digest(totp.generate_otp(step), code):
            claimed = (
                TotpDevice.objects.filter(pk=device.pk)
                .filter(Q(last_used_step__isnull=True) | Q(last_used_step__lt=step))
                .update(last_used_step=step)
            )
            if claimed:
                device.last_used_step = step
            return bool(claimed)
    return False


def totp_device_begin(*, user: User) -> TotpDevice:
    """The user's unconfirmed device, created with a new secret if there is none.

    Reloading the enrolment page keeps the same secret, so a code from an app that already
    scanned the QR code still confirms.
    """
    device, _ = TotpDevice.objects.get_or_create(user=user, defaults={"secret": pyotp.random_base32()})
    if device.is_confirmed:
        raise AccountError(
            "Autentikasi dua langkah sudah aktif. / Two-factor authentication is already enabled."
        )
    return device


@transaction.atomic
def totp_device_confirm(*, request: HttpRequest, user: User, code: str) -> bool:
    device = TotpDevice.objects.select_for_update().filter(user=user, confirmed_at__isnull=True).first()
    if device is None or not totp_verify(device=device, code=code):
        return False
    device.confirmed_at = timezone.now()
    device.save(update_fields=["confirmed_at"])
    # The user has just proved the factor in this session.
    request.session[SESSION_2FA_VERIFIED] = True
    audit_record(
        action=AuditAction.USER_CHANGED,
        actor=user,
        request=request,
        subject_type="user",
        subject_id=user.pk,
        detail={"fields": ["totp_device"], "totp": "enabled"},
    )
    return True


@transaction.atomic
def totp_device_disable(*, request: HttpRequest, user: User, password: str, code: str) -> None:
    """Remove the second factor; needs the password and a current code (a stolen open session
    alone must not be enough to weaken the account)."""
    if totp_required_for(user=user):
        raise AccountError(
            "Peran Anda wajib memakai autentikasi dua langkah. / "
            "Your role must use two-factor authentication."
        )
    device = totp_device_confirmed_for(user=user)
    if device is None:
        raise AccountError("Autentikasi dua langkah belum aktif. / Two-factor authentication is not enabled.")
    if not user.check_password(password) or not totp_verify(device=device, code=code):
        login_failure_record(request=request, username=user.username, reason="totp_disable")
        raise AccountError("Kata sandi atau kode salah. / Wrong password or code.")
    device.delete()
    request.session[SESSION_2FA_VERIFIED] = False
    audit_record(
        action=AuditAction.USER_CHANGED,
        actor=user,
        request=request,
        subject_type="user",
        subject_id=user.pk,
        detail={"fields": ["totp_device"], "totp": "disabled"},
    )


# --- passwords --------------------------------------------------------------------------------


def password_change(*, request: HttpRequest, user: User, new_password: str) -> None:
    """Set a new (already validated) password and keep this session signed in.

    Django ties sessions to the password hash, so every OTHER session of the user ends here:
    a password changed because it leaked also throws out whoever used it.
    """
    user.set_password(new_password)
    user.save(update_fields=["password"])
    update_session_auth_hash(request, user)
    audit_record(
        action=AuditAction.USER_CHANGED,
        actor=user,
        request=request,
        subject_type="user",
        subject_id=user.pk,
        detail={"fields": ["password"]},
    )


# --- administration ---------------------------------------------------------------------------


def user_change_audit(
    *, request: HttpRequest | None, user: User, by: User | None, fields: list[str], created: bool
) -> None:
    """Audit an administrator's change to a user: which fields, never their values (a password
    field is named, its hash never written)."""
    audit_record(
        action=AuditAction.USER_CHANGED,
        actor=by,
        request=request,
        subject_type="user",
        subject_id=user.pk,
        detail={"username": user.username, "fields": sorted(set(fields)), "created": created},
    )


@transaction.atomic
def user_revoke(*, user: User, by: User | None, reason: str, request: HttpRequest | None = None) -> int:
    """Take away a user's access at once: deactivate, end every session, remove the second
    factor. Returns how many sessions were ended.

    Deactivating alone already makes Django refuse the user's sessions on their next request;
    deleting them as well leaves nothing behind to reactivate by accident. The device goes so a
    reinstated account enrols afresh.
    """
    reason = reason.strip()
    if not reason:
        raise AccountError("Alasan pencabutan wajib diisi. / A reason for revoking is required.")
    if by is not None and by.pk == user.pk:
        raise AccountError("Anda tidak dapat mencabut akses sendiri. / You cannot revoke your own access.")
    user.is_active = False
    user.save(update_fields=["is_active"])
    keys = list(user_session_keys(user=user))
    Session.objects.filter(session_key__in=keys).delete()
    TotpDevice.objects.filter(user=user).delete()
    audit_record(
        action=AuditAction.USER_REVOKED,
        actor=by,
        request=request,
        subject_type="user",
        subject_id=user.pk,
        purpose=reason,
        detail={"username": user.username, "reason": reason[:500], "sessions_ended": len(keys)},
    )
    return len(keys)
