"""Who is on duty (the shift's bounds) and the order of the queue."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from satuanak.halo import states as s
from satuanak.halo.models import Shift
from satuanak.halo.selectors import conversations_visible_to, now, on_duty, queue_for
from satuanak.halo.services import (
    HaloPermissionError,
    conversation_answer,
    conversation_escalate,
    conversation_reply,
    conversation_start,
)

pytestmark = pytest.mark.django_db


def test_a_shift_covers_from_its_start_up_to_but_not_including_its_end(
    personas: dict[str, Any], put_on_duty: Callable[..., Shift]
) -> None:
    shift = put_on_duty("pkm_samalantan")
    user = personas["pkm_samalantan"]
    assert on_duty(user, at=shift.starts_at)
    assert on_duty(user, at=shift.ends_at - timedelta(seconds=1))
    assert not on_duty(user, at=shift.ends_at)
    assert not on_duty(user, at=shift.starts_at - timedelta(seconds=1))
    # A shift for a user whose role cannot counsel puts nobody on duty.
    Shift.objects.create(
        counsellor=personas["steward"],
        starts_at=shift.starts_at,
        ends_at=shift.ends_at,
        created_by=personas["dinkes"],
        created_at=shift.starts_at,
    )
    assert not on_duty(personas["steward"], at=shift.starts_at)
    assert not conversations_visible_to(personas["steward"]).exists()
    # An off-duty counsellor may not answer through the service either.
    conversation = conversation_start(topic=s.OTHER, message="halo").conversation
    with pytest.raises(HaloPermissionError):
        conversation_answer(
            user=user, conversation=conversation, message="x", at=shift.ends_at + timedelta(minutes=1)
        )


def test_the_queue_puts_urgent_first_then_the_longest_waiting(
    personas: dict[str, Any], put_on_duty: Callable[..., Shift]
) -> None:
    put_on_duty("pkm_sungai_duri", hours_before=10)
    counsellor = personas["pkm_sungai_duri"]
    at = now()
    oldest = conversation_start(topic=s.OTHER, message="1", at=at - timedelta(hours=5)).conversation
    newer = conversation_start(topic=s.NUTRITION, message="2", at=at - timedelta(hours=1)).conversation
    urgent = conversation_start(
        topic=s.MENTAL_HEALTH, message="3", at=at - timedelta(minutes=10)
    ).conversation
    conversation_escalate(user=counsellor, conversation=urgent, reason=s.SELF_HARM)
    answered = conversation_start(topic=s.BULLYING, message="4", at=at - timedelta(hours=8)).conversation
    conversation_answer(user=counsellor, conversation=answered, message="jawab")
    came_back = conversation_start(
        topic=s.RELATIONSHIPS, message="5", at=at - timedelta(hours=9)
    ).conversation
    conversation_answer(user=counsellor, conversation=came_back, message="jawab", at=at - timedelta(hours=8))
    conversation_reply(conversation=came_back, message="lagi", at=at - timedelta(hours=2))

    queue = queue_for(counsellor)
    # came_back waits since its reply (2 h ago), not since it opened (9 h ago).
    assert [c.pk for c in queue["needs_answer"]] == [urgent.pk, oldest.pk, came_back.pk, newer.pk]
    assert [c.pk for c in queue["escalated"]] == [urgent.pk]
    assert [c.pk for c in queue["answered"]] == [answered.pk]
    assert queue_for(personas["pkm_samalantan"]) == {"needs_answer": [], "escalated": [], "answered": []}
    assert len(queue_for(personas["dinkes"])["needs_answer"]) == 4  # a supervisor, without a shift
