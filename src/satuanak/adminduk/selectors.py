"""Reads: the civil-registry lookup of parents (minimised), who sees which declaration, the
officer's queue, service levels and 3-in-1 coverage, the public tracking status."""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

import polars as pl
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone

from satuanak.access.policy import Capability, policy_for
from satuanak.adminduk import states as s
from satuanak.adminduk.models import BirthDeclaration, DeclarationAttachment
from satuanak.audit.models import AuditAction
from satuanak.audit.services import audit_record
from satuanak.imports.services import staged_records

SIAK_ADAPTER = "siak"
KIA_DELIVERIES_ADAPTER = "kia_persalinan"
HOME_BIRTH = "rumah"  # the delivery register's place for a birth at home


# --- the civil registry (staged SIAK rows) ---------------------------------------------------


@dataclass(frozen=True)
class SiakPerson:
    nik: str
    name: str
    birth_date: date | None
    sex: str
    kk_number: str
    desa_code: str


def _siak_rows() -> pl.LazyFrame | None:
    return staged_records(SIAK_ADAPTER)


def siak_person_by_nik(nik: str) -> SiakPerson | None:
    """One person of the staged SIAK rows by NIK (None when not there). For the checks on entry;
    the birth operator is shown only whether the name matches and the KK number."""
    rows = _siak_rows()
    if rows is None or not nik:
        return None
    df = (
        rows.filter(pl.col("nik") == nik)
        .select("nik", "name", "birth_date", "sex", "no_kk", "desa_code")
        .head(1)
        .collect()
    )
    if df.height == 0:
        return None
    r = df.row(0, named=True)
    return SiakPerson(
        nik=r["nik"],
        name=r["name"] or "",
        birth_date=r["birth_date"],
        sex=r["sex"] or "",
        kk_number=r["no_kk"] or "",
        desa_code=r["desa_code"] or "",
    )


def siak_children_of_mother(mother_nik: str, birth_date: date) -> list[str]:
    """NIKs of the SIAK children of this mother born on this date (a baby already registered)."""
    rows = _siak_rows()
    if rows is None or not mother_nik:
        return []
    df = rows.filter((pl.col("mother_nik") == mother_nik) & (pl.col("birth_date") == birth_date)).select(
        "nik"
    )
    return [n for n in df.collect()["nik"].to_list() if n]


def siak_niks_with_prefix(prefix: str) -> set[str]:
    """NIKs in the staged SIAK rows that start with `prefix` (allocating a new child's serial)."""
    rows = _siak_rows()
    if rows is None:
        return set()
    df = rows.filter(pl.col("nik").str.starts_with(prefix)).select("nik").collect()
    return {n for n in df["nik"].to_list() if n}


def siak_kk_numbers_with_prefix(prefix: str) -> set[str]:
    """Family-card numbers in the staged SIAK rows that start with `prefix` (a new card's serial)."""
    rows = _siak_rows()
    if rows is None:
        return set()
    df = rows.filter(pl.col("no_kk").str.starts_with(prefix)).select("no_kk").unique().collect()
    return {n for n in df["no_kk"].to_list() if n}


# --- who sees which declaration --------------------------------------------------------------


def _caps(user: Any) -> frozenset[Capability]:
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    return policy_for(getattr(user, "role", "")).capabilities


def declarations_visible_to(user: Any) -> QuerySet[BirthDeclaration]:
    """Disdukcapil (and the steward): every declaration. A birth operator: those of their own
    agency (facility). Anyone else: none."""
    qs = BirthDeclaration.objects.select_related("facility", "agency", "desa__kecamatan", "created_by")
    caps = _caps(user)
    if Capability.PROCESS_ADMINDUK in caps:
        return qs
    if Capability.DECLARE_BIRTHS in caps and getattr(user, "agency_id", None):
        return qs.filter(agency_id=user.agency_id)
    return qs.none()


def declarations_of_facility(user: Any) -> QuerySet[BirthDeclaration]:
    """The operator's own list: their agency's declarations (also for a steward with an agency)."""
    agency_id = getattr(user, "agency_id", None)
    if Capability.DECLARE_BIRTHS not in _caps(user) or not agency_id:
        return BirthDeclaration.objects.none()
    return declarations_visible_to(user).filter(agency_id=agency_id)


def declaration_get(
    *, user: Any, declaration_id: int, request: HttpRequest | None = None, own_facility: bool = False
) -> BirthDeclaration:
    """One declaration the user may see (404 otherwise, whether it exists or not); audited."""
    qs = declarations_of_facility(user) if own_facility else declarations_visible_to(user)
    item = qs.filter(pk=declaration_id).first()
    if item is None:
        raise Http404("Laporan kelahiran tidak ditemukan / declaration not found")
    audit_record(
        action=AuditAction.CHILD_VIEWED,
        actor=user,
        request=request,
        subject_type="birth_declaration",
        subject_id=item.pk,
        desa_code=item.desa.code,
    )
    return item


def attachment_get(
    *, user: Any, attachment_id: int, request: HttpRequest | None = None, own_facility: bool = False
) -> DeclarationAttachment:
    visible = declarations_of_facility(user) if own_facility else declarations_visible_to(user)
    item = (
        DeclarationAttachment.objects.filter(pk=attachment_id, declaration__in=visible)
        .select_related("declaration__desa")
        .first()
    )
    if item is None:
        raise Http404("Lampiran tidak ditemukan / attachment not found")
    audit_record(
        action=AuditAction.FILE_DOWNLOADED,
        actor=user,
        request=request,
        subject_type="declaration_attachment",
        subject_id=item.pk,
        desa_code=item.declaration.desa.code,
        detail={"declaration": item.declaration_id, "kind": item.kind},
    )
    return item


