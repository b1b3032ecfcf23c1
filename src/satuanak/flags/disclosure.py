"""Statistical disclosure control for published aggregates (what the public map shows).

Pure. Rules (issue 7, the usual practice of statistical offices):
- primary: a count under 5 is shown as "<5"; a rate whose denominator is under 10 is hidden;
- secondary: in every group whose total is published (the desa of a kecamatan, the kecamatan
  of the district), a lone suppressed cell could be recovered by subtracting the others from
  the total, so the next smallest count of the group is suppressed too ("complementary
  suppression", shown as "*"). A group therefore has no suppressed cell or at least two.
"""

from __future__ import annotations

import polars as pl

MIN_COUNT = 5
MIN_DENOMINATOR = 10


def suppress(cells: pl.DataFrame, *, group: str = "parent") -> pl.DataFrame:
    """cells: area_code, `group` (the published total each cell belongs to), numerator,
    denominator, rate. Adds numerator_shown, rate_shown, suppressed, why."""
    primary = pl.col("numerator") < MIN_COUNT
    df = cells.with_columns(primary.alias("primary"), pl.int_range(pl.len()).alias("__i"))
    # Complementary cells: in a group with exactly one primary cell, the smallest other count.
    lone = df.group_by(group).agg(pl.col("primary").sum().alias("n_primary"), pl.len().alias("n_cells"))
    need = lone.filter((pl.col("n_primary") == 1) & (pl.col("n_cells") > 1)).select(group)
    candidates = (
        df.join(need, on=group, how="semi")
        .filter(~pl.col("primary"))
        .sort([group, "numerator", "area_code"])
        .group_by(group, maintain_order=True)
        .first()
        .select("__i")
    )
    df = df.with_columns(secondary=pl.col("__i").is_in(candidates["__i"].implode()))
    hidden = pl.col("primary") | pl.col("secondary")
    return df.with_columns(
        # a complementary cell is not under 5: it is shown as hidden ("*"), not as "<5"
        numerator_shown=pl.when(pl.col("primary"))
        .then(pl.lit("<5"))
        .when(pl.col("secondary"))
        .then(pl.lit("*"))
        .otherwise(pl.col("numerator").cast(pl.String)),
        rate_shown=pl.when(hidden | (pl.col("denominator") < MIN_DENOMINATOR))
        .then(None)
        .otherwise(pl.col("rate")),
        suppressed=hidden,
        why=pl.when(pl.col("primary"))
        .then(pl.lit("count under 5"))
        .when(pl.col("secondary"))
        .then(pl.lit("hidden so that the count under 5 beside it cannot be recovered from the total"))
        .when(pl.col("denominator") < MIN_DENOMINATOR)
        .then(pl.lit("denominator under 10: rate hidden")),
    ).drop("__i", "primary", "secondary")
