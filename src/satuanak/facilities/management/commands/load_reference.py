"""`satuanak load_reference`: load Bengkayang's regions, boundaries and facilities from data/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from satuanak.facilities.services import facilities_load_from_files
from satuanak.regions.services import ReferenceDataError, regions_load_from_files


class Command(BaseCommand):
    help = "Muat data referensi wilayah dan fasilitas / load region and facility reference data"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--data-dir",
            type=Path,
            default=None,
            help="folder data referensi (bawaan: data/ proyek) / reference data folder",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        data_dir: Path = options["data_dir"] or Path(settings.SATUANAK_DATA_DIR)
        if not data_dir.is_dir():
            raise CommandError(f"Folder data tidak ditemukan / data folder not found: {data_dir}")
        try:
            regions = regions_load_from_files(data_dir=data_dir)
            facilities = facilities_load_from_files(data_dir=data_dir)
        except (ReferenceDataError, KeyError, ValueError) as exc:
            raise CommandError(
                f"Data referensi tidak dapat dimuat / reference data not loaded: {exc}"
            ) from exc
        self.stdout.write(
            f"Wilayah: {regions.kecamatan} kecamatan, {regions.desa} desa/kelurahan "
            f"({len(regions.desa_without_boundary)} tanpa batas / without boundary)\n"
            f"Fasilitas: {facilities.health_facilities} faskes, {facilities.posyandu} posyandu, "
            f"{facilities.schools} sekolah"
        )
