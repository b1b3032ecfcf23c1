"""Reads of satuanak.governance: the incident log with each notification's deadline; people's
requests with theirs, and the correction queue of a user's agency."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from satuanak.access.policy import Capability, policy_for
from satuanak.access.selectors import children_visible_to
from satuanak.governance.models import CorrectionItem, Incident, SubjectRequest


@dataclass(frozen=True)
class Notice:
    at: datetime | None
    in_time: bool | None  # None: not yet
    overdue: bool  # not yet, and the deadline has passed


@dataclass(frozen=True)
class IncidentRow:
    incident: Incident
    notify_by: datetime
    authority: Notice
    subjects: Notice
    kinds: list[str]

    @property
    def notices(self) -> tuple[Notice, Notice]:
        return self.authority, self.subjects


def _notice(incident: Incident, at: datetime | None, now: datetime) -> Notice:
    return Notice(
        at=at, in_time=incident.notified_in_time(at), overdue=at is None and now > incident.notify_by
    )


def incident_rows(limit: int = 200) -> list[IncidentRow]:
    now = timezone.now()
    labels = dict(Incident.DataKind.choices)
    return [
        IncidentRow(
            incident=i,
            notify_by=i.notify_by,
            authority=_notice(i, i.authority_notified_at, now),
            subjects=_notice(i, i.subjects_notified_at, now),
            kinds=[labels.get(k, k) for k in i.data_kinds],
        )
        for i in Incident.objects.select_related("recorded_by")[:limit]
    ]


def incidents_overdue() -> int:
    """Open incidents with a notification past the law's deadline (for the steward's attention)."""
    return sum(
        1
        for r in incident_rows()
        if r.incident.status != Incident.Status.CLOSED and (r.authority.overdue or r.subjects.overdue)
    )


@dataclass(frozen=True)
class RequestRow:
    request: SubjectRequest
    overdue: bool  # open after its deadline
    in_time: bool | None  # None while open; else answered by the deadline
    pending_items: int


def _request_row(r: SubjectRequest, now: datetime) -> RequestRow:
    answered = r.answered_at
    return RequestRow(
        request=r,
        overdue=r.is_overdue(now),
        in_time=None if answered is None else answered <= r.due_at,
        pending_items=sum(1 for i in r.corrections.all() if i.status == CorrectionItem.Status.PENDING),
    )


def subject_request_rows(limit: int = 200) -> list[RequestRow]:
    """Every request, newest first, with its deadline state (for the data steward: the list
    names no child, only its id)."""
    now = timezone.now()
    qs = SubjectRequest.objects.select_related("handled_by").prefetch_related("corrections")
    return [_request_row(r, now) for r in qs[:limit]]


def subject_request_row(subject_request: SubjectRequest) -> RequestRow:
    return _request_row(subject_request, timezone.now())


def subject_requests_overdue() -> int:
    """Open requests past their deadline (for the steward's attention)."""
    return SubjectRequest.objects.filter(status=SubjectRequest.Status.OPEN, due_at__lt=timezone.now()).count()


def correction_queue(user: Any) -> QuerySet[CorrectionItem]:
    """The correction items routed to the user's agency: those whose source the user's role reads,
    about children in the user's area (none for roles that do not read children)."""
    policy = policy_for(getattr(user, "role", ""))
    if Capability.VIEW_CHILDREN not in policy.capabilities or not policy.reads_personal_data:
        return CorrectionItem.objects.none()
    return (
        CorrectionItem.objects.filter(
            source__in=[s.value for s in policy.sources],
            request__child__in=children_visible_to(user),
        )
        .select_related("request__child")
        .order_by("status", "request__due_at", "id")
    )
