"""Posyandu measurements of under-fives (e-PPGBM) drawn from the WHO 2006 LMS tables."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import polars as pl

from satuanak.synth._util import mean_of
from satuanak.synth.config import Calibration, DefectRates
from satuanak.synth.population import Population
from satuanak.synth.reference import Reference

_LYING_BELOW_DAYS = 731  # WHO: length (lying) up to 730 days, height (standing) from 731
_POSITION_CORRECTION_CM = 0.7
# Remote, upland kecamatan fare worse (Siding, Jagoi Babang, Suti Semarang, Lumar, Seluas).
_HARD_KEC = (11, 6, 9, 12, 4)


@dataclass(slots=True)
class Growth:
    rows: pl.DataFrame  # pid, posyandu, visit, age_days, weight, height, position, lila, haz, whz, waz
    stunting: float  # latest measurement per child, HAZ < -2
    wasting: float
    underweight: float
    children_measured: int
    stunting_by_kec: dict[str, float]
    # posyandu (indices into ref.posyandu_names) with a measuring habit planted: "height_rounding",
    # "all_standing"
    quality_defects: dict[str, list[int]]


def _month_days(reference_date: date, months: int) -> list[date]:
    out = []
    y, m = reference_date.year, reference_date.month
    for _ in range(months):
        out.append(date(y, m, 1))
        m -= 1
        if m == 0:
            y, m = y - 1, 12
    return out


def build_growth(
    *,
    rng: np.random.Generator,
    ref: Reference,
    pop: Population,
    reference_date: date,
    cal: Calibration,
    rates: DefectRates,
) -> Growth:
    ref_day = (reference_date - date(1970, 1, 1)).days
    kids = pop.persons.filter(pl.col("role") == "anak").select(
        "pid",
        "desa",
        "kec",
        "female",
        pl.col("dob").cast(pl.Int64).alias("dob"),
        pl.col("died").cast(pl.Int64).alias("died"),
    )
    # Only children who were under five at some point of the window.
    months = _month_days(reference_date, cal.eppgbm_months)[::-1]  # oldest first: rows in time order
    first_month = (months[0] - date(1970, 1, 1)).days
    kids = kids.filter(pl.col("dob") > first_month - 1826)
    n = kids.height
    pid = kids["pid"].to_numpy()
    desa = kids["desa"].to_numpy()
    kec = kids["kec"].to_numpy()
    sex = kids["female"].to_numpy().astype(np.int64)
    dob = kids["dob"].to_numpy()
    died = kids["died"].fill_null(1 << 40).to_numpy()

    # Each child belongs to one posyandu of its desa; each posyandu meets on a fixed day.
    pos_by_desa = [np.flatnonzero(ref.posyandu_desa == d) for d in range(len(ref.desa_codes))]
    n_pos = np.array([max(len(p), 1) for p in pos_by_desa])
    first_pos = np.array([p[0] if len(p) else 0 for p in pos_by_desa])
    posyandu = first_pos[desa] + (rng.random(n) * n_pos[desa]).astype(np.int64)
    pos_day = 4 + (np.arange(len(ref.posyandu_names)) * 7919) % 22

    # Latent child growth: kecamatan level + child level; the drift makes stunting rise with age.
    kec_mu = rng.normal(0, 0.2, len(ref.kecamatan_codes))
    kec_mu[list(_HARD_KEC)] -= 0.35
    haz_c = kec_mu[kec] + rng.normal(0, 1.05, n)
    whz_c = 0.1 * haz_c + rng.normal(0, 0.95, n)
    coverage = rng.beta(cal.weighing_coverage * 6, (1 - cal.weighing_coverage) * 6, n)

    m_days = np.array([(m - date(1970, 1, 1)).days for m in months])
    ci = np.repeat(np.arange(n), len(months))
    visit = np.tile(m_days, n) + pos_day[posyandu][ci] - 1
    age = visit - dob[ci]
    keep = (
        (age >= 0)
        & (age < 1826)
        & (visit <= ref_day)
        & (visit < died[ci])
        & (rng.random(ci.size) < coverage[ci])
    )
    ci, visit, age = ci[keep], visit[keep], age[keep]
    m = ci.size
    drift = -0.5 * np.clip((age - 180) / 540, 0, 1)
    haz = haz_c[ci] + drift + rng.normal(0, 0.2, m)
    whz = whz_c[ci] + rng.normal(0, 0.35, m)

    # Calibrate: shift so that exactly the target share of children is stunted / wasted at their
    # latest measurement (the figure e-PPGBM reports).
    latest = np.zeros(m, dtype=bool)
    last_idx = np.flatnonzero(np.r_[ci[1:] != ci[:-1], True])
    latest[last_idx] = True
    haz += -2.0 - np.quantile(haz[latest], cal.stunting_rate)
    whz += -2.0 - np.quantile(whz[latest], cal.wasting_rate)

    s = sex[ci]
    height = ref.lhfa.value(sex=s, x=age.astype(np.float64), z=haz)
    lying = age < _LYING_BELOW_DAYS
    swapped = rng.random(m) < rates.measure_position_swapped
    # The table value is a length when lying is expected, a height otherwise; a child measured in
    # the other position reads 0.7 cm shorter (standing) or longer (lying).
    measured = np.where(
        swapped, np.where(lying, height - _POSITION_CORRECTION_CM, height + _POSITION_CORRECTION_CM), height
    )
    # Posyandu-wide habits, from a stream of their own so that every other draw stays as it was.
    qrng = rng.spawn(1)[0]
    n_posyandu = len(ref.posyandu_names)
    rounding_pos = qrng.random(n_posyandu) < rates.posyandu_height_rounding
    standing_pos = (qrng.random(n_posyandu) < rates.posyandu_all_standing) & ~rounding_pos
    all_standing = standing_pos[posyandu[ci]] & lying & ~swapped  # an under-two measured standing
    measured = np.where(all_standing, height - _POSITION_CORRECTION_CM, measured)
    position = np.where((lying ^ swapped) & ~all_standing, "Terlentang", "Berdiri")
    # Weight from weight-for-length (< 2 y) or weight-for-height, on the position-corrected value.
    wl = np.clip(height, 45.0, 110.0)
    wh = np.clip(height, 65.0, 120.0)
    weight = np.where(lying, ref.wfl.value(sex=s, x=wl, z=whz), ref.wfh.value(sex=s, x=wh, z=whz))
    weight = np.round(weight, 1)
    measured = np.where(rounding_pos[posyandu[ci]], np.round(measured * 2) / 2, np.round(measured, 1))
    # MUAC (LILA), often not measured; plausible 11-19 cm, lower with lower WHZ.
    lila = np.round(np.where(age < 180, 12.0, 14.8) + 0.9 * whz + rng.normal(0, 0.6, m), 1)
    lila = np.where(rng.random(m) < 0.45, np.nan, lila)

    # Figures recomputed from the rounded values (what an analyst of the file would find).
    standing = position == "Berdiri"
    height_std = np.where(
        lying & standing,
        measured + _POSITION_CORRECTION_CM,
        np.where(~lying & ~standing, measured - _POSITION_CORRECTION_CM, measured),
    )
    height_std = height_std.astype(np.float64)
    weight = weight.astype(np.float64)
    haz_r = ref.lhfa.zscore(sex=s, x=age.astype(np.float64), y=height_std)
    whz_r = np.where(
        lying,
        ref.wfl.zscore(sex=s, x=np.clip(height_std, 45, 110), y=weight),
        ref.wfh.zscore(sex=s, x=np.clip(height_std, 65, 120), y=weight),
    )
    waz_r = ref.wfa.zscore(sex=s, x=age.astype(np.float64), y=weight)
    rows = pl.DataFrame(
        {
            "pid": pid[ci],
            "posyandu": posyandu[ci],
            "desa": desa[ci],
            "kec": kec[ci],
            "visit": pl.Series(visit.astype("datetime64[D]")),
            "age_days": age,
            "weight": weight,
            "height": measured,
            "position": position,
            "lila": pl.Series(lila).fill_nan(None),
            "haz": haz_r,
            "whz": whz_r,
            "waz": waz_r,
            "latest": latest,
        }
    )
    last = rows.filter(pl.col("latest"))
    by_kec = last.group_by("kec").agg((pl.col("haz") < -2).mean().alias("p")).sort("kec")
    return Growth(
        rows=rows,
        stunting=mean_of(last["haz"] < -2),
        wasting=mean_of(last["whz"] < -2),
        underweight=mean_of(last["waz"] < -2),
        children_measured=last.height,
        stunting_by_kec={ref.kecamatan_codes[k]: round(float(p), 4) for k, p in by_kec.iter_rows()},
        quality_defects={
            "height_rounding": np.flatnonzero(rounding_pos).tolist(),
            "all_standing": np.flatnonzero(standing_pos).tolist(),
        },
    )
