"""Targets and defect rates of the synthetic district, with their sources.

Targets come from the seed reports (Bengkayang 2022-2024 figures, see /shared/BRIEF.md); where the
seeds are silent the default is a plausible figure for rural West Kalimantan and says so.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True, slots=True)
class Calibration:
    """What the generated district should look like (fractions, not percent)."""

    # Seeds: 4,081 live births in 2024 in a district of ~100,000 children.
    births_per_100k_children: float = 4081.0
    # Seeds: 74 infant deaths / 4,081 live births = 18.3 per 1,000.
    infant_deaths_per_1000: float = 18.3
    # Seeds: akta kelahiran coverage of children 0-18.
    akta_rate: float = 0.7924
    # Seeds: deliveries in a health facility.
    facility_delivery_rate: float = 0.6822
    # Seeds: stunting by weighing (e-PPGBM 2022), latest measurement per under-five.
    stunting_rate: float = 0.207
    # Not in the seeds: wasting (WHZ < -2) target; Riskesdas-like rural figure.
    wasting_rate: float = 0.085
    # Not in the seeds: KIA (child ID card) coverage; KIA is young and patchy.
    kia_rate: float = 0.35
    # Not in the seeds: complete basic immunisation (IDL) among children 12-23 months, 75-85%.
    idl_rate: float = 0.80
    # Pregnant women with chronic energy deficiency (LILA < 23.5 cm); national ~17%.
    kek_rate: float = 0.17
    # Child marriage: share of girls 15-18 recorded KAWIN in SIAK (boys: a tenth of that).
    child_marriage_girls_15_18: float = 0.015
    # Out-of-school children (ATS) by school age band: SD 7-12, SMP 13-15, SMA 16-18.
    ats_sd: float = 0.03
    ats_smp: float = 0.10
    ats_sma: float = 0.25
    # Share of ATS children still listed in DAPODIK with status Keluar (dropped out).
    ats_listed_keluar: float = 0.40
    # Violence cases reported to SIMFONI PPA per 100,000 children per year.
    violence_cases_per_100k: float = 30.0
    # Posyandu weighing: months covered and the mean share of months a child is weighed.
    eppgbm_months: int = 12
    weighing_coverage: float = 0.75
    # Children whose father is unknown/absent from the family card.
    father_absent_rate: float = 0.10
    # NIK prefix of first registration: other Bengkayang kecamatan (moved) / outside Bengkayang.
    nik_moved_within_rate: float = 0.04
    nik_born_outside_rate: float = 0.05

    def as_dict(self) -> dict[str, float]:
        return {k: float(v) for k, v in asdict(self).items()}


@dataclass(frozen=True, slots=True)
class DefectRates:
    """Share of rows (or, for identity defects, of persons within a source) that get each defect.

    Identity defects (missing/mistyped NIK, name variant, day/month swap, wrong desa) are drawn once
    per person and source, so every row of that person in that source carries the same mistake, as
    a register copied from visit to visit does.  Row defects (duplicates, impossible measurements,
    blanks, dates as text) are drawn per row.
    """

    missing_nik: dict[str, float] = field(
        default_factory=lambda: {
            "eppgbm": 0.15,
            "dapodik": 0.05,
            "imunisasi": 0.10,
            "kia": 0.08,
            "simfoni": 0.10,
        }
    )
    mistyped_nik: float = 0.02  # one digit changed, or two adjacent different digits swapped
    name_variant: float = 0.12  # spelling variant: Muhammad/M./Moh., Nur/Nurul, Tjhin/Chin, dropped names
    dob_day_month_swap: float = 0.02  # of rows whose day <= 12 and day != month
    duplicate_row: float = 0.01
    impossible_measurement: float = 0.005  # weight 0/250/in grams, height in metres (e-PPGBM)
    wrong_desa: float = 0.02  # a neighbouring desa of the same kecamatan
    blank_required: float = 0.005  # name, sex or birth date left empty
    date_as_text: float = 0.03  # XLSX date cells typed as text in assorted formats
    measure_position_swapped: float = 0.03  # lying/standing opposite to the age rule (real, not an error)
    # Posyandu-wide measuring habits (drawn per posyandu, from a stream of their own): a board read
    # to the half centimetre (every length/height on .0 or .5), and no length board (every child
    # under two measured standing). The mutu checks should find these posyandu (issue 17).
    posyandu_height_rounding: float = 0.03
    posyandu_all_standing: float = 0.02
    siak_duplicate_person: float = 0.002  # a person entered twice in SIAK with a second NIK

    def as_dict(self) -> dict[str, object]:
        return dict(asdict(self))
