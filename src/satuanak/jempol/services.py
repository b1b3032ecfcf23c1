"""Writes of the mobile-unit planner: propose and confirm a quarter's plan, record a visit.

Every function checks the role, validates its input, runs in one transaction and writes an
audit entry. Bad input raises JempolError ("Bahasa Indonesia / English") and saves nothing.
`today` defaults to Bengkayang's date; the demo loader passes the synthetic district's date.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone

from satuanak.access.policy import Capability, role_can
from satuanak.access.selectors import AccessDenied
from satuanak.audit.models import AuditAction
from satuanak.audit.services import audit_record
from satuanak.common import clock
from satuanak.jempol.models import OutreachPlan, PlannedVisit, Service, Visit
from satuanak.jempol.plan import PlanError, quarter_of
from satuanak.jempol.selectors import figures_before, schedule_preview
from satuanak.regions.models import Desa

EARLIEST_VISIT = date(2020, 1, 1)
MAX_DOCUMENTS = 10_000  # per kind and visit: more is a typing error
DOCUMENT_KINDS = tuple(Service.values)  # akta, kia, kk, ktp_el, other: a count per service


class JempolError(ValueError):
    """Bad input for a planner action; the message is "Bahasa Indonesia / English"."""


def _require(user: Any, *capabilities: Capability) -> None:
    role = getattr(user, "role", "")
    if not getattr(user, "is_authenticated", False) or not all(role_can(role, c) for c in capabilities):
        raise AccessDenied("Peran Anda tidak berhak / your role may not do this")


def outreach_plan_propose(
    *,
    user: Any,
    quarter: str,
    visit_days: int,
    desa_per_day: int = 1,
    today: date | None = None,
    request: Any = None,
) -> OutreachPlan:
    """Store the proposed schedule as the quarter's draft (replacing an earlier draft)."""
    _require(user, Capability.PLAN_OUTREACH)
    today = today or clock.today()
    quarter = quarter.strip()
    try:
        period, visits = schedule_preview(
            quarter=quarter, visit_days=visit_days, desa_per_day=desa_per_day, today=today
        )
    except PlanError as exc:
        raise JempolError(str(exc)) from exc
    if not visits:
        raise JempolError(
            "Tidak ada desa dengan kesenjangan dokumen (penanda belum dihitung?). / "
            "No desa has a document gap (flags not computed yet?)."
        )
    with transaction.atomic():
        if OutreachPlan.objects.filter(quarter=quarter, status=OutreachPlan.Status.CONFIRMED).exists():
            raise JempolError(
                f"Rencana triwulan {quarter} sudah ditetapkan. / The plan of {quarter} is already confirmed."
            )
        OutreachPlan.objects.filter(quarter=quarter, status=OutreachPlan.Status.DRAFT).delete()
        plan = OutreachPlan.objects.create(
            quarter=quarter,
            visit_days=visit_days,
            desa_per_day=desa_per_day,
            flags_period=period,
            created_by=user,
        )
        desa_ids = dict(
            Desa.objects.filter(code__in=[v.ranked.desa.code for v in visits]).values_list("code", "pk")
        )
        PlannedVisit.objects.bulk_create(
            [
                PlannedVisit(
                    plan=plan,
                    desa_id=desa_ids[v.ranked.desa.code],
                    date=v.day,
                    order=v.order,
                    score=v.ranked.score,
                    priority=v.priority,
                    no_akta=v.ranked.desa.no_akta,
                    no_kia=v.ranked.desa.no_kia,
                    distance_km=v.ranked.distance_km,
                    days_since_visit=v.ranked.days_since_visit,
                    reason=v.ranked.reason,
                )
                for v in visits
            ]
        )
        audit_record(
            action=AuditAction.RECORD_CHANGED,
            actor=user,
            request=request,
            subject_type="jempol_plan",
            subject_id=plan.pk,
            detail={"proposed": quarter, "visit_days": visit_days, "visits": len(visits)},
        )
    return plan


def outreach_plan_confirm(*, user: Any, plan: OutreachPlan, request: Any = None) -> OutreachPlan:
    """Make a draft the quarter's plan (one confirmed plan per quarter)."""
    _require(user, Capability.PLAN_OUTREACH)
    with transaction.atomic():
        locked = OutreachPlan.objects.select_for_update().filter(pk=plan.pk).first()
        if locked is None or locked.status != OutreachPlan.Status.DRAFT:
            raise JempolError("Hanya draf yang dapat ditetapkan. / Only a draft can be confirmed.")
        if OutreachPlan.objects.filter(quarter=locked.quarter, status=OutreachPlan.Status.CONFIRMED).exists():
            raise JempolError(
                f"Rencana triwulan {locked.quarter} sudah ditetapkan. / "
                f"The plan of {locked.quarter} is already confirmed."
            )
        locked.status = OutreachPlan.Status.CONFIRMED
        locked.confirmed_by = user
        locked.confirmed_at = timezone.now()
        locked.save(update_fields=["status", "confirmed_by", "confirmed_at"])
        audit_record(
            action=AuditAction.RECORD_CHANGED,
            actor=user,
            request=request,
            subject_type="jempol_plan",
            subject_id=locked.pk,
            detail={"confirmed": locked.quarter},
        )
    return locked


