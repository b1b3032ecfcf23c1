"""/lapangan/: the offline field app (a PWA) and the pages around it.

- `/lapangan/` is the app itself. It is public and holds no personal data: the same page for
  everybody, kept by the service worker so it opens without a signal; what it shows comes from
  the phone's encrypted store, filled through the device's token (interop/api/field.py).
- `/lapangan/daftar/` registers this phone for the signed-in user and hands the device token
  to the app once.
- `/lapangan/perangkat/` lists one's devices (the steward: all) and revokes them.
- `/lapangan/konflik/` is where puskesmas staff or the steward decide synced values that
  disagree with the server (lapangan/rules.py).
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import URLPattern, path
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from satuanak.access.decorators import personal_data_view, public_view, signed_in_view
from satuanak.access.policy import Capability, policy_for
from satuanak.adminduk.models import DeclarationAttachment
from satuanak.audit.models import AuditAction
from satuanak.audit.services import audit_record
from satuanak.interventions.models import Intervention
from satuanak.jempol.models import Service
from satuanak.lapangan.models import SyncRecord
from satuanak.lapangan.rules import RULES
from satuanak.lapangan.selectors import conflicts_visible_to, devices_visible_to
from satuanak.lapangan.services import FieldError, conflict_resolve, device_register, device_revoke

STATIC_DIR = Path(__file__).resolve().parent / "static" / "web"
_APP_FILES = ("lapangan/app.js", "lapangan/store.js", "lapangan/lapangan.css", "lapangan/sw.js", "site.css")
_ICONS = ("lapangan/icon-192.png", "lapangan/icon-512.png")


@lru_cache(maxsize=1)
def app_version() -> str:
    """Changes whenever a file of the app does: the phone's service worker then takes the new one."""
    h = hashlib.sha256()
    for name in _APP_FILES:
        h.update((STATIC_DIR / name).read_bytes())
    h.update((Path(__file__).resolve().parent / "templates" / "web" / "lapangan" / "app.html").read_bytes())
    return h.hexdigest()[:16]


def _shell() -> list[str]:
    return [
        "/lapangan/",
        "/lapangan/manifest.webmanifest",
        *[static(f"web/{name}") for name in _APP_FILES if name != "lapangan/sw.js"],
        static("web/favicon.svg"),
        *[static(f"web/{name}") for name in _ICONS],
    ]


@public_view
@require_GET
def app(request: HttpRequest) -> HttpResponse:
    response = render(
        request,
        "web/lapangan/app.html",
        {
            "version": app_version(),
            "intervention_kinds": Intervention.Kind.choices,
            "visit_services": Service.choices,
            "rules": RULES,
            "attachment_kinds": [
                (k, label)
                for k, label in DeclarationAttachment.Kind.choices
                if k in ("birth_letter", "mother_id", "father_id", "family_card")
            ],
        },
    )
    response["Cache-Control"] = "no-cache"  # the service worker keeps it; the browser asks again
    return response


@public_view
@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    source = (STATIC_DIR / "lapangan" / "sw.js").read_text(encoding="utf-8")
    body = source.replace("__VERSION__", app_version()).replace("__SHELL__", json.dumps(_shell()))
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    response["Service-Worker-Allowed"] = "/lapangan/"
    return response


@public_view
@require_GET
def manifest(request: HttpRequest) -> HttpResponse:
    body = {
        "name": "Satu Data Anak Bengkayang — Lapangan",
        "short_name": "SDA Lapangan",
        "description": "Pencatatan lapangan tanpa sinyal: penimbangan, PMT, kunjungan, kelahiran.",
        "lang": "id",
        "start_url": "/lapangan/",
        "scope": "/lapangan/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#0e5e6f",
        "icons": [
            {"src": static(f"web/lapangan/icon-{n}.png"), "sizes": f"{n}x{n}", "type": "image/png"}
            for n in (192, 512)
        ],
    }
    return HttpResponse(json.dumps(body), content_type="application/manifest+json")


