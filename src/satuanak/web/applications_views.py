"""Pages of issue 10, parts 5 and 6: "Duta Adminduk Sekolah" and "Adminduk Digital di Genggaman".

- The school's ambassador (SUBMIT_SCHOOL_REQUESTS): the school's students without akta or KIA,
  a collective request with each student's documents, and each student's state.
- Disdukcapil (PROCESS_ADMINDUK): the queue of school requests and online applications, and
  the steps of each (verify, return with a reason, finish with the numbers, reject).
- Anyone (public): the application form, the status by tracking code (state only, throttled
  per address). The JSON API a village website or a WhatsApp service posts to is in
  interop/api/adminduk.py; it reads its body with `api_payload` below, as the form does.

Small phone pages. A user's mistake gets the form again with a bilingual message and a 400; a
request or file the user may not see is a 404 whether it exists or not; every look at personal
data is audited.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, SuspiciousFileOperation
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.views.decorators.http import require_GET, require_http_methods

from satuanak.access.decorators import personal_data_view, public_view
from satuanak.access.policy import Capability
from satuanak.applications import states as s
from satuanak.applications.models import (
    OnlineApplication,
    OnlineApplicationAttachment,
    SchoolRequest,
    SchoolRequestAttachment,
    SchoolRequestStudent,
)
from satuanak.applications.services import (
    ApplicationError,
    ApplicationPermissionError,
    Decision,
    StudentPick,
    application_by_code,
    application_create,
    application_process,
    application_public_status,
    application_resubmit,
    create_blocked,
    create_record,
    lookup_blocked,
    lookup_unknown_record,
    officer_applications,
    officer_school_requests,
    officer_school_students,
    refusal_log_once,
    school_of,
    school_request_attach,
    school_request_create,
    school_request_submit,
    school_requests_of,
    school_student_process,
    school_student_resubmit,
    school_students_lacking_documents,
)
from satuanak.audit.models import AuditAction
from satuanak.audit.services import audit_record, client_ip
from satuanak.common import uploads
from satuanak.regions.models import Desa

LIST_LIMIT = 200
FORM_FIELDS = (
    "applicant_name",
    "applicant_phone",
    "child_name",
    "child_sex",
    "child_birth_date",
    "mother_name",
    "child_nik",
    "desa_code",
)
API_CHANNELS = ("api", "village_website", "whatsapp")


def _denied(request: HttpRequest, subject_type: str, subject_id: int) -> Http404:
    audit_record(
        action=AuditAction.ACCESS_DENIED,
        actor=request.user,
        request=request,
        subject_type=subject_type,
        subject_id=subject_id,
        detail={"reason": "not in scope or not found"},
    )
    return Http404("Tidak ditemukan / not found")


def _file_response(request: HttpRequest, item: Any, subject_type: str) -> FileResponse:
    if not uploads.stored_path(item.stored_name).is_file():
        raise Http404("Berkas tidak ada di penyimpanan / file missing from storage")
    audit_record(
        action=AuditAction.FILE_DOWNLOADED,
        actor=request.user,
        request=request,
        subject_type=subject_type,
        subject_id=item.pk,
        detail={"sha256": item.sha256, "kind": item.kind},
    )
    return uploads.file_response(
        stored_name=item.stored_name, content_type=item.content_type, original_name=item.original_name
    )


def _tagged_files(request: HttpRequest) -> list[tuple[str, Any]]:
    """Files posted as attachment_<kind> (several per kind allowed), in the order of the kinds."""
    out: list[tuple[str, Any]] = []
    for key in request.FILES:
        if not key.startswith("attachment_"):
            continue
        kind = key.removeprefix("attachment_")
        out.extend((kind, f) for f in request.FILES.getlist(key))
    return out


# --- the school's ambassador -----------------------------------------------------------------


def _school_requests_summary(user: Any) -> list[dict[str, Any]]:
    rows = []
    for req in school_requests_of(user).annotate(n=Count("students"))[:LIST_LIMIT]:
        counts = dict(req.students.values_list("state").annotate(c=Count("id")).values_list("state", "c"))
        rows.append(
            {"request": req, "n": req.n, "counts": [(s.label(k), counts[k]) for k in s.STATES if k in counts]}
        )
    return rows


@personal_data_view(Capability.SUBMIT_SCHOOL_REQUESTS)
@require_http_methods(["GET", "POST"])
def school_home(request: HttpRequest) -> HttpResponse:
    """The school's students without akta or KIA (pick them to start a request), and the
    school's requests with how many students stand where."""
    user = request.user
    error = ""
    if request.method == "POST":
        picks = []
        for raw in request.POST.getlist("anak"):
            if raw.isdigit():
                picks.append(
                    StudentPick(
                        child_id=int(raw),
                        wants_akta=request.POST.get(f"akta_{raw}") == "1",
                        wants_kia=request.POST.get(f"kia_{raw}") == "1",
                    )
                )
        try:
            created = school_request_create(user=user, picks=picks, request=request)
        except ApplicationPermissionError as exc:
            raise PermissionDenied(str(exc)) from exc
        except ApplicationError as exc:
            error = str(exc)
        else:
            return redirect("web:applications-school-request", request_id=created.pk)
    lacking = school_students_lacking_documents(user)
    requests = _school_requests_summary(user)
    audit_record(
        action=AuditAction.CHILD_LIST_VIEWED,
        actor=user,
        request=request,
        subject_type="school_students_lacking_documents",
        detail={"students": len(lacking), "requests": len(requests)},
    )
    return render(
        request,
        "web/applications/school_home.html",
        {"school": school_of(user), "lacking": lacking, "requests": requests, "error": error},
        status=400 if error else 200,
    )


