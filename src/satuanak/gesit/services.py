"""Writes of the GESIT programme: foster parents (BAAS), assignments, PMT deliveries, Prosasa.

Every function is scoped to what the user may see (access/selectors.py), validates its input,
runs in one transaction and writes an audit entry. Bad input raises GesitError with a message
in Bahasa Indonesia and English and changes nothing. Role checks raise AccessDenied (the
views are gated before that, so a page never meets it).

`today` defaults to Bengkayang's date; the demo loader passes the synthetic district's date.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from satuanak.access.policy import Capability, role_can
from satuanak.access.selectors import AccessDenied, children_visible_to, desa_visible_to
from satuanak.audit.models import AuditAction
from satuanak.audit.services import audit_record
from satuanak.common import clock
from satuanak.facilities.models import Posyandu
from satuanak.gesit.assign import Candidate, Choice, Place, suggest_assignment
from satuanak.gesit.models import PROGRAMME_DAYS, Baas, BaasAssignment, PmtDelivery, ProsasaEntry
from satuanak.regions.models import Desa, Kecamatan

PROGRAMME = "GESIT"
ACTIVE_STATUSES = (BaasAssignment.Status.PROPOSED, BaasAssignment.Status.CONFIRMED)


class GesitError(ValueError):
    """Bad input for a GESIT action; the message is "Bahasa Indonesia / English"."""


def _today(today: date | None) -> date:
    return today or clock.today()


def _require(user: Any, capability: Capability) -> None:
    if not getattr(user, "is_authenticated", False) or not role_can(getattr(user, "role", ""), capability):
        raise AccessDenied("Peran Anda tidak berhak / your role may not do this")


# --- scope ---------------------------------------------------------------------------------------


def baas_visible_to(user: Any) -> QuerySet[Baas]:
    """BAAS based in the user's area (a BAAS placed only by kecamatan: when the kecamatan has a
    desa of the user's area)."""
    desa = desa_visible_to(user)
    return Baas.objects.filter(
        Q(desa__in=desa) | Q(desa__isnull=True, kecamatan__in=desa.values("kecamatan_id"))
    )


def posyandu_visible_to(user: Any) -> QuerySet[Posyandu]:
    return Posyandu.objects.filter(desa__in=desa_visible_to(user))


def assignments_visible_to(user: Any) -> QuerySet[BaasAssignment]:
    return BaasAssignment.objects.filter(child__in=children_visible_to(user))


def active_assignments(today: date | None = None) -> QuerySet[BaasAssignment]:
    """Proposed or confirmed, not ended, and not past its 100th day."""
    return BaasAssignment.objects.filter(status__in=ACTIVE_STATUSES, end_date__gte=_today(today))


def _latest_period(code: str) -> str | None:
    from satuanak.flags.models import ChildFlag

    return ChildFlag.objects.filter(code=code).order_by("-period").values_list("period", flat=True).first()


def stunted_findings(user: Any) -> QuerySet[Any]:
    """The user's children flagged "stunting" in the latest quarter: (child_id, value = HAZ)."""
    from satuanak.flags.models import ChildFlag
    from satuanak.flags.selectors import flagged_child_ids

    period = _latest_period("stunting")
    return ChildFlag.objects.filter(
        code="stunting",
        period=period,
        status=ChildFlag.Status.FLAGGED,
        child_id__in=flagged_child_ids(user=user, code="stunting"),
        child__in=children_visible_to(user),
    )


def _place_of(baas: Baas) -> Place:
    if baas.desa is not None:
        return Place(code=baas.desa.code, lat=baas.desa.centroid_lat, lng=baas.desa.centroid_lng)
    k = baas.kecamatan
    return Place(code=k.code, lat=k.centroid_lat, lng=k.centroid_lng)


def _audit_change(
    user: Any, request: Any, subject_type: str, subject_id: int, desa_code: str, **detail: Any
) -> None:
    audit_record(
        action=AuditAction.RECORD_CHANGED,
        actor=user,
        request=request,
        subject_type=subject_type,
        subject_id=subject_id,
        desa_code=desa_code,
        detail=detail,
    )


# --- BAAS ----------------------------------------------------------------------------------------


