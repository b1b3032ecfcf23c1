"""The chokepoints: every read of personal data starts here, with the requesting user.

`children_visible_to(user)` applies the role's scope (access/policy.py) to the user's area;
`access_child_by_id` opens one child or raises Http404 — the same answer whether the child
does not exist or lies outside the user's area, so guessing ids reveals nothing — and writes
the audit entry either way. Sources a role may not see (violence cases for everyone but
protection officers) are filtered by `child_records_visible_to`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest

from satuanak.access.agreements import policy_of
from satuanak.access.policy import AreaScope, Capability, RolePolicy
from satuanak.accounts.models import User
from satuanak.audit.models import AuditAction
from satuanak.audit.services import audit_record
from satuanak.core.masking import mask_identity_number
from satuanak.core.sources import Source
from satuanak.persons.models import Child, ChildRecord
from satuanak.regions.models import Desa


class AccessDenied(Exception):
    """A signed-in user asked for something the role may not do (a 403 for the view)."""


def _policy(user: Any) -> RolePolicy:
    return policy_of(user)


def desa_visible_to(user: Any) -> QuerySet[Desa]:
    """The desa whose children the user may see (none for roles without personal data)."""
    policy = _policy(user)
    if not getattr(user, "is_authenticated", False) or not user.is_active or not policy.reads_personal_data:
        return Desa.objects.none()
    if policy.scope == AreaScope.DISTRICT or user.area_level == User.AreaLevel.DISTRICT:
        return Desa.objects.all()
    if user.area_level == User.AreaLevel.KECAMATAN:
        return Desa.objects.filter(kecamatan_id=user.area_kecamatan_id)
    return Desa.objects.filter(pk__in=user.area_desa.values("pk"))


def children_visible_to(user: Any) -> QuerySet[Child]:
    """Every child the user may see; the starting point of every query on children."""
    policy = _policy(user)
    if not getattr(user, "is_authenticated", False) or not policy.reads_personal_data:
        return Child.objects.none()
    if policy.scope == AreaScope.DISTRICT or user.area_level == User.AreaLevel.DISTRICT:
        return Child.objects.all()
    return Child.objects.filter(desa__in=desa_visible_to(user))


def child_records_visible_to(*, user: Any, child: Child) -> QuerySet[ChildRecord]:
    return child.records.filter(source__in=[s.value for s in _policy(user).sources])


def access_child_by_id(*, user: Any, child_id: int, request: HttpRequest | None = None) -> Child:
    """Open one child's record for the user, audited. Out of scope and missing look the same."""
    child = children_visible_to(user).select_related("desa__kecamatan").filter(pk=child_id).first()
    if child is None:
        audit_record(
            action=AuditAction.ACCESS_DENIED,
            actor=user,
            request=request,
            subject_type="child",
            subject_id=child_id,
            detail={"reason": "child not in scope or not found"},
        )
        raise Http404("Data anak tidak ditemukan / child not found")
    audit_record(
        action=AuditAction.CHILD_VIEWED,
        actor=user,
        request=request,
        subject_type="child",
        subject_id=child.pk,
        desa_code=child.desa.code if child.desa else "",
    )
    return child


@dataclass(frozen=True)
class ChildListFilters:
    query: str = ""
    desa_code: str = ""
    flag: str = ""  # children a rule flags in its latest quarter (only rules whose source the role sees)


def _children_matching(user: Any, filters: ChildListFilters) -> QuerySet[Child]:
    """The user's children narrowed by the list's filters (one definition for list and export)."""
    qs = children_visible_to(user).select_related("desa")
    if filters.query:
        qs = qs.filter(Q(name__icontains=filters.query) | Q(nik=filters.query))
    if filters.desa_code:
        qs = qs.filter(desa__code=filters.desa_code)
    if filters.flag:
        from satuanak.flags.selectors import flagged_child_ids

        qs = qs.filter(pk__in=flagged_child_ids(user=user, code=filters.flag))
    return qs


def children_list(
    *, user: Any, filters: ChildListFilters, request: HttpRequest | None = None
) -> QuerySet[Child]:
    """The user's children matching the filters; the look at the list is audited."""
    qs = _children_matching(user, filters)
    audit_record(
        action=AuditAction.CHILD_LIST_VIEWED,
        actor=user,
        request=request,
        subject_type="child_list",
        desa_code=filters.desa_code,
        detail={k: v for k, v in (("query", filters.query), ("flag", filters.flag)) if v},
    )
    return qs.order_by("name", "id")


