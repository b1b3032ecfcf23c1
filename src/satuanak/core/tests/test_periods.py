"""The platform's reporting periods: quarters and years, one definition for every app."""

from __future__ import annotations

from datetime import date

import pytest

from satuanak.core.periods import PeriodError, period_bounds, previous_quarter, quarter_bounds, quarter_of


def test_quarters_years_and_their_neighbours() -> None:
    assert quarter_bounds("2024Q1") == (date(2024, 1, 1), date(2024, 3, 31))
    assert quarter_bounds(" 2024q4 ") == (date(2024, 10, 1), date(2024, 12, 31))
    assert period_bounds("2024") == (date(2024, 1, 1), date(2024, 12, 31))
    assert period_bounds("2024Q2") == (date(2024, 4, 1), date(2024, 6, 30))
    assert quarter_of(date(2024, 12, 31)) == "2024Q4" and quarter_of(date(2025, 1, 1)) == "2025Q1"
    assert previous_quarter("2025Q1") == "2024Q4"


@pytest.mark.parametrize("bad", ["", "2024Q5", "24Q1", "2024-Q1", "Q4", "1999Q1", "2101", "abcd"])
def test_anything_else_is_refused_in_both_languages(bad: str) -> None:
    with pytest.raises(PeriodError, match=r"Triwulan tidak sah.* / Invalid quarter"):
        period_bounds(bad)