def baas_create(
    *,
    user: Any,
    kind: str,
    name: str,
    kecamatan_code: str = "",
    desa_code: str = "",
    phone: str = "",
    email: str = "",
    commitment: str = "",
    capacity: int = 10,
    request: Any = None,
) -> Baas:
    """Register a foster parent based in a desa (or only a kecamatan) of the user's area."""
    _require(user, Capability.RUN_PROGRAMMES)
    name = name.strip()
    if kind not in Baas.Kind.values:
        raise GesitError(f"Jenis BAAS tidak dikenal: {kind!r}. / Unknown BAAS type: {kind!r}.")
    if not name:
        raise GesitError("Nama BAAS wajib diisi. / The BAAS name is required.")
    if not 1 <= capacity <= 10:
        raise GesitError(
            "Kapasitas harus 1 sampai 10 anak (skema 1-10-100). / Capacity must be 1 to 10 children."
        )
    email = email.strip()
    if email:
        try:
            validate_email(email)
        except ValidationError as exc:
            raise GesitError("Alamat surel tidak sah. / Invalid e-mail address.") from exc
    visible = desa_visible_to(user)
    desa: Desa | None = None
    if desa_code:
        desa = visible.select_related("kecamatan").filter(code=desa_code).first()
        if desa is None:
            raise GesitError("Desa tidak ditemukan di wilayah Anda. / Desa not found in your area.")
        kecamatan = desa.kecamatan
    else:
        found = Kecamatan.objects.filter(code=kecamatan_code, desa_set__in=visible).distinct().first()
        if not kecamatan_code or found is None:
            raise GesitError(
                "Pilih desa atau kecamatan di wilayah Anda. / Choose a desa or kecamatan in your area."
            )
        kecamatan = found
    with transaction.atomic():
        baas = Baas.objects.create(
            kind=kind,
            name=name[:200],
            phone=phone.strip()[:30],
            email=email[:254],
            commitment=commitment.strip()[:4000],
            capacity=capacity,
            kecamatan=kecamatan,
            desa=desa,
            created_by=user,
        )
        _audit_change(user, request, "gesit_baas", baas.pk, desa.code if desa else "", created=True)
    return baas


def baas_capacity_used(baas: Baas, *, today: date | None = None) -> int:
    return active_assignments(today).filter(baas=baas, status=BaasAssignment.Status.CONFIRMED).count()


# --- assignment ----------------------------------------------------------------------------------


def assignment_suggest(*, user: Any, baas: Baas, today: date | None = None) -> list[Choice]:
    """The stunted children of the user's area the BAAS should take, nearest first (assign.py):
    flagged in the latest quarter and in no active assignment, up to the capacity left."""
    today = _today(today)
    if not baas_visible_to(user).filter(pk=baas.pk).exists():
        raise GesitError("BAAS tidak ditemukan di wilayah Anda. / BAAS not found in your area.")
    busy = active_assignments(today).values("child_id")
    rows = (
        stunted_findings(user)
        .exclude(child_id__in=busy)
        .values_list(
            "child_id", "value", "child__desa__code", "child__desa__centroid_lat", "child__desa__centroid_lng"
        )
    )
    candidates = [
        Candidate(
            child_id=child_id,
            place=Place(code=code, lat=lat, lng=lng) if code else None,
            haz=value,
        )
        for child_id, value, code, lat, lng in rows
    ]
    left = baas.capacity - baas_capacity_used(baas, today=today) if baas.active else 0
    return suggest_assignment(baas_location=_place_of(baas), capacity_left=left, candidates=candidates)


