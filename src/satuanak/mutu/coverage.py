"""Weighing coverage and the stunting rate for all under-fives, not only the weighed: pure (Polars).

Who counts:
- *known under-fives* of a quarter: children the platform knows (any source, linked) with a birth
  date, a desa, born by the quarter's last day and under 60 months old on it. Deaths and moves
  out are not in the data: a child who died or left still counts (coverage reads low there);
- *weighed*: a known under-five with at least one e-PPGBM measurement in the quarter;
- *assessed*: weighed, and the quarter's latest measurement gives a valid HAZ (the stunting
  flag's own rule: not "not assessable"); *stunted*: HAZ below the rule's cut-off.

Three rates per area and quarter:
- **weighing-based** `rate_weighed` = stunted / assessed among every assessed child of the area
  (the flag's figure), with a Wilson 95% interval;
- **coverage-adjusted** `rate_adjusted`: stratified imputation (post-stratification). In each
  stratum (desa × age band) the children not assessed are given the stunting rate of the
  assessed children of the same stratum; a stratum with fewer than `min_stratum` assessed
  borrows the rate of its kecamatan × age band, then of the district × age band. Assumption:
  *within desa and age band, the unweighed are like the weighed* (missing at random given desa
  and age). Where that fails — the unweighed are poorer or remoter within their desa — the
  estimate is too low; `rate_adjusted_high` shows the rate if the unweighed were `rr_high`
  times as likely to be stunted as their weighed peers (a sensitivity bound, not an estimate).
  Its 95% interval counts only the sampling error of the borrowed rates (the assessed children
  are counted, not sampled; the covariance of strata that borrow the same rate is ignored);
- **quality-adjusted** `rate_quality`: the same, after setting aside the measurements of
  posyandu whose data failed a prevalence-relevant quality check in the quarter (their
  children are treated as not assessed and take the rate of well-measured peers in the same
  stratum).

The gap to a survey figure splits into coverage (adjusted − weighed), measurement quality
(quality-adjusted − adjusted) and a remainder (survey − quality-adjusted): the survey's own
sampling error and year, real change between the two, and whatever the data cannot show.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import polars as pl

from satuanak.mutu.checks import wilson_bounds

AGE_BANDS: tuple[tuple[int, int, str], ...] = (
    (0, 6, "0-5 bln"),
    (6, 12, "6-11 bln"),
    (12, 24, "12-23 bln"),
    (24, 36, "24-35 bln"),
    (36, 48, "36-47 bln"),
    (48, 60, "48-59 bln"),
)
REMOTENESS_BANDS: tuple[tuple[float, float, str], ...] = (
    (0, 25, "< 25 km"),
    (25, 50, "25-50 km"),
    (50, 100, "50-100 km"),
    (100, math.inf, "≥ 100 km"),
)
DAYS_PER_MONTH = 30.4375
Z95 = 1.959963984540054


def age_band(months: pl.Expr) -> pl.Expr:
    expr: Any = pl.when(pl.lit(False)).then(pl.lit(None, dtype=pl.String))
    for lo, hi, label in AGE_BANDS:
        expr = expr.when((months >= lo) & (months < hi)).then(pl.lit(label))
    return expr.otherwise(None)


def remoteness_band(km: pl.Expr) -> pl.Expr:
    expr: Any = pl.when(km.is_null()).then(pl.lit("tidak diketahui / unknown"))
    for lo, hi, label in REMOTENESS_BANDS:
        expr = expr.when((km >= lo) & (km < hi)).then(pl.lit(label))
    return expr.otherwise(None)


def quarter_end(period: str) -> pl.Expr:
    year, q = int(period[:4]), int(period[5])
    month = 3 * q
    # the first day of the next quarter, minus a day
    nxt = pl.date(year + (month == 12), (month % 12) + 1, 1)
    return nxt - pl.duration(days=1)


def known_under_fives(children: pl.DataFrame, period: str) -> pl.DataFrame:
    """children: child_id, birth_date, desa, kecamatan, distance_km. Out: those under five at the
    quarter's end, with `age_band` and `remoteness`."""
    end = quarter_end(period)
    months = ((end - pl.col("birth_date")).dt.total_days() / DAYS_PER_MONTH).floor()
    return (
        children.filter(
            pl.col("birth_date").is_not_null() & pl.col("desa").is_not_null() & (pl.col("birth_date") <= end)
        )
        .with_columns(
            age_band(months).alias("age_band"), remoteness_band(pl.col("distance_km")).alias("remoteness")
        )
        .filter(pl.col("age_band").is_not_null())
        .with_columns(pl.lit(period).alias("period"))
    )