@signed_in_view
@never_cache
@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    allowed = Capability.USE_FIELD_APP in policy_for(request.user.role).capabilities  # type: ignore[union-attr]
    if not allowed:
        audit_record(
            action=AuditAction.ACCESS_DENIED,
            actor=request.user,
            request=request,
            detail={"capability": Capability.USE_FIELD_APP.value},
        )
        return render(
            request,
            "web/lapangan/register.html",
            {
                "error": "Peran Anda tidak memakai aplikasi lapangan. / "
                "Your role does not use the field app.",
                "forbidden": True,
            },
            status=403,
        )
    context: dict[str, object] = {}
    status = 200
    if request.method == "POST":
        try:
            device, secret = device_register(
                user=request.user, label=request.POST.get("nama", ""), request=request
            )
            context = {"device": device, "secret": secret}
        except FieldError as exc:
            context, status = {"error": str(exc)}, 400
    response = render(request, "web/lapangan/register.html", context, status=status)
    response["Cache-Control"] = "no-store"  # the token is in this page once
    return response


@signed_in_view
@require_GET
def devices(request: HttpRequest) -> HttpResponse:
    items = devices_visible_to(request.user)
    page = Paginator(items, 50).get_page(request.GET.get("halaman"))
    return render(
        request,
        "web/lapangan/devices.html",
        {"page": page, "all_users": Capability.MANAGE_USERS in policy_for(request.user.role).capabilities},  # type: ignore[union-attr]
    )


@signed_in_view
@require_POST
def device_revoke_view(request: HttpRequest, device_id: int) -> HttpResponse:
    device = devices_visible_to(request.user).filter(pk=device_id).first()
    if device is None:
        raise Http404("Perangkat tidak ditemukan / device not found")
    device_revoke(device=device, by=request.user, reason=request.POST.get("alasan", ""), request=request)
    messages.success(
        request,
        "Perangkat dicabut; datanya terhapus saat perangkat menghubungi server. / "
        "Device revoked; its data is wiped when it next makes contact.",
    )
    return redirect("web:lapangan-devices")


@personal_data_view(Capability.RESOLVE_FIELD_CONFLICTS)
@require_GET
def conflicts(request: HttpRequest) -> HttpResponse:
    show = request.GET.get("status", "open")
    qs = conflicts_visible_to(request.user)
    if show == "open":
        qs = qs.filter(status=SyncRecord.Status.CONFLICT)
    page = Paginator(qs, 50).get_page(request.GET.get("halaman"))
    audit_record(
        action=AuditAction.CHILD_LIST_VIEWED,
        actor=request.user,
        request=request,
        subject_type="field_conflicts",
        detail={"count": len(page.object_list), "status": show},
    )
    return render(
        request,
        "web/lapangan/conflicts.html",
        {"page": page, "show": show, "rules": {r.code: r for r in RULES}},
    )


@personal_data_view(Capability.RESOLVE_FIELD_CONFLICTS)
@require_POST
def conflict_decide(request: HttpRequest, record_id: int) -> HttpResponse:
    record = conflicts_visible_to(request.user).filter(pk=record_id).first()
    if record is None:
        raise Http404("Konflik tidak ditemukan / conflict not found")
    try:
        conflict_resolve(
            record=record, choice=request.POST.get("pilihan", ""), user=request.user, request=request
        )
        messages.success(
            request,
            "Keputusan disimpan; perangkat melihatnya saat sinkron berikutnya. / "
            "Decision saved; the phone sees it at its next sync.",
        )
    except FieldError as exc:
        messages.error(request, str(exc))
    return redirect("web:lapangan-conflicts")


urlpatterns: list[URLPattern] = [
    path("lapangan/", app, name="lapangan"),
    path("lapangan/sw.js", service_worker, name="lapangan-sw"),
    path("lapangan/manifest.webmanifest", manifest, name="lapangan-manifest"),
    path("lapangan/daftar/", register, name="lapangan-register"),
    path("lapangan/perangkat/", devices, name="lapangan-devices"),
    path("lapangan/perangkat/<int:device_id>/cabut/", device_revoke_view, name="lapangan-device-revoke"),
    path("lapangan/konflik/", conflicts, name="lapangan-conflicts"),
    path("lapangan/konflik/<int:record_id>/putuskan/", conflict_decide, name="lapangan-conflict-decide"),
]