def assignment_confirm(
    *,
    user: Any,
    baas: Baas,
    child_ids: Iterable[int],
    start_date: date,
    today: date | None = None,
    request: Any = None,
) -> list[BaasAssignment]:
    """Give the BAAS these children for 100 days from `start_date`, and record on each child the
    PMT intervention that outcome reports count. All or nothing."""
    from satuanak.interventions.models import Intervention
    from satuanak.interventions.services import InterventionError, intervention_record

    _require(user, Capability.RUN_PROGRAMMES)
    today = _today(today)
    ids = list(dict.fromkeys(int(i) for i in child_ids))
    if not ids:
        raise GesitError("Pilih minimal satu anak. / Choose at least one child.")
    if start_date > today:
        raise GesitError("Tanggal mulai di masa depan. / The start date is in the future.")
    end_date = start_date + timedelta(days=PROGRAMME_DAYS - 1)
    with transaction.atomic():
        # Lock the BAAS row: two confirmations for one BAAS cannot both pass the capacity check.
        locked = baas_visible_to(user).select_for_update().filter(pk=baas.pk).first()
        if locked is None:
            raise GesitError("BAAS tidak ditemukan di wilayah Anda. / BAAS not found in your area.")
        baas = Baas.objects.select_related("desa", "kecamatan").get(pk=locked.pk)
        if not baas.active:
            raise GesitError("BAAS ini tidak aktif. / This BAAS is not active.")
        # ... and the children: one child cannot be confirmed to two BAAS at the same time.
        children = {
            c.pk: c for c in children_visible_to(user).select_for_update().filter(pk__in=ids).order_by("pk")
        }
        if len(children) < len(ids):
            raise GesitError("Anak tidak ditemukan di wilayah Anda. / Child not found in your area.")
        stunted = set(stunted_findings(user).filter(child_id__in=ids).values_list("child_id", flat=True))
        if not_stunted := [i for i in ids if i not in stunted]:
            raise GesitError(
                f"Anak #{not_stunted[0]} tidak ditandai stunting pada triwulan terakhir. / "
                f"Child #{not_stunted[0]} is not flagged stunted in the latest quarter."
            )
        for child in children.values():
            if child.birth_date and start_date < child.birth_date:
                raise GesitError(
                    f"Tanggal mulai sebelum anak #{child.pk} lahir. / "
                    f"The start date is before child #{child.pk} was born."
                )
        taken = list(
            active_assignments(today)
            .filter(child_id__in=ids)
            .values_list("child_id", flat=True)
            .order_by("child_id")
        )
        if taken:
            raise GesitError(
                f"Anak #{taken[0]} sudah diasuh BAAS. / Child #{taken[0]} is already assigned to a BAAS."
            )
        used = baas_capacity_used(baas, today=today)
        if used + len(ids) > baas.capacity:
            raise GesitError(
                f"Melebihi kapasitas BAAS: {used} dari {baas.capacity} terisi, {len(ids)} ditambahkan. / "
                f"Beyond the BAAS's capacity: {used} of {baas.capacity} taken, {len(ids)} added."
            )
        now = timezone.now()
        made = []
        for child_id in ids:
            child = children[child_id]
            try:
                intervention = intervention_record(
                    user=user,
                    child_id=child.pk,
                    kind=Intervention.Kind.PMT,
                    start_date=start_date,
                    end_date=end_date,
                    programme=PROGRAMME,
                    place=baas.name,
                    answers_flag="stunting",
                    notes=f"BAAS #{baas.pk}, 1-10-100",
                    request=request,
                )
            except InterventionError as exc:
                raise GesitError(str(exc)) from exc
            assignment = BaasAssignment.objects.create(
                baas=baas,
                child=child,
                status=BaasAssignment.Status.CONFIRMED,
                start_date=start_date,
                end_date=end_date,
                confirmed_by=user,
                confirmed_at=now,
                intervention=intervention,
            )
            _audit_change(
                user,
                request,
                "gesit_assignment",
                assignment.pk,
                child.desa.code if child.desa else "",
                child=child.pk,
                baas=baas.pk,
                status="confirmed",
            )
            made.append(assignment)
    return made


