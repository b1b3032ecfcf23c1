"""The referral and screening rules as tables, without a database."""

from __future__ import annotations

import ast
from datetime import date
from pathlib import Path

import pytest

from satuanak.referrals import transitions as t


@pytest.mark.parametrize(
    ("from_status", "to_status", "allowed"),
    [
        (t.SENT, t.RECEIVED, True),
        (t.RECEIVED, t.IN_SERVICE, True),
        (t.IN_SERVICE, t.COMPLETED, True),
        (t.SENT, t.DECLINED, True),
        (t.RECEIVED, t.DECLINED, True),
        (t.IN_SERVICE, t.DECLINED, True),
        (t.SENT, t.IN_SERVICE, False),  # no skipping the receipt
        (t.SENT, t.COMPLETED, False),
        (t.RECEIVED, t.SENT, False),  # no going back
        (t.IN_SERVICE, t.RECEIVED, False),
        (t.COMPLETED, t.RECEIVED, False),  # nothing out of a final status
        (t.COMPLETED, t.DECLINED, False),
        (t.DECLINED, t.RECEIVED, False),
        (t.DECLINED, t.SENT, False),
        (t.SENT, "lost", False),
    ],
)
def test_the_transitions_table(from_status: str, to_status: str, allowed: bool) -> None:
    kwargs = {"reason": "alasan", "outcome": "hasil"}
    if allowed:
        t.transition_check(from_status, to_status, **kwargs)
    else:
        with pytest.raises(t.TransitionError, match=" / "):
            t.transition_check(from_status, to_status, **kwargs)


def test_declining_needs_a_reason_and_completing_an_outcome() -> None:
    with pytest.raises(t.TransitionError, match="Alasan penolakan wajib"):
        t.transition_check(t.RECEIVED, t.DECLINED, reason="  ")
    with pytest.raises(t.TransitionError, match="Hasil layanan wajib"):
        t.transition_check(t.IN_SERVICE, t.COMPLETED)


def test_final_statuses_have_no_way_out() -> None:
    assert {t.COMPLETED, t.DECLINED} == t.FINAL
    assert all(t.allowed_next(s) == () for s in t.FINAL)
    assert set(t.TRANSITIONS) == set(t.STATUSES)


@pytest.mark.parametrize(
    ("urgency", "due"),
    [(t.EMERGENCY, date(2024, 3, 1)), (t.URGENT, date(2024, 3, 7)), (t.ROUTINE, date(2024, 3, 30))],
)
def test_due_date_from_urgency(urgency: str, due: date) -> None:
    assert t.due_on(date(2024, 2, 29), urgency) == due  # across the leap day


def test_unknown_urgency_is_refused() -> None:
    with pytest.raises(t.TransitionError):
        t.due_on(date(2024, 1, 1), "someday")


@pytest.mark.parametrize(
    ("status", "today", "overdue"),
    [
        (t.SENT, date(2024, 1, 10), False),  # on the due date: not yet
        (t.SENT, date(2024, 1, 11), True),
        (t.RECEIVED, date(2024, 1, 11), True),  # received but not in service
        (t.IN_SERVICE, date(2024, 2, 1), False),
        (t.COMPLETED, date(2024, 2, 1), False),
        (t.DECLINED, date(2024, 2, 1), False),
    ],
)
def test_overdue_rule(status: str, today: date, overdue: bool) -> None:
    assert t.is_overdue(status, date(2024, 1, 10), today) is overdue


@pytest.mark.parametrize(
    ("instrument", "result", "age", "ok"),
    [
        (t.KPSP, t.DEVIATION, 24, True),
        (t.KPSP, t.SUSPECTED, 24, False),  # a hearing result on a KPSP
        (t.HEARING, t.DEVIATION, 24, False),
        (t.KPSP, t.APPROPRIATE, 2, False),  # KPSP starts at 3 months
        (t.KPSP, t.APPROPRIATE, 73, False),
        (t.VISION, t.NORMAL, 30, False),  # TDL from 36 months
        (t.VISION, t.NORMAL, 36, True),
        (t.HEARING, t.NORMAL, 0, True),
        (t.HEARING, t.NORMAL, None, True),  # age unknown: not checked
        ("iq", t.NORMAL, 24, False),
    ],
)
def test_screening_check(instrument: str, result: str, age: int | None, ok: bool) -> None:
    if ok:
        t.screening_check(instrument, result, age)
    else:
        with pytest.raises(ValueError, match=" / "):
            t.screening_check(instrument, result, age)


@pytest.mark.parametrize(
    ("result", "refer"),
    [
        (t.DEVIATION, True),
        (t.SUSPECTED, True),
        (t.DOUBTFUL, False),
        (t.APPROPRIATE, False),
        (t.NORMAL, False),
    ],
)
def test_which_results_call_for_a_referral(result: str, refer: bool) -> None:
    assert t.screening_needs_referral(result) is refer


@pytest.mark.parametrize(
    ("birth", "on", "months"),
    [
        (date(2022, 1, 31), date(2022, 2, 28), 0),
        (date(2022, 1, 31), date(2022, 3, 31), 2),
        (date(2020, 5, 1), date(2024, 12, 31), 55),
    ],
)
def test_age_in_months(birth: date, on: date, months: int) -> None:
    assert t.age_in_months(birth, on) == months


def test_the_rules_module_imports_no_django() -> None:
    tree = ast.parse(Path(t.__file__).read_text(encoding="utf-8"))
    imported = {
        (node.module or "") if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert not any(name.startswith(("django", "satuanak", "config")) for name in imported), imported


def test_model_choices_follow_the_tables() -> None:
    from satuanak.referrals.models import DevelopmentScreening, Referral

    assert tuple(Referral.Status.values) == t.STATUSES
    assert tuple(Referral.Urgency.values) == t.URGENCIES
    assert set(DevelopmentScreening.Instrument.values) == set(t.SCREENING_RESULTS)
