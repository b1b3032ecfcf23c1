"""Calendar helpers of the adolescent programmes. Pure: no Django.

Quarters come from satuanak.core.periods (re-exported here for this app's modules).
"""

from __future__ import annotations

from datetime import date, timedelta

from satuanak.core.periods import PeriodError, quarter_bounds, quarter_of

__all__ = ["PeriodError", "monday_of", "months_before", "quarter_bounds", "quarter_of"]


def months_before(day: date, months: int) -> date:
    """The same day `months` calendar months earlier (the month's last day when it is shorter)."""
    month_index = day.year * 12 + (day.month - 1) - months
    year, month = divmod(month_index, 12)
    month += 1
    next_first = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    last = (next_first - timedelta(days=1)).day
    return date(year, month, min(day.day, last))


def monday_of(day: date) -> date:
    """The Monday of the week holding `day` (TTD is recorded per school week)."""
    return day - timedelta(days=day.weekday())