def assignment_end(
    *, user: Any, assignment: BaasAssignment, reason: str, today: date | None = None, request: Any = None
) -> BaasAssignment:
    """Stop an assignment before its 100th day (moved away, recovered, refused, ...). The PMT
    intervention then ends on the day it stopped."""
    _require(user, Capability.RUN_PROGRAMMES)
    today = _today(today)
    reason = reason.strip()
    if not reason:
        raise GesitError("Tuliskan alasan dihentikan. / State why it ends.")
    with transaction.atomic():
        item = (
            assignments_visible_to(user)
            .select_for_update()
            .filter(pk=assignment.pk, baas__in=baas_visible_to(user))
            .first()
        )
        if item is None:
            raise GesitError(
                "Penugasan tidak ditemukan di wilayah Anda. / Assignment not found in your area."
            )
        if item.status == BaasAssignment.Status.ENDED:
            raise GesitError("Penugasan ini sudah dihentikan. / This assignment has already ended.")
        item.status = BaasAssignment.Status.ENDED
        item.ended_by = user
        item.ended_at = timezone.now()
        item.ended_reason = reason[:2000]
        item.ended_on = max(item.start_date, min(today, item.end_date))
        item.save(update_fields=["status", "ended_by", "ended_at", "ended_on", "ended_reason"])
        if item.intervention_id is not None:
            from satuanak.interventions.models import Intervention

            Intervention.objects.filter(pk=item.intervention_id).update(end_date=item.ended_on)
        _audit_change(
            user,
            request,
            "gesit_assignment",
            item.pk,
            "",
            child=item.child_id,
            status="ended",
            reason=reason[:300],
        )
    return item


# --- PMT deliveries ------------------------------------------------------------------------------


UNASSIGNED = (
    "Anak tidak sedang diasuh BAAS pada tanggal itu. / "
    "Delivery log for an unassigned child (no confirmed assignment covers that date)."
)


def _covers(assignment: BaasAssignment, day: date) -> bool:
    if assignment.status == BaasAssignment.Status.CONFIRMED:
        return assignment.start_date <= day <= assignment.end_date
    if assignment.status == BaasAssignment.Status.ENDED and assignment.confirmed_at and assignment.ended_on:
        return assignment.start_date <= day <= min(assignment.end_date, assignment.ended_on)
    return False


def pmt_delivery_record(
    *,
    user: Any,
    delivered_on: date,
    item: str,
    quantity: Decimal | int | str,
    unit: str,
    assignment: BaasAssignment | None = None,
    child_id: int | None = None,
    notes: str = "",
    today: date | None = None,
    request: Any = None,
) -> PmtDelivery:
    """Log food delivered to a child during a confirmed assignment's 100 days."""
    _require(user, Capability.RECORD_INTERVENTIONS)
    today = _today(today)
    try:
        amount = Decimal(str(quantity))
    except InvalidOperation as exc:
        raise GesitError("Jumlah harus angka. / The quantity must be a number.") from exc
    if not amount.is_finite() or amount <= 0:
        raise GesitError("Jumlah harus lebih dari nol. / The quantity must be more than zero.")
    if amount >= Decimal("1000000"):
        raise GesitError("Jumlah terlalu besar. / The quantity is too large.")
    item, unit = item.strip(), unit.strip()
    if not item or not unit:
        raise GesitError("Barang dan satuan wajib diisi. / Item and unit are required.")
    if delivered_on > today:
        raise GesitError("Tanggal di masa depan. / The date is in the future.")
    with transaction.atomic():
        scoped = assignments_visible_to(user).select_related("child__desa")
        if assignment is not None:
            found = scoped.filter(pk=assignment.pk).first()
            if found is None:
                raise GesitError(
                    "Penugasan tidak ditemukan di wilayah Anda. / Assignment not found in your area."
                )
        elif child_id is not None:
            if not children_visible_to(user).filter(pk=child_id).exists():
                raise GesitError("Anak tidak ditemukan di wilayah Anda. / Child not found in your area.")
            found = next(
                (
                    a
                    for a in scoped.filter(child_id=child_id).order_by("-start_date")
                    if _covers(a, delivered_on)
                ),
                None,
            )
            if found is None:
                raise GesitError(UNASSIGNED)
        else:
            raise GesitError("Pilih anak atau penugasan. / Choose a child or an assignment.")
        child = found.child
        if child.birth_date and delivered_on < child.birth_date:
            raise GesitError("Tanggal sebelum anak lahir. / The date is before the child's birth.")
        if found.status not in (BaasAssignment.Status.CONFIRMED, BaasAssignment.Status.ENDED):
            raise GesitError(UNASSIGNED)
        if not _covers(found, delivered_on):
            raise GesitError(
                f"Tanggal di luar 100 hari penugasan ({found.start_date:%d-%m-%Y} s.d. "
                f"{found.end_date:%d-%m-%Y}). / The date is outside the assignment's 100 days "
                f"({found.start_date.isoformat()} to {found.end_date.isoformat()})."
            )
        delivery = PmtDelivery.objects.create(
            assignment=found,
            delivered_on=delivered_on,
            item=item[:100],
            quantity=amount,
            unit=unit[:20],
            delivered_by=user,
            notes=notes.strip()[:2000],
        )
        _audit_change(
            user,
            request,
            "gesit_pmt_delivery",
            delivery.pk,
            child.desa.code if child.desa else "",
            child=child.pk,
            assignment=found.pk,
        )
    return delivery


