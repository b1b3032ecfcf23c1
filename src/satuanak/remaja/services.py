"""Writes of REMAJA CAKAP: the PKPR standard and assessments, Posyandu Remaja and their sessions,
counselling tallies, anaemia screenings and weekly iron tablets (TTD).

Each function takes the acting user, checks everything before writing, and writes in one
transaction with its RECORD_CHANGED audit entry. Bad input raises RemajaError (a ValueError)
with a message in Bahasa Indonesia and English and changes nothing; RemajaPermissionError (a
subclass) means the user may not write this (another puskesmas, a desa or a girl outside the
user's area). Who may write what is decided by the scope functions in selectors.py.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest

from satuanak.access.policy import Capability, role_can
from satuanak.access.selectors import children_visible_to, desa_visible_to
from satuanak.audit.models import AuditAction
from satuanak.audit.services import audit_record
from satuanak.common import clock
from satuanak.remaja import anaemia as an
from satuanak.remaja import selectors as sel
from satuanak.remaja import ttd
from satuanak.remaja.models import (
    AGE_GROUPS,
    SESSION_TOPICS,
    SEXES,
    TOPICS,
    AnaemiaScreening,
    CounsellingTally,
    PkprAssessment,
    PkprAssessmentItem,
    PkprStandardItem,
    PkprStandardVersion,
    PosyanduRemaja,
    PosyanduRemajaSession,
    TtdWeek,
)
from satuanak.remaja.periods import monday_of

MAX_NOTE = 500
MAX_COUNT = 10_000  # one month's visits in one cell, one session's attendance: far above any real figure
MAX_CLASS_SIZE = 200


class RemajaError(ValueError):
    pass


class RemajaPermissionError(RemajaError):
    """The user may not write this (out of their puskesmas or area)."""


def _audit(user: Any, request: HttpRequest | None, subject_type: str, subject_id: int, **detail: Any) -> None:
    audit_record(
        action=AuditAction.RECORD_CHANGED,
        actor=user,
        request=request,
        subject_type=subject_type,
        subject_id=subject_id,
        detail=detail,
    )


def _need(user: Any) -> None:
    if not role_can(getattr(user, "role", ""), Capability.RECORD_ADOLESCENT_HEALTH):
        raise RemajaPermissionError("Peran Anda tidak memiliki hak ini. / Your role may not do this.")


def _text(value: str, what: str, *, required: bool = False, limit: int = MAX_NOTE) -> str:
    value = (value or "").strip()
    if required and not value:
        raise RemajaError(f"{what} wajib diisi. / {what} is required.")
    if len(value) > limit:
        raise RemajaError(f"{what}: paling panjang {limit} karakter. / {what}: at most {limit} characters.")
    return value


def _count(value: Any, what: str, *, limit: int = MAX_COUNT) -> int:
    """A whole number 0..limit from a form or a caller; RemajaError otherwise."""
    text = str(value if value is not None else "").strip()
    if text == "":
        return 0
    try:
        n = int(text)
    except ValueError:
        n = -1
    if not 0 <= n <= limit:
        raise RemajaError(
            f"{what}: isi bilangan bulat 0-{limit}. / {what}: enter a whole number from 0 to {limit}."
        )
    return n


def _not_future(day: date, what: str) -> None:
    if day > clock.today():
        raise RemajaError(f"{what} tidak boleh di masa depan. / {what} cannot be in the future.")


# --- PKPR -------------------------------------------------------------------------------------


@transaction.atomic
def pkpr_standard_load(*, path: Path | None = None) -> PkprStandardVersion:
    """Load the shipped standard (data/remaja/pkpr_standard_v1.json); idempotent: a version with
    that number already present is left as it is (assessments point to its items)."""
    path = path or sel.data_dir() / "pkpr_standard_v1.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    existing = PkprStandardVersion.objects.filter(number=data["number"]).first()
    if existing is not None:
        return existing
    version = PkprStandardVersion.objects.create(
        number=data["number"],
        title=data["title"],
        valid_from=date.fromisoformat(data["valid_from"]),
        source=data.get("source", ""),
    )
    PkprStandardItem.objects.bulk_create(
        PkprStandardItem(
            version=version,
            code=item["code"],
            text_id=item["text_id"],
            text_en=item["text_en"],
            required=bool(item["required"]),
            origin=item["origin"],
            order=order,
        )
        for order, item in enumerate(data["items"], start=1)
    )
    return version


@transaction.atomic
def pkpr_assessment_record(
    *,
    user: Any,
    facility_id: int,
    assessed_on: date,
    met: Mapping[str, bool],
    notes: Mapping[str, str] | None = None,
    request: HttpRequest | None = None,
) -> PkprAssessment:
    """One puskesmas's PKPR check on one date against the current standard: every item answered
    met or not (by code). A second check the same day replaces the first's answers."""
    _need(user)
    facility = sel.pkpr_facilities_writable(user).filter(pk=facility_id).first()
    if facility is None:
        raise RemajaPermissionError(
            "Hanya petugas puskesmas ini atau Dinkes yang dapat mengisi penilaian PKPR. / "
            "Only this puskesmas's staff or Dinkes may enter its PKPR check."
        )
    _not_future(assessed_on, "Tanggal penilaian / assessment date")
    version = sel.pkpr_standard()
    if version is None:
        raise RemajaError("Standar PKPR belum dimuat. / The PKPR standard is not loaded.")
    items = list(version.items.order_by("order"))
    unknown = set(met) - {i.code for i in items}
    if unknown:
        raise RemajaError(f"Butir tidak dikenal: {', '.join(sorted(unknown))}. / Unknown items.")
    missing = [i.code for i in items if i.code not in met]
    if missing:
        raise RemajaError(
            f"Jawab semua butir (belum: {', '.join(missing)}). / "
            f"Answer every item (missing: {', '.join(missing)})."
        )
    notes = notes or {}
    clean_notes = {i.code: _text(notes.get(i.code, ""), f"Catatan {i.code} / note") for i in items}
    assessment, created = PkprAssessment.objects.get_or_create(
        facility=facility,
        assessed_on=assessed_on,
        defaults={"version": version, "assessed_by": user},
    )
    if not created:
        assessment.version, assessment.assessed_by = version, user
        assessment.save(update_fields=["version", "assessed_by"])
        assessment.items.all().delete()
    PkprAssessmentItem.objects.bulk_create(
        PkprAssessmentItem(assessment=assessment, item=i, met=bool(met[i.code]), note=clean_notes[i.code])
        for i in items
    )
    _audit(
        user,
        request,
        "pkpr_assessment",
        assessment.pk,
        facility=facility.pk,
        on=assessed_on.isoformat(),
        met=sorted(c for c, v in met.items() if v),
        replaced=not created,
    )
    return assessment