def wilson(k: int, n: int, z: float = Z95) -> tuple[float | None, float | None]:
    """The two-sided 95% Wilson interval of k/n (None without a denominator)."""
    return (None, None) if n == 0 else wilson_bounds(k, n, z)


def coverage_cells(known: pl.DataFrame, weighed_ids: pl.Series, ever_ids: pl.Series) -> pl.DataFrame:
    """Per dimension (desa, kecamatan, district, age, remoteness) and key: known, weighed in the
    quarter, never weighed (no measurement at all up to the quarter's end)."""
    k = known.with_columns(
        pl.col("child_id").is_in(weighed_ids.implode()).alias("_w"),
        ~pl.col("child_id").is_in(ever_ids.implode()).alias("_never"),
        pl.lit("61.07").alias("_district"),
    )
    parts = []
    for dim, col in (
        ("desa", "desa"),
        ("kecamatan", "kecamatan"),
        ("district", "_district"),
        ("age", "age_band"),
        ("remoteness", "remoteness"),
    ):
        parts.append(
            k.group_by(pl.col(col).alias("key"))
            .agg(
                pl.len().alias("known"),
                pl.col("_w").sum().alias("weighed"),
                pl.col("_never").sum().alias("never_weighed"),
            )
            .with_columns(pl.lit(dim).alias("dimension"))
        )
    return (
        pl.concat(parts)
        .with_columns(pl.lit(known["period"][0] if known.height else "").alias("period"))
        .select("period", "dimension", "key", "known", "weighed", "never_weighed")
        .sort("dimension", "key")
    )


def _strata_rates(known: pl.DataFrame, min_stratum: int) -> pl.DataFrame:
    """Per stratum (desa × age band): N, assessed, stunted, and the rate imputed to its
    unassessed (own, else kecamatan × band, else district × band) with the n behind it."""
    strata = known.group_by("kecamatan", "desa", "age_band").agg(
        pl.len().alias("N"),
        pl.col("_assessed").sum().alias("n"),
        pl.col("_stunted").sum().alias("s"),
    )
    kec = strata.group_by("kecamatan", "age_band").agg(
        pl.col("n").sum().alias("n_k"), pl.col("s").sum().alias("s_k")
    )
    dist = strata.group_by("age_band").agg(pl.col("n").sum().alias("n_d"), pl.col("s").sum().alias("s_d"))
    df = strata.join(kec, on=["kecamatan", "age_band"]).join(dist, on="age_band")
    own = pl.col("n") >= min_stratum
    via_kec = pl.col("n_k") >= min_stratum
    return df.with_columns(
        pl.when(own).then(pl.col("n")).when(via_kec).then(pl.col("n_k")).otherwise(pl.col("n_d")).alias("m"),
        pl.when(own)
        .then(pl.col("s") / pl.col("n"))
        .when(via_kec)
        .then(pl.col("s_k") / pl.col("n_k"))
        .when(pl.col("n_d") > 0)
        .then(pl.col("s_d") / pl.col("n_d"))
        .otherwise(None)
        .alias("p_hat"),
    )


def adjusted_rates(known: pl.DataFrame, *, by: str | None, min_stratum: int, rr_high: float) -> pl.DataFrame:
    """known: known under-fives with `_assessed`, `_stunted` (bool). Per area (`by` column, or
    the district when None): rate, its 95% interval and the sensitivity rate at `rr_high`."""
    s = _strata_rates(known, min_stratum)
    missing = pl.col("N") - pl.col("n")
    p = pl.col("p_hat").fill_null(0.0)
    s = s.with_columns(
        (pl.col("s") + missing * p).alias("_est"),
        (pl.col("s") + missing * pl.min_horizontal(p * rr_high, pl.lit(1.0))).alias("_high"),
        pl.when(pl.col("m") > 0).then(missing**2 * p * (1 - p) / pl.col("m")).otherwise(0.0).alias("_var"),
        (missing * pl.col("p_hat").is_null()).alias("_unimputable"),
    )
    keys = [by] if by else []
    agg = (s.group_by(keys) if keys else s.group_by(pl.lit("61.07").alias("_all"))).agg(
        pl.col("N").sum().alias("known"),
        pl.col("n").sum().alias("assessed_known"),
        pl.col("_est").sum().alias("_est"),
        pl.col("_high").sum().alias("_high"),
        pl.col("_var").sum().alias("_var"),
        pl.col("_unimputable").sum().alias("unimputable"),
    )
    half = Z95 * pl.col("_var").sqrt() / pl.col("known")
    rate = pl.col("_est") / pl.col("known")
    return agg.with_columns(
        rate.alias("rate"),
        pl.max_horizontal(rate - half, pl.lit(0.0)).alias("ci_low"),
        pl.min_horizontal(rate + half, pl.lit(1.0)).alias("ci_high"),
        (pl.col("_high") / pl.col("known")).alias("rate_high"),
    ).drop("_est", "_high", "_var")