def child_nik_reveal(*, user: Any, child: Child, purpose: str, request: HttpRequest | None = None) -> str:
    """The unmasked NIK, for a role that may reveal it and with a stated purpose; audited."""
    if Capability.REVEAL_NIK not in _policy(user).capabilities:
        raise AccessDenied("Peran Anda tidak boleh membuka NIK / your role may not reveal a NIK")
    if not purpose.strip():
        raise ValueError("Tujuan wajib diisi / a purpose is required")
    audit_record(
        action=AuditAction.NIK_REVEALED,
        actor=user,
        request=request,
        subject_type="child",
        subject_id=child.pk,
        desa_code=child.desa.code if child.desa else "",
        purpose=purpose.strip(),
    )
    return child.nik


# Columns of a children export: (header, needs_source, value). Identity columns come with the
# civil registry; a role without SIAK gets no NIK/KK column at all (minimisation).
_EXPORT_COLUMNS: list[tuple[str, str | None]] = [
    ("ID", None),
    ("NAMA", None),
    ("JK", None),
    ("TGL_LAHIR", None),
    ("KODE_DESA", None),
    ("DESA", None),
    ("NIK", "siak"),
    ("NO_KK", "siak"),
    ("NAMA_IBU", "siak"),
]


def _source_column(source: Source) -> str:
    return f"REKAMAN_{source.value.upper()}"


def export_columns_for(user: Any) -> list[str]:
    """Identity columns the role may export, then one count of linked records per source it
    may export: a health export says nothing of school or violence-case records."""
    allowed = _policy(user).export_sources
    identity = [h for h, needs in _EXPORT_COLUMNS if needs is None or Source(needs) in allowed]
    return identity + [_source_column(s) for s in Source if s in allowed]


def children_export_csv(
    *, user: Any, filters: ChildListFilters, purpose: str, request: HttpRequest | None = None
) -> tuple[str, int]:
    """CSV of the user's children with only the columns the role may export; NIK and KK stay
    masked (revealing is per child, with a purpose). Audited with the row count."""
    policy = _policy(user)
    if Capability.EXPORT_CHILDREN not in policy.capabilities:
        raise AccessDenied("Peran Anda tidak boleh mengekspor / your role may not export")
    if not purpose.strip():
        raise ValueError("Tujuan ekspor wajib diisi / an export purpose is required")
    qs = _children_matching(user, filters)
    columns = export_columns_for(user)
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(columns)
    n = 0
    source_counts = {
        (row["child_id"], row["source"]): row["n"]
        for row in ChildRecord.objects.filter(
            child__in=qs, source__in=[s.value for s in policy.export_sources]
        )
        .values("child_id", "source")
        .annotate(n=Count("id"))
    }
    for child in qs.order_by("name", "id").iterator(chunk_size=2000):
        values: dict[str, object] = {
            _source_column(s): source_counts.get((child.pk, s.value), 0) for s in policy.export_sources
        }
        values |= {
            "ID": child.pk,
            "NAMA": child.name,
            "JK": child.sex,
            "TGL_LAHIR": child.birth_date.isoformat() if child.birth_date else "",
            "KODE_DESA": child.desa.code if child.desa else "",
            "DESA": child.desa.name if child.desa else "",
            "NIK": mask_identity_number(child.nik),
            "NO_KK": mask_identity_number(child.kk_number),
            "NAMA_IBU": child.mother_name,
        }
        writer.writerow([values[c] for c in columns])
        n += 1
    audit_record(
        action=AuditAction.EXPORTED,
        actor=user,
        request=request,
        subject_type="child_list",
        desa_code=filters.desa_code,
        purpose=purpose.strip(),
        detail={"rows": n, "columns": columns, "query": filters.query},
    )
    return buf.getvalue(), n


def records_by_source(records: Iterable[ChildRecord]) -> dict[str, list[ChildRecord]]:
    grouped: dict[str, list[ChildRecord]] = {}
    for record in records:
        grouped.setdefault(record.source, []).append(record)
    return grouped