def _student_rows(students: Sequence[SchoolRequestStudent]) -> list[dict[str, Any]]:
    rows = []
    for st in students:
        attachments = list(st.attachments.all())
        rows.append(
            {
                "student": st,
                "attachments": attachments,
                "missing": [
                    s.ATTACHMENT_KINDS[k]
                    for k in s.missing_attachments(st.requested, [a.kind for a in attachments])
                ],
                "reason": s.RETURN_REASONS.get(st.reason_code) or s.REJECT_REASONS.get(st.reason_code, ""),
                "next": [(x, s.label(x)) for x in s.allowed_next(st.state, s.OFFICER)],
            }
        )
    return rows


def _school_request_context(school_request: SchoolRequest, error: str = "") -> dict[str, Any]:
    students = list(
        school_request.students.select_related("child__desa")
        .prefetch_related("attachments")
        .order_by("child__name", "id")
    )
    return {
        "school_request": school_request,
        "state_label": s.REQUEST_STATES[school_request.state],
        "rows": _student_rows(students),
        "events": list(school_request.events.select_related("by", "student__child").order_by("at", "id")),
        "kinds": list(s.ATTACHMENT_KINDS.items()),
        "return_reasons": list(s.RETURN_REASONS.items()),
        "reject_reasons": list(s.REJECT_REASONS.items()),
        "error": error,
        "S": {"DRAFT": s.DRAFT, "RETURNED": s.RETURNED, "DONE": s.DONE, "REJECTED": s.REJECTED},
        "is_draft": school_request.state == s.REQUEST_DRAFT,
    }


