"""PRAP pages (issue 9, see satuanak.prap): the public dashboard, a puskesmas's own checklist,
the reviewer's page, evidence and certificate downloads, the standard editor and the Forum
Anak survey.

The gate allows one capability per view, so the puskesmas's page (PRAP_SELF_ASSESS, its own
staff only) and the reviewer's page (PRAP_REVIEW, any puskesmas but the reviewer's own) are two
routes, and so are their evidence downloads. A puskesmas, piece of evidence or assessment out of
the user's scope is a 404 whether it exists or not; a reviewer at their own puskesmas gets a
403. A user's mistake gets the page again, a 400 and a bilingual message.

Certificates are public documents (a puskesmas displays its certificate at the door): the PDF
of a currently certified assessment is public; any other id is a 404.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.views.decorators.http import require_GET, require_http_methods

from satuanak.access.decorators import personal_data_view, public_view
from satuanak.access.policy import Capability, role_can
from satuanak.audit.models import AuditAction
from satuanak.audit.services import audit_record
from satuanak.common import clock, uploads
from satuanak.facilities.models import HealthFacility
from satuanak.prap import selectors as sel
from satuanak.prap import states as s
from satuanak.prap.models import SMILEYS, VOICE_QUESTIONS, Assessment, Evidence, StandardVersion, VoiceSurvey
from satuanak.prap.services import (
    PrapError,
    PrapPermissionError,
    evidence_path,
    prap_assessment_certify,
    prap_assessment_return,
    prap_assessment_start,
    prap_assessment_submit,
    prap_certificate_pdf,
    prap_certification_revoke,
    prap_evidence_add,
    prap_item_answer,
    prap_item_reply,
    prap_item_review,
    prap_standard_component_save,
    prap_standard_draft,
    prap_standard_item_delete,
    prap_standard_item_save,
    prap_standard_publish,
    prap_voice_record,
)


def _looked(request: HttpRequest, subject_type: str, subject_id: int | str = "", **detail: Any) -> None:
    audit_record(
        action=AuditAction.PRAP_VIEWED,
        actor=request.user,
        request=request,
        subject_type=subject_type,
        subject_id=subject_id,
        detail=detail,
    )


def _denied(request: HttpRequest, subject_type: str, subject_id: int, why: str) -> None:
    audit_record(
        action=AuditAction.ACCESS_DENIED,
        actor=request.user,
        request=request,
        subject_type=subject_type,
        subject_id=subject_id,
        detail={"why": why},
    )


# --- the public dashboard --------------------------------------------------------------------


@public_view
@require_GET
def prap_dashboard(request: HttpRequest) -> HttpResponse:
    """Every puskesmas's progress, the certified count against the roadmap, the items most often
    missing. Facilities only: no personal data."""
    today = clock.today()
    progress = sel.prap_progress()
    roadmap = sel.prap_roadmap(today)
    voice = sel.prap_voice_summary()
    user = request.user
    role = getattr(user, "role", "")
    own = sel.own_facility(user) if user.is_authenticated else None
    rows = [
        {
            "p": p,
            "voice": voice.get(p.facility.pk),
            "own": own is not None and own.pk == p.facility.pk,
            "certificate": p.state == s.CERTIFIED and p.assessment_id is not None,
        }
        for p in progress
    ]
    scale = max([roadmap.total, 1])
    return render(
        request,
        "web/prap/dashboard.html",
        {
            "rows": rows,
            "roadmap": roadmap,
            "chart": [
                {
                    "t": t,
                    "target_pct": round(100 * t.target / scale),
                    "count_pct": round(100 * t.certified / scale),
                }
                for t in roadmap.targets
            ],
            "current_pct": round(100 * roadmap.current / scale),
            "missing": sel.prap_missing_items(),
            "today": today,
            "can_review": role_can(role, Capability.PRAP_REVIEW),
            "can_self_assess": own is not None and role_can(role, Capability.PRAP_SELF_ASSESS),
            "can_manage": role_can(role, Capability.PRAP_MANAGE_STANDARD),
            "can_voice": role_can(role, Capability.RECORD_CHILD_VOICE),
            "own": own,
        },
    )


# --- shared pieces of the checklist pages ------------------------------------------------------


def _page_context(facility: HealthFacility, *, evidence_route: str, error: str = "") -> dict[str, Any]:
    assessment = sel.live_assessment(facility)
    last = assessment or sel.latest_assessment(facility)
    items = list(sel.assessment_items(last)) if last is not None else []
    components: list[dict[str, Any]] = []
    for item in items:
        comp = item.item.component
        if not components or components[-1]["component"].pk != comp.pk:
            components.append({"component": comp, "items": []})
        components[-1]["items"].append(item)
    required = [i for i in items if i.item.required]
    voice = sel.prap_voice_summary(facility).get(facility.pk)
    return {
        "facility": facility,
        "assessment": last,
        "live": assessment,
        "components": components,
        "met": sum(1 for i in required if i.verdict == s.MET),
        "total": len(required),
        "events": list(last.events.select_related("by__agency").order_by("at", "id")) if last else [],
        "voice": voice,
        "voice_recent": list(VoiceSurvey.objects.filter(facility=facility).exclude(comment="")[:5]),
        "published": sel.standard_published(),
        "evidence_route": evidence_route,
        "error": error,
        "S": {
            "draft": s.DRAFT,
            "submitted": s.SUBMITTED,
            "returned": s.RETURNED,
            "certified": s.CERTIFIED,
            "met": s.MET,
            "not_met": s.NOT_MET,
            "more_evidence": s.MORE_EVIDENCE,
            "returning": sorted(s.RETURNING),
        },
    }


def _files(request: HttpRequest) -> list[Any]:
    return request.FILES.getlist("bukti")


def _item_id(request: HttpRequest) -> int:
    raw = request.POST.get("butir", "")
    if not raw.isdigit():
        raise PrapError("Butir tidak dikenal. / Unknown item.")
    return int(raw)


# --- the puskesmas's own checklist -------------------------------------------------------------


def _own_facility_or_404(request: HttpRequest, facility_id: int) -> HealthFacility:
    facility = HealthFacility.objects.filter(pk=facility_id, kind=HealthFacility.Kind.PUSKESMAS).first()
    if facility is None or not sel.can_self_assess(request.user, facility):
        _denied(request, "prap_facility", facility_id, "not the user's own puskesmas")
        raise Http404("Puskesmas tidak ditemukan / puskesmas not found")
    return facility


def _checklist_post(request: HttpRequest, facility: HealthFacility) -> None:
    action = request.POST.get("aksi", "")
    user = request.user
    live = sel.live_assessment(facility)
    if action == "mulai":
        prap_assessment_start(user=user, facility_id=facility.pk, request=request)
        return
    if live is None:
        raise PrapError("Belum ada penilaian yang berjalan. / No assessment under way.")
    if action == "jawab":
        item_id = _item_id(request)
        _item_of(live, item_id)
        prap_item_answer(
            user=user,
            assessment_item_id=item_id,
            answer=request.POST.get("jawaban", ""),
            note=request.POST.get("catatan", ""),
            files=_files(request),
            request=request,
        )
    elif action == "bukti":
        item_id = _item_id(request)
        _item_of(live, item_id)
        prap_evidence_add(user=user, assessment_item_id=item_id, files=_files(request), request=request)
    elif action == "balas":
        item_id = _item_id(request)
        _item_of(live, item_id)
        prap_item_reply(
            user=user,
            assessment_item_id=item_id,
            reply=request.POST.get("balasan", ""),
            answer=request.POST.get("jawaban", ""),
            files=_files(request),
            request=request,
        )
    elif action == "ajukan":
        prap_assessment_submit(user=user, assessment_id=live.pk, request=request)
    else:
        raise PrapError("Tindakan tidak dikenal. / Unknown action.")


def _item_of(assessment: Assessment, item_id: int) -> None:
    if not assessment.items.filter(pk=item_id).exists():
        raise PrapError("Butir tidak ada di penilaian ini. / The item is not in this assessment.")


@personal_data_view(Capability.PRAP_SELF_ASSESS)
@require_http_methods(["GET", "POST"])
def prap_checklist(request: HttpRequest, facility_id: int) -> HttpResponse:
    """A puskesmas's own checklist: answer items, upload evidence, submit, reply to returned items."""
    facility = _own_facility_or_404(request, facility_id)
    error = ""
    if request.method == "POST":
        try:
            _checklist_post(request, facility)
        except PrapPermissionError as exc:
            raise PermissionDenied(str(exc)) from exc
        except PrapError as exc:
            error = str(exc)
        else:
            anchor = f"#butir-{request.POST['butir']}" if request.POST.get("butir", "").isdigit() else ""
            return redirect(reverse("web:prap-checklist", args=[facility.pk]) + anchor)
    else:
        _looked(request, "prap_facility", facility.pk, page="checklist")
    context = _page_context(facility, evidence_route="web:prap-evidence", error=error)
    return render(request, "web/prap/checklist.html", context, status=400 if error else 200)


