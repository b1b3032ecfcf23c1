"""Vectorised WHO 2006 z-scores: length/height-for-age, weight-for-age, weight-for-length/height,
BMI-for-age.

Rules (WHO Anthro / igrowup macros):

* age in whole days (the tables have one row per day, 0-1826 = 60 months);
* length-for-age applies to < 731 days, height-for-age from 731 days: a child measured standing
  before 731 days gets +0.7 cm, one measured lying from 731 days gets -0.7 cm;
* weight-for-length below 731 days, weight-for-height from 731 days, on the *adjusted* length/height,
  rounded to 0.1 cm (the table step); outside the table (45-110 cm lying, 65-120 cm standing) no z;
* z = ((x/M)^L - 1) / (L·S); for the weight-based indicators, beyond ±3 SD the distance is measured
  in units of the 2-3 SD band (WHO's "restricted" application of the LMS method).

Every function takes array-likes (numpy arrays, polars Series, lists) of equal length and returns a
float64 numpy array with NaN where no z-score can be computed.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

FloatArray = npt.NDArray[np.float64]

DATA_DIR = Path(__file__).resolve().parents[4] / "data" / "who"
MAX_AGE_DAYS = 1826  # 60 months: the last row of the day-based tables
LYING_BEFORE_DAYS = 731  # length (lying) below, height (standing) from this age
POSITION_CORRECTION_CM = 0.7

# Biologically implausible values (WHO Anthro / igrowup flags): z outside (low, high) is an error.
BIV_LIMITS: dict[str, tuple[float, float]] = {
    "lhfa": (-6.0, 6.0),
    "wfa": (-6.0, 5.0),
    "wflh": (-5.0, 5.0),
    "bfa": (-5.0, 5.0),
}


class _Table:
    """LMS arrays per sex (index 0 = boys, 1 = girls), indexed by day or by tenth of a cm."""

    def __init__(self, df: pl.DataFrame, key: str, scale: int) -> None:
        df = df.with_columns((pl.col(key) * scale).round(0).cast(pl.Int64).alias("_k"))
        self.start = int(df["_k"].min())  # type: ignore[arg-type]
        self.stop = int(df["_k"].max())  # type: ignore[arg-type]
        size = self.stop - self.start + 1
        self.lms = np.full((2, 3, size), np.nan)
        for sex in (1, 2):
            part = df.filter(pl.col("sex") == sex)
            idx = part["_k"].to_numpy() - self.start
            for j, col in enumerate(("l", "m", "s")):
                self.lms[sex - 1, j, idx] = part[col].to_numpy()

    def lookup(self, sex_idx: npt.NDArray[np.int64], key: npt.NDArray[np.int64]) -> tuple[FloatArray, ...]:
        ok = (sex_idx >= 0) & (key >= self.start) & (key <= self.stop)
        pos = np.where(ok, key - self.start, 0)
        sx = np.where(ok, sex_idx, 0)
        out = []
        for j in range(3):
            v = self.lms[sx, j, pos]
            out.append(np.where(ok, v, np.nan))
        return tuple(out)


@lru_cache(maxsize=2)
def _tables(data_dir: Path = DATA_DIR) -> dict[str, _Table]:
    return {
        "lhfa": _Table(pl.read_csv(data_dir / "lhfa.csv"), "age_days", 1),
        "wfa": _Table(pl.read_csv(data_dir / "wfa.csv"), "age_days", 1),
        "wfl": _Table(pl.read_csv(data_dir / "wfl.csv"), "length_cm", 10),
        "wfh": _Table(pl.read_csv(data_dir / "wfh.csv"), "height_cm", 10),
        "bmi": _Table(pl.read_csv(data_dir / "bmi.csv"), "age_days", 1),
    }


def _floats(values: Any) -> FloatArray:
    if isinstance(values, pl.Series):
        return values.cast(pl.Float64).fill_null(np.nan).to_numpy().astype(np.float64)
    return np.asarray(values, dtype=np.float64)


def _sex_index(sex: Any) -> npt.NDArray[np.int64]:
    """1/"1"/"L"/"M" → 0 (boys), 2/"2"/"P"/"F" → 1 (girls), anything else → -1."""
    if isinstance(sex, pl.Series):
        s = sex.cast(pl.String).str.to_uppercase()
    else:
        s = pl.Series(np.asarray(sex).astype(str)).str.to_uppercase()
    idx = s.replace_strict(
        {"1": 0, "L": 0, "M": 0, "2": 1, "P": 1, "F": 1}, default=-1, return_dtype=pl.Int64
    )
    return idx.fill_null(-1).to_numpy().astype(np.int64)


def _lying(measured_lying: Any, n: int, age: FloatArray) -> npt.NDArray[np.bool_]:
    """Measured lying?  Null/None → by age (lying below 731 days)."""
    default = age < LYING_BEFORE_DAYS
    if measured_lying is None:
        return default
    if isinstance(measured_lying, pl.Series):
        known = measured_lying.is_not_null().to_numpy()
        vals = measured_lying.cast(pl.Boolean).fill_null(False).to_numpy()
    else:
        arr = np.asarray(measured_lying, dtype=object)
        known = np.array([v is not None for v in arr], dtype=bool) if arr.size else np.zeros(0, bool)
        vals = np.array([bool(v) for v in arr], dtype=bool) if arr.size else np.zeros(0, bool)
    if vals.shape != (n,):
        vals = np.broadcast_to(vals, (n,)).copy()
        known = np.broadcast_to(known, (n,)).copy()
    return np.where(known, vals, default)


def _lms_z(x: FloatArray, l_: FloatArray, m: FloatArray, s: FloatArray, *, restricted: bool) -> FloatArray:
    with np.errstate(all="ignore"):
        small = np.abs(l_) < 1e-10
        z = np.where(small, np.log(x / m) / s, ((x / m) ** l_ - 1.0) / (l_ * s))
        if restricted:

            def sd(k: float) -> FloatArray:
                return np.where(small, m * np.exp(s * k), m * (1.0 + l_ * s * k) ** (1.0 / l_))

            sd3, sd2 = sd(3.0), sd(2.0)
            sd3n, sd2n = sd(-3.0), sd(-2.0)
            z = np.where(z > 3, 3.0 + (x - sd3) / (sd3 - sd2), z)
            z = np.where(z < -3, -3.0 + (x - sd3n) / (sd2n - sd3n), z)
        z = np.where((x > 0) & np.isfinite(z), z, np.nan)
    return np.asarray(z, dtype=np.float64)


def _age_days(age_days: Any) -> tuple[FloatArray, npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
    age = _floats(age_days)
    ok = np.isfinite(age) & (age >= 0) & (age <= MAX_AGE_DAYS + 0.5)
    day = np.where(ok, np.floor(age + 0.5), -1).astype(np.int64)
    return age, day, ok


def _adjusted_height(age: FloatArray, height: FloatArray, lying: npt.NDArray[np.bool_]) -> FloatArray:
    young = age < LYING_BEFORE_DAYS
    adj = np.where(young & ~lying, POSITION_CORRECTION_CM, 0.0) - np.where(
        ~young & lying, POSITION_CORRECTION_CM, 0.0
    )
    return height + adj


def length_height_for_age_z(
    *, sex: Any, age_days: Any, height_cm: Any, measured_lying: Any = None
) -> FloatArray:
    """Length/height-for-age z (PB/U, TB/U)."""
    age, day, ok = _age_days(age_days)
    height = _floats(height_cm)
    lying = _lying(measured_lying, age.shape[0], age)
    h = _adjusted_height(age, height, lying)
    l_, m, s = _tables()["lhfa"].lookup(_sex_index(sex), day)
    z = _lms_z(h, l_, m, s, restricted=False)
    return np.where(ok, z, np.nan)


def weight_for_age_z(*, sex: Any, age_days: Any, weight_kg: Any) -> FloatArray:
    """Weight-for-age z (BB/U)."""
    _age, day, ok = _age_days(age_days)
    l_, m, s = _tables()["wfa"].lookup(_sex_index(sex), day)
    z = _lms_z(_floats(weight_kg), l_, m, s, restricted=True)
    return np.where(ok, z, np.nan)


def weight_for_length_height_z(
    *, sex: Any, age_days: Any, height_cm: Any, weight_kg: Any, measured_lying: Any = None
) -> FloatArray:
    """Weight-for-length (< 731 days) or weight-for-height (from 731 days) z (BB/PB, BB/TB)."""
    age, _day, ok = _age_days(age_days)
    lying = _lying(measured_lying, age.shape[0], age)
    h = _adjusted_height(age, _floats(height_cm), lying)
    with np.errstate(invalid="ignore"):
        tenth = np.where(np.isfinite(h), np.floor(h * 10.0 + 0.5 + 1e-9), -1).astype(np.int64)
    sex_idx = _sex_index(sex)
    t = _tables()
    wfl = t["wfl"].lookup(sex_idx, tenth)
    wfh = t["wfh"].lookup(sex_idx, tenth)
    young = age < LYING_BEFORE_DAYS
    l_, m, s = (np.where(young, a, b) for a, b in zip(wfl, wfh, strict=True))
    z = _lms_z(_floats(weight_kg), l_, m, s, restricted=True)
    return np.where(ok, z, np.nan)


def bmi_for_age_z(
    *, sex: Any, age_days: Any, height_cm: Any, weight_kg: Any, measured_lying: Any = None
) -> FloatArray:
    """BMI-for-age z (IMT/U): BMI on the position-adjusted length/height, restricted LMS."""
    age, day, ok = _age_days(age_days)
    lying = _lying(measured_lying, age.shape[0], age)
    h = _adjusted_height(age, _floats(height_cm), lying)
    with np.errstate(all="ignore"):
        bmi = _floats(weight_kg) / (h / 100.0) ** 2
    l_, m, s = _tables()["bmi"].lookup(_sex_index(sex), day)
    z = _lms_z(np.where(h > 0, bmi, np.nan), l_, m, s, restricted=True)
    return np.where(ok, z, np.nan)
