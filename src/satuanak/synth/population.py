"""People, families, NIK and KK numbers, akta, births and infant deaths (all vectorised)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt
import polars as pl

from satuanak.core.nik import kk_expr, nik_expr
from satuanak.synth.config import Calibration
from satuanak.synth.names import HAKKA_SURNAMES, draw_names, ethnic_mix
from satuanak.synth.reference import Reference

I64 = npt.NDArray[np.int64]
_FAMILY_SIZES = np.array([1, 2, 3, 4, 5])
_FAMILY_P = np.array([0.30, 0.35, 0.22, 0.10, 0.03])
_DUSUN = ("Sungai", "Tanjung", "Pasar", "Batu", "Karya", "Sejahtera", "Makmur", "Harapan", "Bukit", "Tengah")


@dataclass(slots=True)
class Population:
    """Every person (children first, then mothers, then fathers) as one polars frame.

    Columns: pid, role (anak/ibu/ayah), family, desa, kec, female, dob, group, name, nik, nik_region,
    kk, mother_pid, father_pid, akta, akta_no, kia, died, marital, hub, rt, rw, alamat, birthplace,
    facility_birth, birth_weight_g (the last two for births of the last 12 months).
    """

    persons: pl.DataFrame
    n_children: int
    n_births: int


def _days(d: date) -> int:
    return (d - date(1970, 1, 1)).days


def _rank_select(rng: np.random.Generator, score: npt.NDArray[np.float64], k: int) -> npt.NDArray[np.bool_]:
    """Exactly `k` True values, the highest scores winning (noise breaks ties).

    Calibrated figures (akta, facility births, deaths) are set exactly rather than drawn, so a
    small district hits the seed figures too; the score keeps the variation between areas.
    """
    out = np.zeros(score.size, dtype=bool)
    if k > 0:
        order = np.argsort(-(score + rng.normal(0, 1e-6, score.size)), kind="stable")
        out[order[:k]] = True
    return out


def _group_rank(keys: list[npt.NDArray[np.int64]]) -> I64:
    """1-based rank of each row within its group of equal keys (order: row order)."""
    n = keys[0].size
    order = np.lexsort([np.arange(n), *reversed(keys)])
    sorted_keys = [k[order] for k in keys]
    new_group = np.ones(n, dtype=bool)
    new_group[1:] = np.any([k[1:] != k[:-1] for k in sorted_keys], axis=0)
    idx = np.arange(n)
    start = np.maximum.accumulate(np.where(new_group, idx, 0))
    rank = np.empty(n, dtype=np.int64)
    rank[order] = idx - start + 1
    return rank


def build_population(
    *, rng: np.random.Generator, ref: Reference, n_children: int, reference_date: date, cal: Calibration
) -> Population:
    ref_day = _days(reference_date)
    n_births = round(n_children * cal.births_per_100k_children / 100_000)
    n_older = n_children - n_births
    # Ages in days: births of the last 12 months, the rest spread over ages 1-18.
    age = np.concatenate(
        [rng.integers(0, 365, n_births), rng.integers(365, int(19 * 365.25) - 1, n_older)]
    ).astype(np.int64)
    desa = rng.choice(len(ref.desa_codes), size=n_children, p=ref.desa_weight).astype(np.int64)

    # Families: within each desa, family f with k children takes k slots spread evenly over the
    # desa's children sorted by age, so siblings are years apart without a Python loop per family.
    fam_of_child = np.empty(n_children, dtype=np.int64)
    fam_desa_parts: list[I64] = []
    next_fam = 0
    order_desa = np.lexsort([age, desa])
    counts = np.bincount(desa, minlength=len(ref.desa_codes))
    pos = 0
    for d, nd in enumerate(counts):
        if nd == 0:
            continue
        sizes = rng.choice(_FAMILY_SIZES, size=nd, p=_FAMILY_P)
        cum = np.cumsum(sizes)
        nf = int(np.searchsorted(cum, nd) + 1)
        sizes = sizes[:nf].copy()
        sizes[-1] -= int(cum[nf - 1] - nd)
        fam_ids = np.repeat(np.arange(nf), sizes)
        j = np.arange(nd) - np.repeat(np.cumsum(sizes) - sizes, sizes)
        k = np.repeat(sizes, sizes)
        u = rng.random(nf)[fam_ids]
        key = (u + j / k + rng.uniform(-0.15, 0.15, nd) / k) % 1.0
        slot_fams = fam_ids[np.argsort(key, kind="stable")]
        fam_of_child[order_desa[pos : pos + nd]] = slot_fams + next_fam
        fam_desa_parts.append(np.full(nf, d, dtype=np.int64))
        next_fam += nf
        pos += nd
    n_fam = next_fam
    fam_desa = np.concatenate(fam_desa_parts)
    fam_kec = ref.desa_kec[fam_desa]

    # Family-level attributes.
    mix = ethnic_mix(len(ref.kecamatan_codes))
    cum_mix = np.cumsum(mix, axis=1)
    fam_group = (rng.random(n_fam)[:, None] > cum_mix[fam_kec]).sum(axis=1).astype(np.int8)
    fam_group = np.minimum(fam_group, 5).astype(np.int8)
    fam_surname = rng.integers(0, len(HAKKA_SURNAMES), n_fam)
    father_present = rng.random(n_fam) >= cal.father_absent_rate
    oldest = np.full(n_fam, -1, dtype=np.int64)
    np.maximum.at(oldest, fam_of_child, age)
    youngest = np.full(n_fam, 1 << 40, dtype=np.int64)
    np.minimum.at(youngest, fam_of_child, age)
    span_y = (oldest - youngest) / 365.25
    afb = np.clip(rng.normal(23, 4, n_fam), 16, 38)
    afb = np.clip(np.minimum(afb, 45 - span_y), 15, None)
    mother_age = (oldest + afb * 365.25 + rng.integers(0, 365, n_fam)).astype(np.int64)
    father_age = (mother_age + np.clip(rng.normal(3.5, 3, n_fam), -2, 12) * 365.25).astype(np.int64)
    rt = rng.integers(1, 16, n_fam)
    rw = rng.integers(1, 6, n_fam)
    dusun = np.array(_DUSUN)[rng.integers(0, len(_DUSUN), n_fam)]
    dusun_no = rng.integers(1, 4, n_fam)

    # Persons: children, mothers, fathers (only present fathers get a row in SIAK).
    fathers = np.flatnonzero(father_present)
    n_m, n_f = n_fam, fathers.size
    n_p = n_children + n_m + n_f
    role = np.concatenate([np.zeros(n_children, np.int8), np.ones(n_m, np.int8), np.full(n_f, 2, np.int8)])
    family = np.concatenate([fam_of_child, np.arange(n_fam), fathers])
    p_age = np.concatenate([age, mother_age, father_age[fathers]])
    female = np.concatenate([rng.random(n_children) < 0.487, np.ones(n_m, bool), np.zeros(n_f, bool)])
    group = fam_group[family].copy()
    # A mother is from another group now and then (mixed marriages).
    mixed = (role == 1) & (rng.random(n_p) < 0.12)
    group[mixed] = (
        (rng.random(int(mixed.sum()))[:, None] > cum_mix[fam_kec[family[mixed]]]).sum(axis=1).clip(0, 5)
    )
    surname = fam_surname[family].copy()
    surname[role == 1] = rng.integers(0, len(HAKKA_SURNAMES), n_m)
    # Hakka children whose father is absent take their Hakka mother's surname; otherwise the group's.
    names = draw_names(rng=rng, group=group, female=female, surname=surname)

    kec = fam_kec[family]
    # Kecamatan of first registration (NIK prefix): mostly the current one.
    u = rng.random(n_p)
    moved_p = np.where(role == 0, cal.nik_moved_within_rate, 0.08)
    outside_p = np.where(role == 0, cal.nik_born_outside_rate, 0.12)
    nik_kec_code = np.array(ref.kecamatan_codes, dtype=object)[kec]
    moved = u < moved_p
    nik_kec_code[moved] = np.array(ref.kecamatan_codes, dtype=object)[
        rng.integers(0, len(ref.kecamatan_codes), int(moved.sum()))
    ]
    outside = (u >= moved_p) & (u < moved_p + outside_p)
    out_idx = rng.choice(len(ref.outside_kecamatan), size=int(outside.sum()), p=ref.outside_weight)
    nik_kec_code[outside] = np.array(ref.outside_kecamatan, dtype=object)[out_idx]
    region_s = pl.Series("r", nik_kec_code.tolist(), dtype=pl.String)
    region_cat = region_s.cast(pl.Categorical).to_physical().to_numpy().astype(np.int64)
    dob_day = ref_day - p_age
    serial = _group_rank([region_cat, dob_day, female.astype(np.int64)])
    # Serials are assigned by SIAK in order; offset them so they do not all start at 0001.
    serial = serial + (region_cat * 7 + dob_day * 13 + female) % 29  # a per-group offset keeps serials unique

    # Akta for children: exactly the calibrated share; fewer for infants (not yet registered)
    # and in remote kecamatan.
    kec_eff = rng.normal(0, 0.5, len(ref.kecamatan_codes))
    score = kec_eff[kec[:n_children]] + np.where(age < 365, -1.2, np.where(age > 15 * 365, -0.3, 0.0))
    score = score + rng.logistic(0, 1, n_children)
    akta = _rank_select(rng, score, round(cal.akta_rate * n_children))
    kia = akta & (age < 17 * 365) & (rng.random(n_children) < cal.kia_rate / cal.akta_rate)
    akta_delay = np.where(
        rng.random(n_children) < 0.55, rng.integers(7, 60, n_children), rng.integers(60, 2500, n_children)
    )
    akta_day = np.minimum(ref_day - age + akta_delay, ref_day - 1)

    # Births of the last 12 months: place of delivery, birth weight, infant deaths.
    births = np.flatnonzero(age < 365)
    fac_score = kec_eff[kec[births]] * 0.8 + rng.logistic(0, 1, births.size)
    facility = _rank_select(rng, fac_score, round(cal.facility_delivery_rate * births.size))
    bw = np.clip(rng.normal(3100, 480, births.size), 900, 5200).round(-1)
    death_score = (
        np.where(facility, 0.0, 0.8) + np.where(bw < 2500, 2.0, 0.0) + rng.logistic(0, 1, births.size)
    )
    dies = _rank_select(rng, death_score, round(births.size * cal.infant_deaths_per_1000 / 1000))
    u = rng.random(births.size)
    death_age = np.where(
        u < 0.45,
        rng.integers(0, 7, births.size),
        np.where(u < 0.65, rng.integers(7, 28, births.size), rng.integers(28, 365, births.size)),
    )
    death_age = np.minimum(death_age, age[births])
    died_day = np.full(n_p, np.iinfo(np.int64).min, dtype=np.int64)
    died_day[births[dies]] = ref_day - age[births[dies]] + death_age[dies]
    fac_full = np.zeros(n_p, dtype=bool)
    fac_full[births] = facility
    bw_full = np.zeros(n_p, dtype=np.int64)
    bw_full[births] = bw.astype(np.int64)
    is_birth = np.zeros(n_p, dtype=bool)
    is_birth[births] = True

    # Marital status and relation to the household head.
    age_y = p_age / 365.25
    child_married = (
        (role == 0)
        & (age_y >= 15)
        & (
            rng.random(n_p)
            < np.where(female, cal.child_marriage_girls_15_18, cal.child_marriage_girls_15_18 / 10)
        )
    )
    fpres = father_present[family]
    marital = np.where(
        role == 0,
        np.where(child_married, "KAWIN", "BELUM KAWIN"),
        np.where(fpres, "KAWIN", np.where(rng.random(n_p) < 0.7, "CERAI HIDUP", "CERAI MATI")),
    )
    hub = np.where(
        role == 0, "ANAK", np.where(role == 2, "KEPALA KELUARGA", np.where(fpres, "ISTRI", "KEPALA KELUARGA"))
    )

    # KK number: issued in the family's kecamatan after the youngest child's birth (or re-issued).
    issue = ref_day - (youngest - rng.integers(0, 30, n_fam)).clip(0) + 0
    issue = np.maximum(issue, _days(date(2012, 1, 1)) + rng.integers(0, 3000, n_fam))
    issue = np.minimum(issue, ref_day)
    kk_serial = _group_rank([fam_kec, issue]) + (fam_kec * 11 + issue * 3) % 17

    pid = np.arange(1, n_p + 1, dtype=np.int64)
    mother_pid = np.where(role == 0, n_children + 1 + family, -1)
    father_index = np.full(n_fam, -1, dtype=np.int64)
    father_index[fathers] = n_children + n_m + 1 + np.arange(n_f)
    father_pid = np.where(role == 0, father_index[family], -1)

    df = pl.DataFrame(
        {
            "pid": pid,
            "role": pl.Series(np.array(["anak", "ibu", "ayah"])[role]),
            "family": family,
            "desa": fam_desa[family],
            "kec": kec,
            "female": female,
            "dob": pl.Series(dob_day.astype("datetime64[D]")),
            "group": group,
            "name": names,
            "nik_region": region_s,
            "nik_serial": serial,
            "mother_pid": mother_pid,
            "father_pid": father_pid,
            "marital": marital,
            "hub": hub,
            "died": pl.Series(np.where(died_day > 0, died_day, 0).astype("datetime64[D]")),
            "has_died": died_day > 0,
            "facility_birth": fac_full,
            "birth_weight_g": bw_full,
            "is_birth": is_birth,
        }
    )
    df = df.with_columns(
        pl.when(pl.col("has_died")).then(pl.col("died")).otherwise(None).alias("died"),
        pl.col("mother_pid").replace(-1, None),
        pl.col("father_pid").replace(-1, None),
    ).drop("has_died")
    fam_df = pl.DataFrame(
        {
            "family": np.arange(n_fam),
            "kk_region": pl.Series(np.array(ref.kecamatan_codes)[fam_kec]),
            "kk_issue": pl.Series(issue.astype("datetime64[D]")),
            "kk_serial": kk_serial,
            "rt": rt,
            "rw": rw,
            "alamat": pl.Series(dusun).str.to_uppercase() + " " + pl.Series(dusun_no).cast(pl.String),
            "father_present": father_present,
        }
    ).with_columns(
        kk=kk_expr(region=pl.col("kk_region"), issued=pl.col("kk_issue"), serial=pl.col("kk_serial")),
        alamat=pl.lit("DUSUN ") + pl.col("alamat"),
    )
    df = df.join(
        fam_df.select("family", "kk", "rt", "rw", "alamat", "father_present"), on="family", how="left"
    )
    df = df.with_columns(
        nik=nik_expr(
            region=pl.col("nik_region"),
            birth_date=pl.col("dob"),
            female=pl.col("female"),
            serial=pl.col("nik_serial"),
        )
    )
    # Akta number: 6107-LU-DDMMYYYY-NNNN (LU = on time, LT = late registration > 60 days).
    akta_full = np.zeros(n_p, dtype=bool)
    akta_full[:n_children] = akta
    kia_full = np.zeros(n_p, dtype=bool)
    kia_full[:n_children] = kia
    ad = np.zeros(n_p, dtype=np.int64)
    ad[:n_children] = akta_day
    late = np.zeros(n_p, dtype=bool)
    late[:n_children] = akta_delay > 60
    akta_serial = _group_rank([ad]) + ad % 7
    df = (
        df.with_columns(
            akta=pl.Series(akta_full),
            kia=pl.Series(kia_full),
            akta_day=pl.Series(ad.astype("datetime64[D]")),
            late=pl.Series(late),
            akta_serial=pl.Series(akta_serial),
        )
        .with_columns(
            akta_no=pl.when(pl.col("akta")).then(
                pl.concat_str(
                    [
                        pl.lit("6107-"),
                        pl.when(pl.col("late")).then(pl.lit("LT")).otherwise(pl.lit("LU")),
                        pl.lit("-"),
                        pl.col("akta_day").dt.strftime("%d%m%Y"),
                        pl.lit("-"),
                        pl.col("akta_serial").cast(pl.String).str.zfill(4),
                    ]
                )
            )
        )
        .drop("akta_day", "late", "akta_serial")
    )
    # Place of birth: the town of first registration.
    df = df.with_columns(
        birthplace=pl.col("nik_region").str.slice(0, 5).replace_strict(ref.place_names, default="BENGKAYANG"),
    )
    in_bky = pl.col("nik_region").str.starts_with("61.07.")
    kec_names = {c: n.upper() for c, n in zip(ref.kecamatan_codes, ref.kecamatan_names, strict=True)}
    df = df.with_columns(
        birthplace=pl.when(in_bky)
        .then(pl.col("nik_region").replace_strict(kec_names, default="BENGKAYANG"))
        .otherwise(pl.col("birthplace"))
    )
    return Population(persons=df, n_children=n_children, n_births=int(births.size))