# --- the reviewer's page -----------------------------------------------------------------------


def _review_post(request: HttpRequest, facility: HealthFacility) -> None:
    user = request.user
    action = request.POST.get("aksi", "")
    current = sel.live_assessment(facility)
    if current is None:
        raise PrapError("Belum ada penilaian yang berjalan. / No assessment under way.")
    if action in ("simpan", "kembalikan", "sertifikasi"):
        if current.state == s.SUBMITTED:
            for item in current.items.all():
                verdict = request.POST.get(f"verdict-{item.pk}", "")
                comment = request.POST.get(f"komentar-{item.pk}", "")
                if verdict and (verdict != item.verdict or comment.strip() != item.review_comment):
                    prap_item_review(
                        user=user,
                        assessment_item_id=item.pk,
                        verdict=verdict,
                        comment=comment,
                        request=request,
                    )
        if action == "kembalikan":
            prap_assessment_return(
                user=user, assessment_id=current.pk, note=request.POST.get("catatan", ""), request=request
            )
        elif action == "sertifikasi":
            prap_assessment_certify(user=user, assessment_id=current.pk, request=request)
    elif action == "cabut":
        prap_certification_revoke(
            user=user, assessment_id=current.pk, reason=request.POST.get("alasan", ""), request=request
        )
    else:
        raise PrapError("Tindakan tidak dikenal. / Unknown action.")


