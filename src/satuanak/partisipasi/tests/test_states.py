"""The transitions table and the input rules, without a database."""

from __future__ import annotations

from datetime import date

import pytest

from satuanak.partisipasi import states as s

# Every (status, action) pair of the table, with the status it should lead to or None if refused.
EXPECTED: dict[tuple[str, str], str | None] = {
    (s.SUBMITTED, s.ACCEPT): s.ACCEPTED,
    (s.SUBMITTED, s.REROUTE): s.SUBMITTED,
    (s.SUBMITTED, s.MARK_DUPLICATE): s.DUPLICATE,
    (s.SUBMITTED, s.ANSWER): None,
    (s.SUBMITTED, s.CLOSE): None,
    (s.ACCEPTED, s.ACCEPT): None,
    (s.ACCEPTED, s.REROUTE): None,
    (s.ACCEPTED, s.MARK_DUPLICATE): None,
    (s.ACCEPTED, s.ANSWER): s.ANSWERED,
    (s.ACCEPTED, s.CLOSE): None,
    (s.ANSWERED, s.ACCEPT): None,
    (s.ANSWERED, s.REROUTE): None,
    (s.ANSWERED, s.MARK_DUPLICATE): None,
    (s.ANSWERED, s.ANSWER): None,
    (s.ANSWERED, s.CLOSE): s.CLOSED,
    **{(final, a): None for final in (s.CLOSED, s.DUPLICATE) for a in s.ACTIONS},
}
COMPLETE = {
    "reason": "bukan wilayah kami",
    "answer": "sudah dikunjungi",
    "to_agency": "dinkes",
    "agency": "bappeda",
}


def test_the_expectations_cover_every_pair() -> None:
    assert set(EXPECTED) == {(st, a) for st in s.STATUSES for a in s.ACTIONS}
    assert set(s.TRANSITIONS) == set(s.STATUSES)
    assert set(s.RESULT) == set(s.ACTIONS)


@pytest.mark.parametrize(("status", "action"), sorted(EXPECTED))
def test_transitions_table_exhaustive(status: str, action: str) -> None:
    expected = EXPECTED[(status, action)]
    if expected is None:
        with pytest.raises(s.TransitionError):
            s.action_check(status, action, **COMPLETE)
        assert action not in s.allowed_actions(status)
    else:
        assert s.action_check(status, action, **COMPLETE) == expected
        assert action in s.allowed_actions(status)


def test_final_statuses() -> None:
    assert {s.CLOSED, s.DUPLICATE} == s.FINAL
    assert s.LINKABLE.isdisjoint(s.FINAL)


@pytest.mark.parametrize(
    ("action", "kwargs"),
    [
        (s.REROUTE, {"reason": "", "to_agency": "dinkes", "agency": "bappeda"}),
        (s.REROUTE, {"reason": "x", "to_agency": "", "agency": "bappeda"}),
        (s.REROUTE, {"reason": "x", "to_agency": "bappeda", "agency": "bappeda"}),
        (s.MARK_DUPLICATE, {"reason": "   "}),
        (s.REROUTE, {"reason": "<script>alert(1)</script>", "to_agency": "dinkes", "agency": "bappeda"}),
        (s.REROUTE, {"reason": "x" * (s.REASON_MAX + 1), "to_agency": "dinkes", "agency": "bappeda"}),
    ],
)
def test_triage_needs_what_it_says(action: str, kwargs: dict[str, str]) -> None:
    with pytest.raises(s.TransitionError, match=" / "):
        s.action_check(s.SUBMITTED, action, **kwargs)


@pytest.mark.parametrize("answer", ["", "  ", "x" * (s.ANSWER_MAX + 1), "<SCRIPT src=x>"])
def test_an_answer_needs_text(answer: str) -> None:
    with pytest.raises(s.TransitionError):
        s.action_check(s.ACCEPTED, s.ANSWER, answer=answer)


def test_unknown_status_and_action() -> None:
    with pytest.raises(s.TransitionError):
        s.allowed_actions("lost")
    with pytest.raises(s.TransitionError):
        s.action_check(s.SUBMITTED, "delete")