# --- Posyandu Remaja --------------------------------------------------------------------------


def _cadres(cadres: Any, trained: Any) -> tuple[int, int]:
    n = _count(cadres, "Jumlah kader / cadres", limit=100)
    t = _count(trained, "Kader terlatih / trained cadres", limit=100)
    if t > n:
        raise RemajaError(
            "Kader terlatih tidak boleh melebihi jumlah kader. / Trained cadres cannot exceed all cadres."
        )
    return n, t


@transaction.atomic
def posyandu_remaja_create(
    *,
    user: Any,
    desa_code: str,
    name: str,
    cadres: Any = 0,
    trained_cadres: Any = 0,
    request: HttpRequest | None = None,
) -> PosyanduRemaja:
    _need(user)
    desa = desa_visible_to(user).filter(code=(desa_code or "").strip()).first()
    if desa is None:
        raise RemajaPermissionError("Pilih desa di wilayah Anda. / Choose a desa in your area.")
    name = _text(name, "Nama Posyandu Remaja / name", required=True, limit=150)
    n, t = _cadres(cadres, trained_cadres)
    if PosyanduRemaja.objects.filter(desa=desa, name__iexact=name).exists():
        raise RemajaError("Nama ini sudah ada di desa tersebut. / This name already exists in that desa.")
    posyandu = PosyanduRemaja.objects.create(
        desa=desa, name=name, cadres=n, trained_cadres=t, created_by=user
    )
    _audit(user, request, "posyandu_remaja", posyandu.pk, change="created", desa=desa.code)
    return posyandu


@transaction.atomic
def posyandu_remaja_cadres_update(
    *, user: Any, posyandu_id: int, cadres: Any, trained_cadres: Any, request: HttpRequest | None = None
) -> PosyanduRemaja:
    _need(user)
    posyandu = sel.posyandu_remaja_visible_to(user).select_for_update().filter(pk=posyandu_id).first()
    if posyandu is None:
        raise RemajaPermissionError("Posyandu Remaja tidak ditemukan. / Posyandu Remaja not found.")
    posyandu.cadres, posyandu.trained_cadres = _cadres(cadres, trained_cadres)
    posyandu.save(update_fields=["cadres", "trained_cadres"])
    _audit(user, request, "posyandu_remaja", posyandu.pk, change="cadres", cadres=posyandu.cadres)
    return posyandu


