"""Quarters ("2024Q4") and their first and last days. Pure: no Django.

The KLA app has its own period helpers; this app cannot import them (KLA reads this app's
figures, so the import would point the wrong way), hence this small copy.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

_PERIOD = re.compile(r"^(\d{4})Q([1-4])$")


class PeriodError(ValueError):
    pass


def quarter_bounds(period: str) -> tuple[date, date]:
    """First and last day of a quarter written like "2024Q4"; PeriodError otherwise."""
    m = _PERIOD.match(period.strip()) if isinstance(period, str) else None
    if m is None:
        raise PeriodError(
            f"Periode tidak sah: {str(period)[:20]!r} (mis. 2024Q4). / "
            f"Invalid period: {str(period)[:20]!r} (e.g. 2024Q4)."
        )
    year, q = int(m.group(1)), int(m.group(2))
    first = date(year, 3 * q - 2, 1)
    after = date(year + 1, 1, 1) if q == 4 else date(year, 3 * q + 1, 1)
    return first, after - timedelta(days=1)


def quarter_of(day: date) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


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
