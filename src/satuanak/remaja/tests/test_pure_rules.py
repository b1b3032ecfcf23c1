"""The Posyandu Remaja activity rule, the PKPR rule, TTD sums and quarters (pure)."""

from __future__ import annotations

from datetime import date

import pytest

from satuanak.remaja import pkpr, ttd
from satuanak.remaja.activity import ACTIVITY_RULE, ActivityRule, SessionFact, is_active
from satuanak.remaja.periods import PeriodError, monday_of, months_before, quarter_bounds, quarter_of


def test_the_rule_is_one_session_with_two_trained_cadres_in_three_months() -> None:
    assert ActivityRule(window_months=3, min_sessions=1, min_trained_cadres=2) == ACTIVITY_RULE


def test_window_edges() -> None:
    on = date(2024, 12, 31)
    assert is_active([SessionFact(date(2024, 10, 1), 2)], on)
    assert is_active([SessionFact(date(2024, 12, 31), 2)], on)
    assert not is_active([SessionFact(date(2024, 9, 30), 2)], on)  # exactly three months before: out
    assert not is_active([SessionFact(date(2025, 1, 1), 2)], on)  # a later session does not count
    assert not is_active([SessionFact(date(2024, 12, 1), 1)], on)  # one trained cadre is not enough


def test_inactive_then_active() -> None:
    sessions = [SessionFact(date(2024, 6, 3), 3), SessionFact(date(2024, 11, 20), 2)]
    assert is_active(sessions, date(2024, 6, 30))
    assert not is_active(sessions, date(2024, 9, 30))  # nothing between July and September
    assert is_active(sessions, date(2024, 12, 31))


def test_pkpr_meets_only_with_every_required_item() -> None:
    required = ["A", "B"]
    yes = [
        pkpr.ItemAnswer("A", True, True),
        pkpr.ItemAnswer("B", True, True),
        pkpr.ItemAnswer("C", False, False),
    ]
    assert pkpr.meets_standard(required, yes)
    no = [
        pkpr.ItemAnswer("A", True, True),
        pkpr.ItemAnswer("B", True, False),
        pkpr.ItemAnswer("C", False, True),
    ]
    assert not pkpr.meets_standard(required, no)
    assert pkpr.missing_required(required, no) == ["B"]
    assert not pkpr.meets_standard(required, [pkpr.ItemAnswer("A", True, True)])  # B not answered
    assert not pkpr.meets_standard([], yes)  # a standard without required items decides nothing


def test_ttd_sums_in_girl_weeks() -> None:
    s = ttd.summarise([ttd.WeekCount(20, 18, 15), ttd.WeekCount(20, 20, 20), ttd.WeekCount(10, 5, 0)])
    assert (s.weeks, s.enrolled, s.given, s.took) == (3, 50, 43, 35)
    assert s.coverage == pytest.approx(0.86)
    assert s.adherence == pytest.approx(0.70)
    assert ttd.summarise([]).coverage is None


@pytest.mark.parametrize(
    ("enrolled", "given", "took", "ok"),
    [(20, 20, 20, True), (20, 21, 0, False), (20, 10, 11, False), (0, 0, 0, False), (5, -1, 0, False)],
)
def test_ttd_week_checks(enrolled: int, given: int, took: int, ok: bool) -> None:
    assert (ttd.week_problem(enrolled, given, took) == "") == ok


def test_quarters() -> None:
    assert quarter_bounds("2024Q4") == (date(2024, 10, 1), date(2024, 12, 31))
    assert quarter_bounds("2024Q1") == (date(2024, 1, 1), date(2024, 3, 31))
    assert quarter_of(date(2024, 7, 1)) == "2024Q3"
    for bad in ("2024Q5", "2024-Q4", "", "Q4"):
        with pytest.raises(PeriodError):
            quarter_bounds(bad)
    assert months_before(date(2024, 5, 31), 3) == date(2024, 2, 29)
    assert months_before(date(2024, 1, 15), 1) == date(2023, 12, 15)
    assert monday_of(date(2024, 12, 29)) == date(2024, 12, 23)
