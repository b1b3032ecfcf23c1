"""Reads of satuanak.governance: the incident log with each notification's deadline; people's
requests with theirs, and the correction queue of a user's agency; the data-sharing agreements
with their state and the steward's lapse warning; what each agency read under which purpose."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.cache import cache
from django.db.models import Count, F, QuerySet
from django.db.models.fields.json import KT
from django.utils import timezone

from satuanak.access.agreements import policy_of
from satuanak.access.policy import Capability
from satuanak.access.selectors import children_visible_to
from satuanak.audit.models import PERSONAL_DATA_LOOKS, AuditAction, AuditEvent
from satuanak.core.sources import Source
from satuanak.governance.models import CorrectionItem, DataSharingAgreement, Incident, SubjectRequest


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


def subject_requests_due_soon(within: timedelta = timedelta(hours=24)) -> int:
    """Open requests whose deadline falls within `within` from now: the steward's reminder."""
    now = timezone.now()
    return SubjectRequest.objects.filter(
        status=SubjectRequest.Status.OPEN, due_at__gte=now, due_at__lt=now + within
    ).count()


def correction_queue(user: Any) -> QuerySet[CorrectionItem]:
    """The correction items routed to the user's agency: those whose source the user's role reads,
    about children in the user's area (none for roles that do not read children)."""
    policy = policy_of(user)
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


# --- Data-sharing agreements (part 1) -------------------------------------------------------

LAPSE_WARNING = timedelta(days=30)  # the steward is warned this long before an agreement lapses
WARNINGS_CACHE_KEY = "governance:warnings"


def warnings_forget() -> None:
    """Drop the steward's cached banner (after a change to what it counts)."""
    cache.delete(WARNINGS_CACHE_KEY)


@dataclass(frozen=True)
class AgreementRow:
    agreement: DataSharingAgreement
    state: str  # "in_force" | "lapsing" | "not_yet" | "lapsed"
    days_left: int | None  # in force: days until the last day (None: open-ended)
    source_labels: list[str]
    purposes: list[tuple[str, str]]  # (code, label)
    parties: list[str]


def _agreement_state(a: DataSharingAgreement, day: date) -> tuple[str, int | None]:
    last = a.last_day()
    if day < a.valid_from:
        return "not_yet", None
    if last is not None and day > last:
        return "lapsed", None
    left = (last - day).days if last is not None else None
    return ("lapsing" if left is not None and left <= LAPSE_WARNING.days else "in_force"), left


def agreement_rows(day: date) -> list[AgreementRow]:
    from satuanak.access.agreements import purpose_catalogue

    catalogue = purpose_catalogue()
    rows = []
    for a in DataSharingAgreement.objects.prefetch_related("parties"):
        state, left = _agreement_state(a, day)
        rows.append(
            AgreementRow(
                agreement=a,
                state=state,
                days_left=left,
                source_labels=[Source(s).label for s in a.sources if s in Source._value2member_map_],
                purposes=[(p, catalogue[p].label if p in catalogue else p) for p in a.purposes],
                parties=(
                    ["Semua perangkat daerah / every agency"]
                    if a.covers_all_agencies
                    else [p.name for p in a.parties.all()]
                ),
            )
        )
    return rows


def agreements_lapsing(day: date) -> list[AgreementRow]:
    """Agreements in force whose last day is within LAPSE_WARNING: the steward's warning."""
    return [r for r in agreement_rows(day) if r.state == "lapsing"]


def agencies_without_agreement(day: date) -> list[str]:
    """Agencies with users who read personal data and no agreement in force covering them."""
    from satuanak.access.agreements import agreements_in_force
    from satuanak.access.policy import policy_for
    from satuanak.accounts.models import Agency

    names = []
    for agency in Agency.objects.filter(users__is_active=True).distinct().prefetch_related("users"):
        readers = [u for u in agency.users.all() if u.is_active and policy_for(u.role).reads_personal_data]
        if readers and not agreements_in_force(agency_id=agency.pk, day=day):
            names.append(agency.name)
    return names


# --- What each agency read under which purpose (part 2) ---------------------------------------


@dataclass(frozen=True)
class PurposeRow:
    agency: str
    purpose_code: str  # "" for entries before purposes were asked, or by a token or a job
    purpose_label: str
    action: str
    action_label: str
    n: int
    subjects: int
    users: int


def purpose_report_rows(*, start: date, end: date) -> list[PurposeRow]:
    """Looks at personal data between two days (the district's dates), per agency, purpose and
    action, from the append-only audit log."""
    from satuanak.access.agreements import purpose_catalogue

    catalogue = purpose_catalogue()
    tz = timezone.get_current_timezone()
    since = datetime.combine(start, time.min, tzinfo=tz)
    until = datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz)
    grouped = (
        AuditEvent.objects.filter(action__in=PERSONAL_DATA_LOOKS, at__gte=since, at__lt=until)
        .values(agency=F("actor__agency__name"), code=KT("detail__purpose"), act=F("action"))
        .annotate(
            n=Count("id"),
            subjects=Count("subject_id", distinct=True),
            users=Count("actor_username", distinct=True),
        )
        .order_by("agency", "code", "act")
    )
    labels = dict(AuditAction.choices)
    rows = []
    for g in grouped:
        code = g["code"] or ""
        rows.append(
            PurposeRow(
                agency=g["agency"] or "(tanpa instansi / no agency)",
                purpose_code=code,
                purpose_label=catalogue[code].label if code in catalogue else (code or "(tidak tercatat)"),
                action=g["act"],
                action_label=str(labels.get(g["act"], g["act"])),
                n=g["n"],
                subjects=g["subjects"],
                users=g["users"],
            )
        )
    return rows


def purpose_report_by_agency(rows: list[PurposeRow]) -> list[dict[str, Any]]:
    """The same rows folded per agency and purpose, for the page's summary table."""
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for r in rows:
        entry = out.setdefault(
            (r.agency, r.purpose_code),
            {"agency": r.agency, "purpose": r.purpose_label, "n": 0, "actions": []},
        )
        entry["n"] += r.n
        entry["actions"].append(f"{r.action_label}: {r.n}")
    return list(out.values())


# --- Retention (part 4): the quarters a run sealed ----------------------------------------------


def sealed_through() -> str | None:
    """The latest quarter ("2024Q4") an applied retention run sealed, None before any run sealed
    one. flags and mutu keep their stored rows of this quarter and earlier ones through every
    later recompute (models.RetentionRun says why); the one read of the seal, so both agree."""
    from satuanak.governance.models import RetentionRun

    # "YYYYQn" sorts as text in quarter order
    return (
        RetentionRun.objects.exclude(sealed_through="")
        .order_by("-sealed_through")
        .values_list("sealed_through", flat=True)
        .first()
    )
