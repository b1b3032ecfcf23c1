"""Reads of the audit log (for the data steward's search and export)."""

from __future__ import annotations

from datetime import date, datetime, time

from django.db.models import QuerySet
from django.utils import timezone

from satuanak.audit.models import AuditEvent


def audit_events_search(
    *,
    username: str = "",
    action: str = "",
    subject_id: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
) -> QuerySet[AuditEvent]:
    qs = AuditEvent.objects.all()
    if username:
        qs = qs.filter(actor_username__iexact=username)
    if action:
        qs = qs.filter(action=action)
    if subject_id:
        qs = qs.filter(subject_id=subject_id)
    tz = timezone.get_current_timezone()
    if date_from:
        qs = qs.filter(at__gte=datetime.combine(date_from, time.min, tzinfo=tz))
    if date_to:
        qs = qs.filter(at__lte=datetime.combine(date_to, time.max, tzinfo=tz))
    return qs.order_by("-at", "-id")
