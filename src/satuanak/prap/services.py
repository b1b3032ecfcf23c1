"""Writes: the standard (load, draft, edit, publish), self-assessment, review, certification,
revocation and expiry, and children's voice surveys.

Each function takes the acting user, checks everything before writing, and writes in one
transaction with its audit entry. Bad input raises PrapError (a ValueError) with a message in
Bahasa Indonesia and English and changes nothing; PrapPermissionError (a subclass) means the
user may not do this (another puskesmas's checklist, reviewing one's own puskesmas).

Certification keeps `HealthFacility.child_friendly` in step: set on certifying, cleared when a
certification expires or is revoked (the map and the home page read it).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from satuanak.access.policy import Capability, role_can
from satuanak.audit.models import AuditAction
from satuanak.audit.services import audit_record
from satuanak.common import clock, uploads
from satuanak.facilities.models import HealthFacility
from satuanak.prap import states as s
from satuanak.prap.certificate import prap_certificate_pdf as prap_certificate_pdf
from satuanak.prap.models import (
    VOICE_QUESTIONS,
    Assessment,
    AssessmentEvent,
    AssessmentItem,
    Evidence,
    StandardComponent,
    StandardItem,
    StandardVersion,
    VoiceSurvey,
)
from satuanak.prap.selectors import can_review, can_self_assess, own_facility, puskesmas, standard_published

MAX_EVIDENCE_BYTES = 5 * 1024 * 1024
MAX_EVIDENCE_FILES = 5  # per upload
MAX_TEXT = 4000
EVIDENCE_FOLDER = "prap"


class PrapError(ValueError):
    pass


class PrapPermissionError(PrapError):
    """The user may not do this to this puskesmas or assessment."""


def _audit(user: Any, request: HttpRequest | None, subject_type: str, subject_id: int, **detail: Any) -> None:
    audit_record(
        action=AuditAction.RECORD_CHANGED,
        actor=user,
        request=request,
        subject_type=subject_type,
        subject_id=subject_id,
        detail=detail,
    )


def _text(value: str, what: str, *, required: bool = False, limit: int = MAX_TEXT) -> str:
    value = (value or "").strip()
    if required and not value:
        raise PrapError(f"{what} wajib diisi. / {what} is required.")
    if len(value) > limit:
        raise PrapError(f"{what}: paling panjang {limit} karakter. / {what}: at most {limit} characters.")
    return value


def _need(user: Any, capability: Capability) -> None:
    if not role_can(getattr(user, "role", ""), capability):
        raise PrapPermissionError("Peran Anda tidak memiliki hak ini. / Your role may not do this.")


# --- the standard ----------------------------------------------------------------------------


def _standard_path() -> Path:
    return Path(settings.SATUANAK_DATA_DIR) / "prap" / "standard_v1.json"


@transaction.atomic
def prap_standard_load(*, path: Path | None = None) -> StandardVersion:
    """Load the shipped standard (data/prap/standard_v1.json) as a published version; idempotent:
    a version with that number already present is left as it is (published versions never change)."""
    path = path or _standard_path()
    data = json.loads(path.read_text(encoding="utf-8"))
    existing = StandardVersion.objects.filter(number=data["number"]).first()
    if existing is not None:
        return existing
    version = StandardVersion.objects.create(
        number=data["number"],
        title=data["title"],
        valid_from=date.fromisoformat(data["valid_from"]),
        published=True,
        published_at=timezone.now(),
    )
    for c_order, comp in enumerate(data["components"], start=1):
        component = StandardComponent.objects.create(
            version=version,
            code=comp["code"],
            name_id=comp["name_id"],
            name_en=comp["name_en"],
            order=c_order,
        )
        for i_order, item in enumerate(comp["items"], start=1):
            StandardItem.objects.create(
                version=version,
                component=component,
                code=item["code"],
                text_id=item["text_id"],
                text_en=item["text_en"],
                evidence_id=item["evidence_id"],
                evidence_en=item["evidence_en"],
                required=bool(item["required"]),
                order=i_order,
            )
    return version


@transaction.atomic
def prap_standard_draft(*, user: Any, request: HttpRequest | None = None) -> StandardVersion:
    """The draft version to edit: the existing draft, or a copy of the published version."""
    _need(user, Capability.PRAP_MANAGE_STANDARD)
    draft = StandardVersion.objects.select_for_update().filter(published=False).order_by("-number").first()
    if draft is not None:
        return draft
    source = standard_published()
    last = StandardVersion.objects.order_by("-number").values_list("number", flat=True).first() or 0
    draft = StandardVersion.objects.create(
        number=last + 1,
        title=source.title if source else "Standar PRAP",
        based_on=source,
        created_by=user,
    )
    if source is not None:
        components = {}
        for comp in source.components.order_by("order"):
            components[comp.pk] = StandardComponent.objects.create(
                version=draft, code=comp.code, name_id=comp.name_id, name_en=comp.name_en, order=comp.order
            )
        for item in source.items.order_by("component__order", "order"):
            StandardItem.objects.create(
                version=draft,
                component=components[item.component_id],
                code=item.code,
                text_id=item.text_id,
                text_en=item.text_en,
                evidence_id=item.evidence_id,
                evidence_en=item.evidence_en,
                required=item.required,
                order=item.order,
            )
    _audit(user, request, "prap_standard", draft.pk, change="draft_created", number=draft.number)
    return draft


def _draft_for_edit(version_id: int) -> StandardVersion:
    version = StandardVersion.objects.select_for_update().filter(pk=version_id).first()
    if version is None:
        raise PrapError("Versi standar tidak ditemukan. / Standard version not found.")
    if version.published:
        raise PrapError(
            "Versi yang sudah terbit tidak dapat diubah; buat draf baru. / "
            "A published version cannot change; make a new draft."
        )
    return version


@transaction.atomic
def prap_standard_component_save(
    *,
    user: Any,
    version_id: int,
    code: str,
    name_id: str,
    name_en: str = "",
    request: HttpRequest | None = None,
) -> StandardComponent:
    """Add a component to a draft version, or rename the one with this code."""
    _need(user, Capability.PRAP_MANAGE_STANDARD)
    version = _draft_for_edit(version_id)
    code = _text(code, "Kode / code", required=True, limit=20).upper()
    name_id = _text(name_id, "Nama komponen / component name", required=True, limit=200)
    name_en = _text(name_en, "Name (English)", limit=200)
    order = (version.components.order_by("-order").values_list("order", flat=True).first() or 0) + 1
    component, created = StandardComponent.objects.get_or_create(
        version=version, code=code, defaults={"name_id": name_id, "name_en": name_en, "order": order}
    )
    if not created:
        component.name_id, component.name_en = name_id, name_en
        component.save(update_fields=["name_id", "name_en"])
    _audit(user, request, "prap_standard", version.pk, change="component_saved", code=code)
    return component


@transaction.atomic
def prap_standard_item_save(
    *,
    user: Any,
    version_id: int,
    component_id: int,
    code: str,
    text_id: str,
    text_en: str = "",
    evidence_id: str = "",
    evidence_en: str = "",
    required: bool = True,
    order: int | None = None,
    item_id: int | None = None,
    request: HttpRequest | None = None,
) -> StandardItem:
    """Add an item to a draft version (item_id None) or change one of its items."""
    _need(user, Capability.PRAP_MANAGE_STANDARD)
    version = _draft_for_edit(version_id)
    component = version.components.filter(pk=component_id).first()
    if component is None:
        raise PrapError("Komponen tidak ada di versi ini. / The component is not in this version.")
    code = _text(code, "Kode / code", required=True, limit=20).upper()
    fields = {
        "component": component,
        "code": code,
        "text_id": _text(text_id, "Butir / item text", required=True),
        "text_en": _text(text_en, "Item (English)"),
        "evidence_id": _text(evidence_id, "Bukti yang diperlukan / evidence needed"),
        "evidence_en": _text(evidence_en, "Evidence needed (English)"),
        "required": bool(required),
    }
    clash = version.items.filter(code=code).exclude(pk=item_id or -1).exists()
    if clash:
        raise PrapError(
            f"Kode {code} sudah dipakai di versi ini. / Code {code} is already used in this version."
        )
    if item_id is None:
        last = component.items.order_by("-order").values_list("order", flat=True).first() or 0
        item = StandardItem.objects.create(
            version=version, order=order if order is not None else last + 1, **fields
        )
    else:
        found = version.items.filter(pk=item_id).first()
        if found is None:
            raise PrapError("Butir tidak ada di versi ini. / The item is not in this version.")
        item = found
        for key, value in fields.items():
            setattr(item, key, value)
        if order is not None:
            item.order = order
        item.save()
    _audit(user, request, "prap_standard", version.pk, change="item_saved", code=code)
    return item


@transaction.atomic
def prap_standard_item_delete(
    *, user: Any, version_id: int, item_id: int, request: HttpRequest | None = None
) -> None:
    _need(user, Capability.PRAP_MANAGE_STANDARD)
    version = _draft_for_edit(version_id)
    item = version.items.filter(pk=item_id).first()
    if item is None:
        raise PrapError("Butir tidak ada di versi ini. / The item is not in this version.")
    code = item.code
    item.delete()
    _audit(user, request, "prap_standard", version.pk, change="item_deleted", code=code)


@transaction.atomic
def prap_standard_publish(
    *, user: Any, version_id: int, valid_from: date, title: str = "", request: HttpRequest | None = None
) -> StandardVersion:
    """Publish a draft: new assessments use it from now on; running ones keep their version."""
    _need(user, Capability.PRAP_MANAGE_STANDARD)
    version = _draft_for_edit(version_id)
    if not version.items.exists():
        raise PrapError(
            "Versi tanpa butir tidak dapat diterbitkan. / A version without items cannot be published."
        )
    if not version.items.filter(required=True).exists():
        raise PrapError("Sedikitnya satu butir wajib. / At least one item must be required.")
    if title.strip():
        version.title = _text(title, "Judul / title", limit=200)
    version.valid_from = valid_from
    version.published = True
    version.published_at = timezone.now()
    version.save()
    _audit(user, request, "prap_standard", version.pk, change="published", number=version.number)
    return version


# --- assessments -----------------------------------------------------------------------------


def _event(assessment: Assessment, from_state: str, to_state: str, by: Any, note: str = "") -> None:
    AssessmentEvent.objects.create(
        assessment=assessment, from_state=from_state, to_state=to_state, by=by, note=note[:MAX_TEXT]
    )


def _checks(assessment: Assessment) -> list[s.ItemCheck]:
    return [
        s.ItemCheck(code, required, answer, verdict)
        for code, required, answer, verdict in assessment.items.values_list(
            "item__code", "item__required", "answer", "verdict"
        ).order_by("item__component__order", "item__order")
    ]


def _locked_assessment(assessment_id: int) -> Assessment:
    a = Assessment.objects.select_for_update().select_related("facility").filter(pk=assessment_id).first()
    if a is None:
        raise PrapError("Penilaian tidak ditemukan. / Assessment not found.")
    return a


def _locked_item(assessment_item_id: int) -> AssessmentItem:
    item = (
        AssessmentItem.objects.select_for_update()
        .select_related("assessment__facility", "item")
        .filter(pk=assessment_item_id)
        .first()
    )
    if item is None:
        raise PrapError("Butir penilaian tidak ditemukan. / Checklist item not found.")
    return item


def _as_staff(user: Any, facility: HealthFacility) -> None:
    if not can_self_assess(user, facility):
        raise PrapPermissionError(
            "Hanya petugas puskesmas ini yang dapat mengisi penilaian mandirinya. / "
            "Only this puskesmas's own staff may fill its self-assessment."
        )


def _as_reviewer(user: Any, facility: HealthFacility) -> None:
    _need(user, Capability.PRAP_REVIEW)
    if not can_review(user, facility):
        raise PrapPermissionError(
            "Puskesmas tidak dapat meninjau dirinya sendiri. / A puskesmas cannot review itself."
        )


def _move(assessment: Assessment, to_state: str, user: Any, *, note: str = "", reason: str = "") -> str:
    """Check the move against the table; record the event. Returns the previous state."""
    try:
        s.transition_check(assessment.state, to_state, items=_checks(assessment), reason=reason)
    except s.StateError as exc:
        raise PrapError(str(exc)) from exc
    previous = assessment.state
    assessment.state = to_state
    _event(assessment, previous, to_state, user, note or reason)
    return previous


@transaction.atomic
def prap_assessment_start(*, user: Any, facility_id: int, request: HttpRequest | None = None) -> Assessment:
    """Start the checklist of the user's own puskesmas from the published standard."""
    facility = HealthFacility.objects.select_for_update().filter(pk=facility_id).first()
    if facility is None or facility.kind != HealthFacility.Kind.PUSKESMAS:
        raise PrapError("Puskesmas tidak ditemukan. / Puskesmas not found.")
    _as_staff(user, facility)
    if Assessment.objects.filter(facility=facility, state__in=s.LIVE).exists():
        raise PrapError(
            "Puskesmas ini sudah memiliki penilaian yang berjalan. / "
            "This puskesmas already has a live assessment."
        )
    version = standard_published()
    if version is None:
        raise PrapError("Belum ada standar yang terbit. / No standard has been published yet.")
    try:
        with transaction.atomic():
            assessment = Assessment.objects.create(facility=facility, version=version, started_by=user)
    except IntegrityError as exc:  # a second click racing the first
        raise PrapError("Penilaian sudah dimulai. / The assessment was already started.") from exc
    AssessmentItem.objects.bulk_create(
        [AssessmentItem(assessment=assessment, item=item) for item in version.items.all()]
    )
    _event(assessment, "", s.DRAFT, user, f"standar v{version.number}")
    _audit(user, request, "prap_assessment", assessment.pk, change="started", facility=facility.pk)
    return assessment


