"""Reporting periods as the platform writes them: a quarter "2024Q4" or a year "2024".

One definition for every app that counts per quarter (programmes, adolescents, CEGAH DINI,
Halo Remaja, participation, partnerships). Pure: no Django.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

_QUARTER = re.compile(r"^(\d{4})Q([1-4])$")
_YEAR = re.compile(r"^(\d{4})$")
# Anything outside is a typing error, not a reporting period (and keeps date() from raising).
FIRST_YEAR, LAST_YEAR = 2000, 2100


class PeriodError(ValueError):
    """A period that cannot be read; the message is "Bahasa Indonesia / English"."""


def _error(text: object) -> PeriodError:
    shown = str(text)[:20]
    return PeriodError(
        f"Triwulan tidak sah: {shown!r} (mis. 2024Q4). / Invalid quarter: {shown!r} (e.g. 2024Q4)."
    )


def quarter_bounds(period: str) -> tuple[date, date]:
    """First and last day of "2024Q4" (case-insensitive); PeriodError for anything else."""
    m = _QUARTER.match(period.strip().upper()) if isinstance(period, str) else None
    if m is None or not FIRST_YEAR <= int(m.group(1)) <= LAST_YEAR:
        raise _error(period)
    year, q = int(m.group(1)), int(m.group(2))
    after = date(year + 1, 1, 1) if q == 4 else date(year, 3 * q + 1, 1)
    return date(year, 3 * q - 2, 1), after - timedelta(days=1)


def period_bounds(period: str) -> tuple[date, date]:
    """First and last day of a quarter ("2024Q3") or a year ("2024"); PeriodError otherwise."""
    m = _YEAR.match(period.strip()) if isinstance(period, str) else None
    if m is not None and FIRST_YEAR <= int(m.group(1)) <= LAST_YEAR:
        return date(int(m.group(1)), 1, 1), date(int(m.group(1)), 12, 31)
    return quarter_bounds(period)


def quarter_of(day: date) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def previous_quarter(quarter: str) -> str:
    return quarter_of(quarter_bounds(quarter)[0] - timedelta(days=1))
