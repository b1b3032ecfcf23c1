from __future__ import annotations

import csv
import shutil
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from satuanak.regions.models import Desa, Kecamatan
from satuanak.regions.services import ReferenceDataError, regions_load_from_files

# Bengkayang's bounding box from data/SOURCES.md (kecamatan layer), with a small margin.
LNG_RANGE = (108.6, 110.2)
LAT_RANGE = (0.45, 1.6)


def _ring_points(geometry: dict[str, Any]) -> list[list[float]]:
    if geometry["type"] == "Polygon":
        return [pt for ring in geometry["coordinates"] for pt in ring]
    assert geometry["type"] == "MultiPolygon"
    return [pt for poly in geometry["coordinates"] for ring in poly for pt in ring]


@pytest.mark.django_db
def test_all_kecamatan_and_desa_loaded_with_official_codes(data_dir: Path) -> None:
    assert Kecamatan.objects.count() == 17
    assert Desa.objects.filter(kind=Desa.Kind.DESA).count() == 122
    assert set(Desa.objects.filter(kind=Desa.Kind.KELURAHAN).values_list("code", flat=True)) == {
        "61.07.04.1001",
        "61.07.04.1010",
    }
    with (data_dir / "bengkayang_wilayah.csv").open(encoding="utf-8") as f:
        expected = {r["code"]: r for r in csv.DictReader(f) if r["level"] in ("desa", "kelurahan")}
    for desa in Desa.objects.select_related("kecamatan"):
        assert desa.code in expected
        assert expected[desa.code]["name"] == desa.name
        # The desa's code starts with its kecamatan's code (Kemendagri hierarchy).
        assert desa.code.startswith(desa.kecamatan.code + ".")


@pytest.mark.django_db
def test_every_desa_has_a_boundary_inside_bengkayang() -> None:
    for desa in Desa.objects.all():
        assert desa.geometry, f"{desa.code} has no boundary"
        points = _ring_points(desa.geometry)
        assert len(points) >= 4
        for lng, lat in points:
            assert LNG_RANGE[0] <= lng <= LNG_RANGE[1], (desa.code, lng)
            assert LAT_RANGE[0] <= lat <= LAT_RANGE[1], (desa.code, lat)
        assert desa.centroid_lat is not None
        assert desa.centroid_lng is not None


@pytest.mark.django_db
def test_every_kecamatan_has_a_boundary() -> None:
    assert not Kecamatan.objects.filter(geometry__isnull=True).exists()


@pytest.mark.django_db
def test_loading_twice_changes_nothing(data_dir: Path) -> None:
    ids_before = dict(Desa.objects.values_list("code", "id"))
    result = regions_load_from_files(data_dir=data_dir)
    assert result.desa == 124
    assert result.desa_without_boundary == []
    assert dict(Desa.objects.values_list("code", "id")) == ids_before


@pytest.mark.django_db
def test_missing_boundary_file_is_a_clear_error_and_writes_nothing(data_dir: Path, tmp_path: Path) -> None:
    shutil.copy(data_dir / "bengkayang_wilayah.csv", tmp_path)
    Desa.objects.all().update(name="UNCHANGED")
    with pytest.raises(ReferenceDataError, match="tidak ditemukan"):
        regions_load_from_files(data_dir=tmp_path)
    assert Desa.objects.exclude(name="UNCHANGED").count() == 0


@pytest.mark.django_db
def test_database_is_the_one_configured() -> None:
    # CI runs this suite twice; this proves the second run really is on PostgreSQL.
    import os

    url = os.environ.get("DATABASE_URL", "")
    expected = "postgresql" if url.startswith(("postgres://", "postgresql://")) else "sqlite"
    assert connection.vendor == expected
