"""`satuanak dhis2 load-mapping [--file F] [--replace]` and
`satuanak dhis2 export --period 2024Q4 [--level desa] [--out FILE]`.

The export writes the dataValueSets JSON and prints what it holds, what could not be mapped and
the query string to POST it with; it does not send anything (docs/interop/dhis2.md).
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from satuanak.interop.dhis2.mapping import LEVELS


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"Tanggal tidak sah (TTTT-BB-HH) / invalid date (YYYY-MM-DD): {text}") from None


class Command(BaseCommand):
    help = "Ekspor agregat ke DHIS2 (dataValueSets) / DHIS2 aggregate export (dataValueSets)"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("load-mapping", help="muat pemetaan / load the mapping (idempotent)")
        load.add_argument("--file", type=Path, default=None, help="default: data/interop/dhis2_mapping.json")
        load.add_argument(
            "--replace",
            action="store_true",
            help="berkas menimpa isi tabel / the file overwrites rows the steward edited",
        )
        exp = sub.add_parser("export", help="tulis dataValueSets JSON / write the dataValueSets JSON")
        exp.add_argument("--period", required=True, help="2024Q4 (triwulan / quarter) atau / or 2024")
        exp.add_argument("--level", default="desa", choices=LEVELS)
        exp.add_argument(
            "--indicator", action="append", default=None, help="kode penanda / flag code (repeat)"
        )
        exp.add_argument("--data-set", default=None, help='menimpa berkas / overrides the file ("" for none)')
        exp.add_argument("--complete-date", type=_date, default=None, help="YYYY-MM-DD")
        exp.add_argument("--out", type=Path, default=None, help="default: dhis2-<period>-<level>.json")

    def handle(self, *args: Any, **options: Any) -> None:
        from satuanak.interop.dhis2.services import Dhis2Error, data_value_set, dhis2_mapping_load

        try:
            if options["action"] == "load-mapping":
                self._report_load(dhis2_mapping_load(options["file"], replace=options["replace"]))
                return
            payload, report = data_value_set(
                period=options["period"],
                level=options["level"],
                indicators=options["indicator"],
                data_set=options["data_set"],
                complete_date=options["complete_date"],
            )
        except Dhis2Error as exc:
            raise CommandError(f"{exc.message_id}\n{exc.message_en}") from None
        out: Path = options["out"] or Path(f"dhis2-{report['period']}-{report['level']}.json")
        try:
            out.write_text(json.dumps(payload, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"Tidak dapat menulis / cannot write {out}: {exc.strerror}") from None
        self._report_export(report, out)

    def _report_load(self, report: dict[str, Any]) -> None:
        for table in ("data_elements", "org_units"):
            t = report[table]
            self.stdout.write(
                f"{table}: {t['created']} baru / new, {t['updated']} diperbarui / updated, "
                f"{t['unchanged']} sama / unchanged, {t['kept']} dipertahankan / kept"
            )
        for k in report["kept"][:20]:
            self.stdout.write(
                f"  dipertahankan / kept {k['table']} {k['entry']}: {k['in_table']} (file: {k['in_file']})"
            )
        if report["kept"]:
            self.stdout.write("  --replace agar berkas menang / to let the file win")

    def _report_export(self, report: dict[str, Any], out: Path) -> None:
        self.stdout.write(
            f"{out}: {report['sent']} nilai / data values, {report['org_units_sent']} org unit, "
            f"periode / period {report['period']} ({report['period_type']}), "
            f"tingkat / level {report['level']}, "
            f"data set {report['data_set'] or '-'}"
        )
        for code, n in report["sent_by_indicator"].items():
            self.stdout.write(f"  {code:26} {n:>5}")
        unmapped = report["unmapped"]
        if unmapped["count"]:
            self.stdout.write(
                f"Tidak terpetakan, tidak dikirim / unmapped, not sent: {unmapped['count']} dari / of "
                f"{report['figures']} angka / figures"
            )
            for row in unmapped["by_indicator"]:
                self.stdout.write(
                    f"  tanpa data element / no data element: "
                    f"{row['indicator']}.{row['measure']} ({row['figures']})"
                )
            for row in unmapped["by_area"][:20]:
                self.stdout.write(
                    f"  tanpa org unit / no org unit: "
                    f"{row['area_level']} {row['area_code']} ({row['figures']})"
                )
            if len(unmapped["by_area"]) > 20:
                self.stdout.write(f"  … {len(unmapped['by_area']) - 20} wilayah lain / more areas")
        self.stdout.write(f"POST {{dhis2}}/api/dataValueSets?{report['query']}")
