"""CEGAH DINI coverage and the before/after comparison, from plain rows (no Django).

The rules, as the seed (section 3.3) and its roadmap put them:

- **School year** (tahun ajaran): 1 July to 30 June. A session on 30 June 2025 belongs to
  2024/2025, one on 1 July 2025 to 2025/2026. MPLS is the first week of a school year, so MPLS
  coverage is counted per school year.
- **MPLS coverage** = junior secondary schools (SMP/MTs) with at least one MPLS session *with the
  health module* in the school year / all SMP/MTs. Target 100%: "bagi seluruh siswa baru tingkat
  SMP/MTs ... setiap tahun ajaran baru".
- **Bimwin coverage** = KUA with at least one Bimwin session *with the health module* in the period
  (a quarter, or a school year) / all KUA. Bimwin runs all year round, whenever couples register.
- A session without the health module is a session of the partner agency alone; it is listed but
  does not count, because the health module is what CEGAH DINI adds.
- **Before/after**: for each kecamatan with a session in the school year, the child-marriage flag
  rate of each of its desa in the quarter before the kecamatan's first session, and in the latest
  quarter after the quarter of that session (the session's own quarter is neither). This is a
  comparison of two figures, not evidence that the sessions caused a change: the rate also moves
  with registration (SIAK) updates and with who is counted.

Everything is computed from venues, sessions and rate rows passed in, so a hand count on a small
table can be checked against it (tests/test_coverage.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from satuanak.core.periods import PeriodError as PeriodError
from satuanak.core.periods import previous_quarter as previous_quarter
from satuanak.core.periods import quarter_bounds as quarter_bounds
from satuanak.core.periods import quarter_of as quarter_of

BIMWIN = "bimwin"
MPLS = "mpls"

_SCHOOL_YEAR = re.compile(r"^(\d{4})/(\d{4})$")

# --- periods ----------------------------------------------------------------------------------


def school_year_of(day: date) -> str:
    """ "2024/2025" for any day from 1 July 2024 to 30 June 2025."""
    start = day.year if day.month >= 7 else day.year - 1
    return f"{start}/{start + 1}"


def school_year_bounds(school_year: str) -> tuple[date, date]:
    """First and last day of "2024/2025" (1 July 2024, 30 June 2025)."""
    m = _SCHOOL_YEAR.match(school_year.strip()) if isinstance(school_year, str) else None
    if not m or int(m.group(2)) != int(m.group(1)) + 1 or not 2000 <= int(m.group(1)) <= 2100:
        raise PeriodError(
            f"Tahun ajaran tidak sah: {str(school_year)[:20]!r} (mis. 2024/2025). / "
            f"Invalid school year: {str(school_year)[:20]!r} (e.g. 2024/2025)."
        )
    start = int(m.group(1))
    return date(start, 7, 1), date(start + 1, 6, 30)


def quarters_of_school_year(school_year: str) -> list[str]:
    """The four quarters of a school year: 2024Q3, 2024Q4, 2025Q1, 2025Q2."""
    first, last = school_year_bounds(school_year)
    out = [quarter_of(first)]
    while quarter_bounds(out[-1])[1] < last:
        out.append(quarter_of(quarter_bounds(out[-1])[1] + timedelta(days=1)))
    return out


# --- coverage ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Venue:
    """A school (SMP/MTs) or a KUA: `key` is unique among venues of one kind."""

    key: int
    name: str
    kecamatan_code: str
    kecamatan_name: str


@dataclass(frozen=True)
class SessionRow:
    kind: str  # bimwin | mpls
    venue_key: int
    day: date
    health_module: bool


@dataclass(frozen=True)
class AreaCoverage:
    code: str  # kecamatan code, or "" for the district
    name: str
    covered: int
    total: int

    @property
    def pct(self) -> float | None:
        return round(100.0 * self.covered / self.total, 1) if self.total else None


@dataclass(frozen=True)
class Coverage:
    kind: str
    start: date
    end: date
    district: AreaCoverage
    per_kecamatan: list[AreaCoverage]
    uncovered: list[Venue]  # the actionable list: venues still to reach, by kecamatan then name
    covered_keys: frozenset[int]
    sessions_counted: int  # sessions of the kind with the health module in the window
    sessions_without_module: int  # of the kind in the window, not counted


def coverage(
    *, kind: str, venues: Sequence[Venue], sessions: Iterable[SessionRow], start: date, end: date
) -> Coverage:
    """Venues of `kind` reached by a session with the health module between `start` and `end`
    (both inclusive). Sessions of the other kind, outside the window, at a venue not in `venues`
    or without the health module do not count."""
    keys = {v.key for v in venues}
    covered: set[int] = set()
    counted = without = 0
    for s in sessions:
        if s.kind != kind or not start <= s.day <= end or s.venue_key not in keys:
            continue
        if s.health_module:
            covered.add(s.venue_key)
            counted += 1
        else:
            without += 1
    by_kecamatan: dict[str, list[Venue]] = {}
    for v in venues:
        by_kecamatan.setdefault(v.kecamatan_code, []).append(v)
    per_kecamatan = [
        AreaCoverage(
            code=code,
            name=vs[0].kecamatan_name,
            covered=sum(1 for v in vs if v.key in covered),
            total=len(vs),
        )
        for code, vs in sorted(by_kecamatan.items())
    ]
    uncovered = sorted(
        (v for v in venues if v.key not in covered), key=lambda v: (v.kecamatan_code, v.name, v.key)
    )
    return Coverage(
        kind=kind,
        start=start,
        end=end,
        district=AreaCoverage(code="", name="Kabupaten", covered=len(covered), total=len(venues)),
        per_kecamatan=per_kecamatan,
        uncovered=uncovered,
        covered_keys=frozenset(covered),
        sessions_counted=counted,
        sessions_without_module=without,
    )


# --- before / after ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RateRow:
    """One desa's flag aggregate in one quarter (satuanak.flags FlagAggregate, level desa)."""

    area_code: str
    period: str
    numerator: int
    denominator: int
    rate: float

    @property
    def pct(self) -> float:
        return round(100.0 * self.rate, 1)


