"""SIMFONI PPA: violence cases against children reported in the 12 months before the reference date."""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl

from satuanak.synth.config import Calibration
from satuanak.synth.population import Population

KINDS = ("Seksual", "Fisik", "Psikis", "Penelantaran", "Eksploitasi", "TPPO")
_KIND_P = (0.40, 0.25, 0.20, 0.10, 0.03, 0.02)
PLACES = ("Rumah Tangga", "Sekolah", "Fasilitas Umum", "Tempat Kerja", "Lainnya")
_PLACE_P = (0.55, 0.10, 0.15, 0.03, 0.17)
SERVICES = ("Kesehatan", "Bantuan Hukum", "Rehabilitasi Sosial", "Pendampingan")
_ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")


def build_cases(
    *, rng: np.random.Generator, pop: Population, reference_date: date, cal: Calibration
) -> pl.DataFrame:
    ref_day = (reference_date - date(1970, 1, 1)).days
    kids = pop.persons.filter((pl.col("role") == "anak") & pl.col("died").is_null()).select(
        "pid", "female", "dob", "desa"
    )
    age = (ref_day - kids["dob"].cast(pl.Int64).to_numpy()) / 365.25
    # Reported victims are mostly adolescents, and mostly girls.
    w = np.where(age < 3, 0.1, np.where(age < 10, 0.6, 1.5)) * np.where(kids["female"].to_numpy(), 2.3, 1.0)
    n_cases = max(1, int(rng.poisson(cal.violence_cases_per_100k * pop.n_children / 100_000)))
    victims = rng.choice(kids.height, size=n_cases, replace=False, p=w / w.sum())
    report = ref_day - rng.integers(0, 365, n_cases)
    order = np.argsort(report, kind="stable")
    victims, report = victims[order], report[order]
    services = [
        "; ".join(
            sorted(
                rng.choice(SERVICES, size=int(rng.integers(1, 4)), replace=False).tolist(), key=SERVICES.index
            )
        )
        for _ in range(n_cases)
    ]
    rep_dates = report.astype("datetime64[D]")
    months = rep_dates.astype("datetime64[M]").astype(np.int64) % 12
    years = rep_dates.astype("datetime64[Y]").astype(np.int64) + 1970
    register = [
        f"{i + 1:03d}/PPA-BKY/{_ROMAN[m]}/{y}" for i, (m, y) in enumerate(zip(months, years, strict=True))
    ]
    v = kids[victims]
    return pl.DataFrame(
        {
            "register": register,
            "reported": pl.Series(rep_dates),
            "pid": v["pid"],
            "desa": v["desa"],
            "kind": rng.choice(KINDS, size=n_cases, p=_KIND_P).tolist(),
            "place": rng.choice(PLACES, size=n_cases, p=_PLACE_P).tolist(),
            "services": services,
            "status": rng.choice(
                ["Selesai", "Proses", "Dirujuk"], size=n_cases, p=[0.5, 0.35, 0.15]
            ).tolist(),
            "age_y": np.floor(age[victims]).astype(np.int64),
        }
    )
