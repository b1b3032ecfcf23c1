"""The pure rules of coverage.py against hand counts on small tables (no database)."""

from __future__ import annotations

from datetime import date

import pytest

from satuanak.cegah import coverage as cov

# Five SMP in two kecamatan; kecamatan A has three, B two.
SCHOOLS = [
    cov.Venue(1, "SMP 1 A", "61.07.01", "A"),
    cov.Venue(2, "SMP 2 A", "61.07.01", "A"),
    cov.Venue(3, "SMP 3 A", "61.07.01", "A"),
    cov.Venue(4, "SMP 1 B", "61.07.02", "B"),
    cov.Venue(5, "SMP 2 B", "61.07.02", "B"),
]


def _mpls(key: int, day: date, module: bool = True) -> cov.SessionRow:
    return cov.SessionRow(cov.MPLS, key, day, module)


def test_mpls_coverage_by_hand() -> None:
    """By hand: school 1 twice with the module (counts once), school 4 with it, school 2 only
    without it, school 3 only in the previous school year, school 5 only as a Bimwin row (a wrong
    kind never counts). Covered 1 and 4: 2 of 5 = 40%; A 1/3, B 1/2."""
    sessions = [
        _mpls(1, date(2024, 7, 15)),
        _mpls(1, date(2025, 1, 10)),
        _mpls(4, date(2024, 7, 16)),
        _mpls(2, date(2024, 7, 15), module=False),
        _mpls(3, date(2024, 6, 30)),
        cov.SessionRow(cov.BIMWIN, 5, date(2024, 8, 1), True),
    ]
    start, end = cov.school_year_bounds("2024/2025")
    c = cov.coverage(kind=cov.MPLS, venues=SCHOOLS, sessions=sessions, start=start, end=end)
    assert (c.district.covered, c.district.total, c.district.pct) == (2, 5, 40.0)
    assert [(k.code, k.covered, k.total) for k in c.per_kecamatan] == [("61.07.01", 1, 3), ("61.07.02", 1, 2)]
    assert c.covered_keys == {1, 4}
    assert [v.key for v in c.uncovered] == [2, 3, 5]  # the actionable list, kecamatan then name
    assert (c.sessions_counted, c.sessions_without_module) == (3, 1)


def test_sessions_without_the_health_module_do_not_count() -> None:
    sessions = [_mpls(k, date(2024, 7, 15), module=False) for k in (1, 2, 3, 4, 5)]
    c = cov.coverage(
        kind=cov.MPLS, venues=SCHOOLS, sessions=sessions, start=date(2024, 7, 1), end=date(2025, 6, 30)
    )
    assert c.district.covered == 0 and len(c.uncovered) == 5 and c.sessions_without_module == 5


def test_school_year_boundary_30_june_and_1_july() -> None:
    assert cov.school_year_of(date(2025, 6, 30)) == "2024/2025"
    assert cov.school_year_of(date(2025, 7, 1)) == "2025/2026"
    assert cov.school_year_of(date(2025, 1, 1)) == "2024/2025"
    assert cov.school_year_bounds("2024/2025") == (date(2024, 7, 1), date(2025, 6, 30))
    last_day, first_day = _mpls(1, date(2025, 6, 30)), _mpls(2, date(2025, 7, 1))
    for year, expected in (("2024/2025", {1}), ("2025/2026", {2})):
        start, end = cov.school_year_bounds(year)
        c = cov.coverage(kind=cov.MPLS, venues=SCHOOLS, sessions=[last_day, first_day], start=start, end=end)
        assert c.covered_keys == expected, year


@pytest.mark.parametrize("bad", ["2024", "2024/2026", "2024-2025", "", "abcd/abce", "1999/2000"])
def test_unreadable_school_year(bad: str) -> None:
    with pytest.raises(cov.PeriodError, match=" / Invalid school year"):
        cov.school_year_bounds(bad)


def test_quarters() -> None:
    assert cov.quarters_of_school_year("2024/2025") == ["2024Q3", "2024Q4", "2025Q1", "2025Q2"]
    assert cov.quarter_bounds("2024Q4") == (date(2024, 10, 1), date(2024, 12, 31))
    assert cov.previous_quarter("2025Q1") == "2024Q4"
    with pytest.raises(cov.PeriodError, match="Invalid quarter"):
        cov.quarter_bounds("2024Q5")


def test_no_venues_has_no_share() -> None:
    c = cov.coverage(kind=cov.BIMWIN, venues=[], sessions=[], start=date(2024, 1, 1), end=date(2024, 3, 31))
    assert c.district.total == 0 and c.district.pct is None


def test_before_after_by_hand() -> None:
    """Kecamatan A's first session is on 15 July 2024 (2024Q3): before = 2024Q2, after = the latest
    quarter after 2024Q3 with data (2025Q1; 2024Q3 itself is neither). Desa a2 has no 2024Q2 row."""
    rates = [
        cov.RateRow("a1", "2024Q2", 4, 100, 0.04),
        cov.RateRow("a1", "2024Q3", 9, 100, 0.09),  # the session's quarter: not used
        cov.RateRow("a1", "2024Q4", 3, 100, 0.03),
        cov.RateRow("a1", "2025Q1", 2, 100, 0.02),
        cov.RateRow("a2", "2025Q1", 1, 50, 0.02),
        cov.RateRow("b1", "2024Q1", 5, 10, 0.5),
    ]
    out = cov.before_after(
        first_sessions={"A": date(2024, 7, 15), "B": date(2024, 11, 1)},
        kecamatan_names={"A": "Kec A", "B": "Kec B"},
        desa_by_kecamatan={"A": [("a2", "Dua"), ("a1", "Satu")], "B": [("b1", "Bsatu")]},
        rates=rates,
    )
    a, b = out
    assert (a.before_period, a.after_period) == ("2024Q2", "2025Q1")
    a1, a2 = a.desa
    assert (a1.desa_code, a1.before.rate if a1.before else None, a1.after.rate if a1.after else None) == (
        "a1",
        0.04,
        0.02,
    )
    assert a1.change_points == -2.0
    assert a2.before is None and a2.after is not None and a2.change_points is None
    # B's session is in 2024Q4 and no later quarter has data: no "after" yet.
    assert (b.before_period, b.after_period, b.desa[0].after) == ("2024Q3", None, None)
