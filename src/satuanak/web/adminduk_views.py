"""Pages of issue 10: "3-in-1 di Ujung Wie" birth declarations from health facilities, the
Disdukcapil queue, service levels, and the family's public tracking page.

The birth operator's pages (DECLARE_BIRTHS) show only their own facility's declarations; the
officer's pages (PROCESS_ADMINDUK) every declaration. A declaration the user may not see is a 404
whether it exists or not. A user's mistake gets the form again, a 400 and a bilingual message.
The public tracking page shows a state and where to go, nothing else, and is rate-limited per
client address (misses counted in the cache; refusals answered 429 and written to the audit log).
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from satuanak.access.decorators import personal_data_view, public_view
from satuanak.access.policy import Capability
from satuanak.adminduk import states as s
from satuanak.adminduk.documents import KINDS, document_pdf
from satuanak.adminduk.models import BirthDeclaration, DeclarationAttachment
from satuanak.adminduk.selectors import (
    attachment_get,
    coverage,
    declaration_get,
    declarations_of_facility,
    declarations_overdue,
    declarations_queue,
    declarations_visible_to,
    missing_attachment_kinds,
    service_levels,
    tracking_status,
)
from satuanak.adminduk.services import (
    AdmindukPermissionError,
    DeclarationError,
    DeclarationInput,
    declaration_create,
    declaration_issue,
    declaration_resubmit,
    declaration_transition,
    parent_lookup,
)
from satuanak.audit.models import AuditAction
from satuanak.audit.services import audit_record, client_ip
from satuanak.common import clock, throttle, uploads
from satuanak.regions.models import Desa

LIST_LIMIT = 200
# form field -> attachment kind
FILE_FIELDS: dict[str, str] = {
    "surat_lahir": DeclarationAttachment.Kind.BIRTH_LETTER,
    "ktp_ibu": DeclarationAttachment.Kind.MOTHER_ID,
    "ktp_ayah": DeclarationAttachment.Kind.FATHER_ID,
    "buku_nikah": DeclarationAttachment.Kind.MARRIAGE_BOOK,
    "kartu_keluarga": DeclarationAttachment.Kind.FAMILY_CARD,
    "lainnya": DeclarationAttachment.Kind.OTHER,
}
# Public tracking: misses (unknown codes) per client address per window before 429; lookups too.
TRACKING_WINDOW_SECONDS = 15 * 60
TRACKING_MAX_MISSES = 10
TRACKING_MAX_LOOKUPS = 60
TRACKING_REFUSED = (
    "Terlalu banyak percobaan kode. Coba lagi 15 menit lagi, atau tanyakan ke fasilitas kesehatan. / "
    "Too many code attempts. Try again in 15 minutes, or ask the health facility."
)


def _files(request: HttpRequest) -> dict[str, list[uploads.UploadedFileLike]]:
    out: dict[str, list[uploads.UploadedFileLike]] = {}
    for name, kind in FILE_FIELDS.items():
        files = request.FILES.getlist(name)
        if files:
            out[str(kind)] = list(files)
    return out


def _list_audit(request: HttpRequest, subject_type: str, n: int) -> None:
    audit_record(
        action=AuditAction.CHILD_LIST_VIEWED,
        actor=request.user,
        request=request,
        subject_type=subject_type,
        detail={"rows": n},
    )


# --- the facility's birth operator -----------------------------------------------------------


@personal_data_view(Capability.DECLARE_BIRTHS)
@require_GET
def declaration_list(request: HttpRequest) -> HttpResponse:
    items = list(declarations_of_facility(request.user)[:LIST_LIMIT])
    _list_audit(request, "birth_declaration_list", len(items))
    return render(
        request,
        "web/adminduk/declarations.html",
        {"declarations": items, "agency": getattr(request.user, "agency", None)},
    )


def _form_from_post(request: HttpRequest) -> dict[str, Any]:
    keys = (
        "nama_bayi",
        "jk",
        "tanggal_lahir",
        "jam_lahir",
        "tempat_lahir",
        "berat",
        "panjang",
        "nik_ibu",
        "nama_ibu",
        "nik_ayah",
        "nama_ayah",
        "no_kk",
        "desa",
        "alamat",
        "catatan",
    )
    form: dict[str, Any] = {k: request.POST.get(k, "").strip() for k in keys}
    for flag in ("kembar", "ibu_tidak_ditemukan", "ayah_tidak_ditemukan"):
        form[flag] = request.POST.get(flag) == "1"
    return form


def _input_from_form(form: dict[str, Any]) -> DeclarationInput:
    try:
        born = date.fromisoformat(form["tanggal_lahir"])
        at = time.fromisoformat(form["jam_lahir"] or "00:00")
    except ValueError:
        raise DeclarationError(
            "Tanggal (TTTT-BB-HH) atau jam (JJ:MM) lahir tidak sah. / Invalid birth date or time."
        ) from None
    try:
        weight = int(form["berat"])
    except ValueError:
        raise DeclarationError(
            "Berat lahir harus angka (gram). / Birth weight must be a number (g)."
        ) from None
    return DeclarationInput(
        baby_name=form["nama_bayi"],
        baby_sex=form["jk"],
        birth_at=timezone.make_aware(datetime.combine(born, at)),
        birth_place=form["tempat_lahir"],
        weight_g=weight,
        length_cm=form["panjang"].replace(",", ".") or "0",
        mother_nik=form["nik_ibu"],
        mother_name=form["nama_ibu"],
        mother_not_in_siak=form["ibu_tidak_ditemukan"],
        father_nik=form["nik_ayah"],
        father_name=form["nama_ayah"],
        father_not_in_siak=form["ayah_tidak_ditemukan"],
        kk_number=form["no_kk"],
        desa_code=form["desa"],
        address=form["alamat"],
        multiple_birth=form["kembar"],
        note=form["catatan"],
    )


@personal_data_view(Capability.DECLARE_BIRTHS)
@require_http_methods(["GET", "POST"])
def declaration_new(request: HttpRequest) -> HttpResponse:
    """Declare a birth. "Periksa NIK" checks the parents' NIKs against SIAK and shows only
    whether each is found, whether the name matches and the KK number; "Kirim" submits."""
    errors: list[str] = []
    checks: list[tuple[str, Any]] = []
    form: dict[str, Any] = {"jk": "", "tanggal_lahir": clock.today().isoformat(), "jam_lahir": ""}
    if request.method == "POST":
        form = _form_from_post(request)
        try:
            if request.POST.get("aksi") == "periksa":
                if form["nik_ibu"]:
                    checks.append(
                        (
                            "Ibu / mother",
                            parent_lookup(
                                user=request.user, nik=form["nik_ibu"], name=form["nama_ibu"], sex="P"
                            ),
                        )
                    )
                if form["nik_ayah"]:
                    checks.append(
                        (
                            "Ayah / father",
                            parent_lookup(
                                user=request.user, nik=form["nik_ayah"], name=form["nama_ayah"], sex="L"
                            ),
                        )
                    )
            else:
                declaration = declaration_create(
                    user=request.user,
                    data=_input_from_form(form),
                    attachments=_files(request),
                    request=request,
                )
                return redirect("web:adminduk-declaration", declaration_id=declaration.pk)
        except AdmindukPermissionError as exc:
            raise PermissionDenied(str(exc)) from exc
        except DeclarationError as exc:
            errors = exc.messages
    return render(
        request,
        "web/adminduk/declaration_form.html",
        {
            "form": form,
            "errors": errors,
            "checks": checks,
            "desa_list": Desa.objects.select_related("kecamatan").order_by("kecamatan__name", "name"),
            "file_fields": [
                (name, DeclarationAttachment.Kind(kind).label) for name, kind in FILE_FIELDS.items()
            ],
        },
        status=400 if errors else 200,
    )


def _detail_context(
    declaration: BirthDeclaration, *, officer: bool, errors: list[str] | None = None
) -> dict[str, Any]:
    documents = getattr(declaration, "documents", None) if declaration.state == s.ISSUED else None
    return {
        "d": declaration,
        "officer": officer,
        "events": list(declaration.events.select_related("by__agency").order_by("at", "id")),
        "attachments": list(declaration.attachments.order_by("id")),
        "missing": missing_attachment_kinds(declaration),
        "documents": documents,
        "document_kinds": KINDS,
        "overdue": declaration.is_overdue_on(clock.today()),
        "next_states": [
            (st, BirthDeclaration.State(st).label)
            for st in s.allowed_next(declaration.state)
            if s.ACTOR[st] == (s.OFFICER if officer else s.OPERATOR)
        ],
        "file_fields": [(name, DeclarationAttachment.Kind(kind).label) for name, kind in FILE_FIELDS.items()],
        "errors": errors or [],
        "returned": s.RETURNED,
        "rejected": s.REJECTED,
        "issued": s.ISSUED,
    }


@personal_data_view(Capability.DECLARE_BIRTHS)
@require_GET
def declaration_detail(request: HttpRequest, declaration_id: int) -> HttpResponse:
    d = declaration_get(user=request.user, declaration_id=declaration_id, request=request, own_facility=True)
    return render(request, "web/adminduk/declaration_detail.html", _detail_context(d, officer=False))


@personal_data_view(Capability.DECLARE_BIRTHS)
@require_POST
def declaration_resubmit_view(request: HttpRequest, declaration_id: int) -> HttpResponse:
    d = declaration_get(user=request.user, declaration_id=declaration_id, request=request, own_facility=True)
    try:
        declaration_resubmit(
            user=request.user,
            declaration=d,
            attachments=_files(request),
            note=request.POST.get("catatan", ""),
            request=request,
        )
    except AdmindukPermissionError as exc:
        raise PermissionDenied(str(exc)) from exc
    except DeclarationError as exc:
        context = _detail_context(d, officer=False, errors=exc.messages)
        return render(request, "web/adminduk/declaration_detail.html", context, status=400)
    return redirect("web:adminduk-declaration", declaration_id=d.pk)


def _attachment_response(item: DeclarationAttachment) -> FileResponse:
    return uploads.file_response(
        stored_name=item.stored_name, content_type=item.content_type, original_name=item.original_name
    )


def _document_response(request: HttpRequest, declaration: BirthDeclaration, kind: str) -> HttpResponse:
    docs = getattr(declaration, "documents", None) if declaration.state == s.ISSUED else None
    if docs is None or kind not in KINDS:
        raise Http404("Dokumen belum terbit / documents not issued")
    try:
        pdf = document_pdf(docs, kind)
    except ValueError as exc:
        raise Http404(str(exc)) from exc
    audit_record(
        action=AuditAction.FILE_DOWNLOADED,
        actor=request.user,
        request=request,
        subject_type="issued_documents",
        subject_id=docs.pk,
        desa_code=declaration.desa.code,
        detail={"kind": kind, "declaration": declaration.pk},
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{kind}_{declaration.pk}.pdf"'
    response["Cache-Control"] = "no-store"
    return response


@personal_data_view(Capability.DECLARE_BIRTHS)
@require_GET
def declaration_attachment(request: HttpRequest, attachment_id: int) -> FileResponse:
    item = attachment_get(user=request.user, attachment_id=attachment_id, request=request, own_facility=True)
    return _attachment_response(item)


@personal_data_view(Capability.DECLARE_BIRTHS)
@require_GET
def declaration_document(request: HttpRequest, declaration_id: int, kind: str) -> HttpResponse:
    d = declaration_get(user=request.user, declaration_id=declaration_id, request=request, own_facility=True)
    return _document_response(request, d, kind)


# --- Disdukcapil -----------------------------------------------------------------------------


@personal_data_view(Capability.PROCESS_ADMINDUK)
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    """What waits on Disdukcapil (overdue first), and the latest of every other state."""
    today = clock.today()
    overdue = list(declarations_overdue(request.user, today=today)[:LIST_LIMIT])
    waiting = list(declarations_queue(request.user)[:LIST_LIMIT])
    recent = list(declarations_visible_to(request.user).exclude(state__in=s.WAITING_ON_OFFICER)[:LIST_LIMIT])
    _list_audit(request, "birth_declaration_queue", len(waiting) + len(recent))
    return render(
        request,
        "web/adminduk/queue.html",
        {
            "overdue": overdue,
            "overdue_ids": {d.pk for d in overdue},
            "waiting": waiting,
            "recent": recent,
            "today": today,
            "service_days": s.SERVICE_LEVEL_WORKING_DAYS,
        },
    )


@personal_data_view(Capability.PROCESS_ADMINDUK)
@require_GET
def review(request: HttpRequest, declaration_id: int) -> HttpResponse:
    d = declaration_get(user=request.user, declaration_id=declaration_id, request=request)
    return render(request, "web/adminduk/declaration_detail.html", _detail_context(d, officer=True))


@personal_data_view(Capability.PROCESS_ADMINDUK)
@require_POST
def review_action(request: HttpRequest, declaration_id: int) -> HttpResponse:
    """The officer's buttons: verify, return (reasons), reject (reason), issue."""
    d = declaration_get(user=request.user, declaration_id=declaration_id, request=request)
    to_state = request.POST.get("status", "")
    reasons = request.POST.get("alasan", "")
    try:
        if to_state == s.ISSUED:
            declaration_issue(user=request.user, declaration=d, note=reasons, request=request)
        else:
            declaration_transition(
                user=request.user, declaration=d, to_state=to_state, reasons=reasons, request=request
            )
    except AdmindukPermissionError as exc:
        raise PermissionDenied(str(exc)) from exc
    except DeclarationError as exc:
        d.refresh_from_db()
        return render(
            request,
            "web/adminduk/declaration_detail.html",
            _detail_context(d, officer=True, errors=exc.messages),
            status=400,
        )
    return redirect("web:adminduk-review", declaration_id=d.pk)


