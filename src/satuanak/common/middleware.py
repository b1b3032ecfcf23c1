"""Cross-cutting middleware: security headers (CSP), session time limits, control characters."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import BadRequest, RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
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


class NulCharacterMiddleware:
    """Refuses a query string with a NUL character (or another C0 control other than tab and
    newlines) with a 400. PostgreSQL cannot store or compare NUL in text, so such a value in a
    filter would otherwise surface as a server error deep in a query; forms already refuse it
    (Django's CharField), query parameters did not. API requests get the API's error body."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        in_query = any(_BAD_CHARACTERS.search(v) for _k, values in request.GET.lists() for v in [_k, *values])
        # A JSON body to the API: NUL written as an escape or raw (the form pages' CharFields
        # already refuse it; the API's schemas do not).
        in_body = False
        if request.path.startswith("/api/") and "json" in (request.content_type or ""):
            try:
                body = request.body
            except RequestDataTooBig:
                body = b""  # the view answers that itself (a 413 in the error shape)
            in_body = b"\\u0000" in body or b"\x00" in body
        if in_query or in_body:
            message_id = "Permintaan berisi karakter kendali yang tidak diterima (mis. NUL)."
            message_en = "The request contains a control character that is not accepted (e.g. NUL)."
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {
                        "error": {
                            "code": "bad_characters",
                            "message_id": message_id,
                            "message_en": message_en,
                            "details": [],
                        }
                    },
                    status=400,
                )
            raise BadRequest(f"{message_id} / {message_en}")
        return self.get_response(request)


_BAD_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
