"""The probabilistic model (Fellegi-Sunter, by Splink): comparisons, blocking, training, scoring.

Pure: Polars frames in and out, DuckDB (default) or Spark as Splink's backend; no Django.
The comparisons read the columns `records.with_comparison_columns` derives.

Splink 5's API (not the tutorials'): tables are registered on a database API object
(`DuckDBAPI().register(frame, dataset_display_name=...)`), then `Linker(table, settings)`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import duckdb
import polars as pl
import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on
from splink.internals.comparison_creator import ComparisonCreator
from splink.internals.exceptions import EMTrainingException

MODEL_VERSION = "2026.11-1"  # bump when comparisons or blocking rules change

# Columns Splink needs from each record (with_comparison_columns makes them).
MODEL_COLUMNS = (
    "record_id",
    "source",
    "nik",
    "name_norm",
    "name_key",
    "first_key",
    "dob_str",
    "dob_swapped",
    "dob_days",
    "birth_year",
    "sex",
    "mother_norm",
    "mother_key",
    "mother_first_key",
    "mother_nik",
    "desa",
    "kec",
    "kk",
)


def comparisons() -> list[ComparisonCreator | dict[str, Any]]:
    """The NIK is not one of them: it decides on its own (cluster.nik_links, and the rule that
    two records with clearly different NIKs are never merged automatically). As a comparison it
    would count the birth date twice (the NIK holds it), and two children born the same day in
    the same kecamatan have NIKs one digit apart: measured, that merged thousands of them."""
    mother_missing = cll.CustomLevel(
        "(mother_norm_l IS NULL OR mother_norm_r IS NULL) AND (mother_nik_l IS NULL OR mother_nik_r IS NULL)",
        label_for_charts="ibu tidak diketahui / mother unknown",
    ).configure(is_null_level=True)
    return [
        cl.CustomComparison(
            output_column_name="name",
            comparison_description="nama / name",
            comparison_levels=[
                cll.NullLevel("name_norm"),
                cll.ExactMatchLevel("name_norm"),
                cll.ExactMatchLevel("name_key").configure(label_for_charts="same sound (phonetic key)"),
                cll.JaroWinklerLevel("name_norm", 0.92),
                cll.CustomLevel("first_key_l = first_key_r", label_for_charts="same first word"),
                cll.JaroWinklerLevel("name_norm", 0.80),
                cll.ElseLevel(),
            ],
        ),
        cl.CustomComparison(
            output_column_name="dob",
            comparison_description="tanggal lahir / birth date",
            comparison_levels=[
                cll.NullLevel("dob_str"),
                cll.ExactMatchLevel("dob_str"),
                cll.ColumnsReversedLevel("dob_str", "dob_swapped").configure(
                    label_for_charts="day and month transposed"
                ),
                cll.CustomLevel("abs(dob_days_l - dob_days_r) <= 31", label_for_charts="within a month"),
                cll.CustomLevel("birth_year_l = birth_year_r", label_for_charts="same year"),
                cll.ElseLevel(),
            ],
        ),
        cl.CustomComparison(
            output_column_name="sex",
            comparison_description="jenis kelamin / sex",
            comparison_levels=[cll.NullLevel("sex"), cll.ExactMatchLevel("sex"), cll.ElseLevel()],
        ),
        cl.CustomComparison(
            output_column_name="mother",
            comparison_description="ibu / mother",
            comparison_levels=[
                mother_missing,
                cll.CustomLevel("mother_nik_l = mother_nik_r", label_for_charts="same mother's NIK"),
                cll.ExactMatchLevel("mother_norm"),
                cll.ExactMatchLevel("mother_key").configure(label_for_charts="same sound (phonetic key)"),
                cll.JaroWinklerLevel("mother_norm", 0.88),
                cll.ElseLevel(),
            ],
        ),
        cl.CustomComparison(
            output_column_name="desa",
            comparison_description="desa",
            comparison_levels=[
                cll.NullLevel("desa"),
                cll.ExactMatchLevel("desa"),
                cll.ExactMatchLevel("kec").configure(label_for_charts="same kecamatan"),
                cll.ElseLevel(),
            ],
        ),
        cl.CustomComparison(
            output_column_name="kk",
            comparison_description="No. KK",
            comparison_levels=[cll.NullLevel("kk"), cll.ExactMatchLevel("kk"), cll.ElseLevel()],
        ),
    ]


def blocking_rules() -> list[Any]:
    """Candidate pairs: each rule is an equi-join, so the number of comparisons grows with the
    block sizes, not with the square of the records."""
    return [
        block_on("nik"),
        block_on("dob_str", "first_key"),
        block_on("dob_str", "mother_first_key"),
        block_on("name_key", "birth_year"),  # day/month transposed, or a typo in the date
        block_on("mother_nik", "dob_str"),  # newborns named "By. Ny. ..." in the delivery register
        block_on("dob_str", "desa", "sex"),  # a name written quite differently
    ]


def settings() -> SettingsCreator:
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="record_id",
        comparisons=comparisons(),
        blocking_rules_to_generate_predictions=blocking_rules(),
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=True,  # per-comparison weights for the review page
        additional_columns_to_retain=["source"],
    )


@dataclass(frozen=True)
class Trained:
    model: dict[str, Any]  # Splink's settings with its trained parameters (JSON-able)
    version: str = MODEL_VERSION

    def to_json(self) -> str:
        return json.dumps(self.model, sort_keys=True)


Backend = str  # "duckdb" (default) or "spark"


def spark_session(*, scratch: str | None = None) -> Any:
    """A local Spark (2 cores here) with Splink's similarity functions (its bundled jar)."""
    import tempfile

    from pyspark.sql import SparkSession
    from splink.backends.spark import similarity_jar_location

    scratch = scratch or tempfile.mkdtemp(prefix="satuanak-spark-")
    spark = (
        SparkSession.builder.master("local[2]")
        .appName("satuanak-linkage")
        .config("spark.jars", similarity_jar_location())
        .config("spark.driver.memory", "4g")
        .config("spark.sql.shuffle.partitions", "8")
        .config("spark.default.parallelism", "4")
        .config("spark.ui.enabled", "false")
        .config("spark.local.dir", scratch)
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    spark.sparkContext.setCheckpointDir(f"{scratch}/checkpoints")
    spark.sparkContext.setLogLevel("ERROR")
    # py4j logs its shutdown after test runners have closed their streams
    logging.getLogger("py4j").setLevel(logging.ERROR)
    return spark


# DuckDB's memory ceiling for linkage: beyond it DuckDB spills to disk instead of growing (the
# default is 80% of the machine). 4 GB keeps a 1,000,000-record run under 8 GB in all.
DUCKDB_MEMORY_LIMIT = "4GB"


def _duckdb() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute(f"SET memory_limit = '{DUCKDB_MEMORY_LIMIT}'")
    con.execute("SET preserve_insertion_order = false")  # lets big joins stream and spill
    return con


def _db_api(backend: Backend) -> Any:
    if backend == "duckdb":
        return DuckDBAPI(connection=_duckdb())
    if backend == "spark":
        from splink.backends.spark import SparkAPI

        return SparkAPI(spark_session=spark_session(), num_partitions_on_repartition=4)
    raise ValueError(f"unknown linkage backend: {backend}")


def _register(db_api: Any, frame: pl.DataFrame, name: str) -> Any:
    table = frame.select(MODEL_COLUMNS)
    if isinstance(db_api, DuckDBAPI):
        return db_api.register(table.to_arrow(), dataset_display_name=name)
    # Spark builds its own DataFrame; dates as text and whole numbers stay as they are
    return db_api.register(db_api.spark.createDataFrame(table.to_arrow()), dataset_display_name=name)


def for_dialect(trained: dict[str, Any], dialect: str) -> dict[str, Any]:
    """The trained model in another SQL dialect. A saved model holds SQL written for the backend
    it was trained on (DuckDB quotes names "like_this"; in Spark SQL that is a string literal,
    so every level would silently fail): rebuild the settings for `dialect` from the same
    comparisons and carry the trained parameters over, level by level."""
    if trained.get("sql_dialect") == dialect:
        return trained
    spec = settings().create_settings_dict(dialect)
    if len(spec["comparisons"]) != len(trained["comparisons"]):
        raise ValueError("the stored model does not match this version's comparisons: retrain it")
    for c_spec, c_trained in zip(spec["comparisons"], trained["comparisons"], strict=True):
        levels = zip(c_spec["comparison_levels"], c_trained["comparison_levels"], strict=True)
        for l_spec, l_trained in levels:
            for key in ("m_probability", "u_probability"):
                if key in l_trained:
                    l_spec[key] = l_trained[key]
    spec["probability_two_random_records_match"] = trained["probability_two_random_records_match"]
    spec["sql_dialect"] = dialect
    return spec


def _linker(
    records: pl.DataFrame, model: SettingsCreator | dict[str, Any], backend: Backend = "duckdb"
) -> Linker:
    db_api = _db_api(backend)
    if isinstance(model, dict):
        model = for_dialect(model, db_api.sql_dialect.sql_dialect_str)
    return Linker(_register(db_api, records, "records"), model, log_level=logging.WARNING)


def count_comparisons(records: pl.DataFrame) -> int:
    """How many pairs the blocking rules make (what prediction scores), counted exactly."""
    from splink.blocking_analysis import count_comparisons_from_blocking_rules

    db_api = _db_api("duckdb")
    table = _register(db_api, records, "records")
    counted = count_comparisons_from_blocking_rules(
        table,
        blocking_rules=blocking_rules(),
        link_type="dedupe_only",
        unique_id_column_name="record_id",
        record_sample_proportion=1.0,
    )
    return int(counted[-1]["cumulative_comparison_count"])


def train(records: pl.DataFrame, *, u_pairs: int = 2_000_000, seed: int = 2024) -> Trained:
    """u by random sampling, the prior from the NIK, m by EM on two blocks."""
    linker = _linker(records, settings())
    # The prior from pairs surely the same person: a shared NIK, or (where sources carry no NIK)
    # the same birth date, name and mother. With neither, one match per record is assumed.
    linker.training.estimate_probability_two_random_records_match(
        [block_on("nik"), block_on("dob_str", "name_norm", "mother_norm")], recall=0.8
    )
    settings_obj = linker._settings_obj
    if not settings_obj._probability_two_random_records_match > 0:
        n = max(records.height, 2)
        settings_obj._probability_two_random_records_match = min(0.5, 2.0 / n)
    linker.training.estimate_u_using_random_sampling(max_pairs=u_pairs, seed=seed)
    # Pairs that share a NIK train every comparison (the NIK is not one); pairs that share a
    # birth date and a first name train them again on records without a NIK. (Birth date and
    # sex alone would make ~36 million pairs of a million records: seconds and gigabytes.)
    trained_sessions = 0
    for rule in (block_on("nik"), block_on("dob_str", "first_key")):
        # A source without NIKs (or with no shared birth dates) gives a session no pairs: the
        # other session still trains; only when neither can does training fail.
        try:
            linker.training.estimate_parameters_using_expectation_maximisation(rule)
            trained_sessions += 1
        except EMTrainingException:
            continue
    if not trained_sessions:
        raise EMTrainingException("no EM session found record pairs to learn from")
    return Trained(model=linker.misc.save_model_to_json())


def predict(
    records: pl.DataFrame,
    trained: Trained,
    *,
    threshold: float,
    new_ids: Sequence[str] | None = None,
    backend: Backend = "duckdb",
) -> pl.DataFrame:
    """Scored pairs at or above `threshold` (match probability). With `new_ids`, only the pairs
    that involve at least one of those records (the rest were scored before)."""
    linker = _linker(records, trained.model, backend)
    if new_ids is None:
        outs = [linker.inference.predict(threshold_match_probability=threshold)]
    else:
        new = sorted(set(new_ids))
        db = linker._db_api
        fresh = records.filter(pl.col("record_id").is_in(new))
        old = records.filter(~pl.col("record_id").is_in(new))
        t_new = _register(db, fresh, "new_records")
        outs = [linker.inference.predict_within(t_new, threshold_match_probability=threshold)]
        if old.height:
            t_old = _register(db, old, "old_records")
            outs.append(linker.inference.predict_between(t_new, t_old, threshold_match_probability=threshold))
    frames = []
    for out in outs:
        if backend == "spark":
            frame = pl.from_arrow(out.as_spark_dataframe().toArrow())
        else:
            frame = pl.from_arrow(out.as_pyarrow_table())
        if not isinstance(frame, pl.DataFrame):  # a table, never a series: typing's sake
            raise TypeError("Splink returned no table")
        frames.append(frame)
    return _canonical_pairs(pl.concat(frames, how="diagonal_relaxed"))


def _canonical_pairs(pairs: pl.DataFrame) -> pl.DataFrame:
    """One row per pair, the smaller record id on the left, whatever way Splink oriented it."""
    swap = pl.col("record_id_l") > pl.col("record_id_r")
    scores = ("match_probability", "match_weight")
    # Splink 5 names each comparison's match weight mw_<comparison> (older versions: bf_*)
    keep = [c for c in pairs.columns if c.startswith(("mw_", "gamma_")) or c in scores]
    return pairs.select(
        pl.when(swap).then(pl.col("record_id_r")).otherwise(pl.col("record_id_l")).alias("record_id_l"),
        pl.when(swap).then(pl.col("record_id_l")).otherwise(pl.col("record_id_r")).alias("record_id_r"),
        *keep,
    ).unique(subset=["record_id_l", "record_id_r"], keep="first", maintain_order=True)
