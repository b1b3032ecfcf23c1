"""The assessment's rules as a table, without a database."""

from __future__ import annotations

from datetime import date

import pytest

from satuanak.prap import states as s

A = s.ItemCheck("A", True, s.YES, s.MET)
B_REQ_PENDING = s.ItemCheck("B", True, s.YES, s.PENDING)
B_REQ_MORE = s.ItemCheck("B", True, s.YES, s.MORE_EVIDENCE)
C_OPT_NOT_MET = s.ItemCheck("C", False, s.NO, s.NOT_MET)
UNANSWERED = s.ItemCheck("D", True, s.UNANSWERED, s.PENDING)


@pytest.mark.parametrize(
    ("from_state", "to_state", "items", "reason", "ok"),
    [
        (s.DRAFT, s.SUBMITTED, [A, C_OPT_NOT_MET], "", True),
        (s.DRAFT, s.SUBMITTED, [A, UNANSWERED], "", False),  # every item answered first
        (s.DRAFT, s.CERTIFIED, [A], "", False),  # never straight from draft
        (s.SUBMITTED, s.RETURNED, [A, B_REQ_MORE], "", True),
        (s.SUBMITTED, s.RETURNED, [A, B_REQ_PENDING], "", False),  # nothing to return
        (s.SUBMITTED, s.CERTIFIED, [A, C_OPT_NOT_MET], "", True),  # optional items do not block
        (s.SUBMITTED, s.CERTIFIED, [A, B_REQ_PENDING], "", False),
        (s.SUBMITTED, s.CERTIFIED, [A, B_REQ_MORE], "", False),
        (s.RETURNED, s.SUBMITTED, [A, B_REQ_MORE], "", True),
        (s.RETURNED, s.CERTIFIED, [A], "", False),  # resubmit first
        (s.CERTIFIED, s.REVOKED, [], "Ruang bermain ditutup", True),
        (s.CERTIFIED, s.REVOKED, [], "  ", False),  # a reason is required
        (s.CERTIFIED, s.EXPIRED, [], "", True),
        (s.EXPIRED, s.CERTIFIED, [A], "", False),  # final
        (s.REVOKED, s.SUBMITTED, [A], "", False),  # final
        (s.DRAFT, "archived", [], "", False),  # unknown
    ],
)
def test_transition_table(
    from_state: str, to_state: str, items: list[s.ItemCheck], reason: str, ok: bool
) -> None:
    if ok:
        s.transition_check(from_state, to_state, items=items, reason=reason)
    else:
        with pytest.raises(s.StateError) as err:
            s.transition_check(from_state, to_state, items=items, reason=reason)
        assert " / " in str(err.value)  # bilingual


def test_certify_refusal_names_the_unmet_items() -> None:
    with pytest.raises(s.StateError, match="B"):
        s.transition_check(s.SUBMITTED, s.CERTIFIED, items=[A, B_REQ_PENDING])
    assert s.unmet_required([A, B_REQ_PENDING, C_OPT_NOT_MET]) == ["B"]


@pytest.mark.parametrize(
    ("certified", "until"),
    [
        (date(2024, 8, 15), date(2027, 8, 14)),
        (date(2024, 2, 29), date(2027, 2, 27)),
        (date(2025, 1, 1), date(2027, 12, 31)),
    ],
)
def test_valid_three_years(certified: date, until: date) -> None:
    assert s.valid_until(certified) == until
    assert not s.is_expired(s.CERTIFIED, until, until) and s.is_expired(
        s.CERTIFIED, until, date.fromordinal(until.toordinal() + 1)
    )


def test_roadmap_counts_certifications_in_force_at_each_due_date() -> None:
    spans: dict[int, list[tuple[date, date | None]]] = {
        1: [(date(2024, 8, 15), None)],
        2: [(date(2024, 10, 10), date(2025, 3, 1))],  # revoked before Q2 2025
        3: [(date(2025, 5, 1), None)],
        4: [(date(2025, 6, 30), None)],
        5: [(date(2025, 7, 1), None)],
    }
    out = s.roadmap_status(spans, today=date(2025, 9, 1), total=17)
    assert [(t.label, t.target, t.certified, t.past, t.met) for t in out] == [
        ("Q2 2025", 4, 3, True, False),  # 1, 3, 4 in force on 30 June
        ("Q4 2025", 9, 4, False, False),  # so far (today)
        ("Q2 2026", 13, 4, False, False),
        ("Q4 2026", 17, 4, False, False),  # "all" is every puskesmas
    ]