def declarations_queue(user: Any) -> QuerySet[BirthDeclaration]:
    """What waits on Disdukcapil, oldest due date first."""
    return declarations_visible_to(user).filter(state__in=s.WAITING_ON_OFFICER).order_by("due_on", "id")


def declarations_overdue(user: Any, *, today: date) -> QuerySet[BirthDeclaration]:
    return declarations_queue(user).filter(due_on__lt=today)


def missing_attachment_kinds(declaration: BirthDeclaration) -> list[str]:
    """Kinds the officer usually expects that are not attached (for the officer's page)."""
    have = set(declaration.attachments.values_list("kind", flat=True))
    wanted = [DeclarationAttachment.Kind.BIRTH_LETTER, DeclarationAttachment.Kind.MARRIAGE_BOOK]
    wanted.append(DeclarationAttachment.Kind.MOTHER_ID)
    if declaration.father_nik:
        wanted.append(DeclarationAttachment.Kind.FATHER_ID)
    return [str(k.label) for k in wanted if k.value not in have]


# --- service levels --------------------------------------------------------------------------


@dataclass(frozen=True)
class ServiceLevelRow:
    facility: str
    month: str  # "2024-11" (month of the first submission)
    issued: int
    median_days: float | None
    mean_days: float | None
    within_target: int  # issued by the due date


def service_levels(*, start: date, end: date) -> list[ServiceLevelRow]:
    """Days from the first submission to issuance, per facility and month of submission, for
    declarations issued whose birth fell within [start, end]."""
    issued = (
        BirthDeclaration.objects.filter(state=s.ISSUED, birth_at__date__gte=start, birth_at__date__lte=end)
        .select_related("facility", "documents")
        .prefetch_related("events")
    )
    groups: dict[tuple[str, str], list[tuple[float, bool]]] = defaultdict(list)
    for d in issued:
        events = sorted(d.events.all(), key=lambda e: (e.at, e.id))
        first = next((e for e in events if e.to_state == s.SUBMITTED), None)
        done = next((e for e in events if e.to_state == s.ISSUED), None)
        if first is None or done is None:
            continue
        days = (done.at - first.at).total_seconds() / 86400
        first_day = timezone.localtime(first.at).date()
        on_time = timezone.localtime(done.at).date() <= s.due_on(first_day)
        groups[(d.facility.name, first_day.strftime("%Y-%m"))].append((days, on_time))
    out = []
    for (facility, month), values in sorted(groups.items()):
        days_list = [v[0] for v in values]
        out.append(
            ServiceLevelRow(
                facility=facility,
                month=month,
                issued=len(values),
                median_days=round(statistics.median(days_list), 1) if days_list else None,
                mean_days=round(statistics.fmean(days_list), 1) if days_list else None,
                within_target=sum(1 for v in values if v[1]),
            )
        )
    return out


@dataclass(frozen=True)
class CoverageRow:
    facility: str  # a facility's name, or "" for the district total
    facility_births: int  # births at facilities in the KIA delivery register
    declared: int  # 3-in-1 declarations (not rejected) of births in the period
    share: float | None
    meets_target: bool | None


def _place_key(name: str) -> str:
    """Names of one facility in the two systems: 'RS Umum Daerah Bengkayang' (reference list)
    and 'RSUD Bengkayang' (delivery register)."""
    return " ".join(name.lower().replace("rs umum daerah", "rsud").split())


def coverage(*, start: date, end: date) -> list[CoverageRow]:
    """Share of facility births served by 3-in-1: declarations (not rejected) of births in
    [start, end] over the births at a facility (place not 'Rumah') in the KIA delivery register
    (kohort ibu, persalinan) in the same period. The district total first, then per facility
    named in the register. A facility with births but no declarations shows 0%."""
    births: dict[str, int] = defaultdict(int)
    names: dict[str, str] = {}
    rows = staged_records(KIA_DELIVERIES_ADAPTER)
    if rows is not None:
        df = (
            rows.filter(
                pl.col("delivery_date").is_between(start, end)
                & pl.col("delivery_place").is_not_null()
                & (pl.col("delivery_place").str.to_lowercase().str.strip_chars() != HOME_BIRTH)
            )
            .group_by("delivery_place")
            .agg(pl.len().alias("n"))
            .collect()
        )
        for place, n in df.iter_rows():
            births[_place_key(place)] += int(n)
            names.setdefault(_place_key(place), place)
    declared: dict[str, int] = defaultdict(int)
    decl = (
        BirthDeclaration.objects.exclude(state=s.REJECTED)
        .filter(birth_at__date__gte=start, birth_at__date__lte=end)
        .values_list("facility__name", flat=True)
    )
    for name in decl:
        declared[_place_key(name)] += 1
        names.setdefault(_place_key(name), name)

    def row(label: str, b: int, d: int) -> CoverageRow:
        share = d / b if b else None
        return CoverageRow(label, b, d, share, None if share is None else share >= s.COVERAGE_TARGET)

    out = [row("", sum(births.values()), sum(declared.values()))]
    for key in sorted(set(births) | set(declared)):
        out.append(row(names[key], births.get(key, 0), declared.get(key, 0)))
    return out


# --- public tracking -------------------------------------------------------------------------


@dataclass(frozen=True)
class TrackingStatus:
    state_label: str
    where: str


def tracking_status(code: str) -> TrackingStatus | None:
    """The state and where to go, for a tracking code; None when no declaration has it."""
    item = BirthDeclaration.objects.filter(tracking_code=code).select_related("facility").first()
    if item is None:
        return None
    label, where = s.public_status(item.state, item.facility.name)
    return TrackingStatus(label, where)