@personal_data_view(Capability.SUBMIT_SCHOOL_REQUESTS)
@require_http_methods(["GET", "POST"])
def school_request_detail(request: HttpRequest, request_id: int) -> HttpResponse:
    """One request of the school: each student's state and documents; add documents (draft or
    returned), submit the draft, resubmit a returned student."""
    user = request.user
    school_request = school_requests_of(user).filter(pk=request_id).first()
    if school_request is None:
        raise _denied(request, "school_request", request_id)
    error = ""
    if request.method == "POST":
        action = request.POST.get("action", "")
        raw_student = request.POST.get("siswa", "")
        student_id = int(raw_student) if raw_student.isdigit() else 0
        if student_id and not school_request.students.filter(pk=student_id).exists():
            student_id = 0
        try:
            if action == "upload":
                school_request_attach(
                    user=user,
                    student_id=student_id,
                    kind=request.POST.get("jenis", ""),
                    files=request.FILES.getlist("berkas"),
                    request=request,
                )
            elif action == "submit":
                school_request_submit(user=user, school_request_id=school_request.pk, request=request)
            elif action == "resubmit":
                school_student_resubmit(
                    user=user, student_id=student_id, note=request.POST.get("catatan", ""), request=request
                )
            else:
                raise ApplicationError("bad_action", "Tindakan tidak dikenal.", "Unknown action.")
        except ApplicationPermissionError as exc:
            if exc.code == "not_found":
                error = str(exc)
            else:
                raise PermissionDenied(str(exc)) from exc
        except ApplicationError as exc:
            error = str(exc)
        if not error:
            return redirect("web:applications-school-request", request_id=school_request.pk)
        school_request.refresh_from_db()
    else:
        audit_record(
            action=AuditAction.CHILD_LIST_VIEWED,
            actor=user,
            request=request,
            subject_type="school_request",
            subject_id=school_request.pk,
        )
    return render(
        request,
        "web/applications/school_request.html",
        _school_request_context(school_request, error) | {"officer": False},
        status=400 if error else 200,
    )


@personal_data_view(Capability.SUBMIT_SCHOOL_REQUESTS)
@require_GET
def school_attachment(request: HttpRequest, school_file_id: int) -> FileResponse:
    item = SchoolRequestAttachment.objects.filter(
        pk=school_file_id, student__request__in=school_requests_of(request.user)
    ).first()
    if item is None:
        raise _denied(request, "school_request_attachment", school_file_id)
    return _file_response(request, item, "school_request_attachment")


# --- Disdukcapil -----------------------------------------------------------------------------


@personal_data_view(Capability.PROCESS_ADMINDUK)
@require_GET
def officer_queue(request: HttpRequest) -> HttpResponse:
    """School requests with students waiting, then online applications (waiting first)."""
    user = request.user
    wanted = request.GET.get("status", "")
    open_states = list(s.OPEN_FOR_OFFICER)
    school_rows = list(
        officer_school_requests(user)
        .select_related("school")
        .annotate(
            waiting=Count("students", filter=Q(students__state__in=open_states)),
            total=Count("students"),
        )
        .order_by("-waiting", "submitted_at", "id")[:LIST_LIMIT]
    )
    applications = officer_applications(user).select_related("desa")
    if wanted in s.STATES:
        applications = applications.filter(state=wanted)
    else:
        applications = applications.filter(state__in=open_states)
    app_rows = list(applications.order_by("created_at", "id")[:LIST_LIMIT])
    audit_record(
        action=AuditAction.CHILD_LIST_VIEWED,
        actor=user,
        request=request,
        subject_type="adminduk_application_queue",
        detail={"school_requests": len(school_rows), "applications": len(app_rows), "status": wanted},
    )
    return render(
        request,
        "web/applications/queue.html",
        {
            "school_rows": school_rows,
            "applications": app_rows,
            "states": [(x, s.label(x)) for x in s.STATES if x != s.DRAFT],
            "wanted": wanted,
        },
    )


def _application_context(application: OnlineApplication, error: str = "") -> dict[str, Any]:
    return {
        "application": application,
        "attachments": list(application.attachments.order_by("id")),
        "events": list(application.events.select_related("by").order_by("at", "id")),
        "next": [(x, s.label(x)) for x in s.allowed_next(application.state, s.OFFICER)],
        "reason": s.RETURN_REASONS.get(application.reason_code)
        or s.REJECT_REASONS.get(application.reason_code, ""),
        "missing": [
            s.ATTACHMENT_KINDS[k]
            for k in s.missing_attachments(
                application.requested, [a.kind for a in application.attachments.all()]
            )
        ],
        "return_reasons": list(s.RETURN_REASONS.items()),
        "reject_reasons": list(s.REJECT_REASONS.items()),
        "error": error,
    }


