"""Every export of a small synthetic district reads with the header the generator wrote and the row
count of the ground truth."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import polars as pl
import pytest

from satuanak.imports.readers import ROW, read_table
from satuanak.synth import generate_district

DATA_DIR = Path(__file__).resolve().parents[5] / "data"
# Title rows the generator writes above the header.
TITLES = {"eppgbm": 2, "kia": 2, "dapodik": 1, "simfoni": 1, "imunisasi": 0, "siak": 0}


def score(cells: Sequence[str]) -> int:
    keys = ("NIK", "NAMA", "JK", "TGL", "DESA", "NO")
    return sum(1 for c in cells if c.upper().startswith(keys) or "NIK" in c.upper())


@pytest.fixture(scope="module")
def district(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("district")
    generate_district(out_dir=out, children=2_000, seed=7, data_dir=DATA_DIR)
    return out


@pytest.mark.parametrize("scorer", [None, score], ids=["no-score", "score"])
def test_generated_exports(district: Path, scorer: object) -> None:
    truth = (
        pl.read_parquet(district / "ground_truth" / "source_rows.parquet")
        .group_by("source", "file", "sheet")
        .agg(pl.len().alias("n"), pl.col("row").max().alias("max_row"))
    )
    files = sorted(p for p in (district / "exports").glob("*/*") if p.suffix in (".csv", ".xlsx"))
    assert {str(p.relative_to(district)) for p in files} == set(truth["file"].to_list())
    seen = 0
    for t in truth.iter_rows(named=True):
        path = district / t["file"]
        raw = read_table(path, header_score=scorer, sheet=t["sheet"] or None)  # type: ignore[arg-type]
        expected_header = TITLES[t["source"]] + 1
        assert raw.header_row == expected_header, t["file"]
        assert raw.frame.height == t["n"] == t["max_row"], t["file"]
        assert raw.blank_rows_skipped == 0
        assert raw.frame[ROW].to_list() == list(range(expected_header + 1, expected_header + 1 + t["n"]))
        assert not any(c.startswith("kolom_") for c in raw.frame.columns), t["file"]
        if path.suffix == ".csv":
            assert raw.encoding in ("utf-8", "cp1252")
            assert raw.delimiter in (",", ";")
        else:
            assert raw.sheet is not None
        nik = next(c for c in raw.frame.columns if "NIK" in c.upper())
        # 16-digit NIKs stored as text or number never come back in exponent notation
        assert raw.frame[nik].drop_nulls().str.contains("E+", literal=True).sum() < raw.frame.height
        seen += 1
    assert seen == truth.height


def test_imunisasi_is_cp1252_semicolon(district: Path) -> None:
    (path,) = (district / "exports" / "imunisasi").glob("*.csv")
    raw = read_table(path)
    assert (raw.encoding, raw.delimiter) == ("cp1252", ";") or (raw.encoding, raw.delimiter) == ("utf-8", ";")
    assert raw.frame.columns[:3] == [ROW, "NIK", "NAMA"]