@transaction.atomic
def posyandu_remaja_session_record(
    *,
    user: Any,
    posyandu_id: int,
    held_on: date,
    girls: Any,
    boys: Any,
    trained_cadres_present: Any,
    topics: Iterable[str],
    request: HttpRequest | None = None,
) -> PosyanduRemajaSession:
    """One session: attendance by sex, trained cadres present, topics. One per day."""
    _need(user)
    posyandu = sel.posyandu_remaja_visible_to(user).filter(pk=posyandu_id).first()
    if posyandu is None:
        raise RemajaPermissionError("Posyandu Remaja tidak ditemukan. / Posyandu Remaja not found.")
    _not_future(held_on, "Tanggal pertemuan / session date")
    g = _count(girls, "Remaja putri / girls", limit=1000)
    b = _count(boys, "Remaja putra / boys", limit=1000)
    if g + b == 0:
        raise RemajaError("Isi jumlah yang hadir. / Enter how many attended.")
    trained = _count(trained_cadres_present, "Kader terlatih hadir / trained cadres present", limit=100)
    known = {code for code, _ in SESSION_TOPICS}
    chosen = sorted(set(topics))
    if not chosen:
        raise RemajaError("Pilih sedikitnya satu topik. / Choose at least one topic.")
    if set(chosen) - known:
        raise RemajaError("Topik tidak dikenal. / Unknown topic.")
    if posyandu.sessions.filter(held_on=held_on).exists():
        raise RemajaError(
            "Pertemuan pada tanggal ini sudah dicatat. / A session on this date is already recorded."
        )
    try:
        with transaction.atomic():
            session = PosyanduRemajaSession.objects.create(
                posyandu=posyandu,
                held_on=held_on,
                girls=g,
                boys=b,
                trained_cadres_present=trained,
                topics=chosen,
                recorded_by=user,
            )
    except IntegrityError as exc:  # a second click racing the first
        raise RemajaError("Pertemuan sudah dicatat. / The session was already recorded.") from exc
    _audit(user, request, "posyandu_remaja", posyandu.pk, change="session", held_on=held_on.isoformat())
    return session


# --- counselling tallies ----------------------------------------------------------------------

TALLY_KEYS = [f"{t}|{s}|{a}" for t, _ in TOPICS for s, _ in SEXES for a, _ in AGE_GROUPS]


@transaction.atomic
def counselling_tally_record(
    *,
    user: Any,
    facility_id: int,
    month: date,
    counts: Mapping[str, Any],
    request: HttpRequest | None = None,
) -> int:
    """Set one puskesmas's counselling counts for one month: `counts` maps "topic|sex|age" to a
    number of visits (a missing or empty cell is 0). Counts only: there is nowhere to write
    what was said or who came. Returns the month's total."""
    _need(user)
    facility = sel.pkpr_facilities_writable(user).filter(pk=facility_id).first()
    if facility is None:
        raise RemajaPermissionError(
            "Hanya petugas puskesmas ini atau Dinkes yang dapat mengisi rekap konseling. / "
            "Only this puskesmas's staff or Dinkes may enter its counselling counts."
        )
    month = month.replace(day=1)
    _not_future(month, "Bulan / month")
    unknown = set(counts) - set(TALLY_KEYS)
    if unknown:
        raise RemajaError("Kolom rekap tidak dikenal. / Unknown tally cell.")
    values = {key: _count(counts.get(key, ""), "Jumlah kunjungan / visits") for key in TALLY_KEYS}
    CounsellingTally.objects.filter(facility=facility, month=month).delete()
    CounsellingTally.objects.bulk_create(
        CounsellingTally(
            facility=facility,
            month=month,
            topic=key.split("|")[0],
            sex=key.split("|")[1],
            age_group=key.split("|")[2],
            visits=n,
            recorded_by=user,
        )
        for key, n in values.items()
        if n > 0
    )
    total = sum(values.values())
    _audit(user, request, "pkpr_counselling", facility.pk, month=month.isoformat(), total=total)
    return total


# --- anaemia screening ------------------------------------------------------------------------


def _hb(value: Any) -> Decimal:
    text = str(value if value is not None else "").strip().replace(",", ".")
    try:
        hb = Decimal(text)
    except InvalidOperation as exc:
        raise RemajaError("Hb harus angka, mis. 11,5. / Hb must be a number, e.g. 11.5.") from exc
    if not hb.is_finite():
        raise RemajaError("Hb harus angka, mis. 11,5. / Hb must be a number, e.g. 11.5.")
    return hb.quantize(Decimal("0.1"))


