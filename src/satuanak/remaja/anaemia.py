"""Anaemia in adolescent girls: classification by haemoglobin and age, and the follow-up.
Pure: no Django.

Thresholds are data (data/remaja/anaemia_thresholds_v1.json, WHO 2011 Table 1): per age band,
a girl is anaemic when Hb is below `anaemic_below`; the severity is mild down to
`moderate_below`, moderate down to `severe_below`, severe below that. With WHO's figures:
5-11 y anaemic < 11.5, 12-14 y < 12.0, non-pregnant 15+ < 12.0; mild ≥ 11.0, moderate 8.0-10.9,
severe < 8.0 g/dL.

The follow-up of an anaemic screening is derived from the screenings (no state is stored):
re-screen `follow_up_weeks` (12) weeks after it, while taking iron tablets. Its status is
- RESOLVED: the girl's next screening is not anaemic;
- STILL_ANAEMIC: the next screening is anaemic again (that screening opens a new follow-up);
- DUE: no later screening yet and the due date is today or later;
- OVERDUE: no later screening and the due date has passed.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

NONE = "none"
MILD = "mild"
MODERATE = "moderate"
SEVERE = "severe"
SEVERITIES = (NONE, MILD, MODERATE, SEVERE)
SEVERITY_LABELS = {
    NONE: "Tidak anemia / not anaemic",
    MILD: "Anemia ringan / mild",
    MODERATE: "Anemia sedang / moderate",
    SEVERE: "Anemia berat / severe",
}

DUE = "due"
OVERDUE = "overdue"
RESOLVED = "resolved"
STILL_ANAEMIC = "still_anaemic"
FOLLOW_UP_LABELS = {
    DUE: "Jadwal skrining ulang / re-screen due",
    OVERDUE: "Terlambat / overdue",
    RESOLVED: "Tidak anemia lagi / resolved",
    STILL_ANAEMIC: "Masih anemia / still anaemic",
}
OPEN = frozenset({DUE, OVERDUE})


class ThresholdError(ValueError):
    pass


@dataclass(frozen=True)
class Band:
    min_age: int
    max_age: int
    label: str
    anaemic_below: Decimal
    moderate_below: Decimal
    severe_below: Decimal


@dataclass(frozen=True)
class Thresholds:
    version: int
    bands: tuple[Band, ...]
    plausible_min: Decimal
    plausible_max: Decimal
    follow_up_weeks: int

    def band_for(self, age_years: int) -> Band:
        for band in self.bands:
            if band.min_age <= age_years <= band.max_age:
                return band
        raise ThresholdError(
            f"Tidak ada batas Hb untuk umur {age_years} tahun. / No Hb cut-off for age {age_years}."
        )


def _dec(value: Any) -> Decimal:
    return Decimal(str(value))


def thresholds_from_dict(data: Mapping[str, Any]) -> Thresholds:
    """Read the thresholds file's content; checks the bands are ordered and consistent."""
    bands = tuple(
        Band(
            int(b["min_age"]),
            int(b["max_age"]),
            str(b["label"]),
            _dec(b["anaemic_below"]),
            _dec(b["moderate_below"]),
            _dec(b["severe_below"]),
        )
        for b in data["bands"]
    )
    for b in bands:
        if not (b.severe_below < b.moderate_below <= b.anaemic_below) or b.min_age > b.max_age:
            raise ThresholdError(f"Batas tidak konsisten: {b.label} / inconsistent band")
    for before, after in itertools.pairwise(bands):
        if after.min_age != before.max_age + 1:
            raise ThresholdError("Kelompok umur harus bersambung. / Age bands must be contiguous.")
    return Thresholds(
        version=int(data["version"]),
        bands=bands,
        plausible_min=_dec(data["plausible_min"]),
        plausible_max=_dec(data["plausible_max"]),
        follow_up_weeks=int(data["follow_up_weeks"]),
    )


def age_in_years(birth_date: date, on: date) -> int:
    """Completed years on a day (a birthday on 29 February counts from 1 March)."""
    years = on.year - birth_date.year
    if (on.month, on.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years


@dataclass(frozen=True)
class Classification:
    severity: str
    band: Band

    @property
    def anaemic(self) -> bool:
        return self.severity != NONE


def classify(hb_g_dl: Decimal, age_years: int, thresholds: Thresholds) -> Classification:
    """WHO severity of a girl's haemoglobin (g/dL) for her age; ThresholdError when implausible."""
    hb = _dec(hb_g_dl)
    if not thresholds.plausible_min <= hb <= thresholds.plausible_max:
        raise ThresholdError(
            f"Hb {hb} g/dL di luar rentang wajar ({thresholds.plausible_min}-{thresholds.plausible_max}). / "
            f"Hb {hb} g/dL is outside the plausible range."
        )
    band = thresholds.band_for(age_years)
    if hb >= band.anaemic_below:
        severity = NONE
    elif hb >= band.moderate_below:
        severity = MILD
    elif hb >= band.severe_below:
        severity = MODERATE
    else:
        severity = SEVERE
    return Classification(severity, band)


@dataclass(frozen=True)
class ScreeningFact:
    id: int
    screened_on: date
    anaemic: bool


@dataclass(frozen=True)
class FollowUp:
    screening_id: int  # the anaemic screening that opened it
    screened_on: date
    due_on: date
    status: str
    closed_by: int | None  # the later screening that settled it

    @property
    def is_open(self) -> bool:
        return self.status in OPEN

    @property
    def status_label(self) -> str:
        return FOLLOW_UP_LABELS[self.status]


def follow_ups(screenings: Sequence[ScreeningFact], *, today: date, weeks: int) -> list[FollowUp]:
    """One follow-up per anaemic screening of one girl, oldest first."""
    ordered = sorted(screenings, key=lambda s: (s.screened_on, s.id))
    out = []
    for i, s in enumerate(ordered):
        if not s.anaemic:
            continue
        due = s.screened_on + timedelta(weeks=weeks)
        later = next((n for n in ordered[i + 1 :] if n.screened_on > s.screened_on), None)
        if later is not None:
            status = STILL_ANAEMIC if later.anaemic else RESOLVED
            out.append(FollowUp(s.id, s.screened_on, due, status, later.id))
        else:
            out.append(FollowUp(s.id, s.screened_on, due, DUE if today <= due else OVERDUE, None))
    return out
