"""The conversation's state machine, checked exhaustively against a second, independent writing
of the rules (every status × action × actor), and the pure helpers. No database."""

from __future__ import annotations

from datetime import date

import pytest

from satuanak.halo import states as s

# The rules as the SOP reads them, written out triple by triple (not derived from the table):
# (status, action, actor) -> status after.
EXPECTED: dict[tuple[str, str, str], str] = {
    # the adolescent writes: the queue takes it back, the status otherwise stays
    (s.OPEN, s.REPLY, s.ADOLESCENT): s.OPEN,
    (s.ANSWERED, s.REPLY, s.ADOLESCENT): s.WAITING,
    (s.WAITING, s.REPLY, s.ADOLESCENT): s.WAITING,
    (s.ESCALATED, s.REPLY, s.ADOLESCENT): s.ESCALATED,
    (s.REFERRED, s.REPLY, s.ADOLESCENT): s.REFERRED,
    # staff answer: answered <-> waiting; urgent ones stay urgent
    (s.OPEN, s.ANSWER, s.COUNSELLOR): s.ANSWERED,
    (s.OPEN, s.ANSWER, s.SUPERVISOR): s.ANSWERED,
    (s.ANSWERED, s.ANSWER, s.COUNSELLOR): s.ANSWERED,
    (s.ANSWERED, s.ANSWER, s.SUPERVISOR): s.ANSWERED,
    (s.WAITING, s.ANSWER, s.COUNSELLOR): s.ANSWERED,
    (s.WAITING, s.ANSWER, s.SUPERVISOR): s.ANSWERED,
    (s.ESCALATED, s.ANSWER, s.COUNSELLOR): s.ESCALATED,
    (s.ESCALATED, s.ANSWER, s.SUPERVISOR): s.ESCALATED,
    (s.REFERRED, s.ANSWER, s.COUNSELLOR): s.REFERRED,
    (s.REFERRED, s.ANSWER, s.SUPERVISOR): s.REFERRED,
    # escalation: by staff, or by the platform (a violence topic at start)
    (s.OPEN, s.ESCALATE, s.COUNSELLOR): s.ESCALATED,
    (s.OPEN, s.ESCALATE, s.SUPERVISOR): s.ESCALATED,
    (s.OPEN, s.ESCALATE, s.SYSTEM): s.ESCALATED,
    (s.ANSWERED, s.ESCALATE, s.COUNSELLOR): s.ESCALATED,
    (s.ANSWERED, s.ESCALATE, s.SUPERVISOR): s.ESCALATED,
    (s.ANSWERED, s.ESCALATE, s.SYSTEM): s.ESCALATED,
    (s.WAITING, s.ESCALATE, s.COUNSELLOR): s.ESCALATED,
    (s.WAITING, s.ESCALATE, s.SUPERVISOR): s.ESCALATED,
    (s.WAITING, s.ESCALATE, s.SYSTEM): s.ESCALATED,
    # referral: a supervisor, from escalated only
    (s.ESCALATED, s.REFER, s.SUPERVISOR): s.REFERRED,
    # closing: staff for ordinary ones, a supervisor for urgent ones
    (s.OPEN, s.CLOSE, s.COUNSELLOR): s.CLOSED,
    (s.OPEN, s.CLOSE, s.SUPERVISOR): s.CLOSED,
    (s.ANSWERED, s.CLOSE, s.COUNSELLOR): s.CLOSED,
    (s.ANSWERED, s.CLOSE, s.SUPERVISOR): s.CLOSED,
    (s.WAITING, s.CLOSE, s.COUNSELLOR): s.CLOSED,
    (s.WAITING, s.CLOSE, s.SUPERVISOR): s.CLOSED,
    (s.ESCALATED, s.CLOSE, s.SUPERVISOR): s.CLOSED,
    (s.REFERRED, s.CLOSE, s.SUPERVISOR): s.CLOSED,
}

ALL = [(st, a, who) for st in s.STATUSES for a in s.ACTIONS for who in s.ACTORS]


def test_the_table_covers_every_status() -> None:
    assert set(s.TRANSITIONS) == set(s.STATUSES)
    assert {s.CLOSED} == s.FINAL


@pytest.mark.parametrize(("status", "action", "actor"), ALL)
def test_every_status_action_actor_is_allowed_exactly_as_the_rules_say(
    status: str, action: str, actor: str
) -> None:
    expected = EXPECTED.get((status, action, actor))
    if expected is None:
        with pytest.raises(s.TransitionError) as info:
            s.next_status(status, action, actor)
        assert " / " in str(info.value)  # bilingual
    else:
        assert s.next_status(status, action, actor) == expected


def test_allowed_actions_agree_with_the_table() -> None:
    for status in s.STATUSES:
        for actor in s.ACTORS:
            wanted = [a for a in s.ACTIONS if (status, a, actor) in EXPECTED]
            assert sorted(s.allowed_actions(status, actor)) == sorted(wanted), (status, actor)


def test_nothing_leaves_closed_and_unknown_names_are_refused() -> None:
    for action in s.ACTIONS:
        with pytest.raises(s.TransitionError, match="closed"):
            s.next_status(s.CLOSED, action, s.SUPERVISOR)
    for bad in (
        ("lost", s.ANSWER, s.COUNSELLOR),
        (s.OPEN, "delete", s.COUNSELLOR),
        (s.OPEN, s.ANSWER, "anyone"),
    ):
        with pytest.raises(s.TransitionError):
            s.next_status(*bad)


def test_the_adolescent_never_answers_escalates_refers_or_closes() -> None:
    for status in s.STATUSES:
        assert set(s.allowed_actions(status, s.ADOLESCENT)) <= {s.REPLY}


def test_only_a_violence_topic_escalates_at_start_and_every_reason_and_topic_has_a_bilingual_label() -> None:
    assert {s.VIOLENCE} == s.ESCALATE_ON_START
    assert s.TOPIC_ESCALATION_REASON in s.URGENT_REASONS
    for labels in (s.TOPICS, s.URGENT_REASONS, s.STATUS_LABELS):
        assert all(" / " in v or " - " in v for v in labels.values())


def test_codes_normalise_from_what_people_type() -> None:
    assert s.code_format("ABCDEFGHJKMNPQRS") == "ABCD-EFGH-JKMN-PQRS"
    assert s.code_normalise(" abcd-efgh jkmn-pqrs ") == "ABCDEFGHJKMNPQRS"
    for bad in ("", "ABCD-EFGH-JKMN", "ABCD-EFGH-JKMN-PQR0", "ABCD-EFGH-JKMN-PQRO", "ABCD-EFGH-JKMN-PQRSX"):
        assert s.code_normalise(bad) is None
    assert not set("01OIL") & set(s.CODE_ALPHABET)
    assert len(set(s.CODE_ALPHABET)) == len(s.CODE_ALPHABET) == 31


def test_quarters_and_median() -> None:
    assert s.quarter_bounds("2024Q4") == (date(2024, 10, 1), date(2024, 12, 31))
    assert s.quarter_bounds("2025Q1") == (date(2025, 1, 1), date(2025, 3, 31))
    for bad in ("2024Q5", "2024-Q4", "Q4", "1999Q1"):
        with pytest.raises(ValueError, match=" / "):
            s.quarter_bounds(bad)
    assert s.median([]) is None
    assert s.median([3.0, 1.0, 2.0]) == 2.0
    assert s.median([4.0, 1.0, 2.0, 3.0]) == 2.5