def _store_evidence(
    item: AssessmentItem, files: Sequence[uploads.UploadedFileLike], user: Any
) -> list[Evidence]:
    try:
        checked = uploads.checked_files(files, max_bytes=MAX_EVIDENCE_BYTES, max_files=MAX_EVIDENCE_FILES)
    except uploads.UploadError as exc:
        raise PrapError(str(exc)) from exc
    made = []
    for f in checked:  # every file is checked before any is stored
        made.append(
            Evidence.objects.create(
                assessment_item=item,
                stored_name=uploads.store(f, folder=EVIDENCE_FOLDER),
                original_name=f.original_name,
                content_type=f.content_type,
                size_bytes=len(f.data),
                sha256=f.sha256,
                uploaded_by=user,
            )
        )
    return made


def _answer_value(answer: str) -> str:
    if answer not in (s.YES, s.NO):
        raise PrapError("Jawaban harus Ya atau Tidak. / The answer must be yes or no.")
    return answer


@transaction.atomic
def prap_item_answer(
    *,
    user: Any,
    assessment_item_id: int,
    answer: str,
    note: str = "",
    files: Sequence[uploads.UploadedFileLike] = (),
    request: HttpRequest | None = None,
) -> AssessmentItem:
    """The puskesmas answers one item (yes / no, a note) and may add evidence files (draft only;
    a returned item is answered with `prap_item_reply`)."""
    item = _locked_item(assessment_item_id)
    assessment = item.assessment
    _as_staff(user, assessment.facility)
    if assessment.state != s.DRAFT:
        raise PrapError(
            "Jawaban hanya dapat diubah saat draf (butir yang dikembalikan dijawab dengan balasan). / "
            "Answers change only in draft (a returned item is answered with a reply)."
        )
    item.answer = _answer_value(answer)
    item.note = _text(note, "Catatan / note")
    evidence = _store_evidence(item, files, user)
    item.answered_by, item.answered_at = user, timezone.now()
    item.save()
    _audit(
        user,
        request,
        "prap_assessment",
        assessment.pk,
        change="answered",
        item=item.item.code,
        files=len(evidence),
    )
    return item


