"""Pages of issue 18 (data governance under the PDP law), third part: people's requests.

A parent (or the child when of age) asks, through an officer, to see what the platform holds
about the child, to correct it, or to object.

- `/tata-kelola/permintaan/`: every request with its legal deadline (due / overdue) and a form
  to open one for a child by its id or NIK (data steward: MANAGE_DATA_GOVERNANCE).
- `/tata-kelola/permintaan/<id>/`: one request; for an access request the full record (every
  golden field with its source, every linked source record), for a correction its items and
  where each was routed; the outcome is logged here (POST `aksi=jawab`).
- `/tata-kelola/permintaan/<id>/rekaman.json`: the access record as a file (audited as an export).
- `/tata-kelola/koreksi/`: the correction queue of the user's agency — items whose source the
  user's role reads, about children in the user's area (VIEW_CHILDREN); answered here.

Every look and change is audited; bad input is a 400 with a bilingual message.
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.views.decorators.http import require_GET, require_http_methods

from satuanak.access.decorators import personal_data_view
from satuanak.access.policy import Capability, policy_for
from satuanak.access.selectors import access_child_by_id
from satuanak.audit.models import AuditAction
from satuanak.audit.services import audit_record
from satuanak.core.masking import mask_identity_number
from satuanak.governance.models import GOLDEN_FIELDS, SubjectRequest
from satuanak.governance.selectors import (
    correction_queue,
    subject_request_row,
    subject_request_rows,
    subject_requests_overdue,
)
from satuanak.governance.services import (
    GovernanceError,
    child_for_request,
    correction_item_answer,
    request_deadlines,
    subject_record,
    subject_request_answer,
    subject_request_open,
)


def _audit(
    request: HttpRequest,
    action: AuditAction,
    subject_type: str = "subject_request",
    subject_id: Any = "",
    purpose: str = "",
    **detail: Any,
) -> None:
    audit_record(
        action=action,
        actor=request.user,
        request=request,
        subject_type=subject_type,
        subject_id=subject_id,
        purpose=purpose,
        detail=detail,
    )


def _list_page(request: HttpRequest, error: str = "", status: int = 200) -> HttpResponse:
    return render(
        request,
        "web/governance/requests.html",
        {
            "rows": subject_request_rows(),
            "overdue": subject_requests_overdue(),
            "kinds": SubjectRequest.Kind.choices,
            "relationships": SubjectRequest.Relationship.choices,
            "fields": [(key, label) for key, _attribute, label in GOLDEN_FIELDS],
            "deadlines": request_deadlines(),
            "error": error,
            "form": request.POST if request.method == "POST" else {},
        },
        status=status,
    )


@personal_data_view(Capability.MANAGE_DATA_GOVERNANCE)
@require_http_methods(["GET", "POST"])
def requests_list(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        _audit(request, AuditAction.GOVERNANCE_VIEWED, page="requests")
        return _list_page(request)
    p = request.POST
    try:
        if p.get("aksi", "") != "buka":
            raise GovernanceError("Tindakan tidak dikenal. / Unknown action.")
        child = child_for_request(user=request.user, reference=p.get("anak", ""), request=request)
        made = subject_request_open(
            user=request.user,
            child=child,
            kind=p.get("jenis", ""),
            requester_name=p.get("pemohon", ""),
            relationship=p.get("hubungan", ""),
            identity_check=p.get("identitas", ""),
            details=p.get("isi", ""),
            received_at=p.get("diterima", ""),
            corrections={key: p.get(f"koreksi_{key}", "") for key, _a, _l in GOLDEN_FIELDS},
        )
    except GovernanceError as exc:
        return _list_page(request, error=str(exc), status=400)
    _audit(
        request,
        AuditAction.RECORD_CHANGED,
        subject_id=made.pk,
        step="open",
        kind=made.kind,
        child=made.child_id,
        items=made.corrections.count(),
    )
    messages.success(request, "Permintaan dicatat. / Request recorded.")
    return redirect("web:governance-request-detail", subject_request_id=made.pk)


def _subject_request(subject_request_id: int) -> SubjectRequest:
    found = SubjectRequest.objects.select_related("child", "handled_by").filter(pk=subject_request_id).first()
    if found is None:
        raise Http404("Permintaan tidak ditemukan / request not found")
    return found


def _detail_page(
    request: HttpRequest, subject_request: SubjectRequest, error: str = "", status: int = 200
) -> HttpResponse:
    if subject_request.kind == SubjectRequest.Kind.ACCESS:
        record = subject_record(subject_request.child, request.user, request=request)
        child = subject_request.child
    else:
        record = None  # the child is opened through the chokepoint all the same (scoped, audited)
        child = access_child_by_id(user=request.user, child_id=subject_request.child_id, request=request)
    return render(
        request,
        "web/governance/request_detail.html",
        {
            "row": subject_request_row(subject_request),
            "r": subject_request,
            "child": child,
            "nik": mask_identity_number(child.nik),
            "record": record,
            "items": subject_request.corrections.all(),
            "deadline": request_deadlines()[subject_request.kind],
            "statuses": [
                (v, label) for v, label in SubjectRequest.Status.choices if v != SubjectRequest.Status.OPEN
            ],
            "error": error,
        },
        status=status,
    )


@personal_data_view(Capability.MANAGE_DATA_GOVERNANCE)
@require_http_methods(["GET", "POST"])
def request_detail(request: HttpRequest, subject_request_id: int) -> HttpResponse:
    subject_request = _subject_request(subject_request_id)
    if request.method == "GET":
        _audit(request, AuditAction.GOVERNANCE_VIEWED, subject_id=subject_request.pk, page="request")
        return _detail_page(request, subject_request)
    try:
        if request.POST.get("aksi", "") != "jawab":
            raise GovernanceError("Tindakan tidak dikenal. / Unknown action.")
        subject_request_answer(
            user=request.user,
            subject_request=subject_request,
            status=request.POST.get("status", ""),
            outcome=request.POST.get("hasil", ""),
        )
    except GovernanceError as exc:
        subject_request.refresh_from_db()
        return _detail_page(request, subject_request, error=str(exc), status=400)
    _audit(
        request,
        AuditAction.RECORD_CHANGED,
        subject_id=subject_request.pk,
        step="answer",
        status=subject_request.status,
    )
    messages.success(request, "Hasil dicatat. / Outcome recorded.")
    return redirect("web:governance-request-detail", subject_request_id=subject_request.pk)


@personal_data_view(Capability.MANAGE_DATA_GOVERNANCE)
@require_GET
def request_record_json(request: HttpRequest, subject_request_id: int) -> HttpResponse:
    subject_request = _subject_request(subject_request_id)
    if subject_request.kind != SubjectRequest.Kind.ACCESS:
        raise Http404("Hanya untuk permintaan akses / access requests only")
    record = subject_record(subject_request.child, request.user, request=request)
    record["request"] = {
        "id": subject_request.pk,
        "kind": subject_request.kind,
        "received_at": subject_request.received_at.isoformat(),
        "due_at": subject_request.due_at.isoformat(),
    }
    _audit(
        request,
        AuditAction.EXPORTED,
        subject_id=subject_request.pk,
        purpose=f"permintaan akses subjek data #{subject_request.pk} / subject access request",
        child=subject_request.child_id,
        fields=len(record["fields"]),
        records=len(record["records"]),
    )
    response = HttpResponse(
        json.dumps(record, ensure_ascii=False, indent=2, default=str),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="rekaman-anak-{subject_request.child_id}-permintaan-{subject_request.pk}.json"'
    )
    return response


def _queue_page(request: HttpRequest, error: str = "", status: int = 200) -> HttpResponse:
    """NIK and KK stay masked, except the value asked for, shown to roles that may reveal a NIK
    (the agency must know it to correct its system; the look at the queue is audited)."""
    reveals = Capability.REVEAL_NIK in policy_for(getattr(request.user, "role", "")).capabilities
    rows = []
    for item in correction_queue(request.user)[:500]:
        identity = item.field in ("nik", "kk")
        rows.append(
            {
                "item": item,
                "nik": mask_identity_number(item.request.child.nik),
                "current": mask_identity_number(item.current_value) if identity else item.current_value,
                "requested": (
                    mask_identity_number(item.requested_value)
                    if identity and not reveals
                    else item.requested_value
                ),
            }
        )
    return render(request, "web/governance/corrections.html", {"rows": rows, "error": error}, status=status)


@personal_data_view(Capability.VIEW_CHILDREN)
@require_http_methods(["GET", "POST"])
def corrections_queue(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        _audit(request, AuditAction.GOVERNANCE_VIEWED, subject_type="correction_queue", page="corrections")
        return _queue_page(request)
    try:
        if request.POST.get("aksi", "") != "jawab":
            raise GovernanceError("Tindakan tidak dikenal. / Unknown action.")
        item = correction_item_answer(
            user=request.user,
            item_id=request.POST.get("butir", ""),
            decision=request.POST.get("keputusan", ""),
            note=request.POST.get("catatan", ""),
        )
    except GovernanceError as exc:
        return _queue_page(request, error=str(exc), status=400)
    _audit(
        request,
        AuditAction.RECORD_CHANGED,
        subject_type="correction_item",
        subject_id=item.pk,
        step="answer",
        status=item.status,
        source=item.source,
        subject_request=item.request_id,
    )
    messages.success(request, "Jawaban dicatat. / Answer recorded.")
    return redirect(reverse("web:governance-corrections") + f"#butir-{item.pk}")


urlpatterns: list[URLPattern] = [
    path("tata-kelola/permintaan/", requests_list, name="governance-requests"),
    path(
        "tata-kelola/permintaan/<int:subject_request_id>/",
        request_detail,
        name="governance-request-detail",
    ),
    path(
        "tata-kelola/permintaan/<int:subject_request_id>/rekaman.json",
        request_record_json,
        name="governance-request-record",
    ),
    path("tata-kelola/koreksi/", corrections_queue, name="governance-corrections"),
]