def _decision(request: HttpRequest) -> Decision:
    to_state = request.POST.get("status", "")
    reason_field = "alasan_kembali" if to_state == s.RETURNED else "alasan_tolak"
    return Decision(
        to_state=to_state,
        reason_code=request.POST.get(reason_field, ""),
        note=request.POST.get("catatan", ""),
        akta_number=request.POST.get("nomor_akta", ""),
        kia_number=request.POST.get("nomor_kia", ""),
        nik=request.POST.get("nik", ""),
    )


@personal_data_view(Capability.PROCESS_ADMINDUK)
@require_http_methods(["GET", "POST"])
def officer_application(request: HttpRequest, application_id: int) -> HttpResponse:
    user = request.user
    application = (
        officer_applications(user).select_related("desa__kecamatan").filter(pk=application_id).first()
    )
    if application is None:
        raise _denied(request, "online_application", application_id)
    error = ""
    if request.method == "POST":
        try:
            application_process(
                user=user, application_id=application.pk, decision=_decision(request), request=request
            )
        except ApplicationPermissionError as exc:
            raise PermissionDenied(str(exc)) from exc
        except ApplicationError as exc:
            error = str(exc)
        else:
            return redirect("web:applications-application", application_id=application.pk)
    else:
        audit_record(
            action=AuditAction.CHILD_VIEWED,
            actor=user,
            request=request,
            subject_type="online_application",
            subject_id=application.pk,
            desa_code=application.desa.code,
        )
    return render(
        request,
        "web/applications/application.html",
        _application_context(application, error),
        status=400 if error else 200,
    )


@personal_data_view(Capability.PROCESS_ADMINDUK)
@require_GET
def officer_application_attachment(request: HttpRequest, application_file_id: int) -> FileResponse:
    item = OnlineApplicationAttachment.objects.filter(
        pk=application_file_id, application__in=officer_applications(request.user)
    ).first()
    if item is None:
        raise _denied(request, "online_application_attachment", application_file_id)
    return _file_response(request, item, "online_application_attachment")


@personal_data_view(Capability.PROCESS_ADMINDUK)
@require_http_methods(["GET", "POST"])
def officer_school_request(request: HttpRequest, request_id: int) -> HttpResponse:
    """A school's request at Disdukcapil: one step per student (the student in the form)."""
    user = request.user
    school_request = officer_school_requests(user).select_related("school").filter(pk=request_id).first()
    if school_request is None:
        raise _denied(request, "school_request", request_id)
    error = ""
    if request.method == "POST":
        raw = request.POST.get("siswa", "")
        student = (
            officer_school_students(user).filter(pk=int(raw), request=school_request).first()
            if raw.isdigit()
            else None
        )
        if student is None:
            error = "Siswa tidak ditemukan dalam pengajuan ini. / Student not found in this request."
        else:
            try:
                school_student_process(
                    user=user, student_id=student.pk, decision=_decision(request), request=request
                )
            except ApplicationPermissionError as exc:
                raise PermissionDenied(str(exc)) from exc
            except ApplicationError as exc:
                error = str(exc)
        if not error:
            return redirect("web:applications-school-process", request_id=school_request.pk)
        school_request.refresh_from_db()
    else:
        audit_record(
            action=AuditAction.CHILD_LIST_VIEWED,
            actor=user,
            request=request,
            subject_type="school_request",
            subject_id=school_request.pk,
        )
    return render(
        request,
        "web/applications/school_request.html",
        _school_request_context(school_request, error) | {"officer": True},
        status=400 if error else 200,
    )


