"""The planner's ranking and schedule, without the database (table-driven)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from satuanak.jempol.plan import (
    CAPITAL_LAT,
    CAPITAL_LNG,
    HOLIDAYS_2025,
    DesaGap,
    PlanError,
    count_text,
    next_quarter,
    propose_schedule,
    quarter_bounds,
    rank_desa,
    working_days,
)

TODAY = date(2024, 12, 31)
KM_PER_DEG = 111.2  # roughly, along a meridian


def desa(
    code: str,
    akta: int,
    kia: int = 0,
    *,
    km: float | None = 0.0,
    last_visit: date | None = None,
) -> DesaGap:
    """A desa `km` north of the capital (None: no known position)."""
    lat = None if km is None else CAPITAL_LAT + km / KM_PER_DEG
    lng = None if km is None else CAPITAL_LNG
    return DesaGap(code, f"Desa {code}", "Kec", lat, lng, akta, kia, last_visit)


@pytest.mark.parametrize(
    ("case", "rows", "expected"),
    [
        (
            "the largest gap first, even nearer the capital",
            [desa("far", 20, 10, km=100), desa("big", 40, 20, km=0), desa("mid", 25, 15, km=40)],
            ["big", "mid", "far"],
        ),
        (
            "akta and KIA gaps add up",
            [desa("akta_only", 30, 0), desa("both", 20, 15), desa("kia_only", 0, 33)],
            ["both", "kia_only", "akta_only"],
        ),
        (
            "equal gaps: the remoter first",
            [desa("near", 30, km=10), desa("far", 30, km=80), desa("middle", 30, km=40)],
            ["far", "middle", "near"],
        ),
        (
            "equal gap and distance: never visited, then the longest since a visit",
            [
                desa("last_month", 30, km=50, last_visit=TODAY - timedelta(days=30)),
                desa("never", 30, km=50),
                desa("two_years", 30, km=50, last_visit=TODAY - timedelta(days=730)),
                desa("half_year", 30, km=50, last_visit=TODAY - timedelta(days=180)),
            ],
            ["never", "two_years", "half_year", "last_month"],
        ),
        (
            "a desa visited last week weighs a quarter of its gap",
            [desa("just_visited", 50, km=0, last_visit=TODAY - timedelta(days=7)), desa("waiting", 20, km=0)],
            ["waiting", "just_visited"],
        ),
        (
            "no position: no remoteness bonus, after an equal desa with one",
            [desa("unknown", 30, km=None), desa("known", 30, km=0)],
            ["known", "unknown"],
        ),
        (
            "no gap: last; equal rows by code",
            [desa("zero", 0, km=100), desa("b", 10), desa("a", 10)],
            ["a", "b", "zero"],
        ),
    ],
)
def test_rank_order(case: str, rows: list[DesaGap], expected: list[str]) -> None:
    ranked = rank_desa(rows, today=TODAY)
    assert [r.desa.code for r in ranked] == expected, case
    assert [r.rank for r in ranked] == list(range(1, len(rows) + 1))
    scores = [r.score for r in ranked]
    assert scores == sorted(scores, reverse=True), case


def test_rank_score_and_reason() -> None:
    (far,) = rank_desa([desa("far", 8, 4, km=150)], today=TODAY)
    assert far.score == pytest.approx(12 * 1.5)  # remoteness bonus capped at 100 km
    assert far.distance_km == pytest.approx(150, rel=0.01)
    assert far.days_since_visit is None
    assert "8 anak tanpa akta, <5 tanpa KIA" in far.reason
    assert (
        "150 km" in far.reason
        and "belum pernah dikunjungi / " in far.reason
        and "never visited" in far.reason
    )
    (seen,) = rank_desa([desa("seen", 40, km=0, last_visit=TODAY - timedelta(days=146))], today=TODAY)
    assert seen.score == pytest.approx(40 * 146 / 365)
    assert "146 hari lalu" in seen.reason and "146 days ago" in seen.reason
    (week,) = rank_desa([desa("week", 40, km=0, last_visit=TODAY - timedelta(days=7))], today=TODAY)
    assert week.score == pytest.approx(40 * 0.25)  # the floor


def test_rank_drops_duplicates_and_refuses_negative_counts() -> None:
    ranked = rank_desa([desa("a", 10), desa("a", 99)], today=TODAY)
    assert [(r.desa.code, r.gap) for r in ranked] == [("a", 10)]
    with pytest.raises(PlanError, match="negatif"):
        rank_desa([desa("bad", -1)], today=TODAY)


@pytest.mark.parametrize(("n", "text"), [(0, "0"), (1, "<5"), (4, "<5"), (5, "5"), (120, "120")])
def test_count_text(n: int, text: str) -> None:
    assert count_text(n) == text


@pytest.mark.parametrize(
    ("quarter", "first", "last", "following"),
    [
        ("2025Q1", date(2025, 1, 1), date(2025, 3, 31), "2025Q2"),
        ("2024Q4", date(2024, 10, 1), date(2024, 12, 31), "2025Q1"),
        ("2024Q3", date(2024, 7, 1), date(2024, 9, 30), "2024Q4"),
    ],
)
def test_quarter_bounds(quarter: str, first: date, last: date, following: str) -> None:
    assert quarter_bounds(quarter) == (first, last)
    assert next_quarter(quarter) == following


@pytest.mark.parametrize("bad", ["", "2025", "2025Q5", "2025Q0", "Q1 2025", "1999Q1", "2025q1x"])
def test_bad_quarter(bad: str) -> None:
    with pytest.raises(PlanError, match="Triwulan tidak sah"):
        quarter_bounds(bad)


def _many(n: int) -> list[DesaGap]:
    return [desa(f"d{i:02d}", 100 - i, km=float(i)) for i in range(n)]


@pytest.mark.parametrize(
    ("n_desa", "visit_days", "per_day", "visits", "days_used"),
    [
        (20, 5, 1, 5, 5),
        (20, 3, 2, 6, 3),
        (20, 4, 3, 12, 4),
        (3, 10, 1, 3, 3),  # fewer desa than days: one visit each
        (5, 2, 3, 5, 2),  # the last day half full
    ],
)
def test_schedule_never_more_than_visit_days(
    n_desa: int, visit_days: int, per_day: int, visits: int, days_used: int
) -> None:
    ranked = rank_desa(_many(n_desa), today=TODAY)
    plan = propose_schedule(
        ranked, quarter="2025Q1", visit_days=visit_days, desa_per_day=per_day, holidays=HOLIDAYS_2025
    )
    assert len(plan) == visits
    assert len({v.day for v in plan}) == days_used <= visit_days
    assert max(sum(1 for v in plan if v.day == d) for d in {v.day for v in plan}) <= per_day
    # The biggest gaps first: visit order follows the ranking, dates never go back.
    assert [v.ranked.rank for v in plan] == list(range(1, visits + 1))
    assert [v.order for v in plan] == list(range(1, visits + 1))
    assert [v.day for v in plan] == sorted(v.day for v in plan)


def test_schedule_on_working_days_spread_over_the_quarter() -> None:
    ranked = rank_desa(_many(30), today=TODAY)
    plan = propose_schedule(ranked, quarter="2025Q1", visit_days=12, holidays=HOLIDAYS_2025)
    days = [v.day for v in plan]
    assert len(days) == len(set(days)) == 12
    assert all(date(2025, 1, 1) <= d <= date(2025, 3, 31) for d in days)
    assert all(d.weekday() < 5 for d in days)
    assert not set(days) & HOLIDAYS_2025
    assert days[0] == date(2025, 1, 2)  # 1 January is a holiday
    assert {d.month for d in days} == {1, 2, 3}  # spread, not bunched at the start
    assert plan[0].ranked.desa.code == "d00" and plan[0].priority == 1
    assert [v.priority for v in plan] == [1] * 4 + [2] * 4 + [3] * 4


def test_schedule_leaves_out_desa_without_a_gap() -> None:
    ranked = rank_desa([desa("gap", 3), desa("none", 0, km=90), desa("none2", 0)], today=TODAY)
    plan = propose_schedule(ranked, quarter="2025Q1", visit_days=5)
    assert [v.ranked.desa.code for v in plan] == ["gap"]
    assert propose_schedule(rank_desa([desa("none", 0)], today=TODAY), quarter="2025Q1", visit_days=5) == []


def test_schedule_from_a_start_inside_the_quarter() -> None:
    start = date(2025, 3, 20)
    ranked = rank_desa(_many(10), today=start)
    plan = propose_schedule(ranked, quarter="2025Q1", visit_days=5, holidays=HOLIDAYS_2025, start=start)
    assert all(start <= v.day <= date(2025, 3, 31) for v in plan)
    assert date(2025, 3, 31) not in [v.day for v in plan]  # Idulfitri
    left = working_days("2025Q1", holidays=HOLIDAYS_2025, start=start)
    assert len(left) == 7  # 20, 21, 24-28 March
    with pytest.raises(PlanError, match="hanya punya 7 hari kerja"):
        propose_schedule(ranked, quarter="2025Q1", visit_days=8, holidays=HOLIDAYS_2025, start=start)


@pytest.mark.parametrize(
    ("visit_days", "per_day", "message"),
    [(0, 1, "minimal 1"), (-3, 1, "minimal 1"), (66, 1, "hari kerja"), (5, 0, "1-5"), (5, 6, "1-5")],
)
def test_schedule_bad_input(visit_days: int, per_day: int, message: str) -> None:
    ranked = rank_desa(_many(3), today=TODAY)
    with pytest.raises(PlanError, match=message):
        propose_schedule(ranked, quarter="2025Q1", visit_days=visit_days, desa_per_day=per_day)


@pytest.mark.parametrize(
    ("quarter", "holiday"),
    [("2027Q1", date(2027, 1, 1)), ("2026Q3", date(2026, 8, 17)), ("2026Q4", date(2026, 12, 25))],
)
def test_fixed_date_holidays_every_year(quarter: str, holiday: date) -> None:
    assert holiday.weekday() < 5
    assert holiday not in working_days(quarter)
    assert holiday + timedelta(days=3 if holiday.weekday() == 4 else 1) in working_days(quarter)
