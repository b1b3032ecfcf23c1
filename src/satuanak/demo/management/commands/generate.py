"""`satuanak generate`: write a synthetic Bengkayang (source exports + ground truth) to a folder."""

from __future__ import annotations

import sys
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from satuanak.synth import generate_district
from satuanak.synth.reference import default_data_dir


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value <= 0:
        raise CommandError(
            f"Jumlah anak harus bilangan positif / --children must be a positive number: {text!r}"
        )
    return value


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise CommandError(
            f"Seed harus bilangan bulat tidak negatif / --seed must be a non-negative integer: {text!r}"
        )
    return value


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(
            f"Tanggal acuan harus berformat YYYY-MM-DD / --reference-date must be YYYY-MM-DD: {text!r}"
        ) from None


def _check_out_dir(path: Path) -> Path:
    """Fail early, with a clear message, if the folder cannot be written."""
    if path.exists() and not path.is_dir():
        raise CommandError(f"Folder keluaran bukan folder / --out is not a directory: {path}")
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path, prefix=".write-test-"):
            pass
    except OSError as exc:
        raise CommandError(
            f"Folder keluaran tidak dapat ditulisi / --out is not writable: {path} ({exc.strerror})"
        ) from None
    return path


class Command(BaseCommand):
    help = "Membuat data sintetis Kabupaten Bengkayang / Generate a synthetic Bengkayang district"

    def add_arguments(self, parser: CommandParser) -> None:
        # Strings, validated here, so bad values give our bilingual message rather than argparse's.
        parser.add_argument(
            "--children", default="100000", help="jumlah anak 0-18 / number of children (100000)"
        )
        parser.add_argument("--seed", default="2024", help="seed (2024)")
        parser.add_argument(
            "--out", default="var/synthetic", help="folder keluaran / output folder (var/synthetic)"
        )
        parser.add_argument(
            "--reference-date", default="2024-12-31", help="tanggal acuan / reference date YYYY-MM-DD"
        )
        parser.add_argument(
            "--quiet", action="store_true", help="tanpa progres dan ringkasan / no progress or summary"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        children = _positive_int(str(options["children"]))
        seed = _seed(str(options["seed"]))
        ref_date = _date(str(options["reference_date"]))
        out = Path(options["out"])
        if not out.is_absolute():
            out = Path(getattr(settings, "BASE_DIR", Path.cwd())) / out
        out = _check_out_dir(out)
        quiet = bool(options["quiet"])

        bar: Any = None
        if not quiet:
            from tqdm import tqdm

            bar = tqdm(total=8, file=sys.stderr, desc="generate", unit="tahap")

        def progress(stage: str, done: int, total: int) -> None:
            if bar is not None:
                bar.set_description(stage)
                bar.n = done
                bar.refresh()

        try:
            report = generate_district(
                out_dir=out,
                children=children,
                seed=seed,
                reference_date=ref_date,
                data_dir=Path(getattr(settings, "SATUANAK_DATA_DIR", default_data_dir())),
                progress=progress,
            )
        except (OSError, ValueError) as exc:
            raise CommandError(f"Gagal membuat data / generation failed: {exc}") from None
        finally:
            if bar is not None:
                bar.close()
        if quiet:
            return
        self.stdout.write(f"Folder: {out}")
        for name, rows in sorted(report.files.items()):
            self.stdout.write(f"  {rows:>10,}  {name}")
        self.stdout.write(f"Total baris / rows: {report.total_rows:,}; orang / persons: {report.persons:,}")
        self.stdout.write("Kalibrasi / calibration (achieved vs target):")
        targets = report.targets
        pairs = [
            ("akta_rate", "akta_rate"),
            ("facility_delivery_rate", "facility_delivery_rate"),
            ("stunting_rate", "stunting_rate"),
            ("wasting_rate", "wasting_rate"),
            ("idl_rate_12_23m", "idl_rate"),
            ("kek_rate", "kek_rate"),
            ("births_per_100k_children", "births_per_100k_children"),
            ("imr_per_1000", "infant_deaths_per_1000"),
        ]
        for got, want in pairs:
            self.stdout.write(f"  {got:<28} {report.calibration[got]:>10}  (target {targets[want]})")
        self.stdout.write(self.style.SUCCESS("Selesai / done"))