@personal_data_view(Capability.PROCESS_ADMINDUK)
@require_GET
def officer_school_attachment(request: HttpRequest, school_file_id: int) -> FileResponse:
    item = SchoolRequestAttachment.objects.filter(
        pk=school_file_id, student__in=officer_school_students(request.user)
    ).first()
    if item is None:
        raise _denied(request, "school_request_attachment", school_file_id)
    return _file_response(request, item, "school_request_attachment")


# --- the public: form, status, API -----------------------------------------------------------


def _desa_groups() -> list[tuple[str, list[Desa]]]:
    groups: dict[str, list[Desa]] = {}
    for desa in Desa.objects.select_related("kecamatan").order_by("kecamatan__name", "name"):
        groups.setdefault(desa.kecamatan.name, []).append(desa)
    return list(groups.items())


def _too_many(request: HttpRequest, what: str) -> None:
    refusal_log_once(ip=client_ip(request), what=what, request=request)


TOO_MANY_CREATE = (
    "Terlalu banyak permohonan dari alamat ini; coba lagi nanti. / "
    "Too many applications from this address; try again later."
)
TOO_MANY_LOOKUP = (
    "Terlalu banyak kode yang tidak dikenal dari alamat ini; coba lagi 15 menit lagi. / "
    "Too many unknown codes from this address; try again in 15 minutes."
)


@public_view
@require_http_methods(["GET", "POST"])
def application_new(request: HttpRequest) -> HttpResponse:
    """The application form (no account): the child, the contact, what is asked, the documents."""
    form: dict[str, Any] = {k: "" for k in FORM_FIELDS} | {"requested": [s.AKTA]}
    error = ""
    status = 200
    if request.method == "POST":
        form = {k: request.POST.get(k, "").strip() for k in FORM_FIELDS} | {
            "requested": request.POST.getlist("requested")
        }
        ip = client_ip(request)
        if create_blocked(ip):
            _too_many(request, "create")
            error, status = TOO_MANY_CREATE, 429
        else:
            try:
                application = application_create(
                    channel=OnlineApplication.Channel.WEB,
                    attachments=_tagged_files(request),
                    request=request,
                    **{k: form[k] for k in FORM_FIELDS},
                    requested=form["requested"],
                )
            except ApplicationError as exc:
                error, status = str(exc), 400
            else:
                create_record(ip)
                return redirect(
                    reverse("web:applications-status") + f"?kode={application.code_display}&baru=1"
                )
    return render(
        request,
        "web/applications/new.html",
        {
            "form": form,
            "error": error,
            "desa_groups": _desa_groups(),
            "kinds": list(s.ATTACHMENT_KINDS.items()),
            "documents": list(s.DOCUMENTS.items()),
            "required": {
                d: [s.ATTACHMENT_KINDS[k] for k in kinds] for d, kinds in s.REQUIRED_ATTACHMENTS.items()
            },
        },
        status=status,
    )


@public_view
@require_http_methods(["GET", "POST"])
def application_status(request: HttpRequest) -> HttpResponse:
    """The state of an application by its tracking code: nothing personal. A returned
    application can be answered here with the phone number given when applying."""
    ip = client_ip(request)
    code = (request.POST.get("kode") if request.method == "POST" else request.GET.get("kode")) or ""
    context: dict[str, Any] = {"code": code.strip()[:40], "status": None, "error": "", "created": False}
    status = 200
    if code.strip() and lookup_blocked(ip):
        _too_many(request, "lookup")
        context["error"], status = TOO_MANY_LOOKUP, 429
    elif request.method == "POST":
        try:
            application = application_resubmit(
                code=code,
                phone=request.POST.get("hp", ""),
                attachments=_tagged_files(request),
                note=request.POST.get("catatan", ""),
                request=request,
            )
        except ApplicationError as exc:
            if exc.code == "not_found":
                lookup_unknown_record(ip)
            context["error"], status = str(exc), 400
            found = application_by_code(code)
            context["status"] = application_public_status(found) if found else None
        else:
            context["status"] = application_public_status(application)
    elif code.strip():
        looked_up = application_by_code(code)
        if looked_up is None:
            lookup_unknown_record(ip)
            context["error"], status = "Kode lacak tidak dikenal. / Unknown tracking code.", 404
        else:
            context["status"] = application_public_status(looked_up)
            context["created"] = request.GET.get("baru") == "1"
    context["kinds"] = list(s.ATTACHMENT_KINDS.items())
    response = render(request, "web/applications/status.html", context, status=status)
    response["Cache-Control"] = "no-store"
    return response


