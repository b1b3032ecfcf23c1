"""The admin is the steward's; user changes and revocations are audited."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from satuanak.accounts.models import TotpDevice, User
from satuanak.accounts.roles import Role
from satuanak.accounts.services import AccountError, user_revoke
from satuanak.accounts.tests.conftest import PASSWORD, sign_in
from satuanak.audit.models import AuditAction, AuditEvent


def test_admin_refuses_anonymous_users_with_a_redirect_to_login(client: Client, db: None) -> None:
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("web:login"))


@pytest.mark.parametrize("role", [Role.HEALTH_OFFICER, Role.PUSKESMAS_STAFF, Role.PLANNER])
def test_admin_refuses_other_roles_even_when_staff(
    client: Client, make_user: Callable[..., User], role: Role
) -> None:
    user = make_user("bukan_pengelola", role, is_staff=True, is_superuser=True)
    client.force_login(user)
    response = client.get("/admin/", follow=True)
    assert response.status_code == 403
    response = client.get("/admin/accounts/user/")
    assert response.status_code in (302, 403)
    assert client.get("/admin/accounts/user/", follow=True).status_code == 403
    assert AuditEvent.objects.filter(action=AuditAction.ACCESS_DENIED).exists()


def test_admin_lets_the_steward_in(client: Client, steward: User) -> None:
    sign_in(client, "pengelola")
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/accounts/user/").status_code == 200
    assert client.get("/admin/regions/kecamatan/").status_code == 200  # other apps' models too


def test_admin_login_page_is_the_platforms_login(client: Client, db: None) -> None:
    response = client.get(reverse("admin:login") + "?next=/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("web:login"))


def test_saving_a_user_in_the_admin_is_audited(client: Client, steward: User, officer: User) -> None:
    sign_in(client, "pengelola")
    url = reverse("admin:accounts_user_change", args=[officer.pk])
    data = {
        "username": officer.username,
        "first_name": "Sari",
        "last_name": "",
        "email": "",
        "is_active": "on",
        "role": Role.PUSKESMAS_STAFF,
        "area_level": "district",
        "date_joined_0": "2024-01-01",
        "date_joined_1": "08:00:00",
        "initial-date_joined_0": "2024-01-01",
        "initial-date_joined_1": "08:00:00",
        "last_login_0": "",
        "last_login_1": "",
        "_save": "Simpan",
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    event = AuditEvent.objects.get(action=AuditAction.USER_CHANGED)
    assert event.actor_username == "pengelola"
    assert "role" in event.detail["fields"] and "first_name" in event.detail["fields"]
    assert officer.password not in str(event.detail)

    password_url = reverse("admin:auth_user_password_change", args=[officer.pk])
    response = client.post(
        password_url,
        {"password1": "sandi-baru-2025", "password2": "sandi-baru-2025", "usable_password": "true"},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    officer.refresh_from_db()
    changed = AuditEvent.objects.filter(action=AuditAction.USER_CHANGED).order_by("-id").first()
    assert changed is not None and changed.detail["fields"] == ["password"]
    assert officer.password not in str(changed.detail)


def test_revoke_ends_a_live_session(client: Client, steward: User, officer: User) -> None:
    sign_in(client, "petugas")
    TotpDevice.objects.create(user=officer, secret="JBSWY3DPEHPK3PXP", confirmed_at=None)
    page = reverse("accounts:password")
    assert client.get(page).status_code == 200

    ended = user_revoke(user=officer, by=steward, reason="pindah tugas / transferred")
    assert ended == 1

    response = client.get(page)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("web:login"))
    officer.refresh_from_db()
    assert not officer.is_active
    assert not TotpDevice.objects.filter(user=officer).exists()
    event = AuditEvent.objects.get(action=AuditAction.USER_REVOKED)
    assert event.actor_username == "pengelola"
    assert event.detail["username"] == "petugas" and event.detail["sessions_ended"] == 1
    assert event.purpose == "pindah tugas / transferred"
    # And the password no longer signs in.
    assert sign_in(Client(), "petugas", PASSWORD).status_code == 200


def test_revoke_needs_a_reason_and_not_oneself(steward: User, officer: User) -> None:
    with pytest.raises(AccountError):
        user_revoke(user=officer, by=steward, reason="  ")
    with pytest.raises(AccountError):
        user_revoke(user=steward, by=steward, reason="uji")


def test_admin_action_revokes_with_a_reason(client: Client, steward: User, officer: User) -> None:
    sign_in(client, "pengelola")
    url = reverse("admin:accounts_user_changelist")
    base = {"action": "revoke_access", "_selected_action": [str(officer.pk)]}
    confirm = client.post(url, base)
    assert confirm.status_code == 200
    assert "Alasan / Reason" in confirm.content.decode()
    missing = client.post(url, {**base, "apply": "1", "reason": ""})
    assert "Alasan wajib diisi" in missing.content.decode()
    done = client.post(url, {**base, "apply": "1", "reason": "kontrak selesai"})
    assert done.status_code == 302
    officer.refresh_from_db()
    assert not officer.is_active
    assert AuditEvent.objects.get(action=AuditAction.USER_REVOKED).purpose == "kontrak selesai"


def test_revoke_command(officer: User) -> None:
    call_command("revoke_user", "petugas", "--reason", "laptop hilang")
    officer.refresh_from_db()
    assert not officer.is_active
    assert AuditEvent.objects.get(action=AuditAction.USER_REVOKED).actor is None


def test_revoke_command_bad_input(db: None) -> None:
    with pytest.raises(CommandError, match=r"tidak ditemukan.*not found"):
        call_command("revoke_user", "tidak_ada", "--reason", "uji")
    with pytest.raises(CommandError, match=r"Alasan wajib diisi.*reason is required"):
        call_command("revoke_user", "tidak_ada")


def test_revoke_command_unknown_user_exits_non_zero_without_traceback(
    db: None, capsys: pytest.CaptureFixture[str]
) -> None:
    from satuanak.accounts.management.commands.revoke_user import Command

    with pytest.raises(SystemExit) as exited:
        Command().run_from_argv(["satuanak", "revoke_user", "tidak_ada", "--reason", "uji"])
    assert exited.value.code != 0
    err = capsys.readouterr().err
    assert "tidak ditemukan" in err and "not found" in err
    assert "Traceback" not in err


def test_revoke_command_help_runs_in_a_subprocess() -> None:
    """The command is wired into `satuanak` (no database needed for --help)."""
    result = subprocess.run(
        [sys.executable, "-m", "satuanak", "revoke_user", "--help"],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.django.test"},
    )
    assert result.returncode == 0, result.stderr
    assert "--reason" in result.stdout
