"""Reads of import batches, scoped to the sources the user may load or see."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404, HttpRequest

from satuanak.access.agreements import policy_of
from satuanak.audit.models import AuditAction
from satuanak.audit.services import audit_record
from satuanak.imports.models import ImportBatch, ImportIssue


def batches_visible_to(user: Any) -> QuerySet[ImportBatch]:
    policy = policy_of(user)
    return ImportBatch.objects.filter(source__in=[s.value for s in policy.import_sources])


def batch_rows_visible(user: Any, batch: ImportBatch) -> bool:
    """Whether the user may see the batch's row values (not just its counts)."""
    return batch.source in {s.value for s in policy_of(user).sources}


def access_batch_by_id(*, user: Any, batch_id: int, request: HttpRequest | None = None) -> ImportBatch:
    batch = batches_visible_to(user).select_related("uploaded_by").filter(pk=batch_id).first()
    if batch is None:
        audit_record(
            action=AuditAction.ACCESS_DENIED,
            actor=user,
            request=request,
            subject_type="import_batch",
            subject_id=batch_id,
        )
        raise Http404("Batch impor tidak ditemukan / import batch not found")
    audit_record(
        action=AuditAction.IMPORT_VIEWED,
        actor=user,
        request=request,
        subject_type="import_batch",
        subject_id=batch.pk,
        detail={"rows_visible": batch_rows_visible(user, batch)},
    )
    return batch


def batch_issues(batch: ImportBatch, *, limit: int = 500) -> QuerySet[ImportIssue]:
    return batch.issues.order_by("row_number", "id")[:limit]
