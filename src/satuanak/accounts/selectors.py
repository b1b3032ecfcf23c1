"""Read-only questions about accounts: second-factor state, the QR code, a user's sessions."""

from __future__ import annotations

from collections.abc import Iterator

import pyotp
import segno
from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone

from satuanak.access.policy import policy_for
from satuanak.accounts.models import TotpDevice, User


def totp_device_confirmed_for(*, user: User) -> TotpDevice | None:
    return TotpDevice.objects.filter(user=user, confirmed_at__isnull=False).first()


def totp_required_for(*, user: User) -> bool:
    """Whether the user's role must use a second factor (SATUANAK_REQUIRE_TOTP_ROLES)."""
    return user.role in set(settings.SATUANAK_REQUIRE_TOTP_ROLES)


def totp_available_for(*, user: User) -> bool:
    """A second factor is offered to roles that read children's personal data (and to any role
    that is required to use one); roles that see aggregates only have nothing more to protect."""
    return policy_for(user.role).reads_personal_data or totp_required_for(user=user)


def totp_provisioning_uri(*, device: TotpDevice) -> str:
    return pyotp.TOTP(device.secret).provisioning_uri(
        name=device.user.username, issuer_name=settings.SATUANAK_TOTP_ISSUER
    )


def totp_qr_svg(*, device: TotpDevice) -> str:
    """The enrolment QR code as inline SVG: drawn here, so the secret never leaves the server
    (no chart service) and no image request is needed under the CSP."""
    qr = segno.make(totp_provisioning_uri(device=device), error="m")
    return str(qr.svg_inline(scale=5, border=2, dark="#111", light="#fff", title="Kode QR 2FA"))


def totp_secret_grouped(*, device: TotpDevice) -> str:
    """The secret in groups of four, for typing into an app by hand."""
    return " ".join(device.secret[i : i + 4] for i in range(0, len(device.secret), 4))


def user_session_keys(*, user: User) -> Iterator[str]:
    """Keys of the unexpired database sessions signed in as `user`.

    Sessions are opaque blobs, so each is decoded; there are at most a few hundred live
    sessions in a district, which makes the scan cheap enough for a rare revoke.
    """
    user_id = str(user.pk)
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if str(session.get_decoded().get("_auth_user_id", "")) == user_id:
            yield session.session_key
