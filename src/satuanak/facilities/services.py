"""Writes to the facility tables: loading puskesmas, hospitals, posyandu and schools from data/."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from satuanak.facilities.models import HealthFacility, Posyandu, School
from satuanak.regions.models import Desa, Kecamatan
from satuanak.regions.services import ReferenceDataError

# The two puskesmas the seed reports name as already certified child-friendly (PRAP).
CHILD_FRIENDLY_PUSKESMAS = {"Puskesmas Sungai Duri", "Puskesmas Samalantan"}


@dataclass(frozen=True)
class FacilitiesLoadResult:
    health_facilities: int
    posyandu: int
    schools: int


def _read_csv(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        raise ReferenceDataError(f"Berkas referensi tidak ditemukan / reference file not found: {path}")
    with path.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


@transaction.atomic
def facilities_load_from_files(*, data_dir: Path) -> FacilitiesLoadResult:
    """Create or update facilities; idempotent. Needs the regions loaded first."""
    kecamatan = {k.code: k for k in Kecamatan.objects.all()}
    desa = {d.code: d for d in Desa.objects.all()}
    if not kecamatan or not desa:
        raise ReferenceDataError("Muat wilayah lebih dulu / load the regions first")

    puskesmas_by_kecamatan: dict[int, HealthFacility] = {}
    facilities = _read_csv(data_dir / "bengkayang_puskesmas.csv")
    for row in facilities:
        kec = kecamatan.get(row["kecamatan_code"]) if row["kecamatan_code"] else None
        if row["kecamatan_code"] and kec is None:
            raise ReferenceDataError(
                f"Fasilitas {row['code']}: kecamatan {row['kecamatan_code']} "
                "tidak dikenal / unknown kecamatan"
            )
        facility, _ = HealthFacility.objects.update_or_create(
            code=row["code"],
            defaults={
                "name": row["name"],
                "kind": row["type"],
                "kecamatan": kec,
                "child_friendly": row["name"] in CHILD_FRIENDLY_PUSKESMAS,
                "source_note": row["source_note"],
            },
        )
        if facility.kind == HealthFacility.Kind.PUSKESMAS and kec is not None:
            # One puskesmas per kecamatan in Bengkayang: its service area is the kecamatan's desa.
            facility.service_area.set([d for d in desa.values() if d.kecamatan_id == kec.pk])
            puskesmas_by_kecamatan[kec.pk] = facility

    posyandu_rows = _read_csv(data_dir / "synthetic" / "posyandu.csv")
    for row in posyandu_rows:
        d = desa.get(row["desa_code"])
        if d is None:
            raise ReferenceDataError(
                f"Posyandu {row['code']}: desa {row['desa_code']} tidak dikenal / unknown desa"
            )
        Posyandu.objects.update_or_create(
            code=row["code"],
            defaults={
                "name": row["name"],
                "desa": d,
                "puskesmas": puskesmas_by_kecamatan.get(d.kecamatan_id),
                "is_synthetic": row["note"] == "synthetic",
            },
        )

    school_rows = _read_csv(data_dir / "synthetic" / "schools.csv")
    for row in school_rows:
        kec = kecamatan.get(row["kecamatan_code"])
        if kec is None:
            raise ReferenceDataError(f"Sekolah {row['npsn']}: kecamatan tidak dikenal / unknown kecamatan")
        School.objects.update_or_create(
            npsn=row["npsn"],
            defaults={
                "name": row["name"],
                "level": row["level"],
                "status": row["status"],
                "kecamatan": kec,
                "desa": desa.get(row["desa_code"]),
                "is_synthetic": row["note"] == "synthetic",
            },
        )
    return FacilitiesLoadResult(
        health_facilities=len(facilities), posyandu=len(posyandu_rows), schools=len(school_rows)
    )
