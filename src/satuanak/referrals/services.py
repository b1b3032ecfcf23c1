"""Writes: loading the district's service units, sending and moving referrals, recording
developmental screenings.

Each function takes the acting user, checks everything before writing, and writes in one
transaction with its audit entry. Bad input raises ReferralError (a ValueError) with a message
in Bahasa Indonesia and English and changes nothing; ReferralPermissionError (a subclass)
means the user may see the referral but not do this to it.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from satuanak.access.policy import Capability, policy_for
from satuanak.access.selectors import children_visible_to
from satuanak.accounts.models import Agency
from satuanak.accounts.roles import AgencyKind
from satuanak.audit.models import AuditAction
from satuanak.audit.services import audit_record
from satuanak.common import clock, uploads
from satuanak.facilities.models import HealthFacility
from satuanak.persons.models import Child
from satuanak.referrals import transitions as t
from satuanak.referrals.models import (
    DevelopmentScreening,
    Referral,
    ReferralAttachment,
    ReferralEvent,
    ServiceUnit,
)
from satuanak.referrals.selectors import (
    receiving_units,
    referrals_visible_to,
    sending_units_for,
    units_acting_for,
)
from satuanak.regions.models import Kecamatan

MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024
MAX_ATTACHMENTS = 5
MAX_TEXT = 4000
# Violence-related referrals go only to units staffed by protection officers, who may read them.
PROTECTION_UNIT_KINDS = frozenset({ServiceUnit.Kind.UPTD_PPA, ServiceUnit.Kind.DINSOS_P3A})


class ReferralError(ValueError):
    pass


class ReferralPermissionError(ReferralError):
    """The user may read the referral (or the page) but may not do this."""


# --- service units ---------------------------------------------------------------------------


def _agency(code: str) -> Agency | None:
    return Agency.objects.filter(code=code).first() if code else None


@transaction.atomic
def service_units_load(*, data_dir: Path | None = None) -> dict[str, int]:
    """Create or update the district's units; idempotent. Needs the reference data loaded.

    - the district units listed in data/referrals/service_units.csv (UPTD PPA, Dinsos P3A,
      SAPA ABK, PUSPAGA, Disdukcapil), each tied to the agency whose users act for it;
    - one unit per puskesmas (kind PRAP where it is certified child-friendly), acted for by the
      agency of that puskesmas;
    - RSUD (the district's own hospital) as a receiving unit;
    - one sending unit per school and posyandu agency that exists (their users are the
      school's Duta Adminduk and the posyandu's cadres).

    An agency that does not exist yet leaves the unit without anyone acting for it; loading
    again after the agencies are created ties it.
    """
    data_dir = data_dir or Path(settings.SATUANAK_DATA_DIR)
    counts = {"district": 0, "puskesmas": 0, "hospital": 0, "school_posyandu": 0}
    path = data_dir / "referrals" / "service_units.csv"
    with path.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    kinds = set(ServiceUnit.Kind.values)
    for row in rows:
        if row["kind"] not in kinds:
            raise ReferralError(
                f"{path.name}: jenis unit tidak dikenal {row['kind']!r}. / unknown unit kind {row['kind']!r}."
            )
        kecamatan = (
            Kecamatan.objects.filter(code=row["kecamatan_code"]).first() if row["kecamatan_code"] else None
        )
        ServiceUnit.objects.update_or_create(
            code=row["code"],
            defaults={
                "name": row["name"],
                "kind": row["kind"],
                "receives": row["receives"].strip().lower() == "true",
                "kecamatan": kecamatan,
                "agency": _agency(row["agency_code"]),
            },
        )
        counts["district"] += 1
    for facility in HealthFacility.objects.filter(kind=HealthFacility.Kind.PUSKESMAS).select_related(
        "kecamatan"
    ):
        ServiceUnit.objects.update_or_create(
            code="pkm-" + slugify(facility.name.removeprefix("Puskesmas ")),
            defaults={
                "name": facility.name + (" (PRAP)" if facility.child_friendly else ""),
                "kind": ServiceUnit.Kind.PRAP if facility.child_friendly else ServiceUnit.Kind.PUSKESMAS,
                "receives": False,
                "kecamatan": facility.kecamatan,
                "agency": Agency.objects.filter(health_facility=facility).first(),
            },
        )
        counts["puskesmas"] += 1
    for facility in HealthFacility.objects.filter(
        kind=HealthFacility.Kind.RUMAH_SAKIT, name__icontains="Umum Daerah"
    ):
        ServiceUnit.objects.update_or_create(
            code="rsud-" + slugify(facility.name.split("Daerah", 1)[1]),
            defaults={
                "name": facility.name,
                "kind": ServiceUnit.Kind.RSUD,
                "receives": True,
                "kecamatan": facility.kecamatan,
                "agency": Agency.objects.filter(health_facility=facility).first(),
            },
        )
        counts["hospital"] += 1
    unit_kind = {AgencyKind.SCHOOL: ServiceUnit.Kind.SCHOOL, AgencyKind.POSYANDU: ServiceUnit.Kind.POSYANDU}
    for agency in Agency.objects.filter(kind__in=list(unit_kind)).select_related("school"):
        ServiceUnit.objects.update_or_create(
            code=agency.code,
            defaults={
                "name": agency.name,
                "kind": unit_kind[AgencyKind(agency.kind)],
                "receives": False,
                "kecamatan": agency.school.kecamatan if agency.school else None,
                "agency": agency,
            },
        )
        counts["school_posyandu"] += 1
    return counts


# --- attachments -----------------------------------------------------------------------------


def _attachments_check(files: Sequence[uploads.UploadedFileLike]) -> list[uploads.CheckedFile]:
    """Typed by their bytes (common/uploads.py); refused with the reason as a ReferralError."""
    try:
        return uploads.checked_files(files, max_bytes=MAX_ATTACHMENT_BYTES, max_files=MAX_ATTACHMENTS)
    except uploads.UploadError as exc:
        raise ReferralError(str(exc)) from None


def attachment_path(item: ReferralAttachment) -> Path:
    return Path(settings.MEDIA_ROOT) / item.stored_name


# --- referrals -------------------------------------------------------------------------------


def _require(user: Any, capability: Capability) -> None:
    if (
        not getattr(user, "is_authenticated", False)
        or capability not in policy_for(getattr(user, "role", "")).capabilities
    ):
        raise ReferralPermissionError("Peran Anda tidak boleh melakukan ini. / Your role may not do this.")


def _text(value: str, label_id: str, label_en: str, *, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ReferralError(f"{label_id} wajib diisi. / {label_en} is required.")
    if len(value) > MAX_TEXT:
        raise ReferralError(
            f"{label_id} terlalu panjang (maks. {MAX_TEXT} huruf). / "
            f"{label_en} is too long (max. {MAX_TEXT})."
        )
    return value


def referral_create(
    *,
    user: Any,
    child_id: int,
    from_unit: str,
    to_unit: str,
    reason: str,
    urgency: str,
    is_protection: bool = False,
    attachments: Sequence[uploads.UploadedFileLike] = (),
    sent_on: date | None = None,
    screening_id: int | None = None,
    request: Any = None,
) -> Referral:
    """Send a child from one unit to another. `from_unit` / `to_unit` are unit codes.

    Refused (nothing written): a role without HANDLE_REFERRALS; a child outside the user's
    area; a sending unit the user does not act for (selectors.sending_units_for); a unit that
    does not exist, is inactive or does not receive referrals; the same unit at both ends; an
    empty reason; an unknown urgency; a violence-related referral to a unit other than UPTD PPA
    or Dinsos P3A (only their protection officers may read it); a sending date in the future
    or before the child's birth; an attachment that is not a PDF/PNG/JPEG by its bytes or is
    over 5 MB; a screening of another child or already referred.
    """
    _require(user, Capability.HANDLE_REFERRALS)
    child = children_visible_to(user).select_related("desa").filter(pk=child_id).first()
    if child is None:
        raise ReferralError("Anak tidak ditemukan di wilayah Anda. / Child not found in your area.")
    source = sending_units_for(user).filter(code=from_unit).first()
    if source is None:
        raise ReferralError(
            f"Anda tidak bertindak untuk unit pengirim {from_unit!r}. / "
            f"You do not act for the sending unit {from_unit!r}."
        )
    target = receiving_units().filter(code=to_unit).first()
    if target is None:
        raise ReferralError(
            f"Unit tujuan {to_unit!r} tidak ada atau tidak menerima rujukan. / "
            f"Unit {to_unit!r} does not exist or does not receive referrals."
        )
    if target.pk == source.pk:
        raise ReferralError("Unit tujuan sama dengan unit pengirim. / The unit cannot refer to itself.")
    reason = _text(reason, "Alasan rujukan", "The reason")
    if urgency not in t.URGENCIES:
        raise ReferralError(f"Urgensi tidak dikenal: {urgency!r}. / Unknown urgency: {urgency!r}.")
    if is_protection and target.kind not in PROTECTION_UNIT_KINDS:
        raise ReferralError(
            "Kasus kekerasan dirujuk ke UPTD PPA atau Dinas Sosial P3A. / "
            "A violence-related referral goes to UPTD PPA or Dinsos P3A."
        )
    today = clock.today()
    sent_on = sent_on or today
    if sent_on > today:
        raise ReferralError("Tanggal kirim di masa depan. / The sending date is in the future.")
    if child.birth_date and sent_on < child.birth_date:
        raise ReferralError(
            "Tanggal kirim sebelum anak lahir. / The sending date is before the child's birth."
        )
    screening = None
    if screening_id is not None:
        screening = DevelopmentScreening.objects.filter(
            pk=screening_id, child=child, referral__isnull=True
        ).first()
        if screening is None or is_protection:
            raise ReferralError(
                "Skrining tidak ditemukan untuk anak ini atau sudah dirujuk. / "
                "Screening not found for this child or already referred."
            )
    files = _attachments_check(attachments)

    with transaction.atomic():
        referral = Referral.objects.create(
            child=child,
            from_unit=source,
            to_unit=target,
            reason=reason,
            urgency=urgency,
            is_protection=is_protection,
            status=t.SENT,
            sent_on=sent_on,
            due_on=t.due_on(sent_on, urgency),
            created_by=user,
        )
        ReferralEvent.objects.create(
            referral=referral,
            from_status="",
            to_status=t.SENT,
            by=user,
            at=_event_time(sent_on),
        )
        for item in files:
            ReferralAttachment.objects.create(
                referral=referral,
                stored_name=uploads.store(item, folder="referrals"),
                original_name=item.original_name,
                content_type=item.content_type,
                size_bytes=len(item.data),
                sha256=item.sha256,
                uploaded_by=user,
            )
        if screening is not None:
            DevelopmentScreening.objects.filter(pk=screening.pk).update(referral=referral)
        audit_record(
            action=AuditAction.RECORD_CHANGED,
            actor=user,
            request=request,
            subject_type="referral",
            subject_id=referral.pk,
            desa_code=child.desa.code if child.desa else "",
            detail={
                "child": child.pk,
                "event": "sent",
                "from_unit": source.code,
                "to_unit": target.code,
                "urgency": urgency,
                "protection": is_protection,
                "attachments": [f.sha256 for f in files],
            },
        )
    return referral


def _event_time(on: date) -> datetime:
    """The moment of an event dated `on`: now when it is today, else noon of that day
    (Bengkayang's time), so back-dated steps sort in their order."""
    now = timezone.now()
    if on >= timezone.localdate(now):
        return now
    return timezone.make_aware(datetime.combine(on, datetime.min.time()).replace(hour=12))


def referral_transition(
    *,
    user: Any,
    referral: Referral | int,
    to_status: str,
    note: str = "",
    reason: str = "",
    outcome: str = "",
    at: datetime | None = None,
    request: Any = None,
) -> Referral:
    """Move a referral one step (transitions.TRANSITIONS). Only users acting for the receiving
    unit may, and only if they may read the referral. `reason` is required to decline and
    `outcome` to complete; `at` (default now) back-dates a step recorded late, never before
    the previous step nor in the future."""
    _require(user, Capability.HANDLE_REFERRALS)
    referral_id = referral.pk if isinstance(referral, Referral) else int(referral)
    note = _text(note, "Catatan", "The note", required=False)
    reason = _text(reason, "Alasan", "The reason", required=False)
    outcome = _text(outcome, "Hasil layanan", "The outcome", required=False)
    now = timezone.now()
    at = at or now
    if at > now:
        raise ReferralError("Waktu langkah di masa depan. / The time of the step is in the future.")
    with transaction.atomic():
        current = Referral.objects.select_for_update().filter(pk=referral_id).first()
        if current is None or not referrals_visible_to(user).filter(pk=referral_id).exists():
            raise ReferralPermissionError("Rujukan tidak ditemukan. / Referral not found.")
        if not units_acting_for(user).filter(pk=current.to_unit_id).exists():
            raise ReferralPermissionError(
                "Hanya unit tujuan yang dapat mengubah status rujukan. / "
                "Only the unit the referral was sent to can change its status."
            )
        try:
            t.transition_check(current.status, to_status, reason=reason, outcome=outcome)
        except t.TransitionError as exc:
            raise ReferralError(str(exc)) from exc
        last = current.events.order_by("-at", "-id").first()
        if last is not None and at < last.at:
            raise ReferralError(
                "Waktu langkah sebelum langkah sebelumnya. / The step's time is before the previous step."
            )
        from_status = current.status
        current.status = to_status
        fields = ["status"]
        if to_status == t.DECLINED:
            current.declined_reason = reason
            fields.append("declined_reason")
        if to_status == t.COMPLETED:
            current.outcome = outcome
            fields.append("outcome")
        current.save(update_fields=fields)
        ReferralEvent.objects.create(
            referral=current,
            from_status=from_status,
            to_status=to_status,
            by=user,
            at=at,
            note=note or reason or outcome,
        )
        audit_record(
            action=AuditAction.RECORD_CHANGED,
            actor=user,
            request=request,
            subject_type="referral",
            subject_id=current.pk,
            desa_code=Child.objects.filter(pk=current.child_id).values_list("desa__code", flat=True).first()
            or "",
            detail={"child": current.child_id, "event": to_status, "from": from_status},
        )
    return current


# --- developmental screening -----------------------------------------------------------------


@dataclass(frozen=True)
class ReferralProposal:
    """What the screening page offers after a deviation: refer to this unit."""

    to_unit: ServiceUnit | None  # None when the district has no active SAPA ABK unit
    unit_kind: str
    urgency: str
    reason: str


@dataclass(frozen=True)
class ScreeningOutcome:
    screening: DevelopmentScreening
    proposal: ReferralProposal | None


def screening_record(
    *,
    user: Any,
    child_id: int,
    screened_on: date,
    instrument: str,
    result: str,
    notes: str = "",
    request: Any = None,
) -> ScreeningOutcome:
    """Record a KPSP, hearing (TDD) or vision (TDL) screening of a child of the user's area.
    A date in the future or before birth, a result of another instrument, or an age the
    instrument is not made for is refused. A deviation (KPSP) or a suspected hearing/vision
    problem returns a proposal to refer the child to the SAPA ABK unit."""
    _require(user, Capability.RECORD_INTERVENTIONS)
    child = children_visible_to(user).select_related("desa").filter(pk=child_id).first()
    if child is None:
        raise ReferralError("Anak tidak ditemukan di wilayah Anda. / Child not found in your area.")
    if screened_on > clock.today():
        raise ReferralError("Tanggal skrining di masa depan. / The screening date is in the future.")
    if child.birth_date and screened_on < child.birth_date:
        raise ReferralError(
            "Tanggal skrining sebelum anak lahir. / The screening date is before the child's birth."
        )
    age = t.age_in_months(child.birth_date, screened_on) if child.birth_date else None
    try:
        t.screening_check(instrument, result, age)
    except ValueError as exc:
        raise ReferralError(str(exc)) from exc
    notes = _text(notes, "Catatan", "The notes", required=False)
    with transaction.atomic():
        screening = DevelopmentScreening.objects.create(
            child=child,
            screened_on=screened_on,
            instrument=instrument,
            result=result,
            age_months=age,
            recorded_by=user,
            notes=notes,
        )
        audit_record(
            action=AuditAction.RECORD_CHANGED,
            actor=user,
            request=request,
            subject_type="screening",
            subject_id=screening.pk,
            desa_code=child.desa.code if child.desa else "",
            detail={"child": child.pk, "instrument": instrument, "result": result},
        )
    proposal = None
    if t.screening_needs_referral(result):
        proposal = ReferralProposal(
            to_unit=receiving_units().filter(kind=ServiceUnit.Kind.SAPA_ABK).order_by("code").first(),
            unit_kind=ServiceUnit.Kind.SAPA_ABK,
            urgency=t.ROUTINE,
            reason=screening_referral_reason(screening),
        )
    return ScreeningOutcome(screening=screening, proposal=proposal)


def screening_referral_reason(screening: DevelopmentScreening) -> str:
    """The reason prefilled on the referral form after a screening."""
    age = (
        f", umur {screening.age_months} bulan / age {screening.age_months} months"
        if screening.age_months is not None
        else ""
    )
    return (
        f"Skrining {screening.get_instrument_display()} tanggal {screening.screened_on:%d-%m-%Y}: "
        f"{screening.get_result_display()}{age}. Mohon asesmen dan intervensi. / "
        "Please assess and intervene."
    )
