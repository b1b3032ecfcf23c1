"""Lockout after repeated failures, and the audit of sign-in, failure and sign-out."""

from __future__ import annotations

from datetime import timedelta

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from satuanak.accounts.models import LoginFailure, User
from satuanak.accounts.tests.conftest import PASSWORD, sign_in
from satuanak.audit.models import AuditAction, AuditEvent


def test_five_failures_lock_even_the_right_password(client: Client, officer: User) -> None:
    for _ in range(5):
        response = sign_in(client, "petugas", "salah-sandi-123")
        assert response.status_code == 200
    response = sign_in(client, "petugas", PASSWORD)
    assert response.status_code == 429
    html = response.content.decode()
    assert "Terlalu banyak percobaan masuk. Coba lagi dalam 15 menit." in html
    assert "Too many login attempts" in html
    assert response["Retry-After"] == "900"
    assert "_auth_user_id" not in client.session

    failed = AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED)
    assert failed.count() == 6
    assert {e.detail["reason"] for e in failed} == {"password", "locked_out"}
    assert all(e.detail["username"] == "petugas" for e in failed)
    # The attempted password is never written anywhere in the log.
    for event in failed:
        assert "salah-sandi-123" not in str(event.detail) and PASSWORD not in str(event.detail)
    assert not AuditEvent.objects.filter(action=AuditAction.LOGIN).exists()
    # Refused attempts are not failures: they do not extend the lockout.
    assert LoginFailure.objects.count() == 5


def test_lockout_counts_usernames_case_insensitively(client: Client, officer: User) -> None:
    for name in ["Petugas", "PETUGAS", "petugas", "PeTuGaS", "petugaS"]:
        sign_in(client, name, "salah-sandi-123")
    assert sign_in(client, "petugas", PASSWORD).status_code == 429


def test_lockout_ends_after_fifteen_minutes(client: Client, officer: User) -> None:
    for _ in range(5):
        sign_in(client, "petugas", "salah-sandi-123")
    LoginFailure.objects.update(at=timezone.now() - timedelta(minutes=16))
    response = sign_in(client, "petugas", PASSWORD)
    assert response.status_code == 302


def test_success_clears_the_usernames_failures_and_is_audited(client: Client, officer: User) -> None:
    for _ in range(4):
        sign_in(client, "petugas", "salah-sandi-123")
    assert LoginFailure.objects.filter(username="petugas").count() == 4
    response = sign_in(client, "petugas", PASSWORD)
    assert response.status_code == 302
    assert LoginFailure.objects.filter(username="petugas").count() == 0
    login = AuditEvent.objects.get(action=AuditAction.LOGIN)
    assert login.actor_username == "petugas"

    # After the reset, four more failures do not lock (the count starts again).
    client.post(reverse("web:logout"))
    for _ in range(4):
        sign_in(client, "petugas", "salah-sandi-123")
    assert sign_in(client, "petugas", PASSWORD).status_code == 302


def test_twenty_failures_from_one_address_lock_that_address(client: Client, officer: User) -> None:
    for i in range(20):
        sign_in(client, f"tebakan{i}", "salah-sandi-123")
    response = sign_in(client, "petugas", PASSWORD)
    assert response.status_code == 429
    # Another address is not affected.
    other = Client(REMOTE_ADDR="10.1.2.3")
    assert sign_in(other, "petugas", PASSWORD).status_code == 302


def test_logout_is_audited(client: Client, officer: User) -> None:
    sign_in(client, "petugas")
    client.post(reverse("web:logout"))
    logout = AuditEvent.objects.get(action=AuditAction.LOGOUT)
    assert logout.actor_username == "petugas"
    assert logout.detail["reason"] == "user"
