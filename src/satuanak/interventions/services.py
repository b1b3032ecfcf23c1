"""Recording an intervention: scoped to the children the user may see, validated, audited.
What came of it is read by selectors.py with the follow-up rules of follow_up.py.

Bad input raises InterventionError with a message in Bahasa Indonesia and English and
changes nothing."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction

from satuanak.access.selectors import children_visible_to
from satuanak.audit.models import AuditAction
from satuanak.audit.services import audit_record
from satuanak.common import clock
from satuanak.interventions.models import Intervention


class InterventionError(ValueError):
    pass


def intervention_record(
    *,
    user: Any,
    child_id: int,
    kind: str,
    start_date: date,
    end_date: date | None = None,
    programme: str = "",
    place: str = "",
    answers_flag: str = "",
    notes: str = "",
    request: Any = None,
) -> Intervention:
    child = children_visible_to(user).filter(pk=child_id).first()
    if child is None:
        raise InterventionError("Anak tidak ditemukan di wilayah Anda. / Child not found in your area.")
    if kind not in Intervention.Kind.values:
        raise InterventionError(
            f"Jenis intervensi tidak dikenal: {kind!r}. / Unknown intervention type: {kind!r}."
        )
    today = clock.today()
    if start_date > today:
        raise InterventionError("Tanggal mulai di masa depan. / The start date is in the future.")
    if child.birth_date and start_date < child.birth_date:
        raise InterventionError(
            "Tanggal mulai sebelum anak lahir. / The start date is before the child's birth."
        )
    if end_date is not None and end_date < start_date:
        raise InterventionError(
            "Tanggal selesai sebelum tanggal mulai. / The end date is before the start date."
        )
    with transaction.atomic():
        item = Intervention.objects.create(
            child=child,
            kind=kind,
            programme=programme[:100],
            start_date=start_date,
            end_date=end_date,
            given_by=user,
            place=place[:200],
            answers_flag=answers_flag[:40],
            notes=notes[:4000],
        )
        audit_record(
            action=AuditAction.RECORD_CHANGED,
            actor=user,
            request=request,
            subject_type="intervention",
            subject_id=item.pk,
            desa_code=child.desa.code if child.desa else "",
            detail={"child": child.pk, "kind": kind},
        )
    return item
