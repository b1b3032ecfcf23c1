"""The public pages: home map, login. Views parse the request, call a selector, render."""

from __future__ import annotations

import errno
import logging
import sys
from typing import Any

from django.contrib.auth import views as auth_views
from django.core.cache import cache
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import require_GET, require_POST

from satuanak.access.decorators import public_view
from satuanak.access.policy import Capability, role_can
from satuanak.accounts.selectors import totp_device_confirmed_for, totp_required_for
from satuanak.accounts.services import (
    login_complete,
    login_failure_record,
    login_lockout_status,
    login_pending_start,
    login_refused_locked,
)
from satuanak.accounts.views import lockout_response
from satuanak.audit.services import client_ip
from satuanak.common.json_body import json_body_response
from satuanak.flags.selectors import dashboard_figures, flags_data_date, map_data_body
from satuanak.mutu.selectors import district_rates_cached
from satuanak.ops.health import readiness
from satuanak.regions.selectors import desa_geojson_body, kecamatan_code_exists
from satuanak.web.colours import kecamatan_colour
from satuanak.web.forms import LoginForm
from satuanak.web.mutu_views import area_row, three_figures
from satuanak.web.selectors import facility_points, kecamatan_summaries

logger = logging.getLogger(__name__)


def _kecamatan_param(request: HttpRequest) -> tuple[str | None, bool]:
    """The `?kecamatan=` filter: (code or None, valid). Empty means the whole district."""
    code = request.GET.get("kecamatan", "").strip()
    if not code:
        return None, True
    return code, kecamatan_code_exists(code)


def _pct(x: float | None) -> str:
    """20,5% (Indonesian decimal comma)."""
    return "—" if x is None else f"{x * 100:.1f}%".replace(".", ",")


def _int(n: object) -> str:
    """1.234 (Indonesian thousands dot); '<5' stays as it is."""
    return f"{n:,}".replace(",", ".") if isinstance(n, int) else str(n)


def _figure_texts(f: dict[str, Any]) -> dict[str, Any]:
    change = f["change"]
    return f | {
        "count_text": f"{_int(f['numerator'])} / {_int(f['denominator'])}",
        "rate_text": _pct(f["rate"]),
        "change_text": "—" if change is None else f"{change * 100:+.1f} pp".replace(".", ","),
        "lagging": [k | {"rate_text": _pct(k["rate"])} for k in f["lagging"]],
        "survey": None if f["survey"] is None else f["survey"] | {"value_text": _pct(f["survey"]["value"])},
    }


@public_view
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    code, valid = _kecamatan_param(request)
    if not valid:
        return render(
            request,
            "400.html",
            {"detail": f"Kode kecamatan tidak dikenal / unknown kecamatan code: {code}"},
            status=400,
        )
    # Reference data (service counts per kecamatan) changes with a reference reload, not per
    # request: a minute in the cache spares the home page its heaviest queries.
    rows: list[Any] = cache.get_or_set("home:kecamatan-summaries", kecamatan_summaries, timeout=60) or []
    kecamatan = [{"summary": row, "colour": kecamatan_colour(i)} for i, row in enumerate(rows)]
    # What the map script needs: colour and label position per kecamatan code.
    map_kecamatan = {
        row.code: {
            "nama": row.name,
            "warna": kecamatan_colour(i),
            "lat": row.centroid_lat,
            "lng": row.centroid_lng,
        }
        for i, row in enumerate(rows)
    }
    totals = {
        "desa": sum(r.desa for r in rows),
        "posyandu": sum(r.posyandu for r in rows),
        "schools": sum(r.schools for r in rows),
        "puskesmas": sum(r.puskesmas for r in rows),
        "prap": sum(len(r.child_friendly_puskesmas) for r in rows),
    }
    # The stunting figure three ways beside the survey (issue 17): district aggregates only.
    stunting = district_rates_cached()
    return render(
        request,
        "web/home.html",
        {
            "stunting": stunting,
            "figures_three": three_figures(stunting) if stunting else [],
            "district_row": area_row(stunting) if stunting else None,
            # the staff page needs a sign-in (the public role reads suppressed aggregates only)
            "can_see_quality": request.user.is_authenticated
            and role_can(getattr(request.user, "role", ""), Capability.VIEW_AGGREGATES),
            "kecamatan": kecamatan,
            "map_kecamatan": map_kecamatan,
            "selected": code,
            "totals": totals,
            "figures": [_figure_texts(f) for f in dashboard_figures()],
            "data_date": flags_data_date(),
        },
    )


@public_view
@require_GET
def desa_geojson(request: HttpRequest) -> HttpResponse:
    # Boundaries are public reference data; no personal data here.
    code, valid = _kecamatan_param(request)
    if not valid:
        return JsonResponse(
            {
                "error": f"Kode kecamatan tidak dikenal: {code!r}. Gunakan kode Kemendagri, mis. 61.07.01.",
                "error_en": f"Unknown kecamatan code: {code!r}. Use a Kemendagri code, e.g. 61.07.01.",
            },
            status=400,
        )
    # Gzipped (400 kB of boundaries become ~95 kB: it matters on a district office's slow link),
    # encoded once per process rather than per request, and kept by the browser for an hour.
    return json_body_response(request, desa_geojson_body(kecamatan_code=code), max_age=3600)


