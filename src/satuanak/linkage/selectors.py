"""Reads of the review queue, scoped and audited: a pair shows two people's identities, so only
a role that may review linkage and may see both records' sources gets it."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404, HttpRequest

from satuanak.access.agreements import policy_of
from satuanak.audit.models import AuditAction
from satuanak.audit.services import audit_record
from satuanak.core.masking import mask_identity_number
from satuanak.linkage.models import LinkageRun, LinkedRecord, ReviewPair
from satuanak.sources import ADAPTERS


def _formats_visible_to(user: Any) -> list[str]:
    sources = policy_of(user).sources
    return [name for name, adapter in ADAPTERS.items() if adapter.source in sources]


def _prefix_q(field: str, formats: list[str]) -> Any:
    from django.db.models import Q

    q = Q(pk__in=[])
    for f in formats:
        q |= Q(**{f"{field}__startswith": f"{f}:"})
    return q


def review_pairs_visible_to(user: Any) -> QuerySet[ReviewPair]:
    formats = _formats_visible_to(user)
    return ReviewPair.objects.filter(_prefix_q("record_l", formats)).filter(_prefix_q("record_r", formats))


def review_queue(*, user: Any, status: str, request: HttpRequest | None = None) -> QuerySet[ReviewPair]:
    qs = review_pairs_visible_to(user)
    if status == ReviewPair.Status.OPEN:
        qs = qs.filter(active=True, status=ReviewPair.Status.OPEN)
    else:
        qs = qs.filter(status=status)
    audit_record(
        action=AuditAction.REVIEW_VIEWED,
        actor=user,
        request=request,
        subject_type="review_queue",
        subject_id="",
        detail={"status": status},
    )
    return qs.order_by("-probability", "id")


def access_review_pair(*, user: Any, pair_id: int, request: HttpRequest | None = None) -> ReviewPair:
    pair = review_pairs_visible_to(user).filter(pk=pair_id).first()
    if pair is None:
        audit_record(
            action=AuditAction.ACCESS_DENIED,
            actor=user,
            request=request,
            subject_type="review_pair",
            subject_id=pair_id,
        )
        raise Http404("Pasangan tidak ditemukan / pair not found")
    audit_record(
        action=AuditAction.REVIEW_VIEWED,
        actor=user,
        request=request,
        subject_type="review_pair",
        subject_id=pair.pk,
    )
    return pair


def pair_sides(pair: ReviewPair) -> list[dict[str, Any]]:
    """The two records as the page shows them: identity numbers masked."""
    records = {
        r.record_id: r for r in LinkedRecord.objects.filter(record_id__in=[pair.record_l, pair.record_r])
    }
    sides = []
    for rid in (pair.record_l, pair.record_r):
        rec = records.get(rid)
        ident = dict(rec.identity) if rec else {}
        fmt = rid.split(":", 1)[0]
        adapter = ADAPTERS.get(fmt)
        sides.append(
            {
                "format": adapter.title_short if adapter else fmt,
                "n_rows": rec.n_rows if rec else 0,
                "child_id": rec.child_id if rec else None,
                "name": ident.get("name") or "—",
                "nik": mask_identity_number(ident.get("nik") or ""),
                "kk": mask_identity_number(ident.get("kk") or ""),
                "sex": ident.get("sex") or "—",
                "dob": ident.get("dob") or "—",
                "mother_name": ident.get("mother_name") or "—",
                "desa": ident.get("desa") or "—",
            }
        )
    return sides


def latest_run() -> LinkageRun | None:
    return LinkageRun.objects.filter(status=LinkageRun.Status.DONE).order_by("-finished_at").first()
