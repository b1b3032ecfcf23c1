"""DAPODIK: students enrolled in SD/SMP/SMA, with out-of-school children (ATS) left out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import polars as pl

from satuanak.synth._util import mean_of
from satuanak.synth.config import Calibration
from satuanak.synth.population import Population
from satuanak.synth.reference import Reference

LEVELS = ("SD", "SMP", "SMA")


@dataclass(slots=True)
class Education:
    students: pl.DataFrame  # pid, nisn, npsn, school, level, grade, status
    ats_by_band: dict[str, float]  # share of school-age children with no Aktif row
    school_age: dict[str, int]


def _band(age_y: np.ndarray) -> np.ndarray:
    return np.where(age_y <= 12, 0, np.where(age_y <= 15, 1, 2))


def build_education(
    *, rng: np.random.Generator, ref: Reference, pop: Population, reference_date: date, cal: Calibration
) -> Education:
    year_start = date(reference_date.year if reference_date.month >= 7 else reference_date.year - 1, 7, 1)
    kids = pop.persons.filter((pl.col("role") == "anak") & pl.col("died").is_null()).select(
        "pid", "desa", "kec", "dob"
    )
    dob = kids["dob"].to_numpy().astype("datetime64[D]").astype(np.int64)
    ref_day = (reference_date - date(1970, 1, 1)).days
    ys_day = (year_start - date(1970, 1, 1)).days
    age_ref = (ref_day - dob) / 365.25
    age_ys = np.floor((ys_day - dob) / 365.25).astype(np.int64)
    school_age = (age_ref >= 7) & (age_ref < 19)
    kids = kids.filter(pl.Series(school_age))
    dob, age_ref, age_ys = dob[school_age], age_ref[school_age], age_ys[school_age]
    n = kids.height
    band = _band(np.floor(age_ref))
    # Grade from age at the start of the school year; some children repeated a year.
    grade = np.clip(age_ys - 6 - (rng.random(n) < 0.08), 1, 12)
    level = np.where(grade <= 6, 0, np.where(grade <= 9, 1, 2))
    rates = np.array([cal.ats_sd, cal.ats_smp, cal.ats_sma])
    ats = rng.random(n) < rates[band]
    keluar = ats & (rng.random(n) < cal.ats_listed_keluar)
    desa = kids["desa"].to_numpy()
    kec = kids["kec"].to_numpy()

    # School choice: a school of the level in the desa, else in the kecamatan, else anywhere.
    sch = ref.schools
    s_level = sch["level"].to_numpy()
    s_desa = sch["desa"].to_numpy()
    s_kec = sch["kec"].to_numpy()
    school = np.full(n, -1, dtype=np.int64)
    for lv_i, lv in enumerate(LEVELS):
        for d in np.unique(desa[level == lv_i]):
            idx = np.flatnonzero((level == lv_i) & (desa == d))
            cands = np.flatnonzero((s_level == lv) & (s_desa == d))
            if cands.size == 0:
                cands = np.flatnonzero((s_level == lv) & (s_kec == ref.desa_kec[d]))
            if cands.size == 0:
                cands = np.flatnonzero(s_level == lv)
            school[idx] = cands[rng.integers(0, cands.size, idx.size)]

    # NISN: 3 digits of the birth year + 7 random digits, unique.
    year3 = (dob.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970) % 1000
    tail = rng.choice(10_000_000, size=n, replace=False)
    nisn = pl.Series(year3).cast(pl.String).str.zfill(3) + pl.Series(tail).cast(pl.String).str.zfill(7)

    status = np.where(keluar, "Keluar", "Aktif")
    listed = ~ats | keluar
    base = pl.DataFrame(
        {
            "pid": kids["pid"],
            "nisn": nisn,
            "school": school,
            "grade": np.where(keluar, np.maximum(grade - rng.integers(0, 3, n), 1), grade),
            "status": pl.Series(status.tolist(), dtype=pl.String),
            "kec": kec,
        }
    ).filter(pl.Series(listed))
    # Mutasi: a student who moved school this year also has a row at the old school.
    active = base.filter(pl.col("status") == "Aktif")
    mut = active.sample(fraction=0.015, seed=int(rng.integers(0, 2**31)))
    mut = mut.with_columns(
        school=pl.Series((mut["school"].to_numpy() + rng.integers(1, 5, mut.height)) % sch.height),
        status=pl.lit("Mutasi"),
    )
    # Lulus: last year's leavers of SD/SMP still listed at their old school.
    new_entry = active.filter(pl.col("grade").is_in([7, 10])).sample(
        fraction=0.5, seed=int(rng.integers(0, 2**31))
    )
    old_level = np.where(new_entry["grade"].to_numpy() == 7, "SD", "SMP")
    old_school = (
        np.array(
            [
                np.flatnonzero((s_level == lv) & (s_kec == k))[0]
                if np.any((s_level == lv) & (s_kec == k))
                else np.flatnonzero(s_level == lv)[0]
                for lv, k in zip(old_level, new_entry["kec"].to_numpy(), strict=True)
            ],
            dtype=np.int64,
        )
        if new_entry.height
        else np.array([], dtype=np.int64)
    )
    lulus = new_entry.with_columns(
        school=pl.Series(old_school), grade=pl.col("grade") - 1, status=pl.lit("Lulus")
    )
    students = pl.concat([base, mut, lulus]).join(
        sch.with_row_index("school")
        .with_columns(pl.col("school").cast(pl.Int64))
        .select("school", "npsn", pl.col("name").alias("school_name"), "level"),
        on="school",
        how="left",
    )
    students = students.sort("npsn", "grade", "pid", "status")
    aktif = students.filter(pl.col("status") == "Aktif").select("pid").unique()
    kb = pl.DataFrame({"pid": kids["pid"], "band": band}).join(
        aktif.with_columns(a=pl.lit(True)), on="pid", how="left"
    )
    names = ("SD 7-12", "SMP 13-15", "SMA 16-18")
    ats_by = {}
    counts = {}
    for b in range(3):
        part = kb.filter(pl.col("band") == b)
        counts[names[b]] = part.height
        ats_by[names[b]] = round(mean_of(part["a"].is_null()), 4)
    return Education(students=students, ats_by_band=ats_by, school_age=counts)