@transaction.atomic
def prap_evidence_add(
    *,
    user: Any,
    assessment_item_id: int,
    files: Sequence[uploads.UploadedFileLike],
    request: HttpRequest | None = None,
) -> list[Evidence]:
    """Add evidence files to an item while the puskesmas may still edit it."""
    item = _locked_item(assessment_item_id)
    _as_staff(user, item.assessment.facility)
    if item.assessment.state not in s.EDITABLE or (
        item.assessment.state == s.RETURNED and item.verdict not in s.RETURNING
    ):
        raise PrapError("Butir ini tidak dapat diubah sekarang. / This item cannot be changed now.")
    if not files:
        raise PrapError("Pilih berkas bukti. / Choose an evidence file.")
    made = _store_evidence(item, files, user)
    _audit(user, request, "prap_assessment", item.assessment_id, change="evidence_added", item=item.item.code)
    return made


@transaction.atomic
def prap_assessment_submit(
    *, user: Any, assessment_id: int, request: HttpRequest | None = None
) -> Assessment:
    """Submit for review (from draft, or again after a return: every returned item needs a reply)."""
    assessment = _locked_assessment(assessment_id)
    _as_staff(user, assessment.facility)
    returned = list(assessment.items.filter(verdict__in=s.RETURNING).select_related("item"))
    if assessment.state == s.RETURNED:
        unanswered = [i.item.code for i in returned if not i.reply.strip()]
        if unanswered:
            codes = ", ".join(unanswered)
            raise PrapError(
                f"Balas dulu butir yang dikembalikan: {codes}. / Reply to the returned items first: {codes}."
            )
    _move(assessment, s.SUBMITTED, user)
    assessment.submitted_at = timezone.now()
    assessment.save(update_fields=["state", "submitted_at"])
    # Returned items go back to the reviewer's queue with the puskesmas's reply.
    assessment.items.filter(verdict__in=s.RETURNING).update(verdict=s.PENDING)
    _audit(user, request, "prap_assessment", assessment.pk, change="submitted", returned=len(returned))
    return assessment


