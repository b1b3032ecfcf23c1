"""Small typed helpers shared by the generator modules."""

from __future__ import annotations

from typing import cast

import polars as pl


def mean_of(series: pl.Series) -> float:
    """Mean of a numeric or boolean series as a float (0.0 when empty); polars types it loosely."""
    value = series.cast(pl.Float64).mean()
    return 0.0 if value is None else float(cast(float, value))
