"""Reads of Halo Remaja: who may see conversations now, the queue, the rota, the statistics.

Who sees a conversation
-----------------------
Deny by default. A supervisor (`Capability.HALO_SUPERVISE`) sees every conversation at any time:
they own the escalations and the rota. A counsellor (`Capability.HALO_COUNSEL`) sees them only
while one of their shifts covers the present moment; off duty, the same conversation is "not
found" (a 404 and an ACCESS_DENIED entry), whether or not they answered it earlier: a
counselling conversation is read by whoever is on duty, not by whoever happened to answer it
once. Every look by staff is audited (HALO_VIEWED), every refusal too (ACCESS_DENIED).

Statistics carry no text and no kecamatan: counts per month and topic, escalations, handovers,
answers within 24 hours and the median first-response time. Conversations already purged
(models.RetainedCount) still count; the median is over the conversations not yet purged (a
median cannot be kept as a count), which retention makes the recent ones.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Case, IntegerField, QuerySet, Sum, Value, When
from django.http import HttpRequest
from django.utils import timezone

from satuanak.access.policy import ROLE_POLICIES, Capability, role_can
from satuanak.accounts.models import User
from satuanak.audit.models import AuditAction
from satuanak.audit.services import audit_record
from satuanak.common import clock
from satuanak.halo import states as s
from satuanak.halo.models import Conversation, RetainedCount, Shift

SUBJECT = "halo_conversation"
ANSWER_WITHIN = timedelta(hours=24)


def now() -> datetime:
    """The platform's now: the real time, on the fixed demo date when SATUANAK_TODAY is set (so
    the demo's rota, made for the reference week, has someone on duty)."""
    real = timezone.localtime()
    fixed: date | None = getattr(settings, "SATUANAK_TODAY", None)
    if not fixed or fixed == real.date():
        return real
    return datetime.combine(fixed, real.time(), tzinfo=real.tzinfo)


def retention_days() -> int:
    """Days a closed conversation is kept before `satuanak halo purge` deletes it."""
    return int(getattr(settings, "SATUANAK_HALO_RETENTION_DAYS", 180))


# --- who -------------------------------------------------------------------------------------


