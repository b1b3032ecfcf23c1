"""How good the linkage is, against the synthetic generator's ground truth.

Pure: Polars frames in, figures out; no Django. The truth is never read by the linkage itself,
only here (docs/synthetic-data.md: `ground_truth/source_rows.parquet` says which person each
exported row really is).

Units are linkage records (a person as one source knows them). Pairwise measures count pairs
of records: a true pair is two records of the same person, a predicted pair two records in the
same cluster. Cluster measures count people: a person is whole when all their records are in
one cluster that holds no one else.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import polars as pl


def _pairs(counts: pl.Expr) -> pl.Expr:
    return (counts * (counts - 1) // 2).sum()


def record_truth(record_rows: pl.DataFrame, batches: pl.DataFrame, truth_rows: pl.DataFrame) -> pl.DataFrame:
    """record_id -> person_id (the person most of its rows belong to) and its rows' defects.

    record_rows: record_id, batch_id, __row. batches: id, file_name, sheet, header_row.
    truth_rows: the generator's source_rows (file, sheet, row, person_id, defects)."""
    truth = truth_rows.select(
        pl.col("file").str.split("/").list.last().alias("file_name"),
        pl.col("sheet").fill_null("").alias("truth_sheet"),
        pl.col("row"),
        pl.col("person_id"),
        pl.col("defects").fill_null(""),
    )
    rows = (
        record_rows.join(
            batches.select(
                pl.col("id").alias("batch_id"), "file_name", pl.col("sheet").fill_null(""), "header_row"
            ),
            on="batch_id",
        )
        .with_columns(row=pl.col("__row") - pl.col("header_row"))
        .join(truth, on=["file_name", "row"], how="left")
        # the truth names a sheet only for workbooks of several parts (KIA)
        .filter(pl.col("truth_sheet").fill_null("").is_in([""]) | (pl.col("truth_sheet") == pl.col("sheet")))
    )
    persons = rows.group_by("record_id").agg(
        pl.col("person_id").drop_nulls().mode().sort().first().alias("person_id"),
        pl.col("person_id").drop_nulls().n_unique().alias("persons_in_record"),
    )
    defects = (
        rows.select("record_id", pl.col("defects").str.split(";").alias("defect"))
        .explode("defect")
        .filter(pl.col("defect") != "")
        .group_by("record_id")
        .agg(pl.col("defect").unique().sort().alias("defects"))
    )
    return persons.join(defects, on="record_id", how="left").with_columns(
        pl.col("defects").fill_null(pl.lit([], dtype=pl.List(pl.String)))
    )


@dataclass(frozen=True)
class Scores:
    records: int
    persons: int
    clusters: int
    true_pairs: int
    predicted_pairs: int
    correct_pairs: int
    precision: float
    recall: float
    f1: float
    persons_whole: float  # share of persons whose records form exactly one pure cluster
    clusters_pure: float  # share of clusters holding one person only
    records_mixing_persons: int  # records whose rows belong to more than one person

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def score(clusters: pl.DataFrame, truth: pl.DataFrame) -> Scores:
    """clusters: record_id, cluster_id. truth: record_truth()'s frame."""
    df = clusters.join(truth, on="record_id", how="inner").filter(pl.col("person_id").is_not_null())
    true_pairs = df.group_by("person_id").len().select(_pairs(pl.col("len"))).item()
    pred_pairs = df.group_by("cluster_id").len().select(_pairs(pl.col("len"))).item()
    correct = df.group_by("cluster_id", "person_id").len().select(_pairs(pl.col("len"))).item()
    precision = correct / pred_pairs if pred_pairs else 1.0
    recall = correct / true_pairs if true_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    per_person = df.group_by("person_id").agg(pl.col("cluster_id").n_unique().alias("k"))
    per_cluster = df.group_by("cluster_id").agg(pl.col("person_id").n_unique().alias("k"))
    pure = per_cluster.filter(pl.col("k") == 1)["cluster_id"]
    whole = (
        df.group_by("person_id")
        .agg(pl.col("cluster_id").first(), pl.col("cluster_id").n_unique().alias("k"))
        .filter((pl.col("k") == 1) & pl.col("cluster_id").is_in(pure.implode()))
    )
    return Scores(
        records=df.height,
        persons=per_person.height,
        clusters=per_cluster.height,
        true_pairs=int(true_pairs),
        predicted_pairs=int(pred_pairs),
        correct_pairs=int(correct),
        precision=round(precision, 5),
        recall=round(recall, 5),
        f1=round(f1, 5),
        persons_whole=round(whole.height / per_person.height, 5) if per_person.height else 1.0,
        clusters_pure=round(pure.len() / per_cluster.height, 5) if per_cluster.height else 1.0,
        records_mixing_persons=int(truth.filter(pl.col("persons_in_record") > 1).height),
    )


def errors_by_defect(clusters: pl.DataFrame, truth: pl.DataFrame) -> pl.DataFrame:
    """Per defect code: records carrying it, and how many of them are split from their person
    (missed links) or share a cluster with another person (false links)."""
    df = clusters.join(truth, on="record_id", how="inner").filter(pl.col("person_id").is_not_null())
    # a record is split when its person's records span several clusters and it is not in the
    # person's main cluster (the one holding most of them)
    main = (
        df.group_by("person_id", "cluster_id")
        .len()
        .sort(["person_id", "len", "cluster_id"], descending=[False, True, False])
        .group_by("person_id", maintain_order=True)
        .first()
        .select("person_id", pl.col("cluster_id").alias("main_cluster"))
    )
    mixed = df.group_by("cluster_id").agg((pl.col("person_id").n_unique() > 1).alias("mixed"))
    flagged = (
        df.join(main, on="person_id")
        .join(mixed, on="cluster_id")
        .with_columns(split=pl.col("cluster_id") != pl.col("main_cluster"))
    )
    exploded = flagged.with_columns(
        pl.when(pl.col("defects").list.len() == 0)
        .then(pl.lit(["(none)"]))
        .otherwise(pl.col("defects"))
        .alias("defect")
    ).explode("defect")
    return (
        exploded.group_by("defect")
        .agg(
            pl.len().alias("records"),
            pl.col("split").sum().alias("missed_links"),
            pl.col("mixed").sum().alias("in_mixed_cluster"),
        )
        .sort("records", descending=True)
    )