@dataclass(frozen=True)
class DesaBeforeAfter:
    desa_code: str
    desa_name: str
    before: RateRow | None
    after: RateRow | None

    @property
    def change_points(self) -> float | None:
        """After minus before, in percentage points (negative: fewer flagged)."""
        if self.before is None or self.after is None:
            return None
        return round(100.0 * (self.after.rate - self.before.rate), 1)


@dataclass(frozen=True)
class KecamatanBeforeAfter:
    kecamatan_code: str
    kecamatan_name: str
    first_session: date
    before_period: str
    after_period: str | None  # None: no quarter after the session's quarter has data yet
    desa: list[DesaBeforeAfter] = field(default_factory=list)


def before_after(
    *,
    first_sessions: Mapping[str, date],
    kecamatan_names: Mapping[str, str],
    desa_by_kecamatan: Mapping[str, Sequence[tuple[str, str]]],
    rates: Iterable[RateRow],
) -> list[KecamatanBeforeAfter]:
    """Per kecamatan (with its first session's date in `first_sessions`): each desa's rate in the
    quarter before that session's quarter, and in the latest quarter after it for which any desa
    of the kecamatan has a rate. `desa_by_kecamatan` lists (desa code, name)."""
    by_desa: dict[str, dict[str, RateRow]] = {}
    for r in rates:
        by_desa.setdefault(r.area_code, {})[r.period] = r
    out = []
    for kec_code in sorted(first_sessions):
        first = first_sessions[kec_code]
        session_quarter = quarter_of(first)
        before_period = previous_quarter(session_quarter)
        desa = desa_by_kecamatan.get(kec_code, [])
        # Quarters are "YYYYQn": text order is time order.
        later = {p for code, _ in desa for p in by_desa.get(code, {}) if p > session_quarter}
        after_period = max(later) if later else None
        rows = [
            DesaBeforeAfter(
                desa_code=code,
                desa_name=name,
                before=by_desa.get(code, {}).get(before_period),
                after=by_desa.get(code, {}).get(after_period) if after_period else None,
            )
            for code, name in sorted(desa)
        ]
        out.append(
            KecamatanBeforeAfter(
                kecamatan_code=kec_code,
                kecamatan_name=kecamatan_names.get(kec_code, kec_code),
                first_session=first,
                before_period=before_period,
                after_period=after_period,
                desa=rows,
            )
        )
    return out
