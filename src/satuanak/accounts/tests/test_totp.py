"""Optional TOTP second factor: enrolment, two-step sign-in, replay, lockout, mandatory roles."""

from __future__ import annotations

import time
from collections.abc import Callable

import pyotp
import pytest
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from satuanak.accounts.models import LoginFailure, TotpDevice, User
from satuanak.accounts.roles import Role
from satuanak.accounts.services import totp_verify
from satuanak.accounts.tests.conftest import PASSWORD, sign_in
from satuanak.audit.models import AuditAction, AuditEvent

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def _code(secret: str = SECRET, offset_steps: int = 0) -> str:
    return pyotp.TOTP(secret).at(time.time() + 30 * offset_steps)


@pytest.fixture
def enrolled(officer: User) -> User:
    TotpDevice.objects.create(user=officer, secret=SECRET, confirmed_at=timezone.now())
    return officer


def test_enrolment_shows_qr_and_confirms_with_a_code(client: Client, officer: User) -> None:
    client.force_login(officer)
    url = reverse("accounts:totp")
    html = client.get(url).content.decode()
    assert "<svg" in html  # the QR code, inline
    device = TotpDevice.objects.get(user=officer)
    assert device.confirmed_at is None
    assert device.secret[:4] in html
    # Reloading keeps the same secret (an app that already scanned still works).
    client.get(url)
    assert TotpDevice.objects.get(user=officer).secret == device.secret

    bad = client.post(url, {"code": "000000"})
    assert "Kode salah" in bad.content.decode()
    assert TotpDevice.objects.get(user=officer).confirmed_at is None

    ok = client.post(url, {"code": _code(device.secret)})
    assert ok.status_code == 302
    assert TotpDevice.objects.get(user=officer).confirmed_at is not None
    assert AuditEvent.objects.filter(action=AuditAction.USER_CHANGED, detail__totp="enabled").exists()
    # The session that enrolled stays signed in.
    assert client.get(url).status_code == 200


def test_roles_without_personal_data_are_not_offered_totp(
    client: Client, make_user: Callable[..., User]
) -> None:
    client.force_login(make_user("perencana", Role.PLANNER))
    html = client.get(reverse("accounts:totp")).content.decode()
    assert "tidak diperlukan" in html
    assert not TotpDevice.objects.exists()


def test_sign_in_asks_for_the_code_before_signing_in(client: Client, enrolled: User) -> None:
    response = sign_in(client, "petugas")
    assert response["Location"] == reverse("accounts:login-totp")
    assert "_auth_user_id" not in client.session  # not signed in after the password alone
    assert client.get(reverse("accounts:password")).status_code == 302

    page = client.get(reverse("accounts:login-totp")).content.decode()
    assert "Langkah kedua" in page
    done = client.post(reverse("accounts:login-totp"), {"code": _code()})
    assert done.status_code == 302
    assert done["Location"] == reverse("web:home")
    assert client.session["_auth_user_id"] == str(enrolled.pk)
    assert AuditEvent.objects.get(action=AuditAction.LOGIN).detail["second_factor"] == "totp"


def test_code_step_without_password_step_goes_back_to_login(client: Client, db: None) -> None:
    response = client.post(reverse("accounts:login-totp"), {"code": "123456"})
    assert response["Location"] == reverse("web:login")


def test_a_used_code_cannot_be_replayed(client: Client, enrolled: User) -> None:
    code = _code()
    sign_in(client, "petugas")
    assert client.post(reverse("accounts:login-totp"), {"code": code}).status_code == 302

    other = Client()
    sign_in(other, "petugas")
    replay = other.post(reverse("accounts:login-totp"), {"code": code})
    assert replay.status_code == 200
    assert "sudah dipakai" in replay.content.decode()
    assert "_auth_user_id" not in other.session


def test_drift_of_one_step_is_accepted_but_not_two(enrolled: User) -> None:
    device = TotpDevice.objects.get(user=enrolled)
    now = time.time()
    assert not totp_verify(device=device, code=pyotp.TOTP(SECRET).at(now - 60), now=now)
    assert totp_verify(device=device, code=pyotp.TOTP(SECRET).at(now - 30), now=now)
    assert totp_verify(device=device, code=pyotp.TOTP(SECRET).at(now + 30), now=now)
    # Older than the last accepted step: refused even though within drift.
    assert not totp_verify(device=device, code=pyotp.TOTP(SECRET).at(now), now=now)


def test_wrong_codes_count_towards_lockout(client: Client, enrolled: User) -> None:
    sign_in(client, "petugas")
    for _ in range(5):
        response = client.post(reverse("accounts:login-totp"), {"code": "000000"})
        assert response.status_code == 200
    assert LoginFailure.objects.filter(username="petugas").count() == 5
    failures = AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED, detail__reason="totp")
    assert failures.count() == 5
    # Locked now, even with the right code...
    locked = client.post(reverse("accounts:login-totp"), {"code": _code()})
    assert locked.status_code == 429
    assert "Terlalu banyak percobaan masuk" in locked.content.decode()
    # ...and at the password step.
    assert sign_in(Client(), "petugas", PASSWORD).status_code == 429


def test_disable_needs_password_and_code(client: Client, enrolled: User) -> None:
    sign_in(client, "petugas")
    client.post(reverse("accounts:login-totp"), {"code": _code()})
    url = reverse("accounts:totp")
    refused = client.post(url, {"password": "salah", "code": _code(offset_steps=1)})
    assert "Kata sandi atau kode salah" in refused.content.decode()
    assert TotpDevice.objects.filter(user=enrolled).exists()
    ok = client.post(url, {"password": PASSWORD, "code": _code(offset_steps=1)})
    assert ok.status_code == 302
    assert not TotpDevice.objects.filter(user=enrolled).exists()


def test_session_that_never_proved_the_factor_is_signed_out(client: Client, enrolled: User) -> None:
    """A session signed in around the two-step login (here force_login) is not trusted."""
    client.force_login(enrolled)
    response = client.get(reverse("accounts:password"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("web:login"))
    assert "_auth_user_id" not in client.session


@override_settings(SATUANAK_REQUIRE_TOTP_ROLES=["health_officer"])
def test_mandatory_role_is_forced_to_enrol(client: Client, officer: User) -> None:
    response = sign_in(client, "petugas")
    assert response["Location"] == reverse("accounts:totp")
    # Nothing else can be reached until enrolled.
    for url in [reverse("web:home"), reverse("accounts:password")]:
        blocked = client.get(url)
        assert blocked.status_code == 302
        assert blocked["Location"] == reverse("accounts:totp")
    page = client.get(reverse("accounts:totp")).content.decode()
    assert "wajib" in page
    # Signing out stays possible.
    device = TotpDevice.objects.get(user=officer)
    client.post(reverse("accounts:totp"), {"code": _code(device.secret)})
    assert client.get(reverse("accounts:password")).status_code == 200
    # And the factor cannot be removed while the role requires it.
    kept = client.post(reverse("accounts:totp"), {"password": PASSWORD, "code": _code(device.secret, 1)})
    assert kept.status_code == 200
    assert TotpDevice.objects.filter(user=officer).exists()


@override_settings(SATUANAK_REQUIRE_TOTP_ROLES=["health_officer"])
def test_mandatory_role_can_sign_out_before_enrolling(client: Client, officer: User) -> None:
    sign_in(client, "petugas")
    response = client.post(reverse("web:logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