def _count(kind: str, value: Any) -> int:
    try:
        n = int(str(value).strip() or "0")
    except ValueError as exc:
        raise JempolError(
            f"Jumlah dokumen {kind} harus bilangan bulat. / The count of {kind} must be a whole number."
        ) from exc
    if n < 0:
        raise JempolError(f"Jumlah dokumen {kind} negatif. / The count of {kind} is negative.")
    if n > MAX_DOCUMENTS:
        raise JempolError(f"Jumlah dokumen {kind} terlalu besar. / The count of {kind} is too large.")
    return n


def visit_record(
    *,
    user: Any,
    desa_code: str,
    date: date,
    services: Iterable[str],
    documents: Mapping[str, Any],
    team: str = "",
    notes: str = "",
    today: date | None = None,
    request: Any = None,
) -> Visit:
    """Record a visit of the mobile unit: what it gave and how many documents it issued. Keeps
    the desa's latest no_akta/no_kia figures as "before" and links the visit to the confirmed
    plan's planned visit of the same desa and quarter, if there is one."""
    _require(user, Capability.PLAN_OUTREACH, Capability.PROCESS_ADMINDUK)
    today = today or clock.today()
    desa = Desa.objects.defer("geometry").filter(code=desa_code.strip()).first()
    if desa is None:
        raise JempolError(f"Desa tidak dikenal: {desa_code!r}. / Unknown desa: {desa_code!r}.")
    if not EARLIEST_VISIT <= date <= today:
        raise JempolError(
            f"Tanggal harus antara {EARLIEST_VISIT:%d-%m-%Y} dan hari ini. / "
            f"The date must be between {EARLIEST_VISIT:%d-%m-%Y} and today."
        )
    given = sorted(set(s.strip() for s in services if s.strip()))
    unknown = [s for s in given if s not in Service.values]
    if unknown:
        names = ", ".join(unknown)
        raise JempolError(f"Layanan tidak dikenal: {names}. / Unknown service: {names}.")
    if not given:
        raise JempolError("Pilih minimal satu layanan. / Choose at least one service.")
    extra = [k for k in documents if k not in DOCUMENT_KINDS]
    if extra:
        raise JempolError(f"Jenis dokumen tidak dikenal: {', '.join(extra)}. / Unknown document kind.")
    counts = {kind: _count(kind, documents.get(kind, 0)) for kind in DOCUMENT_KINDS}
    not_given = [k for k, n in counts.items() if n > 0 and k not in given]
    if not_given:
        raise JempolError(
            f"Dokumen terbit untuk layanan yang tidak dicentang: {', '.join(not_given)}. / "
            f"Documents issued for a service not ticked: {', '.join(not_given)}."
        )
    team, notes = team.strip()[:200], notes.strip()[:4000]
    before = figures_before(desa.code)
    with transaction.atomic():
        planned = (
            PlannedVisit.objects.filter(
                plan__status=OutreachPlan.Status.CONFIRMED,
                plan__quarter=quarter_of(date),
                desa=desa,
                made__isnull=True,
            )
            .order_by("date")
            .first()
        )
        visit = Visit.objects.create(
            desa=desa,
            date=date,
            planned_visit=planned,
            team=team,
            notes=notes,
            services=given,
            issued_akta=counts["akta"],
            issued_kia=counts["kia"],
            issued_kk=counts["kk"],
            issued_ktp_el=counts["ktp_el"],
            issued_other=counts["other"],
            before_period=before.period if before else "",
            before_no_akta=before.no_akta if before else None,
            before_no_akta_of=before.no_akta_of if before else None,
            before_no_kia=before.no_kia if before else None,
            before_no_kia_of=before.no_kia_of if before else None,
            recorded_by=user,
        )
        audit_record(
            action=AuditAction.RECORD_CHANGED,
            actor=user,
            request=request,
            subject_type="jempol_visit",
            subject_id=visit.pk,
            desa_code=desa.code,
            detail={"date": date.isoformat(), "services": given, "documents": counts},
        )
    return visit
