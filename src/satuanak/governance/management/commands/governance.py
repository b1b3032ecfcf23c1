"""`satuanak governance retention`: what is past its retention time (a dry run, the default), and
with `--apply` the run that removes and anonymises it (docs/decisions/0007, section 3).

The report holds counts and child ids only, never a name or a NIK. The last line is one JSON object
(the summary), for scripts and the ops log.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from tqdm import tqdm

from satuanak.governance.retention import RetentionRulesError


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"Tanggal tidak sah (TTTT-BB-HH) / invalid date (YYYY-MM-DD): {text}") from None


class Command(BaseCommand):
    help = "Tata kelola data: retensi / data governance: retention"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        ret = sub.add_parser(
            "retention",
            help="data lewat masa simpan: uji coba (bawaan) atau jalankan / records past their time: "
            "dry run (default) or apply",
        )
        ret.add_argument(
            "--dry-run", action="store_true", help="hanya laporan (bawaan) / report only (the default)"
        )
        ret.add_argument(
            "--apply",
            action="store_true",
            help="hapus dan anonimkan, lalu catat audit / remove, anonymise, audit",
        )
        ret.add_argument(
            "--today", type=_date, default=None, help="tanggal acuan / reference date (YYYY-MM-DD)"
        )
        ret.add_argument("--rules", type=Path, default=None, help="berkas aturan / rules file (JSON)")
        ret.add_argument("--list", action="store_true", help="daftar setiap rekaman / list every record")
        ret.add_argument("--quiet", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        from satuanak.governance.retention_services import retention_dry_run, retention_rules, retention_run

        if options["dry_run"] and options["apply"]:
            raise CommandError("Pilih salah satu: --dry-run atau --apply / choose one: --dry-run or --apply")
        today = options["today"] or timezone.localdate()
        try:
            rules = retention_rules(options["rules"])
        except RetentionRulesError as exc:
            raise CommandError(str(exc)) from None
        label = "retensi / retention" + ("" if options["apply"] else " (uji coba / dry run)")
        bar = None if options["quiet"] else tqdm(total=100, desc=label, unit="%", leave=False)
        last = 0

        def progress(stage: str, pct: int) -> None:
            nonlocal last
            if bar is not None:
                bar.set_postfix_str(stage[:30])
                bar.update(max(pct - last, 0))
            last = max(last, pct)

        if options["apply"]:
            report = retention_run(actor=None, today=today, rules=rules, progress=progress)
        else:
            report = retention_dry_run(today=today, rules=rules, progress=progress)
        if bar is not None:
            bar.close()
        p = report.plan
        what = "dijalankan / applied" if report.applied else "uji coba / dry run"
        self.stdout.write(
            f"Retensi {what} per {today.isoformat()} (aturan / rules {rules.version}): "
            f"{report.records_past} dari / of {p.records_total} rekaman lewat masa simpan / records past "
            f"their time, {p.children_touched} anak / children; {report.children_anonymised} anak "
            f"dianonimkan / children anonymised"
        )
        for rule in rules.rules:
            n = p.by_rule.get(rule.key, 0)
            years = ", ".join(f"{k} +{v} th" for k, v in rule.keep_years.items())
            self.stdout.write(f"  {rule.key:28} {years:34} {n:>8}")
        if p.records_without_clock:
            self.stdout.write(
                f"  {p.records_without_clock} rekaman disimpan: tanggal lahir tidak diketahui / "
                "records kept: birth date unknown"
            )
        if report.applied:
            self.stdout.write(
                f"  {report.suppressed} baris staging ditahan / staged rows suppressed; "
                f"{report.not_suppressed} tidak ditemukan / not found"
            )
        if options["list"]:
            for child_id, record_pk, source, rule, due in p.records_past.select(
                "child_id", "record_pk", "source", "rule", "due_on"
            ).iter_rows():
                self.stdout.write(f"  anak #{child_id} rekaman #{record_pk} {source} {rule} {due}")
        self.stdout.write(json.dumps(report.summary(), sort_keys=True))