def _api_files(items: Any) -> list[tuple[str, Any]]:
    if items is None:
        return []
    if not isinstance(items, list):
        raise ApplicationError(
            "bad_attachments", "attachments harus berupa daftar.", "attachments must be a list."
        )
    out = []
    for item in items:
        if not isinstance(item, dict):
            raise ApplicationError("bad_attachments", "Lampiran tidak sah.", "Invalid attachment.")
        try:
            data = base64.b64decode(str(item.get("content_base64", "")), validate=True)
        except (binascii.Error, ValueError):
            raise ApplicationError(
                "bad_attachments",
                "Isi lampiran bukan base64 yang sah.",
                "The attachment is not valid base64.",
            ) from None
        try:
            out.append((str(item.get("kind", "")), SimpleUploadedFile(str(item.get("filename", "")), data)))
        except SuspiciousFileOperation:  # "", "/", "..": no file name left to keep
            raise ApplicationError(
                "bad_attachments",
                "Nama berkas lampiran tidak sah.",
                "An attachment's file name is not valid.",
            ) from None
    return out


def api_payload(request: HttpRequest) -> tuple[dict[str, Any], list[tuple[str, Any]]]:
    content_type = request.content_type or ""
    if content_type == "application/json":
        try:
            body = json.loads(request.body or b"{}")
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise ApplicationError(
                "bad_json", "Isi permintaan bukan JSON yang sah.", "The body is not valid JSON."
            ) from None
        if not isinstance(body, dict):
            raise ApplicationError(
                "bad_json", "Isi permintaan harus objek JSON.", "The body must be a JSON object."
            )
        requested = body.get("requested", [])
        if isinstance(requested, str):
            requested = [requested]
        fields = {k: body.get(k, "") for k in FORM_FIELDS} | {
            "requested": requested if isinstance(requested, list) else [],
            "channel": body.get("channel") or "api",
        }
        return fields, _api_files(body.get("attachments"))
    if content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
        fields = {k: request.POST.get(k, "") for k in FORM_FIELDS} | {
            "requested": request.POST.getlist("requested"),
            "channel": request.POST.get("channel") or "api",
        }
        return fields, _tagged_files(request)
    raise ApplicationError(
        "unsupported_media_type",
        "Kirim sebagai application/json atau multipart/form-data.",
        "Send application/json or multipart/form-data.",
    )


urlpatterns: list[URLPattern] = [
    path("sekolah/adminduk/", school_home, name="applications-school"),
    path("sekolah/adminduk/<int:request_id>/", school_request_detail, name="applications-school-request"),
    path(
        "sekolah/adminduk/lampiran/<int:school_file_id>/",
        school_attachment,
        name="applications-school-attachment",
    ),
    path("adminduk/permohonan/", officer_queue, name="applications-queue"),
    path("adminduk/permohonan/<int:application_id>/", officer_application, name="applications-application"),
    path(
        "adminduk/permohonan/lampiran/<int:application_file_id>/",
        officer_application_attachment,
        name="applications-application-attachment",
    ),
    path("adminduk/sekolah/<int:request_id>/", officer_school_request, name="applications-school-process"),
    path(
        "adminduk/sekolah/lampiran/<int:school_file_id>/",
        officer_school_attachment,
        name="applications-school-process-attachment",
    ),
    path("permohonan/baru/", application_new, name="applications-new"),
    path("permohonan/status/", application_status, name="applications-status"),
]
