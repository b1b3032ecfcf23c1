"""Measurement quality of posyandu anthropometry, per group (posyandu, puskesmas, cadre, kecamatan,
district) and quarter: the checks the WHO–UNICEF (2019) recommendations ask of anthropometric
data, each with its threshold (data/mutu/checks.json, editable) and a plain reading.

Pure (Polars and the standard library; no Django). Input: one row per measurement with

    child_id, measurement_date, birth_date, sex, weight_kg, height_cm, position ("lying" |
    "standing" | null), age_days, haz, waz, whz

plus the grouping columns the caller names. The birth date and sex are the child's (the golden
record's), since that is what the z-scores were computed from.

The checks:
- completeness: share of measurements missing any of birth date, sex, weight, height, position;
- digit_height, digit_weight: the decimal digit of the value (to 0.1 cm / 0.1 kg). Without
  rounding each digit is 10% of values, so .0 and .5 together 20%. The reading is the share on
  .0/.5; the χ² test against ten equal digits (df 9) and Bland's digit preference score
  (DPS = 100·√(χ²/(n·df)), 0 = none, 100 = every value on one digit) come with it, and a share
  above the threshold counts only when χ² is significant (small posyandu wobble by chance);
- age_heaping: the larger of two indices, 1.0 when nothing heaps: the share of ages (completed
  months, 0–59) on a multiple of 6 over its expected 1/6, and the share of birth dates on the
  1st or 15th of a month over its expected 24/365.25, counted once per child (guessed birth
  dates land there);
- biv: share of measurements with a z-score beyond WHO's flag limits (HAZ ±6, WAZ −6/+5,
  WHZ ±5) among those with any z-score;
- sd_haz, sd_waz, sd_whz: the standard deviation (n−1) of each z-score over the group's children
  (each child's latest measurement in the group), BIVs left out. A
  well-measured population sits near 1.0; wider means noise (error), narrower copied or
  invented values;
- position: share measured in the wrong position for the age (WHO: lying below 731 days,
  standing from 731) among measurements with both known;
- repeat_height, repeat_weight: among a child's consecutive measurements at least
  `repeat_min_gap_days` apart, the share with exactly the same value as the one before
  (children grow: the same figure a month later is more often copied than measured). The pair
  counts in the group of the later measurement.

Status per check: "few" below the check's minimum n (no verdict), else "fail", "warn" or "ok". A
warning needs the value past the warning threshold and its one-sided 95% bound (Wilson for
shares, s ± 1.645·s/√(2(n−1)) for an SD) past what clean data gives; a failure needs that bound
past the failure threshold: routine posyandu groups
are small, and a verdict that sends cadres to training should not be chance.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

OK, WARN, FAIL, FEW = "ok", "warn", "fail", "few"
STATUS_ORDER = {FAIL: 0, WARN: 1, OK: 2, FEW: 3}
# WHO flag limits (the same as growth.who.BIV_LIMITS; repeated so this module needs no tables).
BIV = {"haz": (-6.0, 6.0), "waz": (-6.0, 5.0), "whz": (-5.0, 5.0)}
DAYS_PER_MONTH = 30.4375
BIRTH_DAY_EXPECTED = 24 / 365.25  # the 1st and the 15th: 24 days of the year
COMPLETENESS_FIELDS = {
    "birth_date": ("tanggal lahir", "birth date"),
    "sex": ("jenis kelamin", "sex"),
    "weight_kg": ("berat badan", "weight"),
    "height_cm": ("tinggi/panjang badan", "length/height"),
    "position": ("cara ukur", "position"),
}
OUTPUT_SCHEMA: dict[str, pl.DataType] = {
    "check": pl.String(),
    "n": pl.Int64(),
    "value": pl.Float64(),
    "status": pl.String(),
    "threshold": pl.String(),
    "reading_id": pl.String(),
    "reading_en": pl.String(),
    "detail": pl.String(),
}


@dataclass(frozen=True)
class Check:
    code: str
    title_id: str
    title_en: str
    unit: str  # share | index | sd
    min_n: int
    reading_id: str
    reading_en: str
    warn_above: float | None = None
    fail_above: float | None = None
    warn_below: float | None = None
    fail_below: float | None = None
    expected: float | None = None
    p_below: float | None = None  # digit checks: the χ² p-value must also be below this

    def reading_generic(self) -> tuple[str, str]:
        """The readings with their blanks filled in general words (for the list of checks)."""
        fill = {
            "worst": "salah satu isian",
            "direction": "lebar atau sempit",
            "why": "terlalu lebar: salah ukur/catat; terlalu sempit: angka disalin atau diperkirakan",
            "direction_en": "wide or narrow",
            "why_en": "too wide: measuring or recording errors; too narrow: copied or guessed values",
        }
        fill_en = fill | {"worst": "one field"}
        return self.reading_id.format_map(fill), self.reading_en.format_map(fill_en)

    def threshold_text(self) -> str:
        """'≤ 30% (harapan 20%)' / '0,8–1,2'."""

        def fmt(x: float) -> str:
            return f"{x * 100:.0f}%" if self.unit == "share" else f"{x:.1f}".replace(".", ",")

        if self.warn_below is not None and self.warn_above is not None:
            text = f"{fmt(self.warn_below)}–{fmt(self.warn_above)}"
        elif self.warn_above is not None:
            text = f"≤ {fmt(self.warn_above)}"
        else:
            text = f"≥ {fmt(self.warn_below or 0.0)}"
        if self.expected is not None and self.unit != "sd":
            text += f" (harapan / expected {fmt(self.expected)})"
        return text


@dataclass(frozen=True)
class Spec:
    checks: tuple[Check, ...]
    length_lying_below_days: int = 731
    repeat_min_gap_days: int = 25
    coverage_warn_below: float = 0.8
    coverage_fail_below: float = 0.6
    coverage_min_n: int = 10
    raw: Mapping[str, Any] = field(default_factory=dict)

    def check(self, code: str) -> Check:
        return next(c for c in self.checks if c.code == code)


def spec_load(path: Path) -> Spec:
    raw = json.loads(path.read_text(encoding="utf-8"))
    fields = set(Check.__dataclass_fields__)
    checks = tuple(Check(**{k: v for k, v in c.items() if k in fields}) for c in raw["checks"])
    cov = raw.get("coverage", {})
    return Spec(
        checks=checks,
        length_lying_below_days=int(raw.get("length_lying_below_days", 731)),
        repeat_min_gap_days=int(raw.get("repeat_min_gap_days", 25)),
        coverage_warn_below=float(cov.get("warn_below", 0.8)),
        coverage_fail_below=float(cov.get("fail_below", 0.6)),
        coverage_min_n=int(cov.get("min_n", 10)),
        raw=raw,
    )


# --- statistics -----------------------------------------------------------------------------------


def _gamma_q(a: float, x: float) -> float:
    """The regularised upper incomplete gamma Q(a, x) (series below a+1, continued fraction
    above: Numerical Recipes' gammq), enough for a χ² p-value without SciPy."""
    if x <= 0:
        return 1.0
    log_front = -x + a * math.log(x) - math.lgamma(a)
    if x < a + 1:
        term = total = 1.0 / a
        ap = a
        for _ in range(500):
            ap += 1
            term *= x / ap
            total += term
            if abs(term) < abs(total) * 1e-15:
                break
        return max(0.0, 1.0 - total * math.exp(log_front))
    tiny = 1e-300
    b = x + 1 - a
    c = 1 / tiny
    d = 1 / b
    h = d
    for i in range(1, 500):
        an = -i * (i - a)
        b += 2
        d = an * d + b
        d = tiny if abs(d) < tiny else d
        c = b + an / c
        c = tiny if abs(c) < tiny else c
        d = 1 / d
        delta = d * c
        h *= delta
        if abs(delta - 1) < 1e-15:
            break
    return min(1.0, math.exp(log_front) * h)


def chi2_sf(x: float, df: int) -> float:
    """P(χ²_df ≥ x)."""
    return _gamma_q(df / 2, x / 2)


@dataclass(frozen=True)
class DigitTest:
    n: int
    counts: tuple[int, ...]  # digits 0..9
    share_0_5: float
    chi2: float
    p_value: float
    dps: float  # Bland's digit preference score, 0..100


def digit_test(counts: Sequence[int]) -> DigitTest:
    """The terminal-digit test on counts of digits 0..9."""
    n = int(sum(counts))
    if n == 0:
        return DigitTest(0, tuple(int(c) for c in counts), math.nan, math.nan, math.nan, math.nan)
    expected = n / 10
    chi2 = sum((c - expected) ** 2 / expected for c in counts)
    return DigitTest(
        n=n,
        counts=tuple(int(c) for c in counts),
        share_0_5=(counts[0] + counts[5]) / n,
        chi2=chi2,
        p_value=chi2_sf(chi2, 9),
        dps=100 * math.sqrt(chi2 / (n * 9)),
    )


def terminal_digit(values: pl.Expr) -> pl.Expr:
    """The first decimal digit (0.1 resolution): 85.3 -> 3 (round first: 85.3*10 is 852.99…)."""
    return ((values * 10).round(0).cast(pl.Int64) % 10).cast(pl.Int8)


def rows_from_growth_z(z: pl.DataFrame, keep: Sequence[str] = ()) -> pl.DataFrame:
    """flags.engine.growth_z's frame as the checks read it: the child's birth date and sex (which
    the z-scores were computed from) under the checks' names, plus the `keep` columns."""
    return z.select(
        "child_id",
        "period",
        "measurement_date",
        pl.col("c_dob").alias("birth_date"),
        pl.col("c_sex").alias("sex"),
        "weight_kg",
        "height_cm",
        "position",
        "age_days",
        "haz",
        "waz",
        "whz",
        *keep,
    )


# --- per-row indicators, per-group counts ------------------------------------------------------------


def prepare(rows: pl.DataFrame, spec: Spec) -> pl.DataFrame:
    """Per measurement, the 0/1 indicators and digits the checks count."""
    age = pl.col("age_days")
    age_m = (age / DAYS_PER_MONTH).floor()
    lying_age = age < spec.length_lying_below_days
    gap = spec.repeat_min_gap_days
    df = rows.sort(["child_id", "measurement_date"]).with_columns(
        (pl.col("measurement_date") - pl.col("measurement_date").shift(1).over("child_id"))
        .dt.total_days()
        .alias("_gap"),
        pl.col("height_cm").shift(1).over("child_id").alias("_prev_h"),
        pl.col("weight_kg").shift(1).over("child_id").alias("_prev_w"),
    )
    biv = {k: (pl.col(k) < lo) | (pl.col(k) > hi) for k, (lo, hi) in BIV.items()}
    any_z = pl.any_horizontal([pl.col(k).is_not_null() for k in BIV])
    pair_h = (pl.col("_gap") >= gap) & pl.col("height_cm").is_not_null() & pl.col("_prev_h").is_not_null()
    pair_w = (pl.col("_gap") >= gap) & pl.col("weight_kg").is_not_null() & pl.col("_prev_w").is_not_null()
    return df.with_columns(
        *[pl.col(f).is_null().alias(f"_miss_{f}") for f in COMPLETENESS_FIELDS],
        pl.any_horizontal([pl.col(f).is_null() for f in COMPLETENESS_FIELDS]).alias("_miss_any"),
        terminal_digit(pl.col("height_cm")).alias("_hd"),
        terminal_digit(pl.col("weight_kg")).alias("_wd"),
        pl.when(age.is_between(0, 1826)).then((age_m % 6) == 0).alias("_age6"),
        pl.col("birth_date").dt.day().is_in([1, 15]).alias("_day115"),
        any_z.alias("_any_z"),
        pl.any_horizontal([b.fill_null(False) for b in biv.values()]).alias("_biv"),
        *[pl.when(~biv[k]).then(pl.col(k)).alias(f"_{k}_ok") for k in BIV],
        pl.when(pl.col("position").is_not_null() & age.is_not_null())
        .then(
            ((pl.col("position") == "standing") & lying_age) | ((pl.col("position") == "lying") & ~lying_age)
        )
        .alias("_pos_wrong"),
        pair_h.fill_null(False).alias("_pair_h"),
        (pair_h & (pl.col("height_cm") == pl.col("_prev_h"))).fill_null(False).alias("_rep_h"),
        pair_w.fill_null(False).alias("_pair_w"),
        (pair_w & (pl.col("weight_kg") == pl.col("_prev_w"))).fill_null(False).alias("_rep_w"),
    )


def counts(prepared: pl.DataFrame, by: Sequence[str]) -> pl.DataFrame:
    """Per group, the counts every check is computed from (one row per group)."""
    aggs = [
        pl.len().alias("n"),
        *[pl.col(f"_miss_{f}").sum().alias(f"miss_{f}") for f in COMPLETENESS_FIELDS],
        pl.col("_miss_any").sum().alias("miss_any"),
        *[(pl.col("_hd") == d).sum().alias(f"hd{d}") for d in range(10)],
        *[(pl.col("_wd") == d).sum().alias(f"wd{d}") for d in range(10)],
        pl.col("_age6").count().alias("age_n"),
        pl.col("_age6").sum().alias("age6"),
        # per child, not per visit: a child weighed monthly brings the same birth date each time
        pl.col("_day115").filter(pl.col("child_id").is_first_distinct()).count().alias("dob_n"),
        pl.col("_day115").filter(pl.col("child_id").is_first_distinct()).sum().alias("day115"),
        pl.col("_any_z").sum().alias("z_n"),
        pl.col("_biv").sum().alias("biv"),
        # the spread of children, not of visits: one z per child (its latest in the group), as a
        # survey has it; a child's repeated visits would shrink the sampling error falsely
        *[
            pl.col(f"_{k}_ok").filter(pl.col("child_id").is_last_distinct()).count().alias(f"{k}_n")
            for k in BIV
        ],
        *[
            pl.col(f"_{k}_ok").filter(pl.col("child_id").is_last_distinct()).std().alias(f"{k}_sd")
            for k in BIV
        ],
        pl.col("_pos_wrong").count().alias("pos_n"),
        pl.col("_pos_wrong").sum().alias("pos_wrong"),
        pl.col("_pair_h").sum().alias("pair_h"),
        pl.col("_rep_h").sum().alias("rep_h"),
        pl.col("_pair_w").sum().alias("pair_w"),
        pl.col("_rep_w").sum().alias("rep_w"),
    ]
    return prepared.group_by(list(by)).agg(aggs).sort(list(by))


# --- verdicts -----------------------------------------------------------------------------------


Z_ONE_SIDED = 1.6448536269514722  # one-sided 95%


def wilson_bounds(k: float, n: int, z: float = Z_ONE_SIDED) -> tuple[float, float]:
    """The Wilson interval of k/n (one-sided 95% bounds by default)."""
    if n <= 0:
        return 0.0, 1.0
    p = k / n
    den = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / den
    half = z * math.sqrt(max(p * (1 - p), 0.0) / n + z * z / (4 * n * n)) / den
    return max(0.0, centre - half), min(1.0, centre + half)


def _status(
    check: Check,
    n: int,
    value: float | None,
    bounds: tuple[float, float] | None,
    significant: bool = True,
) -> str:
    """A warning when the value is past the warning threshold and its one-sided 95% bound past the
    level clean data gives (`expected`, else 0); a failure only when that bound is beyond the
    failure threshold itself, so that a small posyandu is not failed by chance (two implausible
    values among 50 is 4%, and happens to one posyandu in forty whose true rate is 0.5%)."""
    if n < check.min_n or value is None or math.isnan(value):
        return FEW
    low, high = bounds if bounds is not None else (value, value)
    expected = check.expected if check.expected is not None else 0.0
    if check.fail_above is not None and low > check.fail_above and significant:
        return FAIL
    if check.fail_below is not None and high < check.fail_below:
        return FAIL
    # a warning needs the value past the threshold and the bound past what clean data gives
    if check.warn_above is not None and value > check.warn_above and low > expected and significant:
        return WARN
    if check.warn_below is not None and value < check.warn_below and high < expected:
        return WARN
    return OK


def _share(num: int, den: int) -> float | None:
    return num / den if den else None


def judge_group(c: Mapping[str, Any], spec: Spec) -> list[dict[str, Any]]:
    """Every check for one group's counts (a row of `counts()`)."""
    out: list[dict[str, Any]] = []

    def add(
        code: str,
        n: int,
        value: float | None,
        detail: dict[str, Any],
        bounds: tuple[float, float] | None = None,
        **fmt: str,
    ) -> None:
        check = spec.check(code)
        significant = detail.get("p_value", 0.0) < (check.p_below or 1.0)
        status = _status(check, n, value, bounds, significant=significant)
        reading_id = reading_en = ""
        if status in (WARN, FAIL):
            reading_id = check.reading_id.format(**fmt)
            reading_en = check.reading_en.format(**fmt)
        out.append(
            {
                "check": code,
                "n": int(n),
                "value": None if value is None or math.isnan(value) else float(value),
                "status": status,
                "threshold": check.threshold_text(),
                "reading_id": reading_id,
                "reading_en": reading_en,
                "detail": json.dumps(detail, sort_keys=True),
            }
        )

    n = int(c["n"])
    shares = {f: (c[f"miss_{f}"] / n if n else 0.0) for f in COMPLETENESS_FIELDS}
    worst = max(shares, key=lambda f: shares[f])
    add(
        "completeness",
        n,
        _share(int(c["miss_any"]), n),
        {"missing": {f: round(s, 4) for f, s in shares.items()}},
        wilson_bounds(int(c["miss_any"]), n),
        worst=COMPLETENESS_FIELDS[worst][0],
    )
    for code, prefix in (("digit_height", "hd"), ("digit_weight", "wd")):
        t = digit_test([int(c[f"{prefix}{d}"]) for d in range(10)])
        add(
            code,
            t.n,
            t.share_0_5,
            {"digits": list(t.counts), "chi2": _r(t.chi2), "p_value": _r(t.p_value, 6), "dps": _r(t.dps)},
            wilson_bounds(t.counts[0] + t.counts[5], t.n),
        )
    idx_age = _share(int(c["age6"]), int(c["age_n"]))
    idx_age = None if idx_age is None else idx_age * 6
    idx_day = _share(int(c["day115"]), int(c["dob_n"]))
    idx_day = None if idx_day is None else idx_day / BIRTH_DAY_EXPECTED
    # the worse index decides; its bounds are the share's bounds over the expected share
    candidates = [
        (idx, wilson_bounds(int(c[k]), int(c[n_col])), expected)
        for idx, k, n_col, expected in (
            (idx_age, "age6", "age_n", 1 / 6),
            (idx_day, "day115", "dob_n", BIRTH_DAY_EXPECTED),
        )
        if idx is not None
    ]
    heaping, heap_bounds = None, None
    if candidates:
        idx, (lo, hi), expected = max(candidates, key=lambda t: t[0])
        heaping, heap_bounds = idx, (lo / expected, hi / expected)
    add(
        "age_heaping",
        min(int(c["age_n"]), int(c["dob_n"])) if idx_day is not None else int(c["age_n"]),
        heaping,
        {"month_multiple_of_6_index": _r(idx_age), "birth_day_1_15_index": _r(idx_day)},
        heap_bounds,
    )
    add(
        "biv",
        int(c["z_n"]),
        _share(int(c["biv"]), int(c["z_n"])),
        {"biv": int(c["biv"])},
        wilson_bounds(int(c["biv"]), int(c["z_n"])),
    )
    names = {"haz": ("TB/U", "HAZ"), "waz": ("BB/U", "WAZ"), "whz": ("BB/TB", "WHZ")}
    for k in BIV:
        sd = c[f"{k}_sd"]
        sd = None if sd is None else float(sd)
        wide = sd is not None and sd > 1.0
        n_z = int(c[f"{k}_n"])
        # the sample SD's standard error under normality: s / sqrt(2(n-1))
        se = sd / math.sqrt(2 * (n_z - 1)) if sd is not None and n_z > 1 else 0.0
        add(
            f"sd_{k}",
            n_z,
            sd,
            {"indicator": names[k][1]},
            None if sd is None else (sd - Z_ONE_SIDED * se, sd + Z_ONE_SIDED * se),
            direction="lebar" if wide else "sempit",
            direction_en="wide" if wide else "narrow",
            why="kemungkinan banyak salah ukur atau salah catat"
            if wide
            else "angka mungkin disalin atau diperkirakan, bukan diukur",
            why_en="probably many measuring or recording errors"
            if wide
            else "values may be copied or guessed, not measured",
        )
    add(
        "position",
        int(c["pos_n"]),
        _share(int(c["pos_wrong"]), int(c["pos_n"])),
        {"wrong": int(c["pos_wrong"])},
        wilson_bounds(int(c["pos_wrong"]), int(c["pos_n"])),
    )
    add(
        "repeat_height",
        int(c["pair_h"]),
        _share(int(c["rep_h"]), int(c["pair_h"])),
        {"same": int(c["rep_h"])},
        wilson_bounds(int(c["rep_h"]), int(c["pair_h"])),
    )
    add(
        "repeat_weight",
        int(c["pair_w"]),
        _share(int(c["rep_w"]), int(c["pair_w"])),
        {"same": int(c["rep_w"])},
        wilson_bounds(int(c["rep_w"]), int(c["pair_w"])),
    )
    return out


def _r(x: float | None, digits: int = 4) -> float | None:
    return None if x is None or math.isnan(x) else round(x, digits)


def quality_checks_prepared(prepared: pl.DataFrame, spec: Spec, by: Sequence[str]) -> pl.DataFrame:
    """`quality_checks()` on rows already through `prepare()` (and filtered: a repeat pair needs
    the child's earlier measurement, so prepare all, then keep the quarters wanted)."""
    per_group = counts(prepared, by)
    keys = list(by)
    out: list[dict[str, Any]] = []
    for c in per_group.iter_rows(named=True):
        head = {k: c[k] for k in keys}
        out.extend(head | r for r in judge_group(c, spec))
    schema = {k: per_group.schema[k] for k in keys} | OUTPUT_SCHEMA
    return pl.DataFrame(out, schema=schema, orient="row")


def quality_checks(rows: pl.DataFrame, spec: Spec, by: Sequence[str]) -> pl.DataFrame:
    """One row per group and check: the group's columns, then OUTPUT_SCHEMA."""
    return quality_checks_prepared(prepare(rows, spec), spec, by)