@personal_data_view(Capability.PROCESS_ADMINDUK)
@require_GET
def review_attachment(request: HttpRequest, attachment_id: int) -> FileResponse:
    return _attachment_response(
        attachment_get(user=request.user, attachment_id=attachment_id, request=request)
    )


@personal_data_view(Capability.PROCESS_ADMINDUK)
@require_GET
def review_document(request: HttpRequest, declaration_id: int, kind: str) -> HttpResponse:
    d = declaration_get(user=request.user, declaration_id=declaration_id, request=request)
    return _document_response(request, d, kind)


@personal_data_view(Capability.PROCESS_ADMINDUK)
@require_GET
def service_level_page(request: HttpRequest) -> HttpResponse:
    """Days from declaration to issuance per facility and month; the share of facility births
    served by 3-in-1 against the target; the overdue declarations."""
    today = clock.today()
    error = ""
    try:
        start = date.fromisoformat(request.GET.get("dari") or today.replace(month=1, day=1).isoformat())
        end = date.fromisoformat(request.GET.get("sampai") or today.isoformat())
    except ValueError:
        error = "Tanggal tidak sah (TTTT-BB-HH). / Invalid date (YYYY-MM-DD)."
        start, end = today.replace(month=1, day=1), today
    if not error and start > end:
        error = "Tanggal awal setelah tanggal akhir. / The start is after the end."
        start, end = today.replace(month=1, day=1), today
    overdue = list(declarations_overdue(request.user, today=today)[:LIST_LIMIT])
    _list_audit(request, "birth_declaration_overdue", len(overdue))
    rows = coverage(start=start, end=end)
    return render(
        request,
        "web/adminduk/service_levels.html",
        {
            "start": start,
            "end": end,
            "levels": service_levels(start=start, end=end),
            "total": rows[0],
            "facilities": rows[1:],
            "target": s.COVERAGE_TARGET,
            "overdue": overdue,
            "service_days": s.SERVICE_LEVEL_WORKING_DAYS,
            "error": error,
        },
        status=400 if error else 200,
    )