@personal_data_view(Capability.PRAP_REVIEW)
@require_http_methods(["GET", "POST"])
def prap_review(request: HttpRequest, facility_id: int) -> HttpResponse:
    """A reviewer (Dinkes, KLA task force) verifies each item, returns, certifies or revokes."""
    facility = HealthFacility.objects.filter(pk=facility_id, kind=HealthFacility.Kind.PUSKESMAS).first()
    if facility is None:
        _denied(request, "prap_facility", facility_id, "no such puskesmas")
        raise Http404("Puskesmas tidak ditemukan / puskesmas not found")
    if not sel.can_review(request.user, facility):
        _denied(request, "prap_facility", facility.pk, "reviewer's own puskesmas")
        raise PermissionDenied(
            "Puskesmas tidak dapat meninjau dirinya sendiri. / A puskesmas cannot review itself."
        )
    error = ""
    if request.method == "POST":
        try:
            _review_post(request, facility)
        except PrapPermissionError as exc:
            raise PermissionDenied(str(exc)) from exc
        except PrapError as exc:
            error = str(exc)
        else:
            return redirect("web:prap-review", facility_id=facility.pk)
    else:
        _looked(request, "prap_facility", facility.pk, page="review")
    context = _page_context(facility, evidence_route="web:prap-review-evidence", error=error)
    context["verdicts"] = [(v, s.VERDICT_LABELS[v]) for v in (s.MET, s.NOT_MET, s.MORE_EVIDENCE)]
    return render(request, "web/prap/review.html", context, status=400 if error else 200)


# --- files -------------------------------------------------------------------------------------


