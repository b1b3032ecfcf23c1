"""The follow-up rules read outcomes from flag histories (pure: no database)."""

from __future__ import annotations

from datetime import date

import pytest

from satuanak.interventions.follow_up import FlagPoint, Outcome, Status, outcome_of, period_bounds, quarter_of

START = date(2024, 3, 1)  # day 100 is 2024-06-09


def _pmt(history: list[FlagPoint], today: date, flag: str = "stunting") -> Outcome:
    return outcome_of(
        kind="pmt",
        start=START,
        answers_flag=flag,
        history=history,
        latest_run_as_of=None,
        flagged_in_latest_run=False,
        today=today,
    )


def test_pmt_cleared_at_the_follow_up_weighing_is_improved_with_its_z_change() -> None:
    history = [
        FlagPoint("stunting", date(2024, 1, 10), "flagged", -2.9),
        FlagPoint("stunting", date(2024, 2, 25), "flagged", -2.6),  # baseline: last before the start
        FlagPoint("stunting", date(2024, 4, 20), "flagged", -2.3),  # mid-way: not the follow-up
        FlagPoint("stunting", date(2024, 6, 10), "clear", -1.8),
    ]
    o = _pmt(history, date(2024, 7, 1))
    assert o.status == Status.IMPROVED
    assert o.baseline is not None and o.baseline.observed_on == date(2024, 2, 25)
    assert o.follow_up is not None and o.follow_up.observed_on == date(2024, 6, 10)
    assert o.z_change == pytest.approx(0.8)
    assert o.observed_on == date(2024, 6, 10)


def test_pmt_still_stunted_at_follow_up_is_not_improved_but_its_gain_is_reported() -> None:
    history = [
        FlagPoint("stunting", date(2024, 3, 5), "flagged", -3.2),
        FlagPoint("stunting", date(2024, 6, 1), "flagged", -2.7),
    ]
    o = _pmt(history, date(2024, 7, 1))
    assert o.status == Status.NOT_IMPROVED
    assert o.z_change == pytest.approx(0.5)


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2024, 4, 1), Status.PENDING),
        (date(2024, 6, 1), Status.UPCOMING),
        (date(2024, 6, 9), Status.DUE),
        (date(2024, 7, 9), Status.DUE),
        (date(2024, 7, 10), Status.OVERDUE),
    ],
)
def test_without_a_follow_up_weighing_the_outcome_waits_then_falls_overdue(
    today: date, expected: str
) -> None:
    history = [
        FlagPoint("stunting", date(2024, 2, 25), "flagged", -2.6),
        FlagPoint("stunting", date(2024, 5, 1), "clear", -1.9),  # too early to count as the outcome
        FlagPoint("stunting", date(2024, 6, 20), "not_assessable", None),  # no usable weighing
    ]
    assert _pmt(history, today).status == expected


def test_another_flags_history_is_not_read() -> None:
    history = [FlagPoint("wasting", date(2024, 6, 10), "clear", 0.1)]
    assert _pmt(history, date(2024, 6, 12)).status == Status.DUE


@pytest.mark.parametrize(
    ("run_as_of", "flagged", "today", "expected"),
    [
        (date(2024, 3, 20), False, date(2024, 3, 21), Status.IMPROVED),  # dose recorded: flag gone
        (date(2024, 3, 20), True, date(2024, 3, 21), Status.UPCOMING),  # still flagged, not yet due
        (date(2024, 4, 5), True, date(2024, 4, 6), Status.NOT_IMPROVED),  # due and still flagged
        (date(2024, 2, 1), False, date(2024, 5, 1), Status.OVERDUE),  # the only run is from before
        (None, False, date(2024, 3, 10), Status.PENDING),
    ],
)
def test_catch_up_reads_the_latest_run(
    run_as_of: date | None, flagged: bool, today: date, expected: str
) -> None:
    o = outcome_of(
        kind="immunisation_catch_up",
        start=START,
        answers_flag="",
        history=[],
        latest_run_as_of=run_as_of,
        flagged_in_latest_run=flagged,
        today=today,
    )
    assert o.flag == "immunisation_incomplete"  # the rule's default flag
    assert o.status == expected


def test_kinds_without_a_rule_or_a_flag_are_covered_only() -> None:
    for kind, flag in (("sapa_abk", "stunting"), ("other", ""), ("home_visit", "")):
        o = outcome_of(
            kind=kind,
            start=START,
            answers_flag=flag if kind != "sapa_abk" else "",
            history=[],
            latest_run_as_of=None,
            flagged_in_latest_run=False,
            today=date(2025, 1, 1),
        )
        assert o.status == Status.NO_RULE, kind


@pytest.mark.parametrize(
    ("period", "bounds"),
    [
        ("2024", (date(2024, 1, 1), date(2024, 12, 31))),
        ("2024q1", (date(2024, 1, 1), date(2024, 3, 31))),
        ("2024Q4", (date(2024, 10, 1), date(2024, 12, 31))),
        ("2023Q2", (date(2023, 4, 1), date(2023, 6, 30))),
    ],
)
def test_period_bounds(period: str, bounds: tuple[date, date]) -> None:
    assert period_bounds(period) == bounds
    assert quarter_of(bounds[1]) == (period.upper() if "Q" in period.upper() else f"{period}Q4")


@pytest.mark.parametrize("bad", ["", "2024Q5", "24Q1", "2024-01", "Q1"])
def test_bad_periods_are_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        period_bounds(bad)
