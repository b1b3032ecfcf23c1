"""Writes to the region tables: loading Kemendagri codes and boundaries from data/."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from satuanak.regions.models import Desa, Kecamatan

KABUPATEN_CODE = "61.07"


class ReferenceDataError(Exception):
    """A reference file is missing or does not match another (a message for the operator)."""


@dataclass(frozen=True)
class RegionsLoadResult:
    kecamatan: int
    desa: int
    desa_without_boundary: list[str]


def _features_by_code(path: Path) -> dict[str, dict[str, object]]:
    if not path.exists():
        raise ReferenceDataError(f"Berkas batas wilayah tidak ditemukan / boundary file not found: {path}")
    with path.open(encoding="utf-8") as f:
        collection = json.load(f)
    return {feat["properties"]["kode"]: feat for feat in collection["features"]}


def _properties(feature: dict[str, object]) -> dict[str, object]:
    props = feature.get("properties") if feature else None
    return props if isinstance(props, dict) else {}


@transaction.atomic
def regions_load_from_files(*, data_dir: Path) -> RegionsLoadResult:
    """Create or update every kecamatan and desa of Bengkayang; idempotent (keyed by code)."""
    wilayah_path = data_dir / "bengkayang_wilayah.csv"
    if not wilayah_path.exists():
        raise ReferenceDataError(f"Berkas wilayah tidak ditemukan / region file not found: {wilayah_path}")
    with wilayah_path.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    kec_features = _features_by_code(data_dir / "bengkayang_kecamatan.geojson")
    desa_features = _features_by_code(data_dir / "bengkayang_desa.geojson")

    kecamatan_by_code: dict[str, Kecamatan] = {}
    for row in rows:
        if row["level"] != "kecamatan":
            continue
        feat = kec_features.get(row["code"], {})
        props = _properties(feat)
        kec, _ = Kecamatan.objects.update_or_create(
            code=row["code"],
            defaults={
                "name": row["name"],
                "geometry": feat.get("geometry") if feat else None,
                "centroid_lat": props.get("centroid_lat"),
                "centroid_lng": props.get("centroid_lng"),
            },
        )
        kecamatan_by_code[kec.code] = kec

    desa_count = 0
    missing: list[str] = []
    for row in rows:
        if row["level"] not in ("desa", "kelurahan"):
            continue
        parent = kecamatan_by_code.get(row["parent_code"])
        if parent is None:
            raise ReferenceDataError(
                f"Desa {row['code']} menunjuk kecamatan yang tidak ada / "
                f"refers to unknown kecamatan {row['parent_code']}"
            )
        feat = desa_features.get(row["code"], {})
        props = _properties(feat)
        if not feat:
            missing.append(row["code"])
        Desa.objects.update_or_create(
            code=row["code"],
            defaults={
                "name": row["name"],
                "kind": row["level"],
                "kecamatan": parent,
                "geometry": feat.get("geometry") if feat else None,
                "centroid_lat": props.get("centroid_lat"),
                "centroid_lng": props.get("centroid_lng"),
            },
        )
        desa_count += 1
    return RegionsLoadResult(kecamatan=len(kecamatan_by_code), desa=desa_count, desa_without_boundary=missing)
