"""Fixtures of the adminduk tests: a small generated district whose SIAK and KIA exports are
imported (parents are looked up in the staged SIAK rows), attachments stored in each test's own
folder, and a married couple and a registered baby picked from the staged rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from satuanak.adminduk.services import DeclarationInput
from satuanak.core.sources import Source
from satuanak.imports.services import staged_records
from satuanak.imports.tests.helpers import import_exports
from satuanak.synth import generate_district

REFERENCE = date(2024, 12, 31)
TZ = ZoneInfo("Asia/Pontianak")
NOW = datetime(2024, 12, 30, 10, 0, tzinfo=TZ)
PDF = b"%PDF-1.4\n% test scan\n"


@pytest.fixture(scope="module")
def district(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("district")
    generate_district(
        out_dir=out, children=400, seed=3, reference_date=REFERENCE, data_dir=Path(settings.SATUANAK_DATA_DIR)
    )
    return out


@pytest.fixture(autouse=True)
def _media_root(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


@pytest.fixture
def siak(district: Path, reference_data: None) -> Path:
    import_exports(district, [Source.SIAK, Source.KIA])
    return district


@dataclass(frozen=True)
class Couple:
    mother_nik: str
    mother_name: str
    father_nik: str
    father_name: str
    kk_number: str
    desa_code: str


def _rows() -> pl.DataFrame:
    rows = staged_records("siak")
    assert rows is not None
    return rows.collect()


def couples(n: int = 3) -> list[Couple]:
    """Wives (aged 20-40 at the reference date) with the head of their family card."""
    df = _rows()
    wives = df.filter(
        (pl.col("family_relation") == "ISTRI")
        & pl.col("nik").is_not_null()
        & pl.col("birth_date").is_between(date(1985, 1, 1), date(2003, 1, 1))
    )
    heads = df.filter(pl.col("family_relation") == "KEPALA KELUARGA").select(
        "no_kk", pl.col("nik").alias("h_nik"), pl.col("name").alias("h_name")
    )
    joined = wives.join(heads, on="no_kk").filter(pl.col("h_nik").is_not_null()).sort("nik")
    out = []
    for r in joined.head(n).iter_rows(named=True):
        out.append(Couple(r["nik"], r["name"], r["h_nik"], r["h_name"], r["no_kk"], r["desa_code"]))
    return out


def registered_baby() -> dict[str, Any]:
    """A SIAK child born in 2024 whose mother's NIK is known."""
    df = _rows().filter(
        (pl.col("family_relation") == "ANAK")
        & pl.col("mother_nik").is_not_null()
        & (pl.col("birth_date") >= date(2024, 2, 1))
    )
    return df.sort("nik").row(0, named=True)


def birth_input(couple: Couple, **over: Any) -> DeclarationInput:
    values: dict[str, Any] = {
        "baby_name": "Aurel Putri",
        "baby_sex": "P",
        "birth_at": datetime(2024, 12, 27, 4, 30, tzinfo=TZ),
        "birth_place": "Bengkayang",
        "weight_g": 3100,
        "length_cm": "49.5",
        "mother_nik": couple.mother_nik,
        "mother_name": couple.mother_name,
        "father_nik": couple.father_nik,
        "father_name": couple.father_name,
    }
    values.update(over)
    return DeclarationInput(**values)


def scans(*kinds: str) -> dict[str, list[SimpleUploadedFile]]:
    return {
        k: [SimpleUploadedFile(f"{k}.pdf", PDF + k.encode(), content_type="application/pdf")] for k in kinds
    }
