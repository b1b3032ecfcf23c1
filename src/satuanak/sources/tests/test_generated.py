"""Every adapter on a generated district: nothing lost, the generator's defects found."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest

from satuanak.sources import ADAPTERS, ReferenceData, ValidationResult
from satuanak.sources.tests.helpers import DATA_DIR, read_csv, read_xlsx

TODAY = date(2024, 12, 31)


@pytest.fixture(scope="module")
def district(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from satuanak.synth import generate_district

    out = tmp_path_factory.mktemp("district")
    generate_district(out_dir=out, children=2000, seed=1, data_dir=DATA_DIR, reference_date=TODAY)
    return out


@pytest.fixture(scope="module")
def ref() -> ReferenceData:
    return ReferenceData.from_data_dir(DATA_DIR)


@pytest.fixture(scope="module")
def results(
    district: Path, ref: ReferenceData
) -> dict[tuple[str, str, str], tuple[pl.DataFrame, ValidationResult]]:
    ex = district / "exports"
    files: list[tuple[str, Path, str, pl.DataFrame]] = []
    siak = next((ex / "siak").glob("*.csv"))
    files.append(("siak", siak, "", read_csv(siak)))
    imm = next((ex / "imunisasi").glob("*.csv"))
    files.append(("imunisasi", imm, "", read_csv(imm, separator=";", encoding="cp1252")))
    for p in sorted((ex / "eppgbm").glob("*.xlsx")):
        files.append(("eppgbm", p, "", read_xlsx(p)))
    for p in sorted((ex / "dapodik").glob("*.xlsx")):
        files.append(("dapodik", p, "", read_xlsx(p)))
    kia = next((ex / "kia").glob("*.xlsx"))
    files.append(("kia_kehamilan", kia, "IBU HAMIL", read_xlsx(kia, "IBU HAMIL")))
    files.append(("kia_persalinan", kia, "PERSALINAN", read_xlsx(kia, "PERSALINAN")))
    sim = next((ex / "simfoni").glob("*.xlsx"))
    files.append(("simfoni", sim, "", read_xlsx(sim)))
    out = {}
    for name, path, sheet, raw in files:
        rel = str(path.relative_to(district))
        out[(name, rel, sheet)] = (raw, ADAPTERS[name].validate(raw, ref=ref, today=TODAY))
    return out


def _truth(district: Path) -> pl.DataFrame:
    return pl.read_parquet(district / "ground_truth" / "source_rows.parquet")


def _joined(district: Path, results: dict, name: str) -> pl.DataFrame:
    """Ground-truth rows of an adapter with their issue codes (";"-joined) and accepted flag."""
    truth = _truth(district)
    parts = []
    for (n, rel, sheet), (_raw, res) in results.items():
        if n != name:
            continue
        codes = (
            res.issues.filter(pl.col("severity") == "error")
            .group_by("__row")
            .agg(pl.col("code").str.join(";").alias("codes"))
        )
        part = (
            truth.filter((pl.col("file") == rel) & (pl.col("sheet").fill_null("") == sheet))
            .join(codes, left_on="row", right_on="__row", how="left")
            .with_columns(accepted=pl.col("row").is_in(res.accepted["__row"].implode()))
        )
        parts.append(part)
    return pl.concat(parts)


def test_nothing_lost(results: dict) -> None:
    assert {k[0] for k in results} == set(ADAPTERS)
    for (_name, _rel, _sheet), (raw, res) in results.items():
        assert res.accepted.height + res.rejected.height == raw.height
        rejected_rows = set(res.rejected["__row"].to_list())
        error_rows = set(res.issues.filter(pl.col("severity") == "error")["__row"].to_list())
        assert rejected_rows == error_rows
        assert res.accepted["natural_key"].null_count() == 0


def test_accepted_is_typed(results: dict) -> None:
    (_raw, res) = next(v for k, v in results.items() if k[0] == "eppgbm")
    schema = res.accepted.schema
    assert schema["birth_date"] == pl.Date
    assert schema["measurement_date"] == pl.Date
    assert schema["weight_kg"] == pl.Float64
    assert schema["no"] == pl.Int64
    assert set(res.accepted["sex"].unique().to_list()) <= {"L", "P"}
    assert set(res.accepted["position"].drop_nulls().unique().to_list()) <= {"lying", "standing"}


def test_siak_is_clean(results: dict) -> None:
    (_raw, res) = next(v for k, v in results.items() if k[0] == "siak")
    assert res.errors.height == 0, res.errors.head()
    assert res.accepted["desa_code"].null_count() == 0


def test_eppgbm_defects(district: Path, results: dict) -> None:
    j = _joined(district, results, "eppgbm")
    d = pl.col("defects")
    impossible = j.filter(d.str.contains("impossible_measurement"))
    assert impossible.height > 0
    assert not impossible["accepted"].any()
    assert impossible["codes"].str.contains("implausible_measurement").all()
    # blank required fields
    blank = j.filter(d.str.contains("blank_"))
    assert blank.height > 0 and blank["codes"].str.contains("required").all()
    # a swapped day/month with a NIK is caught against the NIK
    swap = j.filter(d.str.contains("dob_day_month_swap") & ~d.str.contains("missing_nik|mistyped_nik"))
    assert swap.height > 0 and swap["codes"].str.contains("nik_birth_date_mismatch").all()
    # clean rows are accepted (a copy of a clean row is the only exception)
    clean = j.filter(d == "")
    assert clean["accepted"].all(), clean.filter(~pl.col("accepted")).head()
    # dates typed as text are read
    as_text = j.filter(d == "date_as_text_dob")
    assert as_text["accepted"].all()


def test_duplicates_and_niks(district: Path, results: dict) -> None:
    for name in ("eppgbm", "imunisasi", "dapodik"):
        j = _joined(district, results, name)
        d = pl.col("defects")
        dup = j.filter(d.str.contains("duplicate_row"))
        assert dup.height > 0
        # the copy below the original is rejected as a duplicate (when the original itself was fine)
        only_dup = dup.filter(d == "duplicate_row")
        assert only_dup.filter(pl.col("codes").fill_null("").str.contains("duplicate_row")).height >= (
            only_dup.height // 2
        )
        # a missing NIK is not an error in itself
        missing = j.filter(d == "missing_nik")
        assert missing["accepted"].all()
        # a mistyped NIK is caught when the change hits the date part (against the birth date/sex column)
        # or makes it structurally invalid; a changed region/serial digit is left to the linkage stage
        mistyped = j.filter(d.str.contains("mistyped_nik"))
        assert (~mistyped["accepted"]).mean() > 0.25  # type: ignore[operator]


def test_validating_in_chunks_gives_the_same_result_as_one_pass(
    results: dict[tuple[str, str, str], tuple[pl.DataFrame, ValidationResult]], ref: ReferenceData
) -> None:
    """Chunks of 97 rows (duplicates and copies then fall in different chunks) change nothing."""
    for (name, _rel, _sheet), (raw, whole) in results.items():
        chunked = ADAPTERS[name].validate(raw, ref=ref, today=TODAY, chunk_rows=97)
        assert chunked.accepted.equals(whole.accepted), name
        assert chunked.rejected.equals(whole.rejected), name
        assert chunked.issues.equals(whole.issues), name
    # the check means something only if the district holds duplicates to find across chunks
    found = [res.issues.filter(pl.col("code").str.starts_with("duplicate")) for _raw, res in results.values()]
    assert sum(f.height for f in found) > 0
