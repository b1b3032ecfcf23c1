"""How a document Disdukcapil issues through the platform reaches the registry: as SIAK rows.

The platform does not edit children by hand (ARCHITECTURE.md: the golden record is derived).
When a birth certificate, a KIA or a family-card update is issued here, the child's civil-registry
row is written as a small SIAK-shaped file and loaded through the same import path as any SIAK
export; the import task then relinks and recomputes the flags, so the child appears with a NIK,
`in_siak`, and no "no akta" flag — exactly as after the next real SIAK export, which will carry
the same NIK and update the same person (SIAK's natural key is the NIK).
"""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from satuanak.core.sources import Source
from satuanak.imports.models import ImportBatch

# The SIAK export's columns as Disdukcapil writes them (sources/siak/columns.py labels).
SIAK_HEADER = (
    "NO_KK",
    "NIK",
    "NAMA_LGKP",
    "JENIS_KLMIN",
    "TMPT_LHR",
    "TGL_LHR",
    "STAT_HBKEL",
    "STAT_KWN",
    "NAMA_LGKP_IBU",
    "NAMA_LGKP_AYAH",
    "NIK_IBU",
    "NIK_AYAH",
    "KODE_DESA",
    "NAMA_KEL",
    "NAMA_KEC",
    "NO_RT",
    "NO_RW",
    "ALAMAT",
    "AKTA_LHR",
    "NO_AKTA_LHR",
    "KIA",
    "TGL_KEMATIAN",
)


@dataclass(frozen=True)
class RegistryEntry:
    """One person's civil-registry row after issuance."""

    nik: str
    kk_number: str
    name: str
    sex: str  # "L" | "P"
    birth_place: str
    birth_date: date
    mother_name: str
    father_name: str
    mother_nik: str
    father_nik: str
    desa_code: str
    desa_name: str
    kecamatan_name: str
    akta_number: str = ""  # empty: no birth certificate (yet)
    has_kia: bool = False
    address: str = ""
    rt: str = ""
    rw: str = ""

    def row(self) -> dict[str, str]:
        return {
            "NO_KK": self.kk_number,
            "NIK": self.nik,
            "NAMA_LGKP": self.name.upper(),
            "JENIS_KLMIN": "LAKI-LAKI" if self.sex == "L" else "PEREMPUAN",
            "TMPT_LHR": self.birth_place.upper(),
            "TGL_LHR": self.birth_date.strftime("%d-%m-%Y"),
            "STAT_HBKEL": "ANAK",
            "STAT_KWN": "BELUM KAWIN",
            "NAMA_LGKP_IBU": self.mother_name.upper(),
            "NAMA_LGKP_AYAH": self.father_name.upper(),
            "NIK_IBU": self.mother_nik,
            "NIK_AYAH": self.father_nik,
            "KODE_DESA": self.desa_code,
            "NAMA_KEL": self.desa_name.upper(),
            "NAMA_KEC": self.kecamatan_name.upper(),
            "NO_RT": self.rt,
            "NO_RW": self.rw,
            "ALAMAT": self.address.upper(),
            "AKTA_LHR": "ADA" if self.akta_number else "TIDAK ADA",
            "NO_AKTA_LHR": self.akta_number,
            "KIA": "ADA" if self.has_kia else "TIDAK ADA",
            "TGL_KEMATIAN": "",
        }


def registry_entries_import(
    *, entries: Sequence[RegistryEntry], user: Any, label: str, enqueue: bool = True
) -> ImportBatch:
    """Load the entries as one SIAK batch through the import path and return it.

    With `enqueue` (the default) the import runs as the upload task does, and a relink and a
    flags recompute follow; without it the import runs now and the caller relinks (tests)."""
    from satuanak.imports.services import import_batch_create, import_file_run
    from satuanak.imports.tasks import import_batch_task

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"siak_{label}.csv"
        with path.open("w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, fieldnames=SIAK_HEADER)
            writer.writeheader()
            for entry in entries:
                writer.writerow(entry.row())
        if not enqueue:
            return import_file_run(source=Source.SIAK, path=path, user=user, file_name=path.name)[0]
        batch = import_batch_create(source=Source.SIAK, path=path, file_name=path.name, user=user)
    import_batch_task.enqueue(batch.pk)
    return batch
