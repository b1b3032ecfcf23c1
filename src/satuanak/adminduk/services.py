"""Writes: declaring a birth, the officer's steps, issuing documents (with or without a
declaration) into the registry.

Each function takes the acting user, checks everything before writing, and writes in one
transaction with its audit entry. Bad input raises DeclarationError (a ValueError) with the
messages in Bahasa Indonesia and English and changes nothing; AdmindukPermissionError (a
subclass) means the user's role may not do this.

Checks on entry (`declaration_create`), what was chosen:
- NIKs: structurally valid (core/nik.py); the mother's NIK must be a woman's (day + 40), the
  father's a man's. Each is looked up in the staged SIAK rows; a NIK not found there is refused
  unless the operator says so explicitly ("tidak ditemukan di SIAK") and types the name.
- Mother's age at the birth (from SIAK, else from her NIK): under 10 or over 60 is refused as a
  typing error; under 18 is accepted with a warning (a child mother: a child-marriage signal the
  officer sees), as Disdukcapil must still register the baby.
- Birth: not in the future, not more than 365 days ago (older births go to the office's late
  registration); weight 500-6000 g, length 25-60 cm.
- Duplicates: the same mother with a baby born the same day already declared (not rejected) and
  either a similar name or the same sex is refused; for a multiple birth ("kembar") only a
  similar name counts. A SIAK child of the same mother born that day is refused ("already in
  SIAK").
- Attachments: the facility's birth letter and at least one parent's ID are required on entry;
  the marriage book may follow (the officer returns the declaration when it is needed).
"""

from __future__ import annotations

import difflib
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from satuanak.access.policy import Capability, policy_for
from satuanak.accounts.models import Agency
from satuanak.adminduk import states as s
from satuanak.adminduk.models import (
    BirthDeclaration,
    DeclarationAttachment,
    DeclarationEvent,
    IssuedDocuments,
)
from satuanak.adminduk.registry import RegistryEntry, registry_entries_import
from satuanak.adminduk.selectors import (
    siak_children_of_mother,
    siak_kk_numbers_with_prefix,
    siak_niks_with_prefix,
    siak_person_by_nik,
)
from satuanak.audit.models import AuditAction
from satuanak.audit.services import audit_record
from satuanak.common import clock, uploads
from satuanak.core.nik import KkNumber, Nik, NikError
from satuanak.persons.models import Child
from satuanak.regions.models import Desa

MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024
MAX_ATTACHMENTS = 8
MAX_TEXT = 2000
WEIGHT_G = (500, 6000)
LENGTH_CM = (Decimal("25"), Decimal("60"))
MOTHER_AGE = (10, 60)
MOTHER_AGE_WARN = 18
MAX_BIRTH_AGE_DAYS = 365
NAME_SIMILARITY = 0.85
PARENT_ID_KINDS = frozenset({DeclarationAttachment.Kind.MOTHER_ID, DeclarationAttachment.Kind.FATHER_ID})
UPLOAD_FOLDER = "adminduk"


class DeclarationError(ValueError):
    """Refused input; `messages` lists every problem found (bilingual)."""

    def __init__(self, messages: Sequence[str] | str) -> None:
        self.messages = [messages] if isinstance(messages, str) else list(messages)
        super().__init__(" ".join(self.messages))


class AdmindukPermissionError(DeclarationError):
    """The user's role may not do this."""


def _require(user: Any, capability: Capability) -> None:
    if (
        not getattr(user, "is_authenticated", False)
        or capability not in policy_for(getattr(user, "role", "")).capabilities
    ):
        raise AdmindukPermissionError("Peran Anda tidak boleh melakukan ini. / Your role may not do this.")


def now() -> datetime:
    """The platform's now: the real time, on the fixed demo date when SATUANAK_TODAY is set."""
    real = timezone.localtime()
    fixed = getattr(settings, "SATUANAK_TODAY", None)
    return real if not fixed else real.replace(year=fixed.year, month=fixed.month, day=fixed.day)