@transaction.atomic
def prap_item_review(
    *,
    user: Any,
    assessment_item_id: int,
    verdict: str,
    comment: str = "",
    request: HttpRequest | None = None,
) -> AssessmentItem:
    """A reviewer's verdict on one item of a submitted assessment."""
    item = _locked_item(assessment_item_id)
    assessment = item.assessment
    _as_reviewer(user, assessment.facility)
    if assessment.state != s.SUBMITTED:
        raise PrapError(
            "Hanya penilaian yang diajukan yang dapat ditinjau. / "
            "Only a submitted assessment can be reviewed."
        )
    if verdict not in (s.MET, s.NOT_MET, s.MORE_EVIDENCE):
        raise PrapError(
            "Pilih: terpenuhi, tidak terpenuhi atau perlu bukti. / "
            "Choose met, not met or needs more evidence."
        )
    comment = _text(comment, "Komentar / comment")
    if verdict in s.RETURNING and not comment:
        raise PrapError(
            "Tulis komentar agar puskesmas tahu apa yang kurang. / "
            "Write a comment so the puskesmas knows what is missing."
        )
    item.verdict, item.review_comment = verdict, comment
    item.reviewed_by, item.reviewed_at = user, timezone.now()
    item.save(update_fields=["verdict", "review_comment", "reviewed_by", "reviewed_at"])
    _audit(
        user,
        request,
        "prap_assessment",
        assessment.pk,
        change="reviewed",
        item=item.item.code,
        verdict=verdict,
    )
    return item