def is_supervisor(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and role_can(
        getattr(user, "role", ""), Capability.HALO_SUPERVISE
    )


def is_counsellor(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and role_can(
        getattr(user, "role", ""), Capability.HALO_COUNSEL
    )


def counsellors() -> QuerySet[User]:
    """Active users whose role may counsel: the people a supervisor puts on the rota."""
    roles = [
        role.value for role, policy in ROLE_POLICIES.items() if Capability.HALO_COUNSEL in policy.capabilities
    ]
    return User.objects.filter(role__in=roles, is_active=True).select_related("agency").order_by("username")


def shifts_covering(at: datetime) -> QuerySet[Shift]:
    return Shift.objects.filter(starts_at__lte=at, ends_at__gt=at)


def on_duty(user: Any, *, at: datetime | None = None) -> bool:
    """A counsellor with a shift covering `at` (default: now)."""
    if not is_counsellor(user) or not getattr(user, "is_active", False):
        return False
    return shifts_covering(at or now()).filter(counsellor=user).exists()


def actor_kind(user: Any, *, at: datetime | None = None) -> str | None:
    """How the user acts on conversations at `at` (default now): supervisor, counsellor on
    duty, or None."""
    if is_supervisor(user):
        return s.SUPERVISOR
    if on_duty(user, at=at):
        return s.COUNSELLOR
    return None


def conversations_visible_to(user: Any, *, at: datetime | None = None) -> QuerySet[Conversation]:
    """Every conversation for a supervisor or a counsellor on duty at `at`; none for anyone else."""
    if is_supervisor(user) or on_duty(user, at=at):
        return Conversation.objects.all()
    return Conversation.objects.none()


def conversation_for_staff(
    *, user: Any, conversation_id: int, request: HttpRequest | None = None
) -> Conversation | None:
    """The conversation if the user may read it now (audited as HALO_VIEWED), else None
    (audited as ACCESS_DENIED with the reason; the caller answers 404)."""
    conversation = conversations_visible_to(user).filter(pk=conversation_id).first()
    if conversation is None:
        exists = Conversation.objects.filter(pk=conversation_id).exists()
        audit_record(
            action=AuditAction.ACCESS_DENIED,
            actor=user,
            request=request,
            subject_type=SUBJECT,
            subject_id=conversation_id,
            detail={"reason": "off duty" if exists and is_counsellor(user) else "not visible or not found"},
        )
        return None
    audit_record(
        action=AuditAction.HALO_VIEWED,
        actor=user,
        request=request,
        subject_type=SUBJECT,
        subject_id=conversation.pk,
        detail={"as": actor_kind(user) or ""},
    )
    return conversation


def _urgent_first() -> Case:
    return Case(
        When(status__in=list(s.URGENT_STATUSES), then=Value(0)), default=Value(1), output_field=IntegerField()
    )


def queue_for(user: Any, *, limit: int = 200) -> dict[str, list[Conversation]]:
    """The counsellor's queue: conversations waiting for an answer (urgent first, then the
    longest waiting), escalated ones, and the answered ones the adolescent has not replied to.
    Empty for a counsellor off duty. The caller audits the look."""
    visible = conversations_visible_to(user).exclude(status=s.CLOSED)
    return {
        "needs_answer": list(
            visible.filter(waiting_since__isnull=False)
            .annotate(urgent_order=_urgent_first())
            .order_by("urgent_order", "waiting_since", "id")[:limit]
        ),
        "escalated": list(
            visible.filter(status__in=list(s.URGENT_STATUSES)).order_by("escalated_at", "id")[:limit]
        ),
        "answered": list(visible.filter(status=s.ANSWERED).order_by("-first_answered_at", "-id")[:limit]),
    }


def escalations_for(user: Any, *, limit: int = 200) -> list[Conversation]:
    """Escalated and referred conversations not yet closed (supervisors only), oldest first."""
    if not is_supervisor(user):
        return []
    return list(
        Conversation.objects.filter(status__in=list(s.URGENT_STATUSES))
        .select_related("handover__unit")
        .order_by("escalated_at", "id")[:limit]
    )


def handover_blocked_reason(conversation: Conversation) -> str:
    """Why a referral cannot be made now (bilingual), or "" when it can."""
    if conversation.status == s.REFERRED:
        return "Sudah dirujuk. / Already handed over."
    if conversation.status != s.ESCALATED:
        return (
            "Hanya percakapan mendesak (dieskalasi) yang dirujuk. / "
            "Only escalated (urgent) conversations are handed over."
        )
    if not conversation.consent_given:
        return (
            "Remaja belum menyetujui rujukan di halamannya; tanpa persetujuan tidak ada kontak yang "
            "disimpan atau dikirim. / The adolescent has not consented on their page; without consent "
            "no contact is kept or passed on."
        )
    return ""


def rota(*, around: datetime, days_before: int = 7, days_after: int = 14) -> QuerySet[Shift]:
    """Shifts overlapping the window around `around` (the rota page)."""
    return (
        Shift.objects.filter(
            ends_at__gt=around - timedelta(days=days_before),
            starts_at__lt=around + timedelta(days=days_after),
        )
        .select_related("counsellor", "created_by")
        .order_by("starts_at", "id")
    )


def next_shift_of(user: Any, *, at: datetime | None = None) -> Shift | None:
    return Shift.objects.filter(counsellor=user, ends_at__gt=at or now()).order_by("starts_at").first()


# --- statistics (no text) --------------------------------------------------------------------


def _month_starts(first: date, last: date) -> list[date]:
    out, day = [], s.month_start(first)
    while day <= last:
        out.append(day)
        day = (day + timedelta(days=32)).replace(day=1)
    return out


def _live_between(first: date, last: date) -> QuerySet[Conversation]:
    # created_at__date is taken in the current time zone (Asia/Pontianak): a conversation opened
    # at 23:30 WIB on 31 December counts in December.
    return Conversation.objects.filter(created_at__date__gte=first, created_at__date__lte=last)


def _response_times(conversations: QuerySet[Conversation]) -> list[timedelta]:
    """From opening to the first answer, for the conversations answered. Computed in Python, not
    with F() arithmetic: duration expressions differ between SQLite and PostgreSQL, and a
    month holds at most a few thousand conversations."""
    pairs = conversations.filter(first_answered_at__isnull=False).values_list(
        "created_at", "first_answered_at"
    )
    return [answered - created for created, answered in pairs if answered is not None]


def halo_monthly(*, first: date, last: date) -> list[dict[str, Any]]:
    """Per month from `first` to `last`: conversations by topic, escalations, handovers, answers
    within 24 hours, median first-response minutes (not purged ones only)."""
    rows = []
    for month in _month_starts(first, last):
        end = (month + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        live = _live_between(month, end)
        by_topic = dict.fromkeys(s.TOPICS, 0)
        for topic in live.values_list("topic", flat=True):
            by_topic[topic] = by_topic.get(topic, 0) + 1
        kept = RetainedCount.objects.filter(month=month)
        for row in kept:
            by_topic[row.topic] = by_topic.get(row.topic, 0) + row.conversations
        kept_escalated = kept.filter(escalated=True).aggregate(n=Sum("conversations"))["n"] or 0
        totals = kept.aggregate(a=Sum("answered_24h"), r=Sum("referred"))
        minutes = [d.total_seconds() / 60 for d in _response_times(live)]
        med = s.median(minutes)
        rows.append(
            {
                "month": month,
                "by_topic": by_topic,
                "total": sum(by_topic.values()),
                "escalated": live.filter(escalated_at__isnull=False).count() + kept_escalated,
                "referred": live.filter(handover__isnull=False).count() + (totals["r"] or 0),
                "answered_24h": _answered_within(live) + (totals["a"] or 0),
                "median_first_response_minutes": round(med) if med is not None else None,
                "answered_measured": len(minutes),
            }
        )
    return rows


def _answered_within(conversations: QuerySet[Conversation]) -> int:
    return sum(1 for d in _response_times(conversations) if d <= ANSWER_WITHIN)


def halo_figures(*, period: str) -> dict[str, tuple[int, int, date]]:
    """The district's figures of a quarter ("2024Q4"): name -> (numerator, denominator, the date
    the figures stand at: the quarter's last day, or today while it runs). ValueError (bilingual)
    for a malformed period.

    - halo_answered_24h: conversations answered within 24 hours / conversations opened
    - halo_escalated: conversations escalated / conversations opened
    - halo_referred: conversations handed over to a service unit / conversations escalated
    """
    first, last = s.quarter_bounds(period)
    live = _live_between(first, last)
    kept = RetainedCount.objects.filter(month__gte=first, month__lte=last)
    k = kept.aggregate(n=Sum("conversations"), a=Sum("answered_24h"), r=Sum("referred"))
    kept_escalated = kept.filter(escalated=True).aggregate(n=Sum("conversations"))["n"] or 0
    opened = live.count() + (k["n"] or 0)
    escalated = live.filter(escalated_at__isnull=False).count() + kept_escalated
    referred = live.filter(handover__isnull=False).count() + (k["r"] or 0)
    answered = _answered_within(live) + (k["a"] or 0)
    as_of = min(last, clock.today())
    return {
        "halo_answered_24h": (answered, opened, as_of),
        "halo_escalated": (escalated, opened, as_of),
        "halo_referred": (referred, escalated, as_of),
    }