def _name_key(name: str) -> str:
    return " ".join(re.sub(r"[^a-z ]", " ", (name or "").lower()).split())


def names_similar(a: str, b: str) -> bool:
    ka, kb = _name_key(a), _name_key(b)
    if not ka or not kb:
        return False
    return ka == kb or difflib.SequenceMatcher(None, ka, kb).ratio() >= NAME_SIMILARITY


# --- parents ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ParentCheck:
    """What the birth operator is shown about a parent's NIK: nothing more (minimisation)."""

    nik: str
    valid: bool
    error: str = ""
    found: bool = False
    name_matches: bool | None = None  # None: no name typed or not found
    kk_number: str = ""


def parent_lookup(*, user: Any, nik: str, name: str, sex: str) -> ParentCheck:
    """Check a parent's NIK: valid, of the expected sex, found in SIAK, name matching."""
    _require(user, Capability.DECLARE_BIRTHS)
    raw = (nik or "").strip()
    try:
        parsed = Nik.parse(raw, reference_date=clock.today())
    except NikError as exc:
        return ParentCheck(nik=raw, valid=False, error=str(exc))
    if parsed.sex != sex:
        return ParentCheck(nik=parsed.value, valid=False, error=_sex_message(sex))
    person = siak_person_by_nik(parsed.value)
    if person is None:
        return ParentCheck(nik=parsed.value, valid=True, found=False)
    matches = names_similar(name, person.name) if name.strip() else None
    return ParentCheck(
        nik=parsed.value, valid=True, found=True, name_matches=matches, kk_number=person.kk_number
    )


def _sex_message(sex: str) -> str:
    if sex == "P":
        return "NIK ibu harus NIK perempuan (tanggal + 40). / The mother's NIK must be a woman's (day + 40)."
    return "NIK ayah harus NIK laki-laki. / The father's NIK must be a man's."


# --- declaring -------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeclarationInput:
    baby_name: str
    baby_sex: str  # "L" | "P"
    birth_at: datetime
    birth_place: str
    weight_g: int
    length_cm: Decimal | float | str
    mother_nik: str
    mother_name: str
    mother_not_in_siak: bool = False
    father_nik: str = ""
    father_name: str = ""
    father_not_in_siak: bool = False
    kk_number: str = ""  # blank: taken from the mother's (or father's) SIAK row, else a new card
    desa_code: str = ""  # blank: the mother's SIAK desa
    address: str = ""
    multiple_birth: bool = False
    note: str = ""


@dataclass
class _Checked:
    mother_nik: str = ""
    mother_name: str = ""
    mother_in_siak: bool = False
    mother_birth_date: date | None = None
    father_nik: str = ""
    father_name: str = ""
    father_in_siak: bool = False
    kk_number: str = ""
    desa: Desa | None = None
    length_cm: Decimal = Decimal(0)
    warnings: list[str] = field(default_factory=list)


def _parent(
    errors: list[str], *, role_id: str, role_en: str, nik: str, name: str, not_in_siak: bool, sex: str
) -> tuple[str, str, bool, date | None, str, str]:
    """(nik, name, in_siak, birth_date, kk, desa_code) of a parent, errors appended."""
    try:
        parsed = Nik.parse(nik, reference_date=clock.today())
    except NikError as exc:
        errors.append(f"NIK {role_id} / {role_en}'s NIK: {exc}")
        return "", name.strip(), False, None, "", ""
    if parsed.sex != sex:
        errors.append(_sex_message(sex))
    person = siak_person_by_nik(parsed.value)
    if person is None:
        if not not_in_siak:
            errors.append(
                f"NIK {role_id} tidak ditemukan di SIAK: periksa lagi, atau centang 'tidak ditemukan' dan "
                f"tulis namanya. / The {role_en}'s NIK is not in SIAK: check it, or tick 'not found' and "
                "type the name."
            )
        elif not name.strip():
            errors.append(f"Nama {role_id} wajib diisi. / The {role_en}'s name is required.")
        return parsed.value, name.strip(), False, parsed.birth_date, "", ""
    return (
        parsed.value,
        person.name,
        True,
        person.birth_date or parsed.birth_date,
        person.kk_number,
        person.desa_code,
    )


