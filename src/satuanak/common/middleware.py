"""Cross-cutting middleware: security headers (CSP) and session time limits."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import resolve_url

# Session keys (seconds since the epoch) kept by SessionTimeoutMiddleware.
SESSION_AUTH_AT = "satuanak_auth_at"
SESSION_LAST_ACTIVITY = "satuanak_last_activity"
# Writing the session on every request would cost a database write per request; a minute of
# imprecision in a 30-minute idle limit is harmless.
_ACTIVITY_RESOLUTION_SECONDS = 60

# Set on the request before logging out, read by the LOGOUT audit (accounts/signals.py).
LOGOUT_REASON_ATTR = "satuanak_logout_reason"


class SecurityHeadersMiddleware:
    """Adds Content-Security-Policy and Permissions-Policy (Django 5.2 has no CSP of its own).

    A view that needs a different policy may set the header itself; it is then left alone.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", settings.SATUANAK_CONTENT_SECURITY_POLICY)
        response.headers.setdefault("Permissions-Policy", settings.SATUANAK_PERMISSIONS_POLICY)
        return response


class SessionTimeoutMiddleware:
    """Signs a user out after SATUANAK_SESSION_IDLE_SECONDS without a request, and after
    SESSION_COOKIE_AGE since sign-in whatever the activity (Django's own expiry slides with
    every session write, so it cannot give an absolute limit by itself)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            expired = self._expired(request)
            if expired is not None:
                return self._sign_out(request, reason=expired)
        return self.get_response(request)

    def _expired(self, request: HttpRequest) -> str | None:
        session = request.session
        now = int(time.time())
        # A session signed in some other way (tests, an old session) starts its clocks now.
        auth_at = session.setdefault(SESSION_AUTH_AT, now)
        last = session.get(SESSION_LAST_ACTIVITY, now)
        if now - int(auth_at) > settings.SESSION_COOKIE_AGE:
            return "absolute"
        if now - int(last) > settings.SATUANAK_SESSION_IDLE_SECONDS:
            return "idle"
        if SESSION_LAST_ACTIVITY not in session or now - int(last) >= _ACTIVITY_RESOLUTION_SECONDS:
            session[SESSION_LAST_ACTIVITY] = now
        return None

    def _sign_out(self, request: HttpRequest, *, reason: str) -> HttpResponse:
        setattr(request, LOGOUT_REASON_ATTR, reason)
        logout(request)
        if reason == "idle":
            minutes = settings.SATUANAK_SESSION_IDLE_SECONDS // 60
            text = (
                f"Sesi Anda berakhir karena tidak ada aktivitas selama {minutes} menit. "
                "Silakan masuk lagi. / "
                f"Your session ended after {minutes} minutes of inactivity. Please sign in again."
            )
        else:
            text = (
                "Sesi Anda sudah mencapai batas waktu. Silakan masuk lagi. / "
                "Your session reached its time limit. Please sign in again."
            )
        messages.info(request, text)
        # Only a GET can be repeated safely after signing in again.
        next_url = (
            request.get_full_path() if request.method == "GET" else resolve_url(settings.LOGIN_REDIRECT_URL)
        )
        return redirect_to_login(next_url)


class LanguageMiddleware:
    """Bahasa Indonesia unless the visitor chose English (the language cookie set by the switch
    in the page header). Not the browser's Accept-Language: many officers' browsers say English
    while the district works in Indonesian. Replaces Django's LocaleMiddleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from django.utils import translation

        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        translation.deactivate()
        return response
