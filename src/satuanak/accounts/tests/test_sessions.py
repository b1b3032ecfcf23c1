"""Idle and absolute session limits, cookie flags, security headers."""

from __future__ import annotations

import time

from django.test import Client
from django.urls import reverse

from satuanak.accounts.models import User
from satuanak.accounts.tests.conftest import sign_in
from satuanak.audit.models import AuditAction, AuditEvent
from satuanak.common.middleware import SESSION_AUTH_AT, SESSION_LAST_ACTIVITY


def _set_session(client: Client, **values: int) -> None:
    session = client.session
    for key, value in values.items():
        session[key] = value
    session.save()


def test_idle_session_is_signed_out(client: Client, officer: User) -> None:
    sign_in(client, "petugas")
    url = reverse("accounts:password")
    assert client.get(url).status_code == 200
    _set_session(client, **{SESSION_LAST_ACTIVITY: int(time.time()) - 31 * 60})

    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("web:login"))
    assert "_auth_user_id" not in client.session
    page = client.get(response["Location"]).content.decode()
    assert "tidak ada aktivitas selama 30 menit" in page
    assert "30 minutes of inactivity" in page
    assert AuditEvent.objects.get(action=AuditAction.LOGOUT).detail["reason"] == "idle"


def test_active_session_stays(client: Client, officer: User) -> None:
    sign_in(client, "petugas")
    _set_session(client, **{SESSION_LAST_ACTIVITY: int(time.time()) - 29 * 60})
    assert client.get(reverse("accounts:password")).status_code == 200
    # The request refreshed the activity time.
    assert client.session[SESSION_LAST_ACTIVITY] >= int(time.time()) - 5


def test_session_ends_eight_hours_after_sign_in_even_if_active(client: Client, officer: User) -> None:
    sign_in(client, "petugas")
    _set_session(client, **{SESSION_AUTH_AT: int(time.time()) - 8 * 3600 - 1})
    response = client.get(reverse("accounts:password"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_session_cookie_is_httponly_and_lax(client: Client, officer: User) -> None:
    response = sign_in(client, "petugas")
    cookie = response.cookies["sessionid"]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"


def test_security_headers_on_pages(client: Client, db: None) -> None:
    for url in [reverse("web:home"), reverse("web:login")]:
        response = client.get(url)
        csp = response["Content-Security-Policy"]
        assert "default-src 'self'" in csp
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
        assert "object-src 'none'" in csp
        assert "frame-ancestors 'none'" in csp
        assert "form-action 'self'" in csp
        assert "camera=()" in response["Permissions-Policy"]
        assert response["X-Frame-Options"] == "DENY"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"
        assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_home_page_has_no_inline_script(client: Client, db: None) -> None:
    """The CSP allows no inline scripts: every <script> must have a src or be a json_script block."""
    import re

    html = client.get(reverse("web:home")).content.decode()
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag, tag
