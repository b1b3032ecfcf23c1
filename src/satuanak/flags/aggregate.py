"""Flag counts per desa, kecamatan and district per quarter, with Wilson 95% intervals, and the
desa hotspots (a composite index and local Getis-Ord Gi*). Pure: Polars/NumPy, no Django.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import polars as pl

Z95 = 1.959963984540054


def wilson(numerator: pl.Expr, denominator: pl.Expr, z: float = Z95) -> tuple[pl.Expr, pl.Expr]:
    """Wilson score interval for a proportion (stays inside 0..1 for small counts, unlike the
    normal approximation; for n = 0 no interval)."""
    n = denominator.cast(pl.Float64)
    p = numerator.cast(pl.Float64) / n
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z * ((p * (1 - p) / n + z2 / (4 * n * n)).sqrt()) / (1 + z2 / n)
    ok = n > 0
    return (
        pl.when(ok).then((centre - half).clip(0.0, 1.0)),
        pl.when(ok).then((centre + half).clip(0.0, 1.0)),
    )


def aggregate(flags: pl.DataFrame, children: pl.DataFrame) -> pl.DataFrame:
    """flags: the engine's rows (status flagged/clear/not_assessable); children: child_id, desa
    (code, may be null). One row per (code, period, level, area): the assessed children are the
    denominator, the flagged the numerator. Children without a desa count for the district."""
    df = flags.filter(pl.col("status") != "not_assessable").join(
        children.select("child_id", "desa"), on="child_id", how="left"
    )
    df = df.with_columns(
        flagged=(pl.col("status") == "flagged").cast(pl.Int64),
        kec=pl.col("desa").str.slice(0, 8),
        district=pl.lit("61.07"),
    )
    levels = []
    for level, col in (("desa", "desa"), ("kecamatan", "kec"), ("district", "district")):
        part = (
            df.filter(pl.col(col).is_not_null())
            .group_by("code", "period", col)
            .agg(pl.col("flagged").sum().alias("numerator"), pl.len().alias("denominator"))
            .rename({col: "area_code"})
            .with_columns(pl.lit(level).alias("level"))
        )
        levels.append(part)
    out = pl.concat(levels, how="vertical")
    lo, hi = wilson(pl.col("numerator"), pl.col("denominator"))
    not_assessed = (
        flags.filter(pl.col("status") == "not_assessable")
        .group_by("code", "period")
        .agg(pl.len().alias("not_assessable_district"))
    )
    return (
        out.with_columns(
            rate=pl.col("numerator") / pl.col("denominator"),
            ci_low=lo,
            ci_high=hi,
        )
        .join(not_assessed, on=["code", "period"], how="left")
        .with_columns(pl.col("not_assessable_district").fill_null(0))
        .sort(["code", "period", "level", "area_code"])
    )


# --- hotspots ------------------------------------------------------------------------------------------


def desa_adjacency(features: Sequence[Mapping[str, object]]) -> dict[str, list[str]]:
    """Queen-style contiguity from GeoJSON features (property "code"): two desa are neighbours
    when their boundaries share at least one vertex. The boundaries come from one source and are
    topologically clean (shared edges repeat the same vertices), so no geometry library is needed."""
    owners: dict[tuple[float, float], set[str]] = {}
    for feat in features:
        props = feat.get("properties") or {}
        code = str((props.get("code") or props.get("kode") or "") if isinstance(props, Mapping) else "")
        geom = feat.get("geometry")
        if not code or not isinstance(geom, Mapping):
            continue
        for x, y in _vertices(geom):
            owners.setdefault((round(x, 6), round(y, 6)), set()).add(code)
    neighbours: dict[str, set[str]] = {}
    for codes in owners.values():
        for a in codes:
            neighbours.setdefault(a, set()).update(c for c in codes if c != a)
    return {k: sorted(v) for k, v in neighbours.items()}


def _vertices(geom: Mapping[str, object]) -> list[tuple[float, float]]:
    coords = geom.get("coordinates")
    out: list[tuple[float, float]] = []

    def walk(c: object) -> None:
        if isinstance(c, list | tuple) and c and isinstance(c[0], int | float):
            out.append((float(c[0]), float(c[1])))
        elif isinstance(c, list | tuple):
            for item in c:
                walk(item)

    walk(coords)
    return out


def getis_ord_gi_star(values: Mapping[str, float], neighbours: Mapping[str, Sequence[str]]) -> pl.DataFrame:
    """Local Getis-Ord Gi* (binary weights, each desa its own neighbour) with its z-score and a
    two-sided p-value under the normal approximation (Getis & Ord 1995). Desa without a value
    are left out; the statistic needs at least three."""
    codes = [c for c in values if values[c] is not None and math.isfinite(values[c])]
    n = len(codes)
    if n < 3:
        return pl.DataFrame(schema={"desa": pl.String, "gi_star_z": pl.Float64, "p_value": pl.Float64})
    index = {c: i for i, c in enumerate(codes)}
    x = np.array([values[c] for c in codes], dtype=np.float64)
    xbar = x.mean()
    s = math.sqrt((x**2).mean() - xbar**2)
    z = np.full(n, np.nan)
    for c, i in index.items():
        idx = [i] + [index[m] for m in neighbours.get(c, []) if m in index]
        w = len(idx)  # binary weights: sum of w_ij = sum of w_ij^2 = number of neighbours + self
        num = x[idx].sum() - xbar * w
        den = s * math.sqrt((n * w - w * w) / (n - 1)) if s > 0 else 0.0
        z[i] = num / den if den > 0 else 0.0
    p = np.array([math.erfc(abs(v) / math.sqrt(2)) for v in z])
    return pl.DataFrame({"desa": codes, "gi_star_z": z, "p_value": p})


def composite_index(rates: pl.DataFrame, codes: Sequence[str]) -> pl.DataFrame:
    """Per desa, the mean of the chosen flags' rates standardised across desa (z-scores), so a
    rare flag weighs as much as a common one. rates: code, area_code, rate (desa level)."""
    wide = (
        rates.filter(pl.col("code").is_in(list(codes)))
        .pivot(on="code", index="area_code", values="rate", aggregate_function="first")
        .rename({"area_code": "desa"})
    )
    present = [c for c in codes if c in wide.columns]
    std = [((pl.col(c) - pl.col(c).mean()) / pl.col(c).std()).fill_nan(0.0).fill_null(0.0) for c in present]
    return wide.with_columns(
        index=pl.mean_horizontal(std) if std else pl.lit(0.0),
        flags_used=pl.lit(",".join(present)),
    ).select("desa", "index", "flags_used", *present)
