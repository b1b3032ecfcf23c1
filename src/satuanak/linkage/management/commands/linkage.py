"""`satuanak linkage run|evaluate|link-encoded`: link staged records into one child each; measure it;
link an agency's hashed file to the children (linkage/encoded.py)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from tqdm import tqdm

from satuanak.core.sources import Source
from satuanak.linkage.encoded import EncodedError, encoded_file_link
from satuanak.linkage.management.commands.privacy import load_key
from satuanak.linkage.services import linkage_evaluate, linkage_run


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"Tanggal tidak sah (TTTT-BB-HH) / invalid date (YYYY-MM-DD): {text}") from None


class Command(BaseCommand):
    help = "Penautan rekaman: satu anak, satu NIK / record linkage: one child per person"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        run = sub.add_parser("run", help="tautkan rekaman / link the staged records")
        run.add_argument("--full", action="store_true", help="bangun ulang semua / relink everything")
        run.add_argument(
            "--retrain", action="store_true", help="latih ulang model / retrain the model (implies --full)"
        )
        run.add_argument(
            "--as-of",
            type=_date,
            default=None,
            help="tanggal acuan umur 0-18 tahun (bawaan: hari ini) / the date ages count at (default: today)",
        )
        run.add_argument("--quiet", action="store_true")
        ev = sub.add_parser(
            "evaluate", help="ukur terhadap kebenaran sintetis / score against the synthetic truth"
        )
        ev.add_argument("--truth", type=Path, required=True, help="folder ground_truth dari generator")
        ev.add_argument("--as-of", type=_date, default=None)
        le = sub.add_parser(
            "link-encoded",
            help="tautkan berkas terenkode instansi ke anak / link an agency's encoded file to the children",
        )
        le.add_argument("file", type=Path, help="berkas dari `satuanak privacy encode` / the encoded file")
        le.add_argument("--key-file", type=Path, default=None, help="berkas kunci / key file")
        le.add_argument("--key-id", default=None, help="label kunci yang diharapkan / the expected key label")
        le.add_argument(
            "--source", required=True, choices=[s.value for s in Source], help="instansi asal / source system"
        )
        le.add_argument(
            "--out", type=Path, default=None, help="CSV hasil (bawaan: FILE.hasil.csv) / the result CSV"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "run":
            self._run(options)
        elif options["action"] == "link-encoded":
            self._link_encoded(options)
        else:
            self._evaluate(options)

    def _link_encoded(self, options: dict[str, Any]) -> None:
        path: Path = options["file"]
        key = load_key(options["key_file"], self.stderr)
        out: Path = options["out"] or path.with_name(f"{path.stem}.hasil.csv")
        try:
            s = encoded_file_link(
                path=path, key=key, source=Source(options["source"]), out=out, key_label=options["key_id"]
            )
        except EncodedError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(
            f"{path.name} ({options['source']}, kunci / key {s.key_id}) terhadap / against {s.children} "
            f"anak / children: {s.rows} baris / rows = {s.matched} cocok / matched"
            f" + {s.possible} mungkin / possible + {s.unmatched} tidak cocok / no match"
            f" + {s.refused} ditolak / refused -> {s.out}"
        )
        if s.refused_by_code:
            listed = ", ".join(f"{k} {v}" for k, v in s.refused_by_code.items())
            self.stdout.write(f"  alasan penolakan / refused for: {listed}")

    def _run(self, options: dict[str, Any]) -> None:
        bar = None if options["quiet"] else tqdm(total=100, desc="penautan / linkage", unit="%", leave=False)
        last = 0

        def progress(stage: str, pct: int) -> None:
            nonlocal last
            if bar is not None:
                bar.set_postfix_str(stage[:36])
                bar.update(max(pct - last, 0))
            last = max(last, pct)

        run = linkage_run(
            full=options["full"] or options["retrain"],
            retrain=options["retrain"],
            as_of=options["as_of"],
            progress=progress,
        )
        if bar is not None:
            bar.close()
        st = run.stats
        self.stdout.write(
            f"Penautan #{run.pk} ({run.get_kind_display()}) selesai dalam {st.get('seconds')} s: "
            f"{st['records']} rekaman / records -> {st['children']} anak / children "
            f"({st['not_in_siak']} tidak di SIAK / not in SIAK); tautan NIK {st['links_nik']}, "
            f"model {st['links_model']}, tinjauan {st['links_review']}; "
            f"{st['review_open']} pasangan menunggu tinjauan / pairs awaiting review"
        )

    def _evaluate(self, options: dict[str, Any]) -> None:
        truth: Path = options["truth"]
        if not (truth / "source_rows.parquet").is_file():
            raise CommandError(
                f"Tidak ada {truth / 'source_rows.parquet'} (folder ground_truth generator) / "
                "not found (the generator's ground_truth folder)"
            )
        as_of = options["as_of"] or _manifest_date(truth) or timezone.localdate()
        scores, by_defect = linkage_evaluate(truth_dir=truth, as_of=as_of)
        s = scores.as_dict()
        self.stdout.write(
            f"Pasangan / pairs: presisi {s['precision']:.4f}, recall {s['recall']:.4f}, F1 {s['f1']:.4f} "
            f"({s['correct_pairs']:,} benar dari {s['predicted_pairs']:,} ditautkan, "
            f"{s['true_pairs']:,} seharusnya / correct of linked, of true)"
        )
        self.stdout.write(
            f"Orang / persons: {s['persons']:,}; utuh dalam satu klaster murni / whole in one pure cluster "
            f"{s['persons_whole']:.4f}; klaster murni / pure clusters {s['clusters_pure']:.4f}"
        )
        with pl.Config(tbl_rows=40, tbl_hide_dataframe_shape=True, tbl_hide_column_data_types=True):
            self.stdout.write(str(by_defect))
        self.stdout.write(json.dumps({**s, "by_defect": by_defect.to_dicts()}))


def _manifest_date(truth: Path) -> date | None:
    manifest = truth / "manifest.json"
    if manifest.is_file():
        ref = json.loads(manifest.read_text(encoding="utf-8")).get("reference_date")
        if ref:
            return date.fromisoformat(ref)
    return None
