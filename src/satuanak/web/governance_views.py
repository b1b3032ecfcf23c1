"""Pages of issue 18 (data governance under the PDP law): the breach and incident log, the
data-sharing agreements, and what each agency read under which purpose.

- `/tata-kelola/insiden/`: the log (each incident, what it touched, how many children, the
  deadline of UU 27/2022 art. 46 — 3 x 24 hours from discovery — and whether the institution and
  the people affected were notified in time), a form to record one, and per incident the
  actions "notified" and "close" (POST to the same address, `aksi=...`).
- `/tata-kelola/perjanjian/`: the agreements (Perbup, PKS) with their state, the warning for
  those lapsing within 30 days and for agencies covered by none; record one (with its signed
  document) or end one early. They are the source of access (access/agreements.py).
- `/tata-kelola/akses-per-tujuan/`: per agency, per purpose chosen for the session, how many
  looks and exports of personal data, of how many subjects, by how many users (`?format=csv`).

The data steward only (MANAGE_DATA_GOVERNANCE). An incident's record names no child: counts and
kinds of data only. Every look and change is audited; bad input is a 400 with a bilingual message.
"""

from __future__ import annotations

import csv
from datetime import date, timedelta
from typing import Any

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.views.decorators.http import require_GET, require_http_methods

from satuanak.access.agreements import purpose_catalogue
from satuanak.access.decorators import personal_data_view
from satuanak.access.policy import Capability
from satuanak.accounts.models import Agency
from satuanak.audit.models import AuditAction
from satuanak.audit.services import audit_record
from satuanak.common import uploads
from satuanak.common.clock import today
from satuanak.core.sources import Source
from satuanak.governance.models import NOTIFY_WITHIN, DataSharingAgreement, Incident
from satuanak.governance.selectors import (
    LAPSE_WARNING,
    agencies_without_agreement,
    agreement_rows,
    incident_rows,
    purpose_report_by_agency,
    purpose_report_rows,
)
from satuanak.governance.services import (
    GovernanceError,
    agreement_end,
    agreement_record,
    incident_close,
    incident_notify,
    incident_record,
)


def _audit(request: HttpRequest, action: AuditAction, subject_id: Any = "", **detail: Any) -> None:
    audit_record(
        action=action,
        actor=request.user,
        request=request,
        subject_type="incident",
        subject_id=subject_id,
        detail=detail,
    )