@public_view
@require_GET
def map_data(request: HttpRequest) -> HttpResponse:
    """Aggregates for the map: counts and rates per desa and kecamatan, disclosure-controlled
    (no personal data; the same for every visitor). The body is encoded and gzipped once per
    flags run (map_data_body), so a request costs a cache lookup, not a JSON dump."""
    code = request.GET.get("kode", "stunting").strip()
    period = request.GET.get("periode", "").strip() or None
    body = map_data_body(code=code, period=period)
    if body is None:
        return JsonResponse(
            {
                "error": f"Penanda atau periode tidak dikenal (kode={code!r}, periode={period!r}), "
                "atau penanda belum dihitung.",
                "error_en": f"Unknown flag or quarter (kode={code!r}, periode={period!r}), "
                "or the flags have not been computed yet.",
            },
            status=400,
        )
    return json_body_response(request, body, max_age=300)


@public_view
@require_POST
def language_switch(request: HttpRequest) -> HttpResponse:
    """Id / En switch in the header: a cookie, then back to the page (same site only)."""
    from django.conf import settings
    from django.utils.http import url_has_allowed_host_and_scheme

    language = request.POST.get("language", "")
    target = request.POST.get("next", "/")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    response = HttpResponseRedirect(target)
    if language in dict(settings.LANGUAGES):
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME, language, max_age=365 * 24 * 3600, samesite="Lax", httponly=True
        )
    return response


@public_view
@require_GET
@gzip_page
def facilities_geojson(request: HttpRequest) -> JsonResponse:
    """Puskesmas (with their child-friendly status), posyandu and schools for the map (public)."""
    data = cache.get_or_set("map:facilities", facility_points, timeout=300)
    return JsonResponse(data)


@public_view
@require_GET
def health(request: HttpRequest) -> HttpResponse:
    """Liveness: the process answers (no database). bench/web.py's baseline endpoint."""
    return HttpResponse("ok", content_type="text/plain")


@public_view
@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness for systemd/monitoring: the process answers. No database: a database outage must
    not make the supervisor restart healthy application processes."""
    return JsonResponse({"status": "ok"})


@public_view
@require_GET
@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    """Readiness: database reachable, migrations applied, a task worker alive, disk space left.
    503 with the failing checks' readings (no personal data in them) when not ready."""
    checks = readiness()
    ready = all(c.ok or c.warning for c in checks)
    body = {
        "status": "ok" if ready else "unavailable",
        "checks": {c.name: {"ok": c.ok, "detail": c.detail} for c in checks},
    }
    return JsonResponse(body, status=200 if ready else 503)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: an outage of the database or a full disk is not a bug in the page; say what it
    is and that it passes, with the status a client can act on (503 with Retry-After, 507)."""
    # Rendered without the request: its context processors would ask the database for the user.
    exc = sys.exc_info()[1]
    if isinstance(exc, (OperationalError, InterfaceError)):
        response = HttpResponse(loader.render_to_string("503.html"), status=503)
        response["Retry-After"] = "10"
        return response
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        logger.critical("disk full: %s", exc)
        return HttpResponse(loader.render_to_string("507.html"), status=507)
    return HttpResponse(loader.render_to_string("500.html"), status=500)


class LoginView(auth_views.LoginView):
    """Password step of signing in, with lockout and (when enrolled) a second step.

    Refused with 429 while the username or the client's address is locked out, before the
    password is even checked, so a guesser learns nothing from a locked account.
    """

    template_name = "web/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        username = str(request.POST.get("username", ""))
        status = login_lockout_status(username=username, ip=client_ip(request))
        if status.locked:
            login_refused_locked(request=request, username=username, status=status)
            return lockout_response(request, status)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form: Any) -> HttpResponse:
        username = str(form.data.get("username", "")).strip()
        if username:
            login_failure_record(request=self.request, username=username, reason="password")
        return super().form_invalid(form)

    def form_valid(self, form: Any) -> HttpResponse:
        user = form.get_user()
        next_url = self.get_success_url()
        if totp_device_confirmed_for(user=user) is not None:
            login_pending_start(request=self.request, user=user, next_url=next_url)
            return HttpResponseRedirect(reverse("accounts:login-totp"))
        login_complete(request=self.request, user=user, second_factor=False)
        if totp_required_for(user=user):
            return HttpResponseRedirect(reverse("accounts:totp"))
        return HttpResponseRedirect(next_url)


class LogoutView(auth_views.LogoutView):
    # Django 5 accepts only POST here (a GET link could log users out from another site).
    # The LOGOUT audit entry is written by accounts/signals.py for every way of signing out.
    http_method_names = ["post", "options"]