def estimates(
    known: pl.DataFrame,
    latest: pl.DataFrame,
    *,
    excluded_posyandu: Sequence[str] = (),
    min_stratum: int = 5,
    rr_high: float = 1.5,
) -> pl.DataFrame:
    """Per kecamatan and the district: weighing-based, coverage-adjusted and quality-adjusted
    rates for one quarter.

    known: `known_under_fives()` of the quarter. latest: the quarter's latest measurement per
    child (child_id, kecamatan, posyandu, assessed, stunted) — every assessed child, known or
    not (the weighing-based rate is the flag's). excluded_posyandu: posyandu keys whose data
    failed the quality checks this quarter."""
    lat = latest.select("child_id", "posyandu", "assessed", "stunted")
    base = known.join(lat, on="child_id", how="left").with_columns(
        pl.col("assessed").fill_null(False).alias("_assessed_all"),
        (pl.col("assessed").fill_null(False) & pl.col("stunted").fill_null(False)).alias("_stunted_all"),
    )
    bad = pl.col("posyandu").is_in(list(excluded_posyandu)).fill_null(False)
    coverage = base.with_columns(
        pl.col("_assessed_all").alias("_assessed"), pl.col("_stunted_all").alias("_stunted")
    )
    quality = base.with_columns(
        (pl.col("_assessed_all") & ~bad).alias("_assessed"), (pl.col("_stunted_all") & ~bad).alias("_stunted")
    )
    excluded = base.filter(pl.col("_assessed_all") & bad)

    rows = []
    for level, col in (("kecamatan", "kecamatan"), ("district", None)):
        cov = adjusted_rates(coverage, by=col, min_stratum=min_stratum, rr_high=rr_high)
        qua = adjusted_rates(quality, by=col, min_stratum=min_stratum, rr_high=rr_high)
        key = col or "_all"
        q_by = {r[key]: r for r in qua.iter_rows(named=True)}
        w = latest if col else latest.with_columns(pl.lit("61.07").alias("_all"))
        w_by = {
            r[key]: r
            for r in w.group_by(key)
            .agg(
                pl.col("assessed").sum().alias("assessed"),
                (pl.col("assessed") & pl.col("stunted")).sum().alias("stunted"),
            )
            .iter_rows(named=True)
        }
        ex = excluded if col else excluded.with_columns(pl.lit("61.07").alias("_all"))
        ex_by = {
            r[0]: (r[1], r[2])
            for r in ex.group_by(key).agg(pl.len(), pl.col("posyandu").n_unique()).iter_rows()
        }
        for r in cov.iter_rows(named=True):
            area = r[key]
            wr = w_by.get(area, {"assessed": 0, "stunted": 0})
            lo, hi = wilson(int(wr["stunted"]), int(wr["assessed"]))
            qr = q_by.get(area)
            rows.append(
                {
                    "level": level,
                    "area_code": area,
                    "known": int(r["known"]),
                    "assessed": int(wr["assessed"]),
                    "stunted": int(wr["stunted"]),
                    "rate_weighed": wr["stunted"] / wr["assessed"] if wr["assessed"] else None,
                    "weighed_ci_low": lo,
                    "weighed_ci_high": hi,
                    "assessed_known": int(r["assessed_known"]),
                    "rate_adjusted": r["rate"],
                    "adjusted_ci_low": r["ci_low"],
                    "adjusted_ci_high": r["ci_high"],
                    "rate_adjusted_high": r["rate_high"],
                    "rate_quality": None if qr is None else qr["rate"],
                    "quality_ci_low": None if qr is None else qr["ci_low"],
                    "quality_ci_high": None if qr is None else qr["ci_high"],
                    "children_set_aside": int(ex_by.get(area, (0, 0))[0]),
                    # the area's own posyandu set aside (those its children were measured at)
                    "posyandu_set_aside": int(ex_by.get(area, (0, 0))[1]),
                }
            )
    return pl.DataFrame(rows, infer_schema_length=None)