def _evidence_response(request: HttpRequest, item: Evidence) -> FileResponse:
    if not evidence_path(item).is_file():  # no audit entry for a file that is not there
        raise Http404("Berkas bukti tidak ada di penyimpanan / evidence file missing from storage")
    inline = request.GET.get("lihat") == "1" and item.is_image  # a preview: images only
    audit_record(
        action=AuditAction.FILE_DOWNLOADED,
        actor=request.user,
        request=request,
        subject_type="prap_evidence",
        subject_id=item.pk,
        detail={"facility": item.assessment_item.assessment.facility_id, "preview": inline},
    )
    return uploads.file_response(
        stored_name=item.stored_name,
        content_type=item.content_type,
        original_name=item.original_name,
        inline=inline,
    )


@personal_data_view(Capability.PRAP_SELF_ASSESS)
@require_GET
def prap_evidence(request: HttpRequest, evidence_id: int) -> FileResponse:
    """Evidence of the user's own puskesmas (`?lihat=1`: an image shown inline, for previews)."""
    try:
        item = sel.evidence_for_staff(request.user, evidence_id)
    except Http404:
        _denied(request, "prap_evidence", evidence_id, "not the user's own puskesmas")
        raise
    return _evidence_response(request, item)


@personal_data_view(Capability.PRAP_REVIEW)
@require_GET
def prap_review_evidence(request: HttpRequest, evidence_id: int) -> FileResponse:
    item = sel.evidence_for_reviewer(request.user, evidence_id)
    return _evidence_response(request, item)


@public_view
@require_GET
def prap_certificate(request: HttpRequest, assessment_id: int) -> HttpResponse:
    """The certificate of a currently certified puskesmas (a public document); else a 404."""
    assessment = (
        Assessment.objects.select_related("facility", "version", "certified_by__agency")
        .filter(pk=assessment_id, state=s.CERTIFIED)
        .first()
    )
    if assessment is None:
        raise Http404("Sertifikat tidak ditemukan / certificate not found")
    audit_record(
        action=AuditAction.FILE_DOWNLOADED,
        actor=request.user,
        request=request,
        subject_type="prap_certificate",
        subject_id=assessment.pk,
    )
    response = HttpResponse(prap_certificate_pdf(assessment), content_type="application/pdf")
    slug = assessment.facility.name.lower().replace(" ", "-")
    response["Content-Disposition"] = f'inline; filename="sertifikat-prap-{slug}.pdf"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- the standard editor -----------------------------------------------------------------------


def _int(raw: str, what: str) -> int:
    if not raw.strip().isdigit():
        raise PrapError(f"{what}: harus angka. / {what}: must be a number.")
    return int(raw)


def _standard_post(request: HttpRequest) -> None:
    user, p = request.user, request.POST
    action = p.get("aksi", "")
    if action == "draf":
        prap_standard_draft(user=user, request=request)
        return
    version_id = _int(p.get("versi", ""), "Versi / version")
    if action == "komponen":
        prap_standard_component_save(
            user=user,
            version_id=version_id,
            code=p.get("kode", ""),
            name_id=p.get("nama", ""),
            name_en=p.get("nama_en", ""),
            request=request,
        )
    elif action in ("butir", "butir_baru"):
        raw_order = p.get("urutan", "").strip()
        prap_standard_item_save(
            user=user,
            version_id=version_id,
            component_id=_int(p.get("komponen", ""), "Komponen / component"),
            code=p.get("kode", ""),
            text_id=p.get("teks", ""),
            text_en=p.get("teks_en", ""),
            evidence_id=p.get("bukti", ""),
            evidence_en=p.get("bukti_en", ""),
            required=p.get("wajib") == "1",
            order=_int(raw_order, "Urutan / order") if raw_order else None,
            item_id=_int(p.get("butir", ""), "Butir / item") if action == "butir" else None,
            request=request,
        )
    elif action == "hapus":
        prap_standard_item_delete(
            user=user,
            version_id=version_id,
            item_id=_int(p.get("butir", ""), "Butir / item"),
            request=request,
        )
    elif action == "terbitkan":
        try:
            valid_from = date.fromisoformat(p.get("berlaku", "").strip())
        except ValueError as exc:
            raise PrapError("Tanggal berlaku tidak sah (TTTT-BB-HH). / Invalid date (YYYY-MM-DD).") from exc
        prap_standard_publish(
            user=user, version_id=version_id, valid_from=valid_from, title=p.get("judul", ""), request=request
        )
    else:
        raise PrapError("Tindakan tidak dikenal. / Unknown action.")