# --- the family's public tracking page -------------------------------------------------------


def _tracking_key(request: HttpRequest, what: str) -> str:
    return f"adminduk:lacak:{what}:{client_ip(request) or 'unknown'}"


def _throttled(request: HttpRequest) -> bool:
    misses = throttle.hits(_tracking_key(request, "miss"))
    lookups = throttle.hits(_tracking_key(request, "lookup"))
    return misses >= TRACKING_MAX_MISSES or lookups >= TRACKING_MAX_LOOKUPS


@public_view
@require_GET
def tracking(request: HttpRequest) -> HttpResponse:
    """A tracking code -> the state label and where to collect or ask. Nothing else."""
    raw = request.GET.get("kode", "")
    context: dict[str, Any] = {"kode": raw[:20], "result": None, "error": ""}
    if not raw:
        return render(request, "web/adminduk/tracking.html", context)
    if _throttled(request):
        audit_record(
            action=AuditAction.ACCESS_DENIED,
            request=request,
            subject_type="tracking",
            detail={"reason": "rate limit", "window_seconds": TRACKING_WINDOW_SECONDS},
        )
        context["error"] = TRACKING_REFUSED
        response = render(request, "web/adminduk/tracking.html", context, status=429)
        response["Retry-After"] = str(TRACKING_WINDOW_SECONDS)
        return response
    throttle.hit(_tracking_key(request, "lookup"), TRACKING_WINDOW_SECONDS)
    code = s.tracking_code_normalise(raw)
    result = tracking_status(code) if code else None
    if result is None:
        throttle.hit(_tracking_key(request, "miss"), TRACKING_WINDOW_SECONDS)
        context["error"] = "Kode tidak ditemukan. / Code not found."
        return render(request, "web/adminduk/tracking.html", context, status=404)
    context["result"] = result
    response = render(request, "web/adminduk/tracking.html", context)
    response["Cache-Control"] = "no-store"
    return response


