"""Writes: a school's collective request, online applications, and Disdukcapil processing both.

Each function checks everything before writing and writes in one transaction with its audit
entry. Bad input raises ApplicationError (a ValueError) with a stable `code` and a message in
Bahasa Indonesia and English, and changes nothing; ApplicationPermissionError (a subclass)
means the user may see the thing but not do this to it.

When Disdukcapil finishes a request ("done"), the numbers of the documents issued are recorded
and the child's civil-registry row goes through the same path as a SIAK export
(adminduk/registry.py): the import relinks and recomputes the flags, so the child's "no akta" /
"no KIA" flags clear.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone

from satuanak.access.policy import Capability, policy_for
from satuanak.access.selectors import children_visible_to, desa_visible_to
from satuanak.adminduk.registry import RegistryEntry, registry_entries_import
from satuanak.applications import states as s
from satuanak.applications.models import (
    OnlineApplication,
    OnlineApplicationAttachment,
    OnlineApplicationEvent,
    SchoolRequest,
    SchoolRequestAttachment,
    SchoolRequestEvent,
    SchoolRequestStudent,
)
from satuanak.audit.models import AuditAction
from satuanak.audit.services import audit_record
from satuanak.common import clock, throttle, uploads
from satuanak.core.nik import Nik, NikError
from satuanak.facilities.models import School
from satuanak.persons.models import Child, ChildRecord
from satuanak.regions.models import Desa

MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024
MAX_ATTACHMENTS = 6
MAX_NOTE = 2000
MAX_STUDENTS = 60  # one class or two: a larger request is split, so Disdukcapil can finish it
UPLOAD_FOLDER = "applications"

# Public endpoints, per client address (Django's cache):
CREATE_LIMIT = 20  # applications per window
CREATE_WINDOW_SECONDS = 60 * 60
LOOKUP_UNKNOWN_LIMIT = 10  # unknown tracking codes per window; then 429
LOOKUP_WINDOW_SECONDS = 15 * 60


class ApplicationError(ValueError):
    def __init__(self, code: str, message_id: str, message_en: str) -> None:
        self.code = code
        self.message_id = message_id
        self.message_en = message_en
        super().__init__(f"{message_id} / {message_en}")


class ApplicationPermissionError(ApplicationError):
    """The user may see the page but may not do this."""


def _split(message: str) -> tuple[str, str]:
    id_, _, en = message.partition(" / ")
    return id_, en or id_


def _from(exc: ValueError, code: str) -> ApplicationError:
    return ApplicationError(code, *_split(str(exc)))


def _require(user: Any, capability: Capability) -> None:
    if (
        not getattr(user, "is_authenticated", False)
        or capability not in policy_for(getattr(user, "role", "")).capabilities
    ):
        raise ApplicationPermissionError(
            "forbidden", "Peran Anda tidak boleh melakukan ini.", "Your role may not do this."
        )


def _note(value: str) -> str:
    value = (value or "").strip()
    if len(value) > MAX_NOTE:
        raise ApplicationError(
            "note_too_long",
            f"Catatan terlalu panjang (maks. {MAX_NOTE} huruf).",
            f"The note is too long (max. {MAX_NOTE}).",
        )
    return value


def _checked(files: Sequence[uploads.UploadedFileLike]) -> list[uploads.CheckedFile]:
    try:
        return uploads.checked_files(files, max_bytes=MAX_ATTACHMENT_BYTES, max_files=MAX_ATTACHMENTS)
    except uploads.UploadError as exc:
        raise _from(exc, "bad_file") from None


def _kind_check(kind: str) -> str:
    if kind not in s.ATTACHMENT_KINDS:
        raise ApplicationError(
            "bad_kind", f"Jenis dokumen tidak dikenal: {kind!r}.", f"Unknown kind of document: {kind!r}."
        )
    return kind


def _stored(item: uploads.CheckedFile) -> dict[str, Any]:
    return {
        "stored_name": uploads.store(item, folder=UPLOAD_FOLDER),
        "original_name": item.original_name,
        "content_type": item.content_type,
        "size_bytes": len(item.data),
        "sha256": item.sha256,
    }


# --- the registry, on "done" -----------------------------------------------------------------


@dataclass(frozen=True)
class _Entry(RegistryEntry):
    """A registry row that keeps an akta SIAK already records without a number."""

    akta_on_record: bool = False

    def row(self) -> dict[str, str]:
        out = super().row()
        if self.akta_on_record and not self.akta_number:
            out["AKTA_LHR"] = "ADA"
        return out


def _siak_row(nik: str) -> dict[str, Any] | None:
    """The current SIAK row of a NIK (the staged records), or None."""
    import polars as pl

    from satuanak.imports.services import staged_records

    frame = staged_records("siak")
    if frame is None:
        return None
    rows = frame.filter(pl.col("nik") == nik).collect()
    return rows.row(rows.height - 1, named=True) if rows.height else None


def _registry_entry(
    *, nik: str, numbers: dict[str, str], fallback: dict[str, Any] | None
) -> RegistryEntry | None:
    """The child's registry row after issuance: its SIAK row with the new documents, or (not in
    SIAK yet) the row built from what the application says; None when neither is possible."""
    row = _siak_row(nik)
    if row is not None:
        text = {k: ("" if v is None else str(v)) for k, v in row.items() if k != "birth_date"}
        return _Entry(
            nik=nik,
            kk_number=text.get("no_kk", ""),
            name=text.get("name", ""),
            sex=text.get("sex", ""),
            birth_place=text.get("birth_place", ""),
            birth_date=row["birth_date"],
            mother_name=text.get("mother_name", ""),
            father_name=text.get("father_name", ""),
            mother_nik=text.get("mother_nik", ""),
            father_nik=text.get("father_nik", ""),
            desa_code=text.get("desa_code", ""),
            desa_name=text.get("desa_name", ""),
            kecamatan_name=text.get("kecamatan", ""),
            akta_number=numbers.get(s.AKTA) or text.get("akta_number", ""),
            has_kia=s.KIA in numbers or text.get("kia", "").upper() == "ADA",
            address=text.get("address", ""),
            rt=text.get("rt", ""),
            rw=text.get("rw", ""),
            akta_on_record=text.get("akta", "").upper() == "ADA",
        )
    if fallback is None:
        return None
    return RegistryEntry(nik=nik, akta_number=numbers.get(s.AKTA, ""), has_kia=s.KIA in numbers, **fallback)


def _registry_push(
    *,
    user: Any,
    nik: str,
    numbers: dict[str, str],
    fallback: dict[str, Any] | None,
    label: str,
    enqueue: bool,
) -> int | None:
    entry = _registry_entry(nik=nik, numbers=numbers, fallback=fallback)
    if entry is None:
        return None
    batch = registry_entries_import(entries=[entry], user=user, label=label, enqueue=enqueue)
    return batch.pk


def _nik_check(value: str, *, birth_date: date | None = None, sex: str = "") -> str:
    value = (value or "").strip()
    if not value:
        return ""
    try:
        nik = Nik.parse(value, reference_date=clock.today())
    except NikError as exc:
        raise _from(exc, "bad_nik") from None
    if birth_date is not None and nik.birth_date != birth_date:
        raise ApplicationError(
            "nik_mismatch",
            "Tanggal lahir dalam NIK tidak sama dengan tanggal lahir anak.",
            "The birth date in the NIK differs from the child's birth date.",
        )
    if sex and nik.sex != sex:
        raise ApplicationError(
            "nik_mismatch",
            "Jenis kelamin dalam NIK tidak sama dengan jenis kelamin anak.",
            "The sex in the NIK differs from the child's sex.",
        )
    return nik.value


# --- Duta Adminduk Sekolah: the school's side ------------------------------------------------


def school_of(user: Any) -> School | None:
    """The school the user acts for (a school ambassador's agency is their school)."""
    agency = getattr(user, "agency", None)
    return getattr(agency, "school", None) if agency is not None else None


def _school_child_ids(school: School) -> Any:
    """Children with an active DAPODIK enrolment at the school (linked records)."""
    return ChildRecord.objects.filter(
        source="dapodik", summary__npsn=school.npsn, summary__status="Aktif"
    ).values("child_id")


@dataclass(frozen=True)
class LackingStudent:
    child: Child
    no_akta: bool
    no_kia: bool
    open_request: SchoolRequestStudent | None = None  # already in a request not yet finished


def school_students_lacking_documents(user: Any) -> list[LackingStudent]:
    """The user's school's students (DAPODIK, linked, in the user's area) whom the latest flags
    show without an akta or a KIA; with the request each is already in, if any."""
    from satuanak.flags.selectors import flagged_child_ids

    _require(user, Capability.SUBMIT_SCHOOL_REQUESTS)
    school = school_of(user)
    if school is None:
        return []
    no_akta = set(
        Child.objects.filter(pk__in=flagged_child_ids(user=user, code="no_akta")).values_list("pk", flat=True)
    )
    no_kia = set(
        Child.objects.filter(pk__in=flagged_child_ids(user=user, code="no_kia")).values_list("pk", flat=True)
    )
    children = list(
        children_visible_to(user)
        .filter(pk__in=_school_child_ids(school))
        .filter(pk__in=no_akta | no_kia)
        .select_related("desa")
        .order_by("name", "pk")
    )
    open_rows = {
        row.child_id: row
        for row in SchoolRequestStudent.objects.filter(
            child__in=[c.pk for c in children], request__school=school
        ).exclude(state__in=s.FINAL)
    }
    return [LackingStudent(c, c.pk in no_akta, c.pk in no_kia, open_rows.get(c.pk)) for c in children]


@dataclass(frozen=True)
class StudentPick:
    child_id: int
    wants_akta: bool
    wants_kia: bool


def school_request_create(*, user: Any, picks: Sequence[StudentPick], request: Any = None) -> SchoolRequest:
    """A draft request of the user's school with the picked students (each among the school's
    students lacking documents, not already in an unfinished request, asking for at least one
    document)."""
    _require(user, Capability.SUBMIT_SCHOOL_REQUESTS)
    school = school_of(user)
    if school is None:
        raise ApplicationPermissionError(
            "no_school", "Akun Anda tidak terhubung ke sekolah.", "Your account is not tied to a school."
        )
    if not picks:
        raise ApplicationError("no_students", "Pilih minimal satu siswa.", "Pick at least one student.")
    if len(picks) > MAX_STUDENTS:
        raise ApplicationError(
            "too_many",
            f"Paling banyak {MAX_STUDENTS} siswa per pengajuan.",
            f"At most {MAX_STUDENTS} students per request.",
        )
    eligible = {row.child.pk: row for row in school_students_lacking_documents(user)}
    seen: set[int] = set()
    for pick in picks:
        row = eligible.get(pick.child_id)
        if row is None or pick.child_id in seen:
            raise ApplicationError(
                "not_eligible",
                "Siswa tidak ditemukan di antara siswa sekolah ini yang belum berdokumen.",
                "Student not found among this school's students without documents.",
            )
        if row.open_request is not None:
            raise ApplicationError(
                "already_requested",
                "Siswa sudah ada dalam pengajuan yang belum selesai.",
                "The student is already in an unfinished request.",
            )
        if not (pick.wants_akta or pick.wants_kia):
            raise ApplicationError(
                "nothing_requested",
                "Pilih akta dan/atau KIA untuk setiap siswa.",
                "Choose akta and/or KIA for each student.",
            )
        seen.add(pick.child_id)
    with transaction.atomic():
        school_request = SchoolRequest.objects.create(school=school, created_by=user)
        for pick in picks:
            student = SchoolRequestStudent.objects.create(
                request=school_request,
                child_id=pick.child_id,
                wants_akta=pick.wants_akta,
                wants_kia=pick.wants_kia,
            )
            SchoolRequestEvent.objects.create(
                request=school_request, student=student, from_state="", to_state=s.DRAFT, by=user
            )
        audit_record(
            action=AuditAction.RECORD_CHANGED,
            actor=user,
            request=request,
            subject_type="school_request",
            subject_id=school_request.pk,
            detail={"event": "created", "school": school.npsn, "children": [p.child_id for p in picks]},
        )
    return school_request


def school_requests_of(user: Any) -> Any:
    """The requests of the user's school (none for a user without one)."""
    school = school_of(user)
    if (
        school is None
        or Capability.SUBMIT_SCHOOL_REQUESTS not in policy_for(getattr(user, "role", "")).capabilities
    ):
        return SchoolRequest.objects.none()
    return SchoolRequest.objects.filter(school=school)


def _own_student(user: Any, student_id: int) -> SchoolRequestStudent:
    _require(user, Capability.SUBMIT_SCHOOL_REQUESTS)
    student = (
        SchoolRequestStudent.objects.select_for_update()
        .filter(pk=student_id, request__in=school_requests_of(user))
        .first()
    )
    if student is None:
        raise ApplicationPermissionError("not_found", "Siswa tidak ditemukan.", "Student not found.")
    return student


def school_request_attach(
    *, user: Any, student_id: int, kind: str, files: Sequence[uploads.UploadedFileLike], request: Any = None
) -> list[SchoolRequestAttachment]:
    """Add documents of one kind to a student of the user's school, while the student is a draft
    or returned."""
    kind = _kind_check(kind)
    checked = _checked(files)
    if not checked:
        raise ApplicationError("no_file", "Pilih berkas yang diunggah.", "Choose a file to upload.")
    with transaction.atomic():
        student = _own_student(user, student_id)
        if student.state not in (s.DRAFT, s.RETURNED):
            raise ApplicationError(
                "locked",
                "Dokumen hanya dapat ditambah sebelum diajukan atau setelah dikembalikan.",
                "Documents can be added only before submission or after a return.",
            )
        made = [
            SchoolRequestAttachment.objects.create(
                student=student, kind=kind, uploaded_by=user, **_stored(item)
            )
            for item in checked
        ]
        audit_record(
            action=AuditAction.RECORD_CHANGED,
            actor=user,
            request=request,
            subject_type="school_request",
            subject_id=student.request_id,
            detail={
                "event": "attached",
                "child": student.child_id,
                "kind": kind,
                "files": [c.sha256 for c in checked],
            },
        )
    return made


def _request_state_sync(school_request: SchoolRequest) -> None:
    new = s.request_state_for(school_request.students.values_list("state", flat=True))
    if new != school_request.state:
        school_request.state = new
        school_request.closed_at = timezone.now() if new == s.REQUEST_CLOSED else None
        school_request.save(update_fields=["state", "closed_at"])


def school_request_submit(*, user: Any, school_request_id: int, request: Any = None) -> SchoolRequest:
    """Send a draft to Disdukcapil: every student becomes received. Each student needs at least
    one document attached (what is still missing shows on the page; Disdukcapil may return it)."""
    _require(user, Capability.SUBMIT_SCHOOL_REQUESTS)
    with transaction.atomic():
        school_request = school_requests_of(user).select_for_update().filter(pk=school_request_id).first()
        if school_request is None:
            raise ApplicationPermissionError("not_found", "Pengajuan tidak ditemukan.", "Request not found.")
        if school_request.state != s.REQUEST_DRAFT:
            raise ApplicationError(
                "already_submitted", "Pengajuan sudah diajukan.", "The request was already submitted."
            )
        students = list(school_request.students.all())
        bare = [st for st in students if not st.attachments.exists()]
        if bare:
            raise ApplicationError(
                "no_documents",
                f"{len(bare)} siswa belum punya dokumen terlampir.",
                f"{len(bare)} student(s) have no document attached.",
            )
        now = timezone.now()
        for student in students:
            s.transition_check(student.state, s.RECEIVED, actor=s.SUBMITTER)
            student.state = s.RECEIVED
            student.updated_at = now
            student.save(update_fields=["state", "updated_at"])
            SchoolRequestEvent.objects.create(
                request=school_request,
                student=student,
                from_state=s.DRAFT,
                to_state=s.RECEIVED,
                by=user,
                at=now,
            )
        school_request.submitted_at = now
        school_request.state = s.REQUEST_SUBMITTED
        school_request.save(update_fields=["submitted_at", "state"])
        SchoolRequestEvent.objects.create(
            request=school_request, from_state=s.REQUEST_DRAFT, to_state=s.REQUEST_SUBMITTED, by=user, at=now
        )
        audit_record(
            action=AuditAction.RECORD_CHANGED,
            actor=user,
            request=request,
            subject_type="school_request",
            subject_id=school_request.pk,
            detail={"event": "submitted", "students": len(students)},
        )
    return school_request


def school_student_resubmit(
    *, user: Any, student_id: int, note: str = "", request: Any = None
) -> SchoolRequestStudent:
    """The ambassador sends a returned student back to Disdukcapil (after adding what was missing)."""
    note = _note(note)
    with transaction.atomic():
        student = _own_student(user, student_id)
        try:
            s.transition_check(student.state, s.RESUBMITTED, actor=s.SUBMITTER)
        except s.TransitionError as exc:
            raise _from(exc, "bad_transition") from None
        from_state = student.state
        student.state = s.RESUBMITTED
        student.updated_at = timezone.now()
        student.save(update_fields=["state", "updated_at"])
        SchoolRequestEvent.objects.create(
            request_id=student.request_id,
            student=student,
            from_state=from_state,
            to_state=s.RESUBMITTED,
            by=user,
            note=note,
        )
        audit_record(
            action=AuditAction.RECORD_CHANGED,
            actor=user,
            request=request,
            subject_type="school_request",
            subject_id=student.request_id,
            detail={"event": s.RESUBMITTED, "child": student.child_id},
        )
    return student


# --- Disdukcapil: processing -----------------------------------------------------------------


def officer_school_students(user: Any) -> Any:
    """Students of submitted school requests whose child the officer may see."""
    if Capability.PROCESS_ADMINDUK not in policy_for(getattr(user, "role", "")).capabilities:
        return SchoolRequestStudent.objects.none()
    return SchoolRequestStudent.objects.filter(child__in=children_visible_to(user)).exclude(state=s.DRAFT)


def officer_school_requests(user: Any) -> Any:
    return SchoolRequest.objects.filter(pk__in=officer_school_students(user).values("request_id"))


def officer_applications(user: Any) -> Any:
    """Online applications of the desa the officer may see."""
    if Capability.PROCESS_ADMINDUK not in policy_for(getattr(user, "role", "")).capabilities:
        return OnlineApplication.objects.none()
    return OnlineApplication.objects.filter(desa__in=desa_visible_to(user))


@dataclass
class Decision:
    """What the officer says with a step."""

    to_state: str
    reason_code: str = ""
    note: str = ""
    akta_number: str = ""
    kia_number: str = ""
    nik: str = ""  # when the child has none on record yet (issued with the akta)


def _decision_check(current_state: str, requested: Sequence[str], decision: Decision) -> dict[str, str]:
    try:
        return s.transition_check(
            current_state,
            decision.to_state,
            actor=s.OFFICER,
            reason_code=decision.reason_code,
            requested=requested,
            issued={s.AKTA: decision.akta_number, s.KIA: decision.kia_number},
        )
    except s.TransitionError as exc:
        raise _from(exc, "bad_transition") from None


def school_student_process(
    *, user: Any, student_id: int, decision: Decision, enqueue: bool = True, request: Any = None
) -> SchoolRequestStudent:
    """Disdukcapil moves one student of a school request (states.TRANSITIONS, officer's steps).
    On "done" the numbers are recorded and the child's registry row is imported."""
    _require(user, Capability.PROCESS_ADMINDUK)
    note = _note(decision.note)
    with transaction.atomic():
        student = (
            officer_school_students(user)
            .select_for_update()
            .select_related("child")
            .filter(pk=student_id)
            .first()
        )
        if student is None:
            raise ApplicationPermissionError("not_found", "Siswa tidak ditemukan.", "Student not found.")
        numbers = _decision_check(student.state, student.requested, decision)
        from_state = student.state
        student.state = decision.to_state
        student.reason_code = decision.reason_code if decision.to_state in (s.RETURNED, s.REJECTED) else ""
        student.note = note
        student.updated_at = timezone.now()
        if decision.to_state == s.DONE:
            student.akta_number = numbers.get(s.AKTA, "")
            student.kia_number = numbers.get(s.KIA, "")
            child = student.child
            nik = child.nik or _nik_check(decision.nik, birth_date=child.birth_date, sex=child.sex)
            if nik:
                student.registry_batch_id = _registry_push(
                    user=user,
                    nik=nik,
                    numbers=numbers,
                    fallback=None,
                    label=f"sekolah-{student.request_id}-{student.pk}",
                    enqueue=enqueue,
                )
        student.save()
        SchoolRequestEvent.objects.create(
            request_id=student.request_id,
            student=student,
            from_state=from_state,
            to_state=student.state,
            by=user,
            reason_code=student.reason_code,
            note=note,
        )
        _request_state_sync(SchoolRequest.objects.get(pk=student.request_id))
        audit_record(
            action=AuditAction.RECORD_CHANGED,
            actor=user,
            request=request,
            subject_type="school_request",
            subject_id=student.request_id,
            desa_code=Child.objects.filter(pk=student.child_id).values_list("desa__code", flat=True).first()
            or "",
            detail={
                "event": student.state,
                "from": from_state,
                "child": student.child_id,
                "reason": student.reason_code,
                "registry_batch": student.registry_batch_id,
            },
        )
    return student


# --- Adminduk Digital di Genggaman: online applications --------------------------------------

_NAME_RE = re.compile(r"^[^\W\d_](?:[^\W\d_]|[ .,'’-])*$")


def _name(value: Any, code: str, label_id: str, label_en: str, *, max_len: int) -> str:
    text = " ".join(str(value or "").split())
    if len(text) < 2 or len(text) > max_len or not _NAME_RE.match(text):
        raise ApplicationError(
            code,
            f"{label_id} wajib diisi dengan huruf (2–{max_len}).",
            f"{label_en} is required, in letters (2–{max_len}).",
        )
    return text


def phone_normalise(value: Any) -> str:
    """An Indonesian mobile number as 08…; ApplicationError when it cannot be one."""
    raw = re.sub(r"[\s().-]", "", str(value or ""))
    if raw.startswith("+62"):
        raw = "0" + raw[3:]
    elif raw.startswith("62"):
        raw = "0" + raw[2:]
    if not (raw.startswith("08") and raw.isdigit() and 10 <= len(raw) <= 14):
        raise ApplicationError(
            "bad_phone",
            "Nomor HP tidak sah (mis. 0812 3456 7890).",
            "Invalid mobile number (e.g. 0812 3456 7890).",
        )
    return raw


def _birth_date(value: Any) -> date:
    if isinstance(value, date):
        born = value
    else:
        try:
            born = date.fromisoformat(str(value or "").strip())
        except ValueError:
            raise ApplicationError(
                "bad_date", "Tanggal lahir tidak sah (TTTT-BB-HH).", "Invalid birth date (YYYY-MM-DD)."
            ) from None
    today = clock.today()
    if born > today:
        raise ApplicationError("bad_date", "Tanggal lahir di masa depan.", "The birth date is in the future.")
    if (today.year - born.year - ((today.month, today.day) < (born.month, born.day))) >= 18:
        raise ApplicationError(
            "not_a_child",
            "Layanan ini untuk anak di bawah 18 tahun.",
            "This service is for children under 18.",
        )
    return born


def _new_code() -> str:
    while True:
        code = "".join(secrets.choice(s.CODE_ALPHABET) for _ in range(s.CODE_LENGTH))
        if not OnlineApplication.objects.filter(tracking_code=code).exists():
            return code


def application_create(
    *,
    channel: str,
    applicant_name: Any,
    applicant_phone: Any,
    child_name: Any,
    child_sex: Any,
    child_birth_date: Any,
    mother_name: Any,
    desa_code: Any,
    requested: Sequence[str],
    attachments: Sequence[tuple[str, uploads.UploadedFileLike]],
    child_nik: Any = "",
    request: Any = None,
) -> OnlineApplication:
    """An application from outside (no account). Refused with the first problem found: an
    unknown channel or desa, a name that is not one, a phone that is not an Indonesian mobile, a
    birth date that is not a child's, a NIK that is not one or does not match the birth date and
    sex, nothing (or something unknown) requested, a KIA for a child of 17, no document, or a
    document that is not a PDF/PNG/JPEG by its bytes or over 5 MB."""
    if channel not in OnlineApplication.Channel.values:
        raise ApplicationError(
            "bad_channel", f"Saluran tidak dikenal: {channel!r}.", f"Unknown channel: {channel!r}."
        )
    applicant = _name(
        applicant_name, "bad_applicant_name", "Nama pemohon", "The applicant's name", max_len=120
    )
    phone = phone_normalise(applicant_phone)
    name = _name(child_name, "bad_child_name", "Nama anak", "The child's name", max_len=200)
    sex = str(child_sex or "").strip().upper()
    if sex not in ("L", "P"):
        raise ApplicationError("bad_sex", "Pilih jenis kelamin anak (L/P).", "Choose the child's sex (L/P).")
    born = _birth_date(child_birth_date)
    mother = _name(mother_name, "bad_mother_name", "Nama ibu", "The mother's name", max_len=200)
    nik = _nik_check(str(child_nik or ""), birth_date=born, sex=sex)
    desa = Desa.objects.filter(code=str(desa_code or "").strip()).first()
    if desa is None:
        raise ApplicationError("bad_desa", "Desa/kelurahan tidak dikenal.", "Unknown desa/kelurahan.")
    wanted = {str(r).strip().lower() for r in requested}
    if not wanted or not wanted <= set(s.DOCUMENTS):
        raise ApplicationError("bad_requested", "Pilih akta dan/atau KIA.", "Choose akta and/or KIA.")
    today = clock.today()
    if (
        s.KIA in wanted
        and (today.year - born.year - ((today.month, today.day) < (born.month, born.day))) >= 17
    ):
        raise ApplicationError(
            "kia_age", "KIA untuk anak di bawah 17 tahun.", "A KIA is for children under 17."
        )
    if not attachments:
        raise ApplicationError(
            "no_documents",
            "Lampirkan dokumen persyaratan (foto atau PDF).",
            "Attach the required documents (photo or PDF).",
        )
    kinds = [_kind_check(kind) for kind, _ in attachments]
    checked = _checked([f for _, f in attachments])
    with transaction.atomic():
        for _attempt in range(3):
            try:
                with transaction.atomic():
                    application = OnlineApplication.objects.create(
                        tracking_code=_new_code(),
                        channel=channel,
                        applicant_name=applicant,
                        applicant_phone=phone,
                        child_name=name.upper(),
                        child_sex=sex,
                        child_birth_date=born,
                        mother_name=mother.upper(),
                        child_nik=nik,
                        desa=desa,
                        wants_akta=s.AKTA in wanted,
                        wants_kia=s.KIA in wanted,
                    )
                break
            except IntegrityError:  # two applications drew the same code at the same moment
                continue
        else:  # pragma: no cover - three collisions in a space of 8 × 10^14
            raise ApplicationError("busy", "Coba lagi.", "Please try again.")
        for kind, item in zip(kinds, checked, strict=True):
            OnlineApplicationAttachment.objects.create(application=application, kind=kind, **_stored(item))
        OnlineApplicationEvent.objects.create(application=application, from_state="", to_state=s.RECEIVED)
        audit_record(
            action=AuditAction.RECORD_CHANGED,
            request=request,
            subject_type="online_application",
            subject_id=application.pk,
            desa_code=desa.code,
            detail={"event": "received", "channel": channel, "attachments": [c.sha256 for c in checked]},
        )
    return application


def application_by_code(code: str) -> OnlineApplication | None:
    normalised = s.code_normalise(code)
    if not s.code_is_wellformed(normalised):
        return None
    return OnlineApplication.objects.filter(tracking_code=normalised).first()


def application_public_status(application: OnlineApplication) -> dict[str, Any]:
    """What anyone holding the code may know: the state and its dates, what was requested, why
    it was returned or rejected (the reason's label, never the officer's note). No name, no
    NIK, no desa, no numbers."""
    reason = ""
    if application.state == s.RETURNED:
        reason = s.RETURN_REASONS.get(application.reason_code, "")
    elif application.state == s.REJECTED:
        reason = s.REJECT_REASONS.get(application.reason_code, "")
    return {
        "tracking_code": application.code_display,
        "status": application.state,
        "status_label": application.state_label,
        "requested": list(application.requested),
        "received_on": timezone.localdate(application.created_at).isoformat(),
        "updated_on": timezone.localdate(application.updated_at).isoformat(),
        "reason": reason,
        "can_resubmit": application.state == s.RETURNED,
    }


def application_resubmit(
    *,
    code: str,
    phone: Any,
    attachments: Sequence[tuple[str, uploads.UploadedFileLike]],
    note: str = "",
    request: Any = None,
) -> OnlineApplication:
    """The applicant answers a return: the tracking code and the phone number given when
    applying (both must match), with the missing documents."""
    note = _note(note)
    try:
        given = phone_normalise(phone)
    except ApplicationError:
        given = ""
    kinds = [_kind_check(kind) for kind, _ in attachments]
    checked = _checked([f for _, f in attachments])
    with transaction.atomic():
        application = application_by_code(code)
        if application is not None:
            application = OnlineApplication.objects.select_for_update().get(pk=application.pk)
        if application is None or not given or not secrets.compare_digest(given, application.applicant_phone):
            raise ApplicationError(
                "not_found",
                "Kode lacak atau nomor HP tidak cocok.",
                "The tracking code or the phone number does not match.",
            )
        try:
            s.transition_check(application.state, s.RESUBMITTED, actor=s.SUBMITTER)
        except s.TransitionError as exc:
            raise _from(exc, "bad_transition") from None
        if not checked:
            raise ApplicationError(
                "no_documents", "Lampirkan dokumen yang diminta.", "Attach the documents asked for."
            )
        for kind, item in zip(kinds, checked, strict=True):
            OnlineApplicationAttachment.objects.create(application=application, kind=kind, **_stored(item))
        from_state = application.state
        application.state = s.RESUBMITTED
        application.updated_at = timezone.now()
        application.save(update_fields=["state", "updated_at"])
        OnlineApplicationEvent.objects.create(
            application=application, from_state=from_state, to_state=s.RESUBMITTED, note=note
        )
        audit_record(
            action=AuditAction.RECORD_CHANGED,
            request=request,
            subject_type="online_application",
            subject_id=application.pk,
            desa_code=Desa.objects.filter(pk=application.desa_id).values_list("code", flat=True).first()
            or "",
            detail={"event": s.RESUBMITTED, "attachments": [c.sha256 for c in checked]},
        )
    return application


def application_process(
    *, user: Any, application_id: int, decision: Decision, enqueue: bool = True, request: Any = None
) -> OnlineApplication:
    """Disdukcapil moves an online application one step. On "done": the numbers are recorded;
    with a NIK (the application's, or one the officer gives) the child is looked up and its
    registry row imported (its SIAK row updated, or a new row from the application)."""
    _require(user, Capability.PROCESS_ADMINDUK)
    note = _note(decision.note)
    with transaction.atomic():
        application = (
            officer_applications(user)
            .select_for_update()
            .select_related("desa__kecamatan")
            .filter(pk=application_id)
            .first()
        )
        if application is None:
            raise ApplicationPermissionError(
                "not_found", "Permohonan tidak ditemukan.", "Application not found."
            )
        numbers = _decision_check(application.state, application.requested, decision)
        from_state = application.state
        application.state = decision.to_state
        application.reason_code = (
            decision.reason_code if decision.to_state in (s.RETURNED, s.REJECTED) else ""
        )
        application.note = note
        application.updated_at = timezone.now()
        if decision.to_state == s.DONE:
            application.akta_number = numbers.get(s.AKTA, "")
            application.kia_number = numbers.get(s.KIA, "")
            nik = application.child_nik or _nik_check(
                decision.nik, birth_date=application.child_birth_date, sex=application.child_sex
            )
            if nik:
                application.child_nik = nik
                application.child = Child.objects.filter(nik=nik).order_by("pk").first()
                desa = application.desa
                application.registry_batch_id = _registry_push(
                    user=user,
                    nik=nik,
                    numbers=numbers,
                    fallback={
                        "kk_number": "",
                        "name": application.child_name,
                        "sex": application.child_sex,
                        "birth_place": "",
                        "birth_date": application.child_birth_date,
                        "mother_name": application.mother_name,
                        "father_name": "",
                        "mother_nik": "",
                        "father_nik": "",
                        "desa_code": desa.code,
                        "desa_name": desa.name,
                        "kecamatan_name": desa.kecamatan.name,
                    },
                    label=f"permohonan-{application.pk}",
                    enqueue=enqueue,
                )
        application.save()
        OnlineApplicationEvent.objects.create(
            application=application,
            from_state=from_state,
            to_state=application.state,
            by=user,
            reason_code=application.reason_code,
            note=note,
        )
        audit_record(
            action=AuditAction.RECORD_CHANGED,
            actor=user,
            request=request,
            subject_type="online_application",
            subject_id=application.pk,
            desa_code=application.desa.code,
            detail={
                "event": application.state,
                "from": from_state,
                "reason": application.reason_code,
                "registry_batch": application.registry_batch_id,
            },
        )
    return application


# --- throttles of the public endpoints (per client address, Django's cache) ------------------


def lookup_blocked(ip: str | None) -> bool:
    return throttle.hits(f"applications:unknown:{ip or '-'}") >= LOOKUP_UNKNOWN_LIMIT


def lookup_unknown_record(ip: str | None) -> None:
    throttle.hit(f"applications:unknown:{ip or '-'}", LOOKUP_WINDOW_SECONDS)


def create_blocked(ip: str | None) -> bool:
    return throttle.hits(f"applications:create:{ip or '-'}") >= CREATE_LIMIT


def create_record(ip: str | None) -> None:
    throttle.hit(f"applications:create:{ip or '-'}", CREATE_WINDOW_SECONDS)


def refusal_log_once(*, ip: str | None, what: str, request: Any = None) -> None:
    """One ACCESS_DENIED entry per address and window, not one per refused request (a flood
    must not flood the log)."""
    if cache.add(f"applications:logged:{what}:{ip or '-'}", 1, timeout=LOOKUP_WINDOW_SECONDS):
        audit_record(
            action=AuditAction.ACCESS_DENIED,
            request=request,
            subject_type="online_application",
            detail={
                "reason": f"{what} throttled",
                "limit": LOOKUP_UNKNOWN_LIMIT if what == "lookup" else CREATE_LIMIT,
            },
        )