def anaemia_screening_record(
    *,
    user: Any,
    child_id: int,
    school_id: int,
    screened_on: date,
    hb_g_dl: Any,
    request: HttpRequest | None = None,
) -> AnaemiaScreening:
    """One school screening of an adolescent girl in the user's area, classified with the
    thresholds in force (anaemia.py). A girl outside the area is refused as if missing, and
    the refusal is audited (outside the transaction, so the entry stays)."""
    _need(user)
    child = children_visible_to(user).select_related("desa").filter(pk=child_id).first()
    if child is None:
        audit_record(
            action=AuditAction.ACCESS_DENIED,
            actor=user,
            request=request,
            subject_type="child",
            subject_id=child_id,
            detail={"reason": "anaemia screening: child not in scope or not found"},
        )
        raise RemajaPermissionError("Anak tidak ditemukan di wilayah Anda. / Child not found in your area.")
    with transaction.atomic():
        return _anaemia_screening_write(user, child, school_id, screened_on, hb_g_dl, request)


def _anaemia_screening_write(
    user: Any, child: Any, school_id: int, screened_on: date, hb_g_dl: Any, request: HttpRequest | None
) -> AnaemiaScreening:
    _not_future(screened_on, "Tanggal skrining / screening date")
    if not sel.is_adolescent_girl(child, screened_on):
        raise RemajaError(
            "Skrining anemia ini untuk remaja putri umur 10-19 tahun. / "
            "This screening is for adolescent girls aged 10-19."
        )
    school = sel.schools_for_user(user).filter(pk=school_id).first()
    if school is None:
        raise RemajaError("Pilih sekolah (SMP/SMA/SMK) di wilayah Anda. / Choose a school in your area.")
    thresholds = sel.anaemia_thresholds()
    hb = _hb(hb_g_dl)
    if child.birth_date is None:  # is_adolescent_girl checked it; the check is for the type
        raise RemajaError("Tanggal lahir tidak diketahui. / Birth date unknown.")
    age = an.age_in_years(child.birth_date, screened_on)
    try:
        found = an.classify(hb, age, thresholds)
    except an.ThresholdError as exc:
        raise RemajaError(str(exc)) from exc
    if AnaemiaScreening.objects.filter(child=child, screened_on=screened_on).exists():
        raise RemajaError(
            "Skrining anak ini pada tanggal itu sudah dicatat. / "
            "This girl's screening on that date is already recorded."
        )
    screening = AnaemiaScreening.objects.create(
        child=child,
        school=school,
        screened_on=screened_on,
        hb_g_dl=hb,
        age_years=age,
        severity=found.severity,
        anaemic=found.anaemic,
        thresholds_version=thresholds.version,
        recorded_by=user,
    )
    audit_record(
        action=AuditAction.RECORD_CHANGED,
        actor=user,
        request=request,
        subject_type="child",
        subject_id=child.pk,
        desa_code=child.desa.code if child.desa else "",
        detail={"anaemia_screening": screening.pk, "severity": found.severity},
    )
    return screening


# --- TTD --------------------------------------------------------------------------------------


@transaction.atomic
def ttd_week_record(
    *,
    user: Any,
    school_id: int,
    class_name: str,
    week_of: date,
    girls_enrolled: Any,
    tablets_given: Any,
    girls_took: Any,
    request: HttpRequest | None = None,
) -> TtdWeek:
    """One class's iron tablets in one week (any day of it; stored as its Monday). A second entry
    for the same class and week corrects the first."""
    _need(user)
    school = sel.schools_for_user(user).filter(pk=school_id).first()
    if school is None:
        raise RemajaError("Pilih sekolah (SMP/SMA/SMK) di wilayah Anda. / Choose a school in your area.")
    class_name = _text(class_name, "Kelas / class", required=True, limit=20).upper()
    week = monday_of(week_of)
    _not_future(week, "Minggu / week")
    enrolled = _count(girls_enrolled, "Siswi terdaftar / girls enrolled", limit=MAX_CLASS_SIZE)
    given = _count(tablets_given, "Tablet dibagikan / tablets given", limit=MAX_CLASS_SIZE)
    took = _count(girls_took, "Siswi minum / girls who took", limit=MAX_CLASS_SIZE)
    problem = ttd.week_problem(enrolled, given, took)
    if problem:
        raise RemajaError(problem)
    row, created = TtdWeek.objects.update_or_create(
        school=school,
        class_name=class_name,
        week_start=week,
        defaults={
            "girls_enrolled": enrolled,
            "tablets_given": given,
            "girls_took": took,
            "recorded_by": user,
        },
    )
    _audit(user, request, "ttd_week", row.pk, school=school.pk, week=week.isoformat(), replaced=not created)
    return row
