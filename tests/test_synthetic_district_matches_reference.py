"""Cross-app: the synthetic district's exports name only places and facilities that exist in the
reference tables the platform loaded (desa codes and names, posyandu, schools, puskesmas).

The importers will resolve these names against the database, so a generated export that names a
desa, posyandu or school the database does not have would fail them for the wrong reason.
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from python_calamine import CalamineWorkbook

from satuanak.facilities.models import HealthFacility, Posyandu, School
from satuanak.regions.models import Desa
from satuanak.synth import generate_district


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory, data_dir_module: Path) -> Path:
    out = tmp_path_factory.mktemp("district")
    generate_district(
        out_dir=out, children=4_000, seed=11, reference_date=date(2024, 12, 31), data_dir=data_dir_module
    )
    return out / "exports"


@pytest.fixture(scope="module")
def data_dir_module() -> Path:
    from django.conf import settings

    return Path(settings.SATUANAK_DATA_DIR)


def _sheet_rows(path: Path, header_first_cell: str) -> tuple[list[str], list[list[Any]]]:
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    # Title rows stand above the header, as in real exports: find the header by its first cell.
    h = next(i for i, r in enumerate(rows) if str(r[0]).strip().upper().startswith(header_first_cell))
    return [str(c).strip() for c in rows[h]], rows[h + 1 :]


def _column(header: list[str], *names: str) -> int:
    for name in names:
        if name in header:
            return header.index(name)
    raise AssertionError(f"none of {names} in {header}")


@pytest.mark.django_db
def test_siak_desa_codes_and_names_exist(exports: Path) -> None:
    desa = dict(Desa.objects.values_list("code", "name"))
    (path,) = (exports / "siak").glob("*.csv")
    with path.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert rows
    for row in rows:
        assert row["KODE_DESA"] in desa, row["KODE_DESA"]
        assert row["NAMA_KEL"].casefold() == desa[row["KODE_DESA"]].casefold()


@pytest.mark.django_db
def test_eppgbm_desa_and_posyandu_exist_under_the_files_puskesmas(exports: Path) -> None:
    desa_names = {n.casefold() for n in Desa.objects.values_list("name", flat=True)}
    posyandu = set(Posyandu.objects.values_list("name", flat=True))
    puskesmas_codes = set(
        HealthFacility.objects.filter(kind=HealthFacility.Kind.PUSKESMAS).values_list("code", flat=True)
    )
    files = sorted((exports / "eppgbm").glob("*.xlsx"))
    assert len(files) == len(puskesmas_codes)
    for path in files:
        assert any(code in path.name for code in puskesmas_codes), path.name
        header, rows = _sheet_rows(path, "NO")
        i_desa = _column(header, "DESA/KEL", "Desa/Kelurahan")
        i_pos = _column(header, "POSYANDU", "Posyandu")
        for row in rows:
            if row[i_desa]:
                assert str(row[i_desa]).casefold() in desa_names, row[i_desa]
            assert row[i_pos] in posyandu, row[i_pos]


@pytest.mark.django_db
def test_dapodik_schools_exist(exports: Path) -> None:
    schools = dict(School.objects.values_list("npsn", "name"))
    files = sorted((exports / "dapodik").glob("*.xlsx"))
    assert files
    for path in files:
        header, rows = _sheet_rows(path, "NO")
        i_npsn, i_name = _column(header, "NPSN"), _column(header, "NAMA SEKOLAH")
        assert rows
        for row in rows:
            assert str(row[i_npsn]) in schools, row[i_npsn]
            assert schools[str(row[i_npsn])] == row[i_name]
