"""The same model on Splink's Spark backend (local mode) links exactly as on DuckDB."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest

from satuanak.imports.readers import read_table
from satuanak.linkage import model
from satuanak.linkage.records import source_records, with_comparison_columns
from satuanak.sources import ADAPTERS
from satuanak.sources.reference import ReferenceData
from satuanak.synth import generate_district

DATA = Path(__file__).resolve().parents[4] / "data"
AS_OF = date(2024, 12, 31)


@pytest.fixture(scope="module")
def records(tmp_path_factory: pytest.TempPathFactory) -> pl.DataFrame:
    out = tmp_path_factory.mktemp("district")
    generate_district(out_dir=out, children=600, seed=3, data_dir=DATA, reference_date=AS_OF)
    ref = ReferenceData.from_data_dir(DATA)
    frames = []
    for adapter, folder in (("siak", "siak"), ("eppgbm", "eppgbm"), ("imunisasi", "imunisasi")):
        a = ADAPTERS[adapter]
        for i, path in enumerate(sorted((out / "exports" / folder).iterdir())):
            accepted = a.validate(
                read_table(path, header_score=a.header_score).frame, ref=ref, today=AS_OF
            ).accepted
            staged = accepted.with_columns(pl.lit(i + 1, dtype=pl.Int64).alias("batch_id"))
            frames.append(source_records(adapter, staged.lazy(), as_of=AS_OF)[0])
    return with_comparison_columns(pl.concat(frames))


@pytest.mark.slow
def test_spark_scores_the_same_pairs_as_duckdb(records: pl.DataFrame) -> None:
    trained = model.train(records, u_pairs=200_000)
    duck = model.predict(records, trained, threshold=0.5)
    spark = model.predict(records, trained, threshold=0.5, backend="spark")
    from pyspark.sql import SparkSession

    session = SparkSession.getActiveSession()
    if session is not None:
        session.stop()
    assert duck.height > 100  # the district has people in several sources to link
    key = ["record_id_l", "record_id_r"]
    assert duck.select(key).sort(key).equals(spark.select(key).sort(key))
    joined = duck.join(spark, on=key, suffix="_spark")
    diff = (joined["match_probability"] - joined["match_probability_spark"]).abs().max()
    assert isinstance(diff, float) and diff < 1e-6
    # per-comparison weights agree too (what the review page shows)
    assert (joined["mw_name"] - joined["mw_name_spark"]).abs().max() < 1e-6  # type: ignore[operator]


def test_a_model_moves_between_sql_dialects_with_its_parameters(records: pl.DataFrame) -> None:
    trained = model.train(records, u_pairs=100_000)
    spark_spec = model.for_dialect(trained.model, "spark")
    assert spark_spec["sql_dialect"] == "spark"
    # names quoted for Spark, not DuckDB's double quotes (a string literal in Spark SQL)
    level = spark_spec["comparisons"][0]["comparison_levels"][1]
    assert '"name_norm_l"' not in level["sql_condition"] and "name_norm_l" in level["sql_condition"]
    assert level["m_probability"] == trained.model["comparisons"][0]["comparison_levels"][1]["m_probability"]
    assert model.for_dialect(trained.model, "duckdb") is trained.model


def test_a_model_trains_on_sources_without_any_nik(records: pl.DataFrame) -> None:
    """Exports that carry no NIK at all (other districts' registers): the prior comes from
    name + birth date + mother, EM from the session that finds pairs, and records still link."""
    no_nik = records.filter(pl.col("source") != "siak").with_columns(nik=pl.lit(None, dtype=pl.String))
    trained = model.train(no_nik, u_pairs=100_000)
    assert 0 < trained.model["probability_two_random_records_match"] < 1
    pairs = model.predict(no_nik, trained, threshold=0.99)
    assert pairs.height > 0
