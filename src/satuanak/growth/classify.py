"""Nutritional status from WHO z-scores by the cut-offs of Permenkes 2/2020 (children 0-60 months).

Pure and vectorised: z arrays in, category codes out (null where the z-score is missing, so
"not assessable" stays visible instead of turning into "normal"). Cut-offs are data here, with
their source in ../shared/domain/DOMAIN.md section 6; a z exactly on a cut-off belongs to the
upper class ("-3 to < -2 SD" is stunted, -2.00 is normal).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl


@dataclass(frozen=True)
class Band:
    code: str
    label_id: str
    label_en: str
    below: float  # the band holds z < below (the last band: +inf)


# Each indicator's bands from the lowest; z < band.below falls in the first band that holds it.
BANDS: dict[str, tuple[Band, ...]] = {
    "lhfa": (
        Band("severely_stunted", "sangat pendek", "severely stunted", -3.0),
        Band("stunted", "pendek", "stunted", -2.0),
        Band("normal", "normal", "normal", 3.0000001),  # -2 to +3 inclusive
        Band("tall", "tinggi", "tall", np.inf),
    ),
    "wfa": (
        Band("severely_underweight", "berat badan sangat kurang", "severely underweight", -3.0),
        Band("underweight", "berat badan kurang", "underweight", -2.0),
        Band("normal", "berat badan normal", "normal weight", 1.0000001),
        Band("risk_of_overweight", "risiko berat badan lebih", "risk of overweight", np.inf),
    ),
    "wflh": (
        Band("severely_wasted", "gizi buruk", "severely wasted", -3.0),
        Band("wasted", "gizi kurang", "wasted", -2.0),
        Band("normal", "gizi baik", "normal", 1.0000001),
        Band("possible_risk_of_overweight", "berisiko gizi lebih", "possible risk of overweight", 2.0000001),
        Band("overweight", "gizi lebih", "overweight", 3.0000001),
        Band("obese", "obesitas", "obese", np.inf),
    ),
}
BANDS["bfa"] = BANDS["wflh"]  # IMT/U 0-60 months uses the BB/PB cut-offs


def classify(indicator: str, z: Any) -> pl.Series:
    """Category code per z (null for NaN/None)."""
    values = np.asarray(pl.Series(z, dtype=pl.Float64).fill_null(np.nan).to_numpy(), dtype=np.float64)
    out = np.full(values.shape, None, dtype=object)
    assigned = ~np.isfinite(values)
    for band in BANDS[indicator]:
        hit = ~assigned & (values < band.below)
        out[hit] = band.code
        assigned |= hit
    return pl.Series(indicator, out, dtype=pl.String)


def label(indicator: str, code: str, *, english: bool = False) -> str:
    for band in BANDS[indicator]:
        if band.code == code:
            return band.label_en if english else band.label_id
    raise KeyError(code)
