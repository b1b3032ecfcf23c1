"""The data steward's audit log: search and export. Reading the log is itself audited."""

from __future__ import annotations

import csv
import io
from datetime import date

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from satuanak.access.decorators import personal_data_view
from satuanak.access.policy import Capability
from satuanak.audit.models import AuditAction, AuditEvent
from satuanak.audit.selectors import audit_events_search
from satuanak.audit.services import audit_record


def _date(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _search(request: HttpRequest) -> tuple[dict[str, str], QuerySet[AuditEvent], list[str]]:
    params = {
        k: request.GET.get(k, "").strip()[:100] for k in ("pengguna", "tindakan", "subjek", "dari", "sampai")
    }
    errors = [
        f"Tanggal tidak valid / invalid date: {params[k]}"
        for k in ("dari", "sampai")
        if params[k] and not _date(params[k])
    ]
    if params["tindakan"] and params["tindakan"] not in AuditAction.values:
        errors.append(f"Tindakan tidak dikenal / unknown action: {params['tindakan']}")
    qs = audit_events_search(
        username=params["pengguna"],
        action=params["tindakan"] if params["tindakan"] in AuditAction.values else "",
        subject_id=params["subjek"],
        date_from=_date(params["dari"]),
        date_to=_date(params["sampai"]),
    )
    return params, qs, errors


@personal_data_view(Capability.VIEW_AUDIT)
@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    params, qs, errors = _search(request)
    audit_record(action=AuditAction.AUDIT_VIEWED, actor=request.user, request=request, detail=params)
    page = Paginator(qs, 100).get_page(request.GET.get("hal"))
    return render(
        request,
        "web/audit_log.html",
        {"page": page, "params": params, "errors": errors, "actions": AuditAction.choices},
        status=400 if errors else 200,
    )


@personal_data_view(Capability.VIEW_AUDIT)
@require_GET
def audit_export(request: HttpRequest) -> HttpResponse:
    params, qs, errors = _search(request)
    if errors:
        return render(request, "400.html", {"detail": " ".join(errors)}, status=400)
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(
        [
            "waktu",
            "pengguna",
            "peran",
            "tindakan",
            "subjek",
            "id_subjek",
            "desa",
            "tujuan",
            "ip",
            "metode",
            "alamat",
            "rincian",
        ]
    )
    n = 0
    for e in qs.iterator(chunk_size=2000):
        writer.writerow(
            [
                e.at.isoformat(),
                e.actor_username,
                e.actor_role,
                e.action,
                e.subject_type,
                e.subject_id,
                e.desa_code,
                e.purpose,
                e.ip or "",
                e.method,
                e.path,
                e.detail,
            ]
        )
        n += 1
    audit_record(
        action=AuditAction.EXPORTED,
        actor=request.user,
        request=request,
        subject_type="audit_log",
        detail={"rows": n, **params},
    )
    response = HttpResponse(buf.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="log-audit.csv"'
    response["Cache-Control"] = "no-store"
    return response