@transaction.atomic
def prap_assessment_return(
    *, user: Any, assessment_id: int, note: str = "", request: HttpRequest | None = None
) -> Assessment:
    """Send the assessment back with its items not met or needing more evidence."""
    assessment = _locked_assessment(assessment_id)
    _as_reviewer(user, assessment.facility)
    codes = list(
        assessment.items.filter(verdict__in=s.RETURNING)
        .values_list("item__code", flat=True)
        .order_by("item__code")
    )
    _move(assessment, s.RETURNED, user, note=_text(note, "Catatan / note") or ", ".join(codes))
    assessment.save(update_fields=["state"])
    assessment.items.filter(verdict__in=s.RETURNING).update(reply="", replied_by=None, replied_at=None)
    _audit(user, request, "prap_assessment", assessment.pk, change="returned", items=codes)
    return assessment


@transaction.atomic
def prap_item_reply(
    *,
    user: Any,
    assessment_item_id: int,
    reply: str,
    answer: str = "",
    files: Sequence[uploads.UploadedFileLike] = (),
    request: HttpRequest | None = None,
) -> AssessmentItem:
    """The puskesmas answers a returned item: a reply, maybe a changed answer, more evidence."""
    item = _locked_item(assessment_item_id)
    assessment = item.assessment
    _as_staff(user, assessment.facility)
    if assessment.state != s.RETURNED or item.verdict not in s.RETURNING:
        raise PrapError("Butir ini tidak sedang dikembalikan. / This item has not been returned.")
    item.reply = _text(reply, "Balasan / reply", required=True)
    if answer:
        item.answer = _answer_value(answer)
    evidence = _store_evidence(item, files, user)
    item.replied_by, item.replied_at = user, timezone.now()
    item.save()
    _audit(
        user,
        request,
        "prap_assessment",
        assessment.pk,
        change="replied",
        item=item.item.code,
        files=len(evidence),
    )
    return item


def _certificate_number(on: date) -> str:
    prefix = f"PRAP/BKY/{on.year}/"
    taken = Assessment.objects.filter(certificate_number__startswith=prefix).count()
    return f"{prefix}{taken + 1:03d}"


