"""Deterministic links on the NIK, clusters from links, and the golden record of each cluster.

Pure: Polars/NumPy (DuckDB for string similarity); no Django.
"""

from __future__ import annotations

import duckdb
import numpy as np
import polars as pl

# Which source wins a field when SIAK (the civil registry) has no record of the child.
SOURCE_PRIORITY = ("siak", "dapodik", "eppgbm", "imunisasi", "kia_persalinan", "simfoni")
GOLDEN_FIELDS = ("nik", "name", "sex", "dob", "mother_name", "desa", "kk")

# A same-NIK pair is a conflict (two people under one NIK: a data error to look at, never a
# merge) when the names are clearly different and nothing else speaks for the pair.
NAME_CONFLICT_BELOW = 0.70


def nik_links(records: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(links, conflicts) among records that share a NIK. Each record is compared with its NIK
    group's anchor (the SIAK record when there is one): birth date, sex and name must agree.
    Both frames: record_id_l, record_id_r, reason."""
    df = records.filter(pl.col("nik").is_not_null()).select(
        "record_id", "source", "nik", "name_norm", "mother_norm", "dob", "sex"
    )
    grouped = df.filter(pl.len().over("nik") > 1)
    empty = pl.DataFrame(schema={"record_id_l": pl.String, "record_id_r": pl.String, "reason": pl.String})
    if grouped.height == 0:
        return empty, empty
    rank = pl.col("source").replace_strict(
        {s: i for i, s in enumerate(SOURCE_PRIORITY)}, default=len(SOURCE_PRIORITY), return_dtype=pl.Int32
    )
    grouped = grouped.with_columns(__rank=rank).sort(["nik", "__rank", "record_id"])
    anchors = grouped.group_by("nik", maintain_order=True).first().drop("__rank")
    others = grouped.join(anchors.select("nik", pl.col("record_id").alias("anchor_id")), on="nik").filter(
        pl.col("record_id") != pl.col("anchor_id")
    )
    con = duckdb.connect()
    con.register("o", others.drop("__rank").to_arrow())
    con.register("a", anchors.to_arrow())
    pairs = con.sql(
        """
            SELECT o.record_id AS rid, a.record_id AS aid,
                   coalesce(jaro_winkler_similarity(o.name_norm, a.name_norm), 1.0) AS name_sim,
                   coalesce(jaro_winkler_similarity(o.mother_norm, a.mother_norm), 0.0) AS mother_sim,
                   o.dob IS NOT NULL AND a.dob IS NOT NULL AND o.dob <> a.dob AS dob_differs,
                   o.sex IS NOT NULL AND a.sex IS NOT NULL AND o.sex <> a.sex AS sex_differs
            FROM o JOIN a ON o.nik = a.nik
            """
    ).pl()
    con.close()
    conflict = (
        pl.col("dob_differs")
        | pl.col("sex_differs")
        | ((pl.col("name_sim") < NAME_CONFLICT_BELOW) & (pl.col("mother_sim") < 0.9))
    )
    reason = (
        pl.when(pl.col("dob_differs"))
        .then(pl.lit("NIK sama, tanggal lahir berbeda / same NIK, different birth date"))
        .when(pl.col("sex_differs"))
        .then(pl.lit("NIK sama, jenis kelamin berbeda / same NIK, different sex"))
        .otherwise(pl.lit("NIK sama, nama jauh berbeda / same NIK, clearly different names"))
    )
    ordered = [
        pl.min_horizontal("rid", "aid").alias("record_id_l"),
        pl.max_horizontal("rid", "aid").alias("record_id_r"),
    ]
    links = pairs.filter(~conflict).select(*ordered, pl.lit("nik").alias("reason"))
    conflicts = pairs.filter(conflict).select(*ordered, reason.alias("reason"))
    return links, conflicts


def components(record_ids: pl.Series, edges: pl.DataFrame) -> pl.DataFrame:
    """Connected components: record_id -> cluster_id (the smallest record id in the cluster,
    so the same links give the same ids whatever order they came in)."""
    ids = record_ids.unique().sort()
    n = ids.len()
    index = pl.DataFrame({"record_id": ids, "i": np.arange(n, dtype=np.int64)})
    e = (
        edges.select("record_id_l", "record_id_r")
        .join(index.rename({"record_id": "record_id_l", "i": "a"}), on="record_id_l")
        .join(index.rename({"record_id": "record_id_r", "i": "b"}), on="record_id_r")
    )
    a = e["a"].to_numpy()
    b = e["b"].to_numpy()
    labels = np.arange(n, dtype=np.int64)
    # Min-label propagation with pointer jumping: labels only fall, so it ends; each round
    # at least halves the distance to a component's smallest index.
    while True:
        m = np.minimum(labels[a], labels[b])
        new = labels.copy()
        np.minimum.at(new, a, m)
        np.minimum.at(new, b, m)
        while True:
            jumped = new[new]
            if np.array_equal(jumped, new):
                break
            new = jumped
        if np.array_equal(new, labels):
            break
        labels = new
    return pl.DataFrame({"record_id": ids, "cluster_id": ids.gather(labels)})


def golden_records(records: pl.DataFrame, clusters: pl.DataFrame) -> pl.DataFrame:
    """One row per cluster: identity by survivorship, which source each field came from, and
    whether the civil registry (SIAK) knows the child.

    Rules: SIAK's record wins every identity field it has (the registry is the legal identity;
    when SIAK holds the child twice, its lower NIK). Otherwise the value most records agree on,
    ties to the source earlier in SOURCE_PRIORITY."""
    rank = pl.col("source").replace_strict(
        {s: i for i, s in enumerate(SOURCE_PRIORITY)}, default=len(SOURCE_PRIORITY), return_dtype=pl.Int32
    )
    df = records.join(clusters, on="record_id").with_columns(__rank=rank)
    parts = []
    for f in GOLDEN_FIELDS:
        votes = (
            df.filter(pl.col(f).is_not_null())
            .with_columns(__text=pl.col(f).cast(pl.String))
            .group_by("cluster_id", "__text")
            .agg(
                (pl.col("__rank") == 0).any().alias("__siak"),
                pl.len().alias("__n"),
                pl.col("__rank").min().alias("__best"),
                pl.col("source").sort_by("__rank").first().alias("__src"),
                pl.col(f).first(),
            )
            .sort(
                ["cluster_id", "__siak", "__n", "__best", "__text"],
                descending=[False, True, True, False, False],
            )
            .group_by("cluster_id", maintain_order=True)
            .first()
            .select("cluster_id", f, pl.col("__src").alias(f"{f}_source"))
        )
        parts.append(votes)
    out = df.group_by("cluster_id").agg(
        pl.len().alias("n_records"),
        (pl.col("source") == "siak").any().alias("in_siak"),
        pl.col("source").unique().sort().str.join(",").alias("sources"),
    )
    for p in parts:
        out = out.join(p, on="cluster_id", how="left")
    return out.sort("cluster_id")


def with_nik_distance(pairs: pl.DataFrame, records: pl.DataFrame) -> pl.DataFrame:
    """Adds `nik_distance` to scored pairs: the Damerau-Levenshtein distance of the two records'
    NIKs (null when either has none). 0 = same NIK; 1 = one digit mistyped or two swapped (or
    two people born the same day in one kecamatan); 2+ = two different NIKs."""
    niks = records.select("record_id", "nik")
    con = duckdb.connect()
    con.register("p", pairs.select("record_id_l", "record_id_r").to_arrow())
    con.register("n", niks.to_arrow())
    dist = con.sql(
        """
        SELECT p.record_id_l, p.record_id_r, damerau_levenshtein(l.nik, r.nik) AS nik_distance
        FROM p JOIN n l ON l.record_id = p.record_id_l JOIN n r ON r.record_id = p.record_id_r
        """
    ).pl()
    con.close()
    return pairs.join(dist, on=["record_id_l", "record_id_r"], how="left")