# --- Prosasa ledger ------------------------------------------------------------------------------


def prosasa_entry_record(
    *,
    user: Any,
    posyandu: Posyandu,
    entry_date: date,
    direction: str,
    eggs: int = 0,
    money: int = 0,
    note: str = "",
    today: date | None = None,
    request: Any = None,
) -> ProsasaEntry:
    """Add a line to a posyandu's ledger. Refused if the balance of eggs or money, in date order,
    would go below zero at any point (a back-dated "out" included)."""
    if user is None or not getattr(user, "is_authenticated", False):
        raise GesitError("Setiap entri harus punya pencatat. / Every entry needs its author.")
    _require(user, Capability.RECORD_INTERVENTIONS)
    today = _today(today)
    if direction not in ProsasaEntry.Direction.values:
        raise GesitError(f"Arah tidak dikenal: {direction!r}. / Unknown direction: {direction!r}.")
    if (
        isinstance(eggs, bool)
        or isinstance(money, bool)
        or not isinstance(eggs, int)
        or not isinstance(money, int)
    ):
        raise GesitError("Telur dan uang harus bilangan bulat. / Eggs and money must be whole numbers.")
    if eggs < 0 or money < 0:
        raise GesitError("Telur dan uang tidak boleh negatif. / Eggs and money cannot be negative.")
    if eggs == 0 and money == 0:
        raise GesitError("Isi jumlah telur atau uang. / Enter a number of eggs or an amount of money.")
    if eggs > 10_000_000 or money > 10_000_000_000:
        raise GesitError("Jumlah terlalu besar. / The amount is too large.")
    if entry_date > today:
        raise GesitError("Tanggal di masa depan. / The date is in the future.")
    with transaction.atomic():
        # Lock the posyandu: on PostgreSQL two concurrent "out"s wait for each other here, and
        # the second sees the first when it checks the balance.
        locked = posyandu_visible_to(user).select_for_update().filter(pk=posyandu.pk).first()
        if locked is None:
            raise GesitError("Posyandu tidak ditemukan di wilayah Anda. / Posyandu not found in your area.")
        entry = ProsasaEntry.objects.create(
            posyandu=locked,
            entry_date=entry_date,
            direction=direction,
            eggs=eggs,
            money=money,
            note=note.strip()[:2000],
            recorded_by=user,
        )
        egg_balance = money_balance = 0
        for day, way, e, m in (
            ProsasaEntry.objects.filter(posyandu=locked)
            .order_by("entry_date", "id")
            .values_list("entry_date", "direction", "eggs", "money")
        ):
            sign = 1 if way == ProsasaEntry.Direction.IN else -1
            egg_balance += sign * e
            money_balance += sign * m
            if egg_balance < 0 or money_balance < 0:
                what_id, what_en = ("telur", "egg") if egg_balance < 0 else ("uang", "money")
                raise GesitError(
                    f"Saldo {what_id} menjadi negatif pada {day:%d-%m-%Y}. / "
                    f"The {what_en} balance would go below zero on {day.isoformat()}."
                )
        audit_record(
            action=AuditAction.RECORD_CHANGED,
            actor=user,
            request=request,
            subject_type="gesit_prosasa_entry",
            subject_id=entry.pk,
            desa_code=locked.desa.code,
            detail={"posyandu": locked.pk, "direction": direction, "eggs": eggs, "money": money},
        )
    return entry
