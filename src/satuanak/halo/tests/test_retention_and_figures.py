"""Retention (`satuanak halo purge`), the statistics it must leave unchanged, halo_figures, and
the demo loader."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from satuanak.audit.models import AuditAction, AuditEvent
from satuanak.halo import states as s
from satuanak.halo.demo import SCENARIOS, demo_code, halo_demo_load
from satuanak.halo.models import Conversation, ConversationEvent, Handover, Message, RetainedCount, Shift
from satuanak.halo.selectors import halo_figures, halo_monthly, now
from satuanak.halo.services import (
    conversation_answer,
    conversation_by_code,
    conversation_close,
    conversation_consent,
    conversation_start,
    conversations_purge,
    handover_create,
)

pytestmark = pytest.mark.django_db


def _made(
    personas: dict[str, Any],
    *,
    days_ago: float,
    topic: str = s.NUTRITION,
    answer_after_hours: float | None = 2,
    closed_days_ago: float | None = None,
    handover: bool = False,
) -> Conversation:
    opened = now() - timedelta(days=days_ago)
    conversation = conversation_start(topic=topic, message="Pesan sintetis.", at=opened).conversation
    dinkes = personas["dinkes"]
    if answer_after_hours is not None:
        conversation_answer(
            user=dinkes,
            conversation=conversation,
            message="Jawaban.",
            at=opened + timedelta(hours=answer_after_hours),
        )
    if handover:
        conversation_consent(
            conversation=conversation, consent=True, contact="lewat guru BK", at=opened + timedelta(days=1)
        )
        handover_create(
            user=dinkes, conversation=conversation, unit_code="uptd-ppa", at=opened + timedelta(days=2)
        )
    if closed_days_ago is not None:
        conversation_close(user=dinkes, conversation=conversation, at=now() - timedelta(days=closed_days_ago))
    conversation.refresh_from_db()
    return conversation


def _counts(first: date, last: date) -> list[dict[str, Any]]:
    # Everything the statistics keep of a purged conversation; the median is over the kept ones.
    return [
        {k: v for k, v in row.items() if k not in ("median_first_response_minutes", "answered_measured")}
        for row in halo_monthly(first=first, last=last)
    ]


def _quarters(first: date, last: date) -> list[str]:
    out, day = [], first
    while day <= last:
        q = f"{day.year}Q{(day.month - 1) // 3 + 1}"
        if q not in out:
            out.append(q)
        day += timedelta(days=28)
    return out


def test_purge_dry_run_lists_exactly_the_conversations_past_retention_and_the_run_keeps_the_counts(
    personas: dict[str, Any], units: dict[str, int], settings: Any
) -> None:
    settings.SATUANAK_HALO_RETENTION_DAYS = 30
    past_plain = _made(personas, days_ago=100, closed_days_ago=90)
    past_referred = _made(
        personas, days_ago=100, topic=s.VIOLENCE, answer_after_hours=30, closed_days_ago=31, handover=True
    )
    _made(personas, days_ago=60, topic=s.BULLYING, closed_days_ago=29)  # closed, within retention
    _made(personas, days_ago=200, topic=s.OTHER, answer_after_hours=None)  # old but never closed
    _made(personas, days_ago=3, topic=s.MENTAL_HEALTH)
    first, last = (now() - timedelta(days=220)).date(), now().date()
    before = _counts(first, last)
    figures_before = {q: halo_figures(period=q) for q in _quarters(first, last)}
    assert sum(r["total"] for r in before) == 5 and sum(r["referred"] for r in before) == 1

    out = StringIO()
    call_command("halo", "purge", "--dry-run", stdout=out)
    listed = [int(line.strip()[1:]) for line in out.getvalue().splitlines() if line.strip().startswith("#")]
    assert listed == sorted([past_plain.pk, past_referred.pk])
    assert Conversation.objects.count() == 5  # a dry run deletes nothing
    assert conversations_purge(dry_run=True) == listed

    out = StringIO()
    call_command("halo", "purge", stdout=out)
    assert "2 percakapan dihapus" in out.getvalue()
    assert not Conversation.objects.filter(pk__in=listed).exists()
    assert not Message.objects.filter(conversation_id__in=listed).exists()
    assert not ConversationEvent.objects.filter(conversation_id__in=listed).exists()
    assert not Handover.objects.exists()  # the consented contact is gone with it
    assert Conversation.objects.count() == 3
    assert _counts(first, last) == before
    assert {q: halo_figures(period=q) for q in _quarters(first, last)} == figures_before
    kept = {
        (r.topic, r.escalated): (r.conversations, r.answered_24h, r.referred)
        for r in RetainedCount.objects.all()
    }
    assert kept == {(s.NUTRITION, False): (1, 1, 0), (s.VIOLENCE, True): (1, 0, 1)}
    entry = AuditEvent.objects.get(action=AuditAction.RECORD_CHANGED, subject_type="halo_purge")
    assert (
        entry.detail["purged"] == 2
        and sorted(entry.detail["ids"]) == listed
        and entry.detail["retention_days"] == 30
    )
    assert conversations_purge() == []  # again: nothing left to purge


def test_the_retention_setting_has_a_default_of_180_days(personas: dict[str, Any], settings: Any) -> None:
    if hasattr(settings, "SATUANAK_HALO_RETENTION_DAYS"):
        del settings.SATUANAK_HALO_RETENTION_DAYS
    old = _made(personas, days_ago=200, closed_days_ago=181)
    _made(personas, days_ago=200, closed_days_ago=179)
    assert conversations_purge(dry_run=True) == [old.pk]


def test_halo_figures_of_a_quarter(personas: dict[str, Any], units: dict[str, int]) -> None:
    tz = timezone.get_current_timezone()
    in_q = datetime(2024, 11, 5, 9, tzinfo=tz)
    dinkes = personas["dinkes"]
    fast = conversation_start(topic=s.NUTRITION, message="a", at=in_q).conversation
    conversation_answer(user=dinkes, conversation=fast, message="b", at=in_q + timedelta(hours=3))
    slow = conversation_start(topic=s.OTHER, message="a", at=in_q).conversation
    conversation_answer(user=dinkes, conversation=slow, message="b", at=in_q + timedelta(hours=30))
    urgent = conversation_start(topic=s.VIOLENCE, message="a", at=in_q).conversation
    conversation_consent(conversation=urgent, consent=True, at=in_q + timedelta(hours=1))
    handover_create(user=dinkes, conversation=urgent, unit_code="uptd-ppa", at=in_q + timedelta(hours=2))
    conversation_start(topic=s.NUTRITION, message="a", at=datetime(2024, 9, 30, 23, tzinfo=tz))  # Q3
    conversation_start(topic=s.NUTRITION, message="a", at=datetime(2025, 1, 1, 0, 30, tzinfo=tz))  # Q1

    figures = halo_figures(period="2024Q4")
    as_of = date(2024, 12, 31)
    assert figures == {
        "halo_answered_24h": (1, 3, as_of),
        "halo_escalated": (1, 3, as_of),
        "halo_referred": (1, 1, as_of),
    }
    assert halo_figures(period="2024Q3")["halo_escalated"] == (0, 1, date(2024, 9, 30))
    with pytest.raises(ValueError, match="2024Q4"):
        halo_figures(period="2024-12")
    november = next(r for r in halo_monthly(first=date(2024, 11, 1), last=date(2024, 11, 30)))
    assert november["total"] == 3 and november["by_topic"][s.NUTRITION] == 1
    assert november["median_first_response_minutes"] == round((3 * 60 + 30 * 60) / 2)


def test_the_demo_loads_a_rota_and_a_dozen_conversations_once(personas: dict[str, Any]) -> None:
    reference = now().date()
    first = halo_demo_load(reference_date=reference)
    assert first["conversations_added"] == len(SCENARIOS) == first["conversations"] >= 12
    assert first["escalated"] >= 2 and first["handed_over"] == 1
    assert Shift.objects.filter(counsellor=personas["pkm_sungai_duri"]).count() == 15
    assert Shift.objects.filter(counsellor=personas["dinkes"]).exists()
    statuses = set(Conversation.objects.values_list("status", flat=True))
    assert statuses == set(s.STATUSES)
    handover = Handover.objects.get()
    assert handover.conversation.consent_given and handover.contact
    assert (
        Message.objects.exclude(author__isnull=True)
        .exclude(author__username__in=["pkm_sungai_duri", "dinkes"])
        .count()
        == 0
    )
    opened = conversation_by_code(demo_code(0))
    assert opened is not None and opened.status == s.OPEN
    again = halo_demo_load(reference_date=reference)
    assert again["conversations_added"] == 0 and again["shifts_added"] == 0
    assert Conversation.objects.count() == len(SCENARIOS)