def _text(errors: list[str], value: str, label_id: str, label_en: str, *, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        errors.append(f"{label_id} wajib diisi. / {label_en} is required.")
    if len(value) > MAX_TEXT:
        errors.append(f"{label_id} terlalu panjang. / {label_en} is too long.")
    return value


def declaration_check(*, data: DeclarationInput, at: datetime) -> _Checked:
    """Every check on entry; DeclarationError with all problems found, nothing written."""
    errors: list[str] = []
    out = _Checked()
    _text(errors, data.baby_name, "Nama bayi", "The baby's name")
    _text(errors, data.birth_place, "Tempat lahir", "The place of birth")
    if data.baby_sex not in ("L", "P"):
        errors.append("Jenis kelamin bayi wajib dipilih (L/P). / The baby's sex is required (L/P).")
    birth_at = data.birth_at if timezone.is_aware(data.birth_at) else timezone.make_aware(data.birth_at)
    if birth_at > at:
        errors.append("Waktu lahir di masa depan. / The time of birth is in the future.")
    elif (at - birth_at) > timedelta(days=MAX_BIRTH_AGE_DAYS):
        errors.append(
            "Kelahiran lebih dari 1 tahun yang lalu: daftarkan di kantor Disdukcapil "
            "(pencatatan terlambat). / "
            "Born more than a year ago: register at the Disdukcapil office (late registration)."
        )
    if not WEIGHT_G[0] <= data.weight_g <= WEIGHT_G[1]:
        errors.append(
            f"Berat lahir harus {WEIGHT_G[0]}-{WEIGHT_G[1]} gram. / "
            f"Birth weight must be {WEIGHT_G[0]}-{WEIGHT_G[1]} g."
        )
    try:
        out.length_cm = Decimal(str(data.length_cm)).quantize(Decimal("0.1"))
    except (InvalidOperation, ValueError):
        out.length_cm = Decimal(-1)
    if not LENGTH_CM[0] <= out.length_cm <= LENGTH_CM[1]:
        errors.append(
            f"Panjang lahir harus {LENGTH_CM[0]}-{LENGTH_CM[1]} cm. / "
            f"Birth length must be {LENGTH_CM[0]}-{LENGTH_CM[1]} cm."
        )
    m_nik, m_name, m_in, m_born, m_kk, m_desa = _parent(
        errors,
        role_id="ibu",
        role_en="mother",
        nik=data.mother_nik,
        name=data.mother_name,
        not_in_siak=data.mother_not_in_siak,
        sex="P",
    )
    out.mother_nik, out.mother_name, out.mother_in_siak, out.mother_birth_date = m_nik, m_name, m_in, m_born
    if m_in and data.mother_name.strip() and not names_similar(data.mother_name, m_name):
        out.warnings.append(
            "Nama ibu yang diketik berbeda dengan SIAK; dipakai nama di SIAK. / "
            "The mother's typed name differs from SIAK; the SIAK name is used."
        )
    f_kk = f_desa = ""
    if data.father_nik.strip():
        f_nik, f_name, f_in, _f_born, f_kk, f_desa = _parent(
            errors,
            role_id="ayah",
            role_en="father",
            nik=data.father_nik,
            name=data.father_name,
            not_in_siak=data.father_not_in_siak,
            sex="L",
        )
        out.father_nik, out.father_name, out.father_in_siak = f_nik, f_name, f_in
    else:
        out.father_name = data.father_name.strip()
    if m_born is not None:
        age = (birth_at.date() - m_born).days / 365.25
        if not MOTHER_AGE[0] <= age <= MOTHER_AGE[1]:
            errors.append(
                f"Umur ibu saat melahirkan {age:.0f} tahun: periksa NIK/tanggal lahir ibu. / "
                f"The mother's age at the birth is {age:.0f}: check her NIK or birth date."
            )
        elif age < MOTHER_AGE_WARN:
            out.warnings.append(
                f"Ibu berumur {age:.0f} tahun saat melahirkan (di bawah 18). / "
                f"The mother was {age:.0f} at the birth (under 18)."
            )
    kk = (data.kk_number or "").strip() or m_kk or f_kk
    if kk:
        try:
            out.kk_number = KkNumber.parse(kk, reference_date=clock.today()).value
        except NikError as exc:
            errors.append(f"No. KK: {exc}")
    desa_code = (data.desa_code or "").strip() or m_desa or f_desa
    out.desa = Desa.objects.select_related("kecamatan").filter(code=desa_code).first() if desa_code else None
    if out.desa is None:
        errors.append(
            "Desa tempat tinggal keluarga wajib dipilih (tidak ada di SIAK). / "
            "The family's desa is required (not in SIAK)."
        )
    if m_nik and not errors:
        born = birth_at.date()
        if siak_children_of_mother(m_nik, born):
            errors.append(
                "Bayi ini sudah tercatat di SIAK (anak dari ibu ini, lahir tanggal yang sama). / "
                "This baby is already in SIAK (a child of this mother born on that day)."
            )
        for other in BirthDeclaration.objects.filter(mother_nik=m_nik).exclude(state=s.REJECTED):
            if other.birth_date != born:
                continue
            similar = names_similar(other.baby_name, data.baby_name)
            same_sex = other.baby_sex == data.baby_sex
            if similar or (same_sex and not (data.multiple_birth or other.multiple_birth)):
                errors.append(
                    f"Kelahiran ini sudah dilaporkan (laporan #{other.pk}). / "
                    f"This birth has already been declared (declaration #{other.pk})."
                )
                break
    if errors:
        raise DeclarationError(errors)
    return out


def _attachments(
    attachments: Mapping[str, Sequence[uploads.UploadedFileLike]],
) -> list[tuple[str, uploads.CheckedFile]]:
    kinds = set(DeclarationAttachment.Kind.values)
    items: list[tuple[str, uploads.CheckedFile]] = []
    total = sum(len(v) for v in attachments.values())
    if total > MAX_ATTACHMENTS:
        raise DeclarationError(f"Paling banyak {MAX_ATTACHMENTS} berkas. / At most {MAX_ATTACHMENTS} files.")
    for kind, files in attachments.items():
        if kind not in kinds:
            raise DeclarationError(f"Jenis lampiran tidak dikenal: {kind!r}. / Unknown attachment kind.")
        try:
            items += [
                (kind, f)
                for f in uploads.checked_files(
                    files, max_bytes=MAX_ATTACHMENT_BYTES, max_files=MAX_ATTACHMENTS
                )
            ]
        except uploads.UploadError as exc:
            raise DeclarationError(str(exc)) from None
    return items


def _store(
    declaration: BirthDeclaration, items: list[tuple[str, uploads.CheckedFile]], user: Any, at: datetime
) -> None:
    for kind, item in items:
        DeclarationAttachment.objects.create(
            declaration=declaration,
            kind=kind,
            stored_name=uploads.store(item, folder=UPLOAD_FOLDER),
            original_name=item.original_name,
            content_type=item.content_type,
            size_bytes=len(item.data),
            sha256=item.sha256,
            uploaded_by=user,
            uploaded_at=at,
        )


def tracking_code_new() -> str:
    for _ in range(20):
        code = "".join(secrets.choice(s.TRACKING_ALPHABET) for _ in range(s.TRACKING_LENGTH))
        if not BirthDeclaration.objects.filter(tracking_code=code).exists():
            return code
    raise RuntimeError("no free tracking code")  # 31**8 codes: practically unreachable


def _event(
    declaration: BirthDeclaration, from_state: str, to_state: str, user: Any, at: datetime, reasons: str
) -> None:
    DeclarationEvent.objects.create(
        declaration=declaration, from_state=from_state, to_state=to_state, by=user, at=at, reasons=reasons
    )


def _audit(declaration: BirthDeclaration, user: Any, request: HttpRequest | None, **detail: Any) -> None:
    audit_record(
        action=AuditAction.RECORD_CHANGED,
        actor=user,
        request=request,
        subject_type="birth_declaration",
        subject_id=declaration.pk,
        desa_code=declaration.desa.code,
        detail=detail,
    )


def declaration_create(
    *,
    user: Any,
    data: DeclarationInput,
    attachments: Mapping[str, Sequence[uploads.UploadedFileLike]],
    at: datetime | None = None,
    request: HttpRequest | None = None,
) -> BirthDeclaration:
    """A facility's birth operator declares a birth (state submitted). Everything is checked
    first (module docstring); nothing is written when a check fails."""
    _require(user, Capability.DECLARE_BIRTHS)
    agency: Agency | None = getattr(user, "agency", None)
    facility = agency.health_facility if agency is not None else None
    if agency is None or facility is None:
        raise AdmindukPermissionError(
            "Akun Anda tidak terhubung ke fasilitas kesehatan. / "
            "Your account is not tied to a health facility."
        )
    at = at or now()
    checked = declaration_check(data=data, at=at)
    items = _attachments(attachments)
    kinds = {k for k, _ in items}
    missing = []
    if DeclarationAttachment.Kind.BIRTH_LETTER not in kinds:
        missing.append("Surat keterangan lahir wajib dilampirkan. / The birth letter must be attached.")
    if not kinds & PARENT_ID_KINDS:
        missing.append("Lampirkan KTP ibu atau ayah. / Attach the mother's or the father's ID card.")
    if missing:
        raise DeclarationError(missing)
    note = (data.note or "").strip()[:MAX_TEXT]
    birth_at = data.birth_at if timezone.is_aware(data.birth_at) else timezone.make_aware(data.birth_at)
    desa = checked.desa
    if desa is None:  # declaration_check refuses a missing desa; this keeps the type checker sure
        raise DeclarationError("Desa wajib. / The desa is required.")
    with transaction.atomic():
        declaration = BirthDeclaration.objects.create(
            facility=facility,
            agency=agency,
            baby_name=data.baby_name.strip(),
            baby_sex=data.baby_sex,
            birth_at=birth_at,
            birth_place=data.birth_place.strip(),
            weight_g=data.weight_g,
            length_cm=checked.length_cm,
            multiple_birth=data.multiple_birth,
            mother_nik=checked.mother_nik,
            mother_name=checked.mother_name,
            mother_in_siak=checked.mother_in_siak,
            mother_birth_date=checked.mother_birth_date,
            father_nik=checked.father_nik,
            father_name=checked.father_name,
            father_in_siak=checked.father_in_siak,
            kk_number=checked.kk_number,
            desa=desa,
            address=(data.address or "").strip()[:200],
            state=s.SUBMITTED,
            tracking_code=tracking_code_new(),
            warnings=checked.warnings,
            note=note,
            submitted_at=at,
            due_on=s.due_on(timezone.localtime(at).date()),
            created_by=user,
            created_at=at,
        )
        _store(declaration, items, user, at)
        _event(declaration, "", s.SUBMITTED, user, at, note)
        _audit(declaration, user, request, to=s.SUBMITTED, attachments=sorted(kinds))
    return declaration


def _move(
    *, user: Any, declaration: BirthDeclaration, to_state: str, actor: str, reasons: str, at: datetime
) -> str:
    declaration.refresh_from_db(fields=["state"])
    from_state = declaration.state
    try:
        s.transition_check(from_state, to_state, actor=actor, reason=reasons)
    except s.TransitionError as exc:
        raise DeclarationError(str(exc)) from None
    declaration.state = to_state
    return from_state


def declaration_resubmit(
    *,
    user: Any,
    declaration: BirthDeclaration,
    attachments: Mapping[str, Sequence[uploads.UploadedFileLike]],
    note: str = "",
    at: datetime | None = None,
    request: HttpRequest | None = None,
) -> BirthDeclaration:
    """The operator answers a return: adds what was asked and submits again."""
    _require(user, Capability.DECLARE_BIRTHS)
    if declaration.agency_id != getattr(user, "agency_id", None):
        raise AdmindukPermissionError(
            "Hanya fasilitas pelapor yang dapat mengajukan ulang. / Only the declaring facility may resubmit."
        )
    at = at or now()
    items = _attachments(attachments)
    note = (note or "").strip()[:MAX_TEXT]
    with transaction.atomic():
        from_state = _move(
            user=user, declaration=declaration, to_state=s.SUBMITTED, actor=s.OPERATOR, reasons=note, at=at
        )
        declaration.submitted_at = at
        declaration.due_on = s.due_on(timezone.localtime(at).date())
        declaration.save(update_fields=["state", "submitted_at", "due_on", "updated_at"])
        _store(declaration, items, user, at)
        _event(declaration, from_state, s.SUBMITTED, user, at, note)
        _audit(declaration, user, request, to=s.SUBMITTED, attachments=sorted({k for k, _ in items}))
    return declaration


def declaration_transition(
    *,
    user: Any,
    declaration: BirthDeclaration,
    to_state: str,
    reasons: str = "",
    at: datetime | None = None,
    request: HttpRequest | None = None,
) -> BirthDeclaration:
    """Disdukcapil verifies, returns (reasons required) or rejects (reason required).
    Issuing is `declaration_issue`."""
    _require(user, Capability.PROCESS_ADMINDUK)
    if to_state == s.ISSUED:
        raise DeclarationError("Gunakan 'terbitkan dokumen'. / Use 'issue documents'.")
    at = at or now()
    reasons = (reasons or "").strip()[:MAX_TEXT]
    with transaction.atomic():
        from_state = _move(
            user=user, declaration=declaration, to_state=to_state, actor=s.OFFICER, reasons=reasons, at=at
        )
        declaration.save(update_fields=["state", "updated_at"])
        _event(declaration, from_state, to_state, user, at, reasons)
        _audit(declaration, user, request, to=to_state)
    return declaration


# --- issuing ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChildRegistryData:
    """A child as the civil registry will hold it after issuance (no declaration needed)."""

    name: str
    sex: str  # "L" | "P"
    birth_date: date
    birth_place: str
    desa_code: str  # "61.07.01.2001": the family's desa (its kecamatan starts a new NIK)
    mother_name: str
    father_name: str = ""
    mother_nik: str = ""
    father_nik: str = ""
    nik: str = ""  # blank: a new NIK is allocated
    kk_number: str = ""  # blank: a new family-card number is allocated
    akta_number: str = ""  # a certificate the child already has (kept when akta=False)
    has_kia: bool = False  # a KIA the child already has (kept when kia=False)
    address: str = ""


def child_registry_data_from_child(
    child: Child, *, birth_place: str = "", father_name: str = ""
) -> ChildRegistryData:
    """The registry data of a linked child (for a school's collective request or an application)."""
    if child.birth_date is None or child.desa is None or child.sex not in ("L", "P"):
        raise DeclarationError(
            "Tanggal lahir, jenis kelamin dan desa anak harus diketahui. / "
            "The child's birth date, sex and desa must be known."
        )
    return ChildRegistryData(
        name=child.name,
        sex=child.sex,
        birth_date=child.birth_date,
        birth_place=birth_place or "Bengkayang",
        desa_code=child.desa.code,
        mother_name=child.mother_name,
        father_name=father_name,
        nik=child.nik,
        kk_number=child.kk_number,
    )


def child_nik_allocate(*, kecamatan_code: str, birth_date: date, sex: str) -> str:
    """A new NIK: kecamatan + DDMMYY (+40 for girls) + the next serial unused in SIAK, among the
    linked children and among documents issued here."""
    prefix = Nik.build(
        kecamatan_code=kecamatan_code, birth_date=birth_date, sex="P" if sex == "P" else "L", serial=1
    )[:12]
    used = siak_niks_with_prefix(prefix)
    used |= set(Child.objects.filter(nik__startswith=prefix).values_list("nik", flat=True))
    used |= set(
        IssuedDocuments.objects.filter(child_nik__startswith=prefix).values_list("child_nik", flat=True)
    )
    serials = [int(n[12:]) for n in used if len(n) == 16 and n[12:].isdigit()]
    serial = max(serials, default=0) + 1
    if serial > 9999:
        raise DeclarationError("Nomor urut NIK habis untuk tanggal ini. / No NIK serial left for this date.")
    return prefix + f"{serial:04d}"


def _kk_allocate(*, kecamatan_code: str, issued_on: date) -> str:
    prefix = KkNumber.build(kecamatan_code=kecamatan_code, issued=issued_on, serial=1)[:12]
    used = siak_kk_numbers_with_prefix(prefix)
    used |= set(
        IssuedDocuments.objects.filter(kk_number__startswith=prefix).values_list("kk_number", flat=True)
    )
    serial = max((int(n[12:]) for n in used if n[12:].isdigit()), default=0) + 1
    return prefix + f"{serial:04d}"


def _akta_number(*, desa_code: str, issued_on: date) -> str:
    """'6107-LT-DDMMYYYY-NNNN' (kabupaten, lahir tepat waktu, date of issue, serial of the day)."""
    prefix = f"{desa_code.replace('.', '')[:4]}-LT-{issued_on:%d%m%Y}-"
    taken = IssuedDocuments.objects.filter(akta_number__startswith=prefix).values_list(
        "akta_number", flat=True
    )
    serial = max((int(n.rsplit("-", 1)[1]) for n in taken), default=0) + 1
    return f"{prefix}{serial:04d}"


def _documents_record(
    *,
    user: Any,
    child: ChildRegistryData,
    akta: bool,
    kia: bool,
    issued_on: date | None,
    at: datetime,
    request: HttpRequest | None,
    declaration: BirthDeclaration | None,
) -> tuple[IssuedDocuments, RegistryEntry]:
    """The IssuedDocuments row and its audit entry (inside the caller's transaction)."""
    if not (akta or kia):
        raise DeclarationError("Pilih akta dan/atau KIA. / Choose a birth certificate and/or a KIA.")
    desa = Desa.objects.select_related("kecamatan").filter(code=child.desa_code).first()
    if desa is None:
        raise DeclarationError("Desa tidak dikenal. / Unknown desa.")
    if child.sex not in ("L", "P") or not child.name.strip():
        raise DeclarationError("Nama dan jenis kelamin anak wajib. / The child's name and sex are required.")
    issued_on = issued_on or timezone.localtime(at).date()
    kec_code = desa.kecamatan.code
    nik = child.nik or child_nik_allocate(kecamatan_code=kec_code, birth_date=child.birth_date, sex=child.sex)
    kk = child.kk_number or _kk_allocate(kecamatan_code=kec_code, issued_on=issued_on)
    akta_number = _akta_number(desa_code=desa.code, issued_on=issued_on) if akta else child.akta_number
    has_kia = kia or child.has_kia
    try:
        with transaction.atomic():
            docs = IssuedDocuments.objects.create(
                declaration=declaration,
                child_nik=nik,
                child_name=child.name.strip().upper(),
                sex=child.sex,
                birth_date=child.birth_date,
                birth_place=child.birth_place.strip().upper(),
                mother_name=child.mother_name.strip().upper(),
                mother_nik=child.mother_nik,
                father_name=child.father_name.strip().upper(),
                father_nik=child.father_nik,
                desa=desa,
                akta_number=akta_number if akta else "",
                kia_number=nik if has_kia else "",
                kk_number=kk,
                issued_on=issued_on,
                issued_by=user,
                issued_at=at,
            )
    except IntegrityError:
        raise DeclarationError(
            "Nomor akta bentrok, coba lagi. / The certificate number clashed, try again."
        ) from None
    audit_record(
        action=AuditAction.RECORD_CHANGED,
        actor=user,
        request=request,
        subject_type="issued_documents",
        subject_id=docs.pk,
        desa_code=desa.code,
        detail={"akta": akta, "kia": kia, "declaration": declaration.pk if declaration else None},
    )
    entry = RegistryEntry(
        nik=nik,
        kk_number=kk,
        name=child.name,
        sex=child.sex,
        birth_place=child.birth_place,
        birth_date=child.birth_date,
        mother_name=child.mother_name,
        father_name=child.father_name,
        mother_nik=child.mother_nik,
        father_nik=child.father_nik,
        desa_code=desa.code,
        desa_name=desa.name,
        kecamatan_name=desa.kecamatan.name,
        akta_number=akta_number,
        has_kia=has_kia,
        address=child.address,
    )
    return docs, entry


def _registry_load(
    *, docs: IssuedDocuments, entry: RegistryEntry, user: Any, label: str, enqueue: bool
) -> None:
    """After the commit: the child's SIAK row through the import path (registry.py)."""
    batch = registry_entries_import(entries=[entry], user=user, label=label, enqueue=enqueue)
    IssuedDocuments.objects.filter(pk=docs.pk).update(import_batch_id=batch.pk)
    docs.import_batch_id = batch.pk


def documents_issue_for_child(
    *,
    user: Any,
    child: ChildRegistryData,
    akta: bool = True,
    kia: bool = True,
    issued_on: date | None = None,
    enqueue: bool = True,
    label: str = "",
    at: datetime | None = None,
    request: HttpRequest | None = None,
) -> IssuedDocuments:
    """Disdukcapil issues a child's documents without a birth declaration (a school's collective
    request, an online application): a NIK when the child has none, a birth-certificate number
    (akta=True), the KIA (kia=True; its number is the NIK), the family card (its number kept, or
    a new one). Recorded as IssuedDocuments and loaded into the registry as a SIAK row
    (registry.py), so after the relink the child has the NIK and no 'no akta' flag. `enqueue`
    False imports now and the caller relinks (tests)."""
    _require(user, Capability.PROCESS_ADMINDUK)
    at = at or now()
    with transaction.atomic():
        docs, entry = _documents_record(
            user=user,
            child=child,
            akta=akta,
            kia=kia,
            issued_on=issued_on,
            at=at,
            request=request,
            declaration=None,
        )
    _registry_load(docs=docs, entry=entry, user=user, label=label or f"dokumen_{docs.pk}", enqueue=enqueue)
    return docs


def declaration_issue(
    *,
    user: Any,
    declaration: BirthDeclaration,
    enqueue: bool = True,
    note: str = "",
    at: datetime | None = None,
    request: HttpRequest | None = None,
) -> IssuedDocuments:
    """Disdukcapil issues the documents of a verified declaration: birth certificate, KIA and
    the family card updated with the child; the child enters the registry with a NIK."""
    _require(user, Capability.PROCESS_ADMINDUK)
    at = at or now()
    note = (note or "").strip()[:MAX_TEXT]
    data = ChildRegistryData(
        name=declaration.baby_name,
        sex=declaration.baby_sex,
        birth_date=declaration.birth_date,
        birth_place=declaration.birth_place,
        desa_code=declaration.desa.code,
        mother_name=declaration.mother_name,
        father_name=declaration.father_name,
        mother_nik=declaration.mother_nik,
        father_nik=declaration.father_nik,
        kk_number=declaration.kk_number,
        address=declaration.address,
    )
    with transaction.atomic():
        from_state = _move(
            user=user, declaration=declaration, to_state=s.ISSUED, actor=s.OFFICER, reasons=note, at=at
        )
        declaration.save(update_fields=["state", "updated_at"])
        _event(declaration, from_state, s.ISSUED, user, at, note)
        _audit(declaration, user, request, to=s.ISSUED)
        docs, entry = _documents_record(
            user=user,
            child=data,
            akta=True,
            kia=True,
            issued_on=None,
            at=at,
            request=request,
            declaration=declaration,
        )
    _registry_load(docs=docs, entry=entry, user=user, label=f"3in1_{declaration.pk}", enqueue=enqueue)
    return docs
