"""Which desa the mobile civil-registration unit ("Jempol Adminduk Perbatasan") visits first, and
on which days of a quarter: pure, no Django.

The gap of a desa is the number of documents its children lack: children flagged "no_akta" (no
birth certificate) plus children flagged "no_kia" (no child identity card), from the latest
aggregates per desa (a child without both counts twice: both documents are to be issued).

Score = gap x remoteness factor x visit factor:
- remoteness factor: 1 + `remoteness_bonus` x min(km, `remoteness_full_km`) / `remoteness_full_km`,
  where km is the great-circle distance from the district capital (Bengkayang town) to the
  desa centroid; 1.0 when the position is unknown. With the defaults a desa 100 km or more
  away weighs 1.5 times a desa in the capital;
- visit factor: 1.0 for a desa never visited, else days since the last visit /
  `visit_full_days`, clamped to [`recent_visit_floor`, 1]: a desa visited last month weighs a
  quarter of its gap, one visited a year ago or more its whole gap.
The gap dominates: a desa needs a gap more than 1.5 times larger than another's to be passed
by remoteness alone. A desa with no gap is not scheduled. Ties: the larger gap, the remoter,
the longer since a visit, then the code, so the same input always gives the same order.

The schedule spreads the visit days evenly over the working days of the quarter (Monday to
Friday, not a national holiday: the fixed-date ones every year, the moving ones of 2025, any
others passed in), from `start` when the quarter has begun, and gives the first day to the desa
with the highest score.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

EARTH_RADIUS_KM = 6371.0088
# Bengkayang town, the district capital: the centroid of Kecamatan Bengkayang (61.07.04) in
# data/bengkayang_kecamatan.geojson (the town lies in it; the exact square is ~3 km away).
CAPITAL_LAT = 0.8432850137104847
CAPITAL_LNG = 109.50219388273788
SMALL_COUNT = 5  # counts 1-4 are shown as "<5" (flags/disclosure.py's primary rule)

# National public holidays on fixed dates, every year (Tahun Baru, Hari Buruh, Hari Lahir Pancasila,
# Proklamasi, Natal).
FIXED_HOLIDAYS: tuple[tuple[int, int], ...] = ((1, 1), (5, 1), (6, 1), (8, 17), (12, 25))
# The moving ones of 2025 (SKB 3 Menteri; cuti bersama not included). Other years' moving
# holidays: pass them to propose_schedule.
HOLIDAYS_2025: frozenset[date] = frozenset(
    {
        date(2025, 1, 27),  # Isra Mikraj
        date(2025, 1, 29),  # Tahun Baru Imlek
        date(2025, 3, 31),  # Idulfitri
        date(2025, 4, 1),  # Idulfitri
        date(2025, 4, 18),  # Wafat Yesus Kristus
        date(2025, 5, 12),  # Waisak
        date(2025, 5, 29),  # Kenaikan Yesus Kristus
        date(2025, 6, 6),  # Iduladha
        date(2025, 6, 27),  # Tahun Baru Islam
        date(2025, 9, 5),  # Maulid Nabi
    }
)


def national_holidays(years: Iterable[int]) -> frozenset[date]:
    """The fixed-date holidays of the years and the known moving ones."""
    fixed = {date(y, m, d) for y in years for m, d in FIXED_HOLIDAYS}
    return frozenset(fixed | HOLIDAYS_2025)


_QUARTER = re.compile(r"^(\d{4})Q([1-4])$")


class PlanError(ValueError):
    """Bad input for the planner; the message is "Bahasa Indonesia / English"."""


@dataclass(frozen=True)
class Weights:
    remoteness_bonus: float = 0.5
    remoteness_full_km: float = 100.0
    visit_full_days: int = 365
    recent_visit_floor: float = 0.25


DEFAULT_WEIGHTS = Weights()


@dataclass(frozen=True)
class DesaGap:
    code: str
    name: str
    kecamatan: str
    lat: float | None
    lng: float | None
    no_akta: int  # children flagged without a birth certificate
    no_kia: int  # children flagged without a child identity card
    last_visit: date | None = None  # the mobile unit's last visit, None if never

    @property
    def gap(self) -> int:
        return self.no_akta + self.no_kia


@dataclass(frozen=True)
class Ranked:
    desa: DesaGap
    rank: int
    score: float
    distance_km: float | None
    days_since_visit: int | None  # None: never visited

    @property
    def gap(self) -> int:
        return self.desa.gap

    @property
    def reason(self) -> str:
        """Why the desa is where it is, in Bahasa Indonesia / English."""
        d = self.desa
        akta, kia = count_text(d.no_akta), count_text(d.no_kia)
        where_id = "jarak tidak diketahui" if self.distance_km is None else f"{self.distance_km:.0f} km"
        where_en = "distance unknown" if self.distance_km is None else f"{self.distance_km:.0f} km"
        if self.days_since_visit is None:
            when_id, when_en = "belum pernah dikunjungi", "never visited"
        else:
            when_id = f"kunjungan terakhir {self.days_since_visit} hari lalu"
            when_en = f"last visited {self.days_since_visit} days ago"
        return (
            f"{akta} anak tanpa akta, {kia} tanpa KIA; {where_id} dari ibu kota; {when_id} / "
            f"{akta} children without a birth certificate, {kia} without a KIA; {where_en} from the "
            f"capital; {when_en}"
        )


@dataclass(frozen=True)
class ScheduledVisit:
    order: int  # 1 = first visit
    day: date
    ranked: Ranked
    priority: int  # 1 high, 2 medium, 3 low: the third of the schedule the visit is in

    @property
    def priority_text(self) -> str:
        return {1: "tinggi / high", 2: "sedang / medium", 3: "rendah / low"}[self.priority]


def count_text(n: int) -> str:
    """A count as shown beside aggregates: 0, "<5" for 1-4, else the number."""
    return "<5" if 0 < n < SMALL_COUNT else str(n)


def haversine_km(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlmb = math.radians(lng2 - lng1)
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def distance_from_capital(lat: float | None, lng: float | None) -> float | None:
    if lat is None or lng is None:
        return None
    return haversine_km(CAPITAL_LAT, CAPITAL_LNG, lat, lng)


def score_of(gap: int, distance_km: float | None, days_since_visit: int | None, weights: Weights) -> float:
    remote = 1.0
    if distance_km is not None:
        remote += (
            weights.remoteness_bonus
            * min(distance_km, weights.remoteness_full_km)
            / (weights.remoteness_full_km)
        )
    visit = 1.0
    if days_since_visit is not None:
        visit = min(1.0, max(weights.recent_visit_floor, days_since_visit / weights.visit_full_days))
    return gap * remote * visit


def rank_desa(desa: list[DesaGap], *, today: date, weights: Weights = DEFAULT_WEIGHTS) -> list[Ranked]:
    """Every desa, the highest score first (desa with no gap last, with score 0)."""
    rows: list[tuple[tuple[float, int, float, int, str], DesaGap, float, float | None, int | None]] = []
    seen: set[str] = set()
    for d in desa:
        if d.code in seen:
            continue
        seen.add(d.code)
        if d.no_akta < 0 or d.no_kia < 0:
            raise PlanError(f"Jumlah negatif untuk {d.code}. / Negative count for {d.code}.")
        km = distance_from_capital(d.lat, d.lng)
        days = None if d.last_visit is None else max(0, (today - d.last_visit).days)
        score = score_of(d.gap, km, days, weights)
        key = (
            -score,
            -d.gap,
            -(km if km is not None else -1.0),
            -(days if days is not None else 10**6),
            d.code,
        )
        rows.append((key, d, score, km, days))
    rows.sort(key=lambda r: r[0])
    return [
        Ranked(desa=d, rank=i, score=round(score, 3), distance_km=km, days_since_visit=days)
        for i, (_key, d, score, km, days) in enumerate(rows, start=1)
    ]


def quarter_bounds(quarter: str) -> tuple[date, date]:
    """First and last day of "2025Q1"."""
    m = _QUARTER.match(quarter.strip())
    if not m or not 2020 <= int(m.group(1)) <= 2100:
        raise PlanError(
            f"Triwulan tidak sah: {quarter!r} (mis. 2025Q1). / Invalid quarter: {quarter!r} (e.g. 2025Q1)."
        )
    year, q = int(m.group(1)), int(m.group(2))
    first = date(year, 3 * q - 2, 1)
    after = date(year + 1, 1, 1) if q == 4 else date(year, 3 * q + 1, 1)
    return first, after - timedelta(days=1)


def quarter_of(day: date) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def next_quarter(quarter: str) -> str:
    _first, last = quarter_bounds(quarter)
    return quarter_of(last + timedelta(days=1))


def working_days(quarter: str, *, holidays: Iterable[date] = (), start: date | None = None) -> list[date]:
    """Monday to Friday of the quarter, not holidays, from `start` if it is inside the quarter."""
    first, last = quarter_bounds(quarter)
    off = set(holidays) | national_holidays([first.year])
    day = max(first, start) if start else first
    out = []
    while day <= last:
        if day.weekday() < 5 and day not in off:
            out.append(day)
        day += timedelta(days=1)
    return out


def propose_schedule(
    ranked: list[Ranked],
    *,
    quarter: str,
    visit_days: int,
    desa_per_day: int = 1,
    holidays: Iterable[date] = (),
    start: date | None = None,
) -> list[ScheduledVisit]:
    """Dated visits: the desa with a gap, best first, `desa_per_day` a day on at most
    `visit_days` working days spread evenly over the quarter."""
    days = working_days(quarter, holidays=holidays, start=start)
    if not 1 <= desa_per_day <= 5:
        raise PlanError("Desa per hari harus 1-5. / Desa per day must be 1-5.")
    if visit_days < 1:
        raise PlanError("Jumlah hari kunjungan minimal 1. / At least one visit day.")
    if visit_days > len(days):
        raise PlanError(
            f"Triwulan {quarter} hanya punya {len(days)} hari kerja tersisa. / "
            f"Quarter {quarter} has only {len(days)} working days left."
        )
    targets = sorted((r for r in ranked if r.gap > 0), key=lambda r: r.rank)[: visit_days * desa_per_day]
    used = math.ceil(len(targets) / desa_per_day)
    if used == 0:
        return []
    # Spread `used` days evenly: day i takes the working day at i * len / used.
    chosen = [days[(i * len(days)) // used] for i in range(used)]
    out = []
    for i, r in enumerate(targets):
        priority = 1 + (3 * i) // len(targets)
        out.append(ScheduledVisit(order=i + 1, day=chosen[i // desa_per_day], ranked=r, priority=priority))
    return out