@pytest.mark.parametrize(
    ("kwargs", "ok"),
    [
        ({"report_type": s.MALNOURISHED, "description": "kurus", "child_name": "", "child_age": None}, True),
        (
            {
                "report_type": s.OTHER,
                "description": "x" * s.DESCRIPTION_MAX,
                "child_name": "",
                "child_age": 17,
            },
            True,
        ),
        ({"report_type": s.OTHER, "description": "<b>tebal</b>", "child_name": "", "child_age": 0}, True),
        ({"report_type": "rumor", "description": "x", "child_name": "", "child_age": None}, False),
        ({"report_type": s.OTHER, "description": "  ", "child_name": "", "child_age": None}, False),
        (
            {
                "report_type": s.OTHER,
                "description": "x" * (s.DESCRIPTION_MAX + 1),
                "child_name": "",
                "child_age": None,
            },
            False,
        ),
        (
            {
                "report_type": s.OTHER,
                "description": "<script>alert(1)</script>",
                "child_name": "",
                "child_age": None,
            },
            False,
        ),
        ({"report_type": s.OTHER, "description": "x", "child_name": "< script>", "child_age": None}, False),
        ({"report_type": s.OTHER, "description": "x", "child_name": "n" * 101, "child_age": None}, False),
        ({"report_type": s.OTHER, "description": "x", "child_name": "", "child_age": 18}, False),
        ({"report_type": s.OTHER, "description": "x", "child_name": "", "child_age": -1}, False),
    ],
)
def test_report_text_check(kwargs: dict[str, object], ok: bool) -> None:
    if ok:
        s.report_text_check(**kwargs)  # type: ignore[arg-type]
    else:
        with pytest.raises(ValueError, match=" / "):
            s.report_text_check(**kwargs)  # type: ignore[arg-type]


def test_answered_within_counts_calendar_days() -> None:
    assert s.answered_within(date(2024, 10, 1), date(2024, 10, 15))  # day 14
    assert not s.answered_within(date(2024, 10, 1), date(2024, 10, 16))
    assert not s.answered_within(date(2024, 10, 1), None)


def test_quarters() -> None:
    assert s.quarter_bounds("2024Q4") == (date(2024, 10, 1), date(2024, 12, 31))
    assert s.quarter_bounds("2024Q1") == (date(2024, 1, 1), date(2024, 3, 31))
    assert s.quarter_of(date(2024, 9, 30)) == "2024Q3"
    for bad in ("2024Q5", "24Q1", "", "2024-Q1"):
        with pytest.raises(ValueError):
            s.quarter_bounds(bad)


def test_musrenbang_rounds_in_order() -> None:
    assert s.expected_level(s.DESA, []) == s.DESA
    assert s.expected_level(s.DESA, [(s.DESA, s.FORWARDED)]) == s.KECAMATAN
    assert s.expected_level(s.DESA, [(s.DESA, s.FORWARDED), (s.KECAMATAN, s.FORWARDED)]) == s.KABUPATEN
    assert s.expected_level(s.KECAMATAN, [(s.KECAMATAN, s.REJECTED)]) is None
    for final in s.FINAL_OUTCOMES:
        assert s.expected_level(s.DESA, [(s.DESA, final)]) is None


@pytest.mark.parametrize(
    ("entry", "previous", "level", "outcome", "reason", "amount", "ok"),
    [
        (s.DESA, [], s.DESA, s.FORWARDED, "", None, True),
        (s.DESA, [], s.KECAMATAN, s.FORWARDED, "", None, False),  # skips the desa round
        (s.DESA, [(s.DESA, s.FORWARDED)], s.DESA, s.ACCEPTED_INTO_PLAN, "", None, False),  # twice
        (s.DESA, [(s.DESA, s.REJECTED)], s.KECAMATAN, s.FORWARDED, "", None, False),  # ended
        (s.KABUPATEN, [], s.KABUPATEN, s.FORWARDED, "", None, False),  # nothing after kabupaten
        (s.KABUPATEN, [], s.KABUPATEN, s.FUNDED, "", 50_000_000, True),
        (s.KABUPATEN, [], s.KABUPATEN, s.FUNDED, "", None, False),
        (s.KABUPATEN, [], s.KABUPATEN, s.FUNDED, "", 0, False),
        (s.KABUPATEN, [], s.KABUPATEN, s.ACCEPTED_INTO_PLAN, "", 10, False),  # amount only if funded
        (s.KECAMATAN, [], s.KECAMATAN, s.REJECTED, "", None, False),
        (s.KECAMATAN, [], s.KECAMATAN, s.REJECTED, "anggaran habis", None, True),
        (s.KECAMATAN, [], s.KECAMATAN, "maybe", "", None, False),
    ],
)
def test_outcome_check(
    entry: str,
    previous: list[tuple[str, str]],
    level: str,
    outcome: str,
    reason: str,
    amount: int | None,
    ok: bool,
) -> None:
    kwargs = {"entry_level": entry, "previous": previous, "level": level, "outcome": outcome}
    if ok:
        s.outcome_check(**kwargs, reason=reason, amount=amount)  # type: ignore[arg-type]
    else:
        with pytest.raises(ValueError, match=" / "):
            s.outcome_check(**kwargs, reason=reason, amount=amount)  # type: ignore[arg-type]