urlpatterns: list[URLPattern] = [
    path("adminduk/kelahiran/", declaration_list, name="adminduk-declarations"),
    path("adminduk/kelahiran/baru/", declaration_new, name="adminduk-declaration-new"),
    path("adminduk/kelahiran/<int:declaration_id>/", declaration_detail, name="adminduk-declaration"),
    path(
        "adminduk/kelahiran/<int:declaration_id>/kirim-ulang/",
        declaration_resubmit_view,
        name="adminduk-declaration-resubmit",
    ),
    path(
        "adminduk/kelahiran/lampiran/<int:attachment_id>/",
        declaration_attachment,
        name="adminduk-declaration-attachment",
    ),
    path(
        "adminduk/kelahiran/<int:declaration_id>/dokumen/<str:kind>.pdf",
        declaration_document,
        name="adminduk-declaration-document",
    ),
    path("adminduk/verifikasi/", queue, name="adminduk-queue"),
    path("adminduk/verifikasi/<int:declaration_id>/", review, name="adminduk-review"),
    path("adminduk/verifikasi/<int:declaration_id>/tindakan/", review_action, name="adminduk-review-action"),
    path(
        "adminduk/verifikasi/lampiran/<int:attachment_id>/",
        review_attachment,
        name="adminduk-review-attachment",
    ),
    path(
        "adminduk/verifikasi/<int:declaration_id>/dokumen/<str:kind>.pdf",
        review_document,
        name="adminduk-review-document",
    ),
    path("adminduk/layanan/", service_level_page, name="adminduk-service-levels"),
    path("lacak/", tracking, name="adminduk-tracking"),
]
