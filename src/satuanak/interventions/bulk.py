"""Interventions in bulk: the spreadsheet template the platform hands out, and its import.

Puskesmas keep their PMT and visit lists in Excel; this lets them upload one. The template
is only a starting point: officers rename columns, add a title row, type dates as "12/03/2024"
or "12 Maret 2024", save as CSV. The importer finds the header row by its names (with
aliases), parses dates like the source importers do, and accounts for every row: recorded, or
rejected with its row number and the reason. A row already recorded (same child, kind, start,
programme) is not recorded twice, so uploading the same file again changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
from django.db import transaction
from django.db.models import Q

from satuanak.access.selectors import children_visible_to
from satuanak.audit.models import AuditAction
from satuanak.audit.services import audit_record
from satuanak.common import clock
from satuanak.common.xlsx import Sheet, xlsx_bytes
from satuanak.flags.models import FlagRule
from satuanak.flags.services import flag_rules_load
from satuanak.imports.readers import ROW, ReadError, read_table
from satuanak.interventions.follow_up import FOLLOW_UP_RULES
from satuanak.interventions.models import Intervention
from satuanak.interventions.services import InterventionError, intervention_record
from satuanak.sources.base import normalise_header as normalise_key
from satuanak.sources.base import parse_date_expr

MAX_ROWS = 20_000  # a puskesmas's year of activities; bigger files are split


@dataclass(frozen=True)
class Column:
    field: str
    header: str  # as written in the template
    aliases: tuple[str, ...]
    help_id: str
    help_en: str


COLUMNS: tuple[Column, ...] = (
    Column(
        "nik",
        "NIK_ANAK",
        ("nik", "nik balita", "no nik", "nomor nik", "child nik"),
        "NIK anak (16 angka)",
        "the child's NIK (16 digits)",
    ),
    Column(
        "child_id",
        "ID_ANAK",
        ("id anak", "id", "child id", "no anak"),
        "atau nomor anak di platform (#123 di halaman anak)",
        "or the child's number on the platform",
    ),
    Column(
        "kind",
        "JENIS",
        ("jenis intervensi", "jenis kegiatan", "intervensi", "kegiatan", "type", "kind"),
        "jenis: kode atau nama dari lembar Jenis",
        "type: a code or name from the Jenis sheet",
    ),
    Column(
        "programme", "PROGRAM", ("nama program", "programme", "program kegiatan"), "mis. GESIT", "e.g. GESIT"
    ),
    Column(
        "start",
        "TANGGAL_MULAI",
        ("tgl mulai", "mulai", "tanggal", "tgl", "tanggal kegiatan", "tgl kegiatan", "start", "start date"),
        "tanggal mulai",
        "start date",
    ),
    Column(
        "end",
        "TANGGAL_SELESAI",
        ("tgl selesai", "selesai", "end", "end date"),
        "boleh kosong",
        "may be empty",
    ),
    Column("place", "TEMPAT", ("lokasi", "tempat kegiatan", "place"), "posyandu, rumah, puskesmas", "where"),
    Column(
        "flag",
        "PENANDA",
        ("menjawab penanda", "masalah", "flag"),
        "kode penanda dari lembar Penanda",
        "a flag code from the Penanda sheet",
    ),
    Column("notes", "CATATAN", ("keterangan", "ket", "notes"), "catatan", "notes"),
)
_BY_KEY = {normalise_key(a): c.field for c in COLUMNS for a in (c.header, *c.aliases)}


def _kind_lookup() -> dict[str, str]:
    out: dict[str, str] = {}
    for value, label in Intervention.Kind.choices:
        for text in (value, str(label), str(label).split("(")[0]):
            out[normalise_key(text)] = value
    # What officers write instead of the platform's names.
    for text, value in (
        ("pemberian makanan tambahan", "pmt"),
        ("pmt lokal", "pmt"),
        ("kunjungan rumah", "home_visit"),
        ("kunjungan tpk", "home_visit"),
        ("imunisasi kejar", "immunisation_catch_up"),
        ("imunisasi susulan", "immunisation_catch_up"),
        ("akta", "document_service"),
        ("akta kelahiran", "document_service"),
        ("kia", "document_service"),
        ("sapa abk", "sapa_abk"),
        ("lainnya", "other"),
    ):
        out[normalise_key(text)] = value
    return out


def _flag_lookup() -> dict[str, str]:
    if not FlagRule.objects.exists():
        flag_rules_load()  # a new server: the shipped rules, as the flag stage itself does
    out: dict[str, str] = {}
    for code, title_id, title_en in FlagRule.objects.values_list("code", "title_id", "title_en"):
        for text in (code, title_id, title_en):
            out[normalise_key(text)] = code
    return out


def template_xlsx() -> bytes:
    """The template: a sheet to fill, the allowed types and flags, and how to fill it."""
    if not FlagRule.objects.exists():
        flag_rules_load()
    kinds = [(v, str(label)) for v, label in Intervention.Kind.choices]
    flags = list(FlagRule.objects.order_by("code", "-version").values_list("code", "title_id").distinct())
    rules = {k: f"{r.days} hari: {r.what_id}" for k, r in FOLLOW_UP_RULES.items()}
    return xlsx_bytes(
        [
            Sheet(
                title="Intervensi",
                notes=[
                    "Templat impor intervensi - Satu Data Anak Bengkayang",
                    "Satu baris per kegiatan per anak. Isi NIK_ANAK atau ID_ANAK. "
                    "Tanggal: TTTT-BB-HH atau HH/BB/TTTT.",
                    "One row per action per child. Fill NIK_ANAK or ID_ANAK. "
                    "Dates: YYYY-MM-DD or DD/MM/YYYY.",
                ],
                header=[c.header for c in COLUMNS],
                choices={"JENIS": [v for v, _ in kinds], "PENANDA": sorted({c for c, _ in flags})},
                widths={"NIK_ANAK": 20, "CATATAN": 40, "TEMPAT": 24},
            ),
            Sheet(
                title="Jenis",
                header=["KODE", "NAMA", "TINDAK_LANJUT"],
                rows=[(v, label, rules.get(v, "-")) for v, label in kinds],
            ),
            Sheet(title="Penanda", header=["KODE", "NAMA"], rows=sorted(set(flags))),
            Sheet(
                title="Petunjuk",
                header=["KOLOM", "ISI", "CONTENT"],
                rows=[(c.header, c.help_id, c.help_en) for c in COLUMNS],
            ),
        ]
    )


@dataclass
class BulkReport:
    file_name: str
    rows_in: int = 0
    recorded: list[int] = field(default_factory=list)  # intervention ids
    rejected: list[tuple[int, str]] = field(default_factory=list)  # (row number, reason)

    @property
    def accounted(self) -> bool:
        return self.rows_in == len(self.recorded) + len(self.rejected)


def _header_score(cells: Sequence[str]) -> int:
    return sum(1 for c in cells if normalise_key(c) in _BY_KEY)


def _columns(frame: pl.DataFrame) -> dict[str, str]:
    found: dict[str, str] = {}
    for name in frame.columns:
        key = _BY_KEY.get(normalise_key(name))
        if key and key not in found:
            found[key] = name
    missing = []
    if "nik" not in found and "child_id" not in found:
        missing.append("NIK_ANAK / ID_ANAK")
    missing += [c.header for c in COLUMNS if c.field in ("kind", "start") and c.field not in found]
    if missing:
        raise InterventionError(
            f"Kolom wajib tidak ditemukan: {', '.join(missing)}. Pakai templat dari halaman ini. / "
            f"Required columns not found: {', '.join(missing)}. Use the template from this page."
        )
    return found


def interventions_import(*, user: Any, path: Path, file_name: str, request: Any = None) -> BulkReport:
    """Record every valid row of the file; reject the others with a reason. A file that cannot
    be read, or lacks the required columns, raises InterventionError and records nothing."""
    try:
        raw = read_table(path, header_score=_header_score)
    except ReadError as exc:
        raise InterventionError(exc.message) from None
    frame = raw.frame
    cols = _columns(frame)
    if frame.height > MAX_ROWS:
        raise InterventionError(
            f"Terlalu banyak baris ({frame.height:,}; batas {MAX_ROWS:,}). Pecah berkasnya. / "
            f"Too many rows ({frame.height:,}; limit {MAX_ROWS:,}). Split the file."
        )
    today = clock.today()

    def text(field_: str) -> pl.Expr:
        return pl.col(cols[field_]).fill_null("") if field_ in cols else pl.lit("")

    def day(field_: str) -> pl.Expr:
        return parse_date_expr(pl.col(cols[field_]), today=today) if field_ in cols else pl.lit(None, pl.Date)

    rows = frame.select(
        pl.col(ROW).alias("row"),
        text("nik").str.replace_all(r"[\s'.]", "").alias("nik"),
        text("child_id").str.replace_all(r"[\s#]", "").alias("child_id"),
        text("kind").alias("kind"),
        text("programme").alias("programme"),
        text("start").alias("start_text"),
        day("start").alias("start"),
        text("end").alias("end_text"),
        day("end").alias("end"),
        text("place").alias("place"),
        text("flag").alias("flag"),
        text("notes").alias("notes"),
    ).to_dicts()
    report = BulkReport(file_name=file_name, rows_in=len(rows))
    visible = children_visible_to(user)
    niks = {r["nik"] for r in rows if r["nik"]}
    ids = {int(r["child_id"]) for r in rows if r["child_id"].isdigit()}
    by_nik: dict[str, list[int]] = {}
    for pk, nik in visible.filter(nik__in=niks).values_list("pk", "nik"):
        by_nik.setdefault(nik, []).append(pk)
    known_ids = set(visible.filter(pk__in=ids).values_list("pk", flat=True))
    kinds, flags = _kind_lookup(), _flag_lookup()
    # One transaction for the file: a commit per row (an fsync each on SQLite) cost most of the
    # import's time; a row that fails still fails alone (intervention_record's own savepoint).
    with transaction.atomic():
        for r in rows:
            reason, child_id = "", None
            if r["nik"]:
                matches = by_nik.get(r["nik"], [])
                if len(matches) == 1:
                    child_id = matches[0]
                elif len(matches) > 1:
                    reason = (
                        "NIK dipakai lebih dari satu anak; pakai ID_ANAK. / "
                        "NIK shared by several children; use ID_ANAK."
                    )
                elif not (r["nik"].isdigit() and len(r["nik"]) == 16):
                    reason = f"NIK tidak sah: {r['nik']!r}. / Invalid NIK."
            if (
                child_id is None
                and not reason
                and r["child_id"].isdigit()
                and int(r["child_id"]) in known_ids
            ):
                child_id = int(r["child_id"])
            if child_id is None and not reason:
                reason = "Anak tidak ditemukan di wilayah Anda. / Child not found in your area."
            kind = kinds.get(normalise_key(r["kind"]), "")
            flag = flags.get(normalise_key(r["flag"]), "") if r["flag"] else ""
            if not reason and not kind:
                reason = f"Jenis tidak dikenal: {r['kind']!r}. / Unknown type."
            elif not reason and r["flag"] and not flag:
                reason = f"Penanda tidak dikenal: {r['flag']!r}. / Unknown flag."
            elif not reason and r["start"] is None:
                reason = f"Tanggal mulai tidak sah: {r['start_text']!r}. / Invalid start date."
            elif not reason and r["end_text"] and r["end"] is None:
                reason = f"Tanggal selesai tidak sah: {r['end_text']!r}. / Invalid end date."
            if not reason and _already_recorded(child_id, kind, r["start"], r["programme"]):
                reason = "Sudah tercatat (anak, jenis, tanggal, program sama). / Already recorded."
            if reason or child_id is None:  # every path without a child has set a reason
                report.rejected.append((r["row"], reason))
                continue
            try:
                item = intervention_record(
                    user=user,
                    child_id=child_id,
                    kind=kind,
                    start_date=r["start"],
                    end_date=r["end"],
                    programme=r["programme"].strip(),
                    place=r["place"].strip(),
                    answers_flag=flag,
                    notes=r["notes"].strip(),
                    request=request,
                )
            except InterventionError as exc:
                report.rejected.append((r["row"], str(exc)))
            else:
                report.recorded.append(item.pk)
    audit_record(
        action=AuditAction.IMPORT_RUN,
        actor=user,
        request=request,
        subject_type="intervention_import",
        detail={
            "file": file_name[:200],
            "rows_in": report.rows_in,
            "recorded": len(report.recorded),
            "rejected": len(report.rejected),
        },
    )
    return report


def _already_recorded(child_id: int | None, kind: str, start: date | None, programme: str) -> bool:
    if child_id is None or start is None:
        return False
    return Intervention.objects.filter(
        Q(programme__iexact=programme.strip()[:100]), child_id=child_id, kind=kind, start_date=start
    ).exists()
