"""Immunisation doses, pregnancies with antenatal visits (K1-K6), and deliveries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import polars as pl

from satuanak.synth._util import mean_of
from satuanak.synth.config import Calibration
from satuanak.synth.population import Population
from satuanak.synth.reference import Reference

# DOMAIN.md §2: visits (scheduled age in days) and the antigens given together at each.
SCHEDULE: tuple[tuple[int, tuple[str, ...]], ...] = (
    (0, ("HB0",)),
    (30, ("BCG", "OPV1")),
    (60, ("DPT-HB-Hib1", "OPV2", "PCV1", "RV1")),
    (90, ("DPT-HB-Hib2", "OPV3", "PCV2", "RV2")),
    (120, ("DPT-HB-Hib3", "OPV4", "IPV1", "RV3")),
    (270, ("MR1", "IPV2")),
    (300, ("JE",)),
    (365, ("PCV3",)),
    (540, ("DPT-HB-Hib4", "MR2")),
)
# The confirmed Kemenkes IDL set (DOMAIN.md §2, "Suggestion").
IDL_ANTIGENS = (
    "HB0",
    "BCG",
    "OPV1",
    "OPV2",
    "OPV3",
    "OPV4",
    "DPT-HB-Hib1",
    "DPT-HB-Hib2",
    "DPT-HB-Hib3",
    "IPV1",
    "MR1",
)
_NEW_ANTIGENS = ("PCV1", "PCV2", "PCV3", "RV1", "RV2", "RV3", "JE", "IPV2")
_IMM_WINDOW_DAYS = 3 * 365  # the register covers children born in the last three years
_IDL_LAST_VISIT = 5


@dataclass(slots=True)
class Health:
    doses: pl.DataFrame  # pid, antigen, given, place
    idl_rate: float  # children 12-23 months at the reference date with every IDL antigen
    pregnancies: pl.DataFrame
    deliveries: pl.DataFrame
    kek_rate: float
    facility_rate: float
    births_12m: int
    infant_deaths: int


def build_immunisation(
    *, rng: np.random.Generator, ref: Reference, pop: Population, reference_date: date, cal: Calibration
) -> tuple[pl.DataFrame, float]:
    ref_day = (reference_date - date(1970, 1, 1)).days
    kids = pop.persons.filter(
        (pl.col("role") == "anak") & (pl.col("dob").cast(pl.Int64) > ref_day - _IMM_WINDOW_DAYS)
    )
    n = kids.height
    dob = kids["dob"].cast(pl.Int64).to_numpy()
    died = kids["died"].cast(pl.Int64).fill_null(1 << 40).to_numpy()
    # Place of birth is known for last year's births; older children get one drawn at the same rate.
    facility = kids["facility_birth"].to_numpy() | (
        ~kids["is_birth"].to_numpy() & (rng.random(n) < cal.facility_delivery_rate)
    )
    kec = kids["kec"].to_numpy()
    # Drop-out: the last visit a child attends.  Complete through MR1 (visit 5) with a probability
    # set so that IDL (which also needs every single dose) lands on the target.
    p_through = min(cal.idl_rate / 0.88, 0.99)
    last_visit = np.where(
        rng.random(n) < p_through,
        rng.choice([5, 6, 7, 8], size=n, p=[0.05, 0.08, 0.12, 0.75]),
        rng.choice([-1, 0, 1, 2, 3, 4], size=n, p=[0.15, 0.10, 0.15, 0.20, 0.20, 0.20]),
    )
    tardy = rng.gamma(2.0, 6.0, n)  # some families are always late
    rows_pid: list[np.ndarray] = []
    rows_ag: list[np.ndarray] = []
    rows_day: list[np.ndarray] = []
    rows_place: list[np.ndarray] = []
    prev = dob.astype(np.float64) - 28
    pos_place = np.where(rng.random(n) < 0.7, 1, 0)  # 1 = posyandu, 0 = puskesmas
    for v, (sched, antigens) in enumerate(SCHEDULE):
        if v == 0:
            # HB0 within 24 h: given at facility births, by the village midwife at most home births.
            day = dob + np.where(facility, 0, rng.integers(0, 3, n))
            attend = (last_visit >= 0) & (facility | (rng.random(n) < 0.85))
        else:
            day = np.maximum(dob + sched + tardy + rng.exponential(8.0, n), prev + 28).astype(np.int64)
            attend = last_visit >= v
        prev = np.where(attend, day, prev)
        attend &= (day <= ref_day) & (day < died)
        for ag in antigens:
            # Single doses missed at an attended visit: stock-outs of the newer vaccines are commoner.
            miss = rng.random(n) < (0.06 if ag in _NEW_ANTIGENS else 0.007)
            if ag.startswith("RV"):
                miss |= (day - dob) > 8 * 30  # rotavirus is not given after ~8 months
            if ag == "IPV2":
                miss |= rng.random(n) < 0.2  # IPV2 rollout in Kalbar was late (DOMAIN.md §2)
            give = attend & ~miss if v else attend
            idx = np.flatnonzero(give)
            rows_pid.append(kids["pid"].to_numpy()[idx])
            rows_ag.append(np.full(idx.size, ag, dtype=object))
            rows_day.append(day[idx])
            place = np.where(v == 0, np.where(facility[idx], 2, 3), pos_place[idx])
            rows_place.append(place)
    pid = np.concatenate(rows_pid)
    doses = pl.DataFrame(
        {
            "pid": pid,
            "antigen": pl.Series(np.concatenate(rows_ag).tolist(), dtype=pl.String),
            "given": pl.Series(np.concatenate(rows_day).astype("datetime64[D]")),
            "place_kind": np.concatenate(rows_place),
        }
    ).sort("pid", "given", maintain_order=True)
    # IDL among children 12-23 months old at the reference date.
    ages = ref_day - dob
    cohort = kids.filter(pl.Series((ages >= 365) & (ages < 730)) & pl.Series(died > ref_day)).select("pid")
    have = (
        doses.filter(pl.col("antigen").is_in(IDL_ANTIGENS))
        .group_by("pid")
        .agg(pl.col("antigen").n_unique().alias("k"))
    )
    full = mean_of(cohort.join(have, on="pid", how="left")["k"].fill_null(0) == len(IDL_ANTIGENS))
    _ = kec
    return doses, full


def build_maternal(
    *, rng: np.random.Generator, ref: Reference, pop: Population, reference_date: date, cal: Calibration
) -> tuple[pl.DataFrame, pl.DataFrame, float]:
    """Pregnancies (delivered in the last 12 months, plus ongoing ones) and deliveries."""
    ref_day = (reference_date - date(1970, 1, 1)).days
    p = pop.persons
    births = p.filter(pl.col("is_birth")).select(
        "pid",
        "mother_pid",
        "name",
        "desa",
        "kec",
        pl.col("dob").cast(pl.Int64),
        "facility_birth",
        "birth_weight_g",
        "died",
    )
    nb = births.height
    # Ongoing pregnancies: mothers under 42 whose youngest child is at least 15 months old.
    mothers = p.filter(pl.col("role") == "ibu").select(
        "pid", "desa", "kec", pl.col("dob").cast(pl.Int64), "family"
    )
    youngest = (
        p.filter(pl.col("role") == "anak")
        .group_by("family")
        .agg(pl.col("dob").cast(pl.Int64).max().alias("yd"))
    )
    cand = (
        mothers.join(youngest, on="family")
        .filter((pl.col("dob") > ref_day - 42 * 365) & (pl.col("yd") < ref_day - 450))
        .sort("pid")
    )
    n_on = min(round(nb * 0.7), cand.height)
    on_idx = (
        np.sort(rng.choice(cand.height, size=n_on, replace=False)) if n_on else np.array([], dtype=np.int64)
    )
    ongoing = cand[on_idx]
    gest_now = rng.integers(20, 275, n_on)
    hpht = np.concatenate(
        [births["dob"].to_numpy() - 280 + rng.normal(0, 9, nb).astype(np.int64), ref_day - gest_now]
    )
    end = np.concatenate([births["dob"].to_numpy(), np.full(n_on, ref_day + 1)])
    n = nb + n_on
    # K1..K6 at gestational weeks ~10, 16, 24, 30, 34, 37; most women reach K4, fewer K6.
    n_visits = rng.choice([0, 1, 2, 3, 4, 5, 6], size=n, p=[0.03, 0.04, 0.05, 0.08, 0.20, 0.20, 0.40])
    weeks = np.array([10, 16, 24, 30, 34, 37])
    visits = {}
    for k in range(6):
        d = hpht + weeks[k] * 7 + rng.integers(-10, 11, n)
        ok = (k < n_visits) & (d < end) & (d <= ref_day)
        visits[f"k{k + 1}"] = pl.Series(np.where(ok, d, 0).astype("datetime64[D]")).set(pl.Series(~ok), None)
    lila = np.round(rng.normal(25.7, 2.3, n), 1)
    preg = pl.DataFrame(
        {
            "mother_pid": np.concatenate([births["mother_pid"].to_numpy(), ongoing["pid"].to_numpy()]),
            "desa": np.concatenate([births["desa"].to_numpy(), ongoing["desa"].to_numpy()]),
            "kec": np.concatenate([births["kec"].to_numpy(), ongoing["kec"].to_numpy()]),
            "hpht": pl.Series(hpht.astype("datetime64[D]")),
            "hpl": pl.Series((hpht + 280).astype("datetime64[D]")),
            **visits,
            "lila": lila,
            "kek": lila < 23.5,
            "delivered": np.r_[np.ones(nb, bool), np.zeros(n_on, bool)],
        }
    ).sort("kec", "desa", "hpht", "mother_pid")
    # Deliveries: facility kind by the calibrated flag; helper by place.
    fac = births["facility_birth"].to_numpy()
    kec = births["kec"].to_numpy()
    u = rng.random(nb)
    puskesmas = np.array(ref.puskesmas_names, dtype=object)[kec]
    place = np.where(
        fac,
        np.where(
            u < 0.30,
            "RSUD Bengkayang",
            np.where(
                u < 0.40,
                "RSU Bethesda Serukam",
                np.where(u < 0.78, puskesmas, np.where(u < 0.88, "Klinik Pratama", "Polindes")),
            ),
        ),
        "Rumah",
    )
    hosp = np.isin(place, ["RSUD Bengkayang", "RSU Bethesda Serukam"])
    v = rng.random(nb)
    helper = np.where(
        fac,
        np.where(hosp & (v < 0.6), "Dokter", np.where(v < 0.08, "Dokter", "Bidan")),
        np.where(v < 0.55, "Bidan", "Dukun"),
    )
    died = births["died"].cast(pl.Int64).fill_null(1 << 40).to_numpy()
    dob = births["dob"].to_numpy()
    named = rng.random(nb) < 0.75
    deliveries = pl.DataFrame(
        {
            "mother_pid": births["mother_pid"],
            "child_pid": births["pid"],
            "child_name": births["name"],
            "named": named,
            "desa": births["desa"],
            "kec": kec,
            "date": pl.Series(dob.astype("datetime64[D]")),
            "place": pl.Series(place.tolist(), dtype=pl.String),
            "helper": pl.Series(helper.tolist(), dtype=pl.String),
            "birth_weight_g": births["birth_weight_g"],
            # Status recorded at the first-week postnatal visit.
            "status": pl.Series(np.where(died - dob < 7, "Meninggal", "Hidup").tolist(), dtype=pl.String),
        }
    ).sort("kec", "date", "child_pid")
    return preg, deliveries, mean_of(preg["kek"])