@personal_data_view(Capability.PRAP_MANAGE_STANDARD)
@require_http_methods(["GET", "POST"])
def prap_standard(request: HttpRequest) -> HttpResponse:
    """Versions of the standard; the draft's components and items, editable; publish."""
    error = ""
    if request.method == "POST":
        try:
            _standard_post(request)
        except PrapPermissionError as exc:
            raise PermissionDenied(str(exc)) from exc
        except PrapError as exc:
            error = str(exc)
        else:
            return redirect("web:prap-standard")
    else:
        _looked(request, "prap_standard", page="standard")
    draft = sel.standard_draft()
    published = sel.standard_published()
    shown = draft or published
    components = (
        [
            {"component": c, "items": list(c.items.order_by("order", "code"))}
            for c in shown.components.order_by("order", "code")
        ]
        if shown
        else []
    )
    versions = [
        {"v": v, "items": v.items.count(), "assessments": v.assessments.count()}
        for v in StandardVersion.objects.order_by("-number")
    ]
    return render(
        request,
        "web/prap/standard.html",
        {
            "draft": draft,
            "published": published,
            "shown": shown,
            "components": components,
            "versions": versions,
            "today": clock.today(),
            "error": error,
        },
        status=400 if error else 200,
    )


# --- children's voice --------------------------------------------------------------------------


@personal_data_view(Capability.RECORD_CHILD_VOICE)
@require_http_methods(["GET", "POST"])
def prap_voice(request: HttpRequest) -> HttpResponse:
    """Forum Anak: a short smiley survey about a puskesmas (no child's name)."""
    error = ""
    form: dict[str, str] = {"puskesmas": "", "umur": "", "komentar": ""}
    if request.method == "POST":
        form = {k: request.POST.get(k, "").strip() for k in form}
        scores = {f: request.POST.get(f, "") for f, _, _ in VOICE_QUESTIONS}
        form.update(scores)
        try:
            prap_voice_record(
                user=request.user,
                facility_id=int(form["puskesmas"]) if form["puskesmas"].isdigit() else 0,
                scores=scores,
                age_group=form["umur"],
                comment=form["komentar"],
                request=request,
            )
        except PrapPermissionError as exc:
            raise PermissionDenied(str(exc)) from exc
        except PrapError as exc:
            error = str(exc)
        else:
            return redirect(reverse("web:prap-voice") + "?terima-kasih=1")
    else:
        _looked(request, "prap_voice", page="survey")
    return render(
        request,
        "web/prap/voice.html",
        {
            "facilities": list(sel.puskesmas()),
            "questions": [
                {"field": f, "id": qid, "en": qen, "value": form.get(f, "")}
                for f, qid, qen in VOICE_QUESTIONS
            ],
            "smileys": SMILEYS,
            "ages": VoiceSurvey.AgeGroup.choices,
            "form": form,
            "thanks": request.GET.get("terima-kasih") == "1" and not error,
            "error": error,
        },
        status=400 if error else 200,
    )


urlpatterns: list[URLPattern] = [
    path("prap/", prap_dashboard, name="prap-dashboard"),
    path("prap/puskesmas/<int:facility_id>/", prap_checklist, name="prap-checklist"),
    path("prap/tinjau/<int:facility_id>/", prap_review, name="prap-review"),
    path("prap/bukti/<int:evidence_id>/", prap_evidence, name="prap-evidence"),
    path("prap/tinjau/bukti/<int:evidence_id>/", prap_review_evidence, name="prap-review-evidence"),
    path("prap/sertifikat/<int:assessment_id>.pdf", prap_certificate, name="prap-certificate"),
    path("prap/standar/", prap_standard, name="prap-standard"),
    path("prap/suara-anak/", prap_voice, name="prap-voice"),
]