def _page(request: HttpRequest, error: str = "", status: int = 200) -> HttpResponse:
    return render(
        request,
        "web/governance/incidents.html",
        {
            "rows": incident_rows(),
            "kinds": Incident.DataKind.choices,
            "sources": [(s.value, s.label) for s in Source],
            "hours": int(NOTIFY_WITHIN.total_seconds() // 3600),
            "error": error,
        },
        status=status,
    )


def _incident(request: HttpRequest) -> Incident:
    try:
        pk = int(request.POST.get("insiden", ""))
    except ValueError:
        raise GovernanceError("Insiden tidak dikenal. / Unknown incident.") from None
    found = Incident.objects.filter(pk=pk).first()
    if found is None:
        raise GovernanceError("Insiden tidak dikenal. / Unknown incident.")
    return found


# The log names no child (counts and kinds only): no session purpose is needed to keep it.
@personal_data_view(Capability.MANAGE_DATA_GOVERNANCE, purpose=False)
@require_http_methods(["GET", "POST"])
def incidents(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        _audit(request, AuditAction.GOVERNANCE_VIEWED, page="incidents")
        return _page(request)
    action = request.POST.get("aksi", "")
    p = request.POST
    try:
        if action == "catat":
            i = incident_record(
                user=request.user,
                discovered_at=p.get("diketahui", ""),
                occurred_on=p.get("terjadi", ""),
                title=p.get("judul", ""),
                description=p.get("uraian", ""),
                data_kinds=p.getlist("jenis"),
                sources=p.getlist("sumber"),
                children_affected=p.get("anak", ""),
                others_affected=p.get("lainnya", "0"),
                containment=p.get("penanganan", ""),
            )
            done = "Insiden dicatat. / Incident recorded."
        elif action == "beritahu":
            i = incident_notify(
                incident=_incident(request),
                whom=p.get("kepada", ""),
                at=p.get("waktu", ""),
                note=p.get("catatan", ""),
            )
            done = "Pemberitahuan dicatat. / Notification recorded."
        elif action == "tutup":
            i = incident_close(incident=_incident(request), containment=p.get("penanganan", ""))
            done = "Insiden ditutup. / Incident closed."
        else:
            raise GovernanceError("Tindakan tidak dikenal. / Unknown action.")
    except GovernanceError as exc:
        return _page(request, error=str(exc), status=400)
    _audit(request, AuditAction.RECORD_CHANGED, subject_id=i.pk, step=action, status=i.status)
    messages.success(request, done)
    return redirect(reverse("web:governance-incidents") + f"#insiden-{i.pk}")


urlpatterns: list[URLPattern] = [
    path("tata-kelola/insiden/", incidents, name="governance-incidents"),
]


# --- Data-sharing agreements (part 1) -------------------------------------------------------


def _agreements_page(request: HttpRequest, error: str = "", status: int = 200) -> HttpResponse:
    day = today()
    rows = agreement_rows(day)
    return render(
        request,
        "web/governance/agreements.html",
        {
            "rows": rows,
            "lapsing": [r for r in rows if r.state == "lapsing"],
            "uncovered": agencies_without_agreement(day),
            "today": day,
            "warn_days": LAPSE_WARNING.days,
            "kinds": DataSharingAgreement.Kind.choices,
            "sources": [(s.value, s.label) for s in Source],
            "purposes": list(purpose_catalogue().values()),
            "agencies": Agency.objects.order_by("name"),
            "error": error,
            "form": request.POST if request.method == "POST" else {},
        },
        status=status,
    )


def _agreement(request: HttpRequest) -> DataSharingAgreement:
    raw = request.POST.get("perjanjian", "")
    found = DataSharingAgreement.objects.filter(pk=int(raw)).first() if raw.isdigit() else None
    if found is None:
        raise GovernanceError("Perjanjian tidak dikenal. / Unknown agreement.")
    return found


# Agreements hold no child's data, and the steward must reach them when none is in force (to
# record the next one), so no session purpose is asked.
@personal_data_view(Capability.MANAGE_DATA_GOVERNANCE, purpose=False)
@require_http_methods(["GET", "POST"])
def agreements(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        _audit(request, AuditAction.GOVERNANCE_VIEWED, page="agreements")
        return _agreements_page(request)
    p = request.POST
    action = p.get("aksi", "")
    try:
        if action == "catat":
            a = agreement_record(
                user=request.user,
                number=p.get("nomor", ""),
                title=p.get("judul", ""),
                kind=p.get("jenis", ""),
                legal_basis=p.get("dasar", ""),
                sources=p.getlist("sumber"),
                purposes=p.getlist("tujuan"),
                valid_from=p.get("mulai", ""),
                valid_until=p.get("sampai", ""),
                covers_all_agencies=p.get("semua") == "1",
                party_ids=p.getlist("pihak"),
                fields=p.get("kolom", ""),
                document=request.FILES.get("dokumen"),
            )
            done = "Perjanjian dicatat. / Agreement recorded."
        elif action == "akhiri":
            a = agreement_end(agreement=_agreement(request), on=p.get("tanggal", ""), today=today())
            done = "Perjanjian diakhiri; akses berhenti setelah tanggal itu. / Agreement ended."
        else:
            raise GovernanceError("Tindakan tidak dikenal. / Unknown action.")
    except GovernanceError as exc:
        return _agreements_page(request, error=str(exc), status=400)
    audit_record(
        action=AuditAction.AGREEMENT_CHANGED,
        actor=request.user,
        request=request,
        subject_type="agreement",
        subject_id=a.pk,
        detail={
            "step": action,
            "number": a.number,
            "sources": a.sources,
            "last_day": str(a.last_day() or ""),
        },
    )
    messages.success(request, done)
    return redirect(reverse("web:governance-agreements") + f"#perjanjian-{a.pk}")


@personal_data_view(Capability.MANAGE_DATA_GOVERNANCE, purpose=False)
@require_GET
def agreement_document(request: HttpRequest, agreement_id: int) -> FileResponse:
    a = DataSharingAgreement.objects.filter(pk=agreement_id).first()
    if a is None or not a.document_stored:
        raise Http404("Dokumen tidak ada / no document")
    audit_record(
        action=AuditAction.FILE_DOWNLOADED,
        actor=request.user,
        request=request,
        subject_type="agreement_document",
        subject_id=a.pk,
    )
    return uploads.file_response(
        stored_name=a.document_stored, content_type=a.document_type, original_name=a.document_name
    )


# --- What each agency read under which purpose (part 2) ---------------------------------------


def _date_param(request: HttpRequest, name: str, default: date) -> date:
    raw = request.GET.get(name, "").strip()
    if not raw:
        return default
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise GovernanceError(f"Tanggal tidak sah: {raw} (TTTT-BB-HH). / Invalid date: {raw}.") from None


@personal_data_view(Capability.MANAGE_DATA_GOVERNANCE, purpose=False)
@require_GET
def purpose_report(request: HttpRequest) -> HttpResponse:
    end = today()
    try:
        start = _date_param(request, "dari", end - timedelta(days=30))
        end = _date_param(request, "sampai", end)
        if end < start:
            raise GovernanceError("Tanggal akhir sebelum tanggal awal. / The end is before the start.")
    except GovernanceError as exc:
        return render(request, "400.html", {"detail": str(exc)}, status=400)
    rows = purpose_report_rows(start=start, end=end)
    _audit(request, AuditAction.GOVERNANCE_VIEWED, page="purpose_report", start=str(start), end=str(end))
    if request.GET.get("format") == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="akses-per-tujuan-{start}-{end}.csv"'
        writer = csv.writer(response)
        writer.writerow(["INSTANSI", "TUJUAN", "TINDAKAN", "JUMLAH", "SUBJEK_BERBEDA", "PENGGUNA"])
        for r in rows:
            writer.writerow([r.agency, r.purpose_code, r.action, r.n, r.subjects, r.users])
        return response
    return render(
        request,
        "web/governance/purpose_report.html",
        {"rows": rows, "start": start, "end": end, "by_agency": purpose_report_by_agency(rows)},
    )


urlpatterns += [
    path("tata-kelola/perjanjian/", agreements, name="governance-agreements"),
    path(
        "tata-kelola/perjanjian/<int:agreement_id>/dokumen/",
        agreement_document,
        name="governance-agreement-document",
    ),
    path("tata-kelola/akses-per-tujuan/", purpose_report, name="governance-purpose-report"),
]