@transaction.atomic
def prap_assessment_certify(
    *, user: Any, assessment_id: int, on: date | None = None, request: HttpRequest | None = None
) -> Assessment:
    """Certify a submitted assessment whose required items are all met; refused otherwise
    (nothing changes). Marks the puskesmas child-friendly."""
    assessment = _locked_assessment(assessment_id)
    _as_reviewer(user, assessment.facility)
    on = on or clock.today()
    _move(assessment, s.CERTIFIED, user)
    assessment.certified_on = on
    assessment.valid_until = s.valid_until(on)
    assessment.certified_by = user
    assessment.certificate_number = _certificate_number(on)
    assessment.save()
    HealthFacility.objects.filter(pk=assessment.facility_id).update(child_friendly=True)
    _audit(
        user,
        request,
        "prap_assessment",
        assessment.pk,
        change="certified",
        number=assessment.certificate_number,
        valid_until=assessment.valid_until.isoformat(),
    )
    return assessment


def _end(assessment: Assessment, to_state: str, user: Any, on: date, reason: str) -> None:
    _move(assessment, to_state, user, reason=reason)
    assessment.ended_on = on
    assessment.end_reason = reason
    assessment.save(update_fields=["state", "ended_on", "end_reason"])
    # Another live certification of the same puskesmas cannot exist (one live assessment).
    HealthFacility.objects.filter(pk=assessment.facility_id).update(child_friendly=False)


@transaction.atomic
def prap_certification_revoke(
    *, user: Any, assessment_id: int, reason: str, on: date | None = None, request: HttpRequest | None = None
) -> Assessment:
    assessment = _locked_assessment(assessment_id)
    _as_reviewer(user, assessment.facility)
    reason = _text(reason, "Alasan pencabutan / reason for revoking", required=True)
    _end(assessment, s.REVOKED, user, on or clock.today(), reason)
    _audit(user, request, "prap_assessment", assessment.pk, change="revoked", reason=reason[:200])
    return assessment


@transaction.atomic
def prap_certifications_expire(*, today: date, user: Any = None) -> int:
    """Certified assessments past their validity become expired (run daily); the count."""
    done = 0
    for a in Assessment.objects.select_for_update().filter(state=s.CERTIFIED, valid_until__lt=today):
        _end(
            a,
            s.EXPIRED,
            user,
            today,
            f"berlaku sampai {a.valid_until:%d-%m-%Y} / valid until {a.valid_until}",
        )
        audit_record(
            action=AuditAction.RECORD_CHANGED,
            actor=user,
            subject_type="prap_assessment",
            subject_id=a.pk,
            detail={"change": "expired"},
        )
        done += 1
    return done


# --- children's voice ------------------------------------------------------------------------


@transaction.atomic
def prap_voice_record(
    *,
    user: Any,
    facility_id: int,
    scores: Mapping[str, int | str],
    age_group: str,
    comment: str = "",
    on: date | None = None,
    request: HttpRequest | None = None,
) -> VoiceSurvey:
    """One Forum Anak survey about a puskesmas: five smiley scores (1-5), an age group, an
    optional short comment. No child's name is asked or kept."""
    _need(user, Capability.RECORD_CHILD_VOICE)
    facility = puskesmas().filter(pk=facility_id).first()
    if facility is None:
        raise PrapError("Pilih puskesmas. / Choose a puskesmas.")
    if age_group not in VoiceSurvey.AgeGroup.values:
        raise PrapError("Pilih kelompok umur. / Choose an age group.")
    values: dict[str, int] = {}
    for field, question, _ in VOICE_QUESTIONS:
        raw = scores.get(field, "")
        try:
            value = int(raw)
        except (TypeError, ValueError):
            value = 0
        if not 1 <= value <= 5:
            raise PrapError(f"Pilih satu wajah untuk: {question} / Pick one face for every question.")
        values[field] = value
    survey = VoiceSurvey.objects.create(
        facility=facility,
        surveyed_on=on or clock.today(),
        age_group=age_group,
        comment=_text(comment, "Komentar / comment", limit=300),
        recorded_by=user,
        **values,
    )
    _audit(user, request, "prap_voice", survey.pk, facility=facility.pk)
    return survey


def evidence_path(item: Evidence) -> Path:
    return uploads.stored_path(item.stored_name)


def own_puskesmas(user: Any) -> HealthFacility | None:
    return own_facility(user)
