"""import_file_run(): a source file in, every row accounted for.

The same service serves the command (`satuanak import`) and the upload page (through a
background task). Stages: read (readers/) -> validate (sources/*, vectorised) -> write. Reading
and validation run outside any transaction and report progress; the write is one transaction,
so a crash or a kill leaves no half batch visible (the batch stays "running" until
`import_batches_mark_interrupted` marks it failed). Writes to the same format are serialised
(PostgreSQL advisory lock; SQLite's IMMEDIATE transactions), so two imports of one source at
once cannot interleave their upserts.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import io
import shutil
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import polars as pl
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from satuanak.audit.models import AuditAction
from satuanak.audit.services import audit_record
from satuanak.core.sources import Source
from satuanak.facilities.models import HealthFacility, Posyandu, School
from satuanak.imports.models import ImportBatch
from satuanak.imports.readers import RawTable, ReadError, read_table
from satuanak.regions.models import Desa
from satuanak.sources import adapters_for
from satuanak.sources.base import HeaderError, SourceAdapter, ValidationResult
from satuanak.sources.reference import ReferenceData

Progress = Callable[[str, int], None]  # (stage label, percent 0-100)

_WRITE_CHUNK = 50_000


# --- batches --------------------------------------------------------------------------------------


def _sha256(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
            size += len(block)
    return digest.hexdigest(), size


def import_batch_create(
    *, source: Source, path: Path, file_name: str | None = None, user: Any = None
) -> ImportBatch:
    """Register a file for import: hash it and keep a copy (the batch's lineage)."""
    sha, size = _sha256(path)
    store_dir = Path(settings.MEDIA_ROOT) / "imports"
    store_dir.mkdir(parents=True, exist_ok=True)
    stored = store_dir / f"{sha}{path.suffix.lower()}"
    if not stored.exists():
        shutil.copyfile(path, stored)
    return ImportBatch.objects.create(
        source=source.value,
        file_name=(file_name or path.name)[:255],
        sha256=sha,
        size_bytes=size,
        stored_path=str(stored),
        uploaded_by=user if getattr(user, "is_authenticated", False) else None,
    )


def import_batches_mark_interrupted(*, older_than: timedelta = timedelta(hours=6)) -> int:
    """Batches left 'running' by a killed process: nothing of theirs was written (one
    transaction), so they are marked failed and can simply be run again."""
    cutoff = timezone.now() - older_than
    return ImportBatch.objects.filter(status=ImportBatch.Status.RUNNING, started_at__lt=cutoff).update(
        status=ImportBatch.Status.FAILED,
        message="Impor terputus (proses berhenti); tidak ada data yang tersimpan. Jalankan lagi. / "
        "Import interrupted; nothing was saved. Run it again.",
        finished_at=timezone.now(),
    )


@functools.cache
def _indonesian_kecamatan_codes(path: Path) -> tuple[str, ...]:
    # Shipped data that never changes while the process runs: read once, not once per file.
    with path.open(encoding="utf-8") as f:
        return tuple(r["code"] for r in csv.DictReader(f) if r["level"] == "kecamatan")


def reference_data_from_db() -> ReferenceData:
    region_codes = _indonesian_kecamatan_codes(
        Path(settings.SATUANAK_DATA_DIR) / "indonesia_wilayah_to_kecamatan.csv"
    )
    return ReferenceData.build(
        desa=Desa.objects.values_list("code", "name", "kecamatan__code"),
        posyandu=Posyandu.objects.values_list("name", flat=True),
        puskesmas=HealthFacility.objects.values_list("code", "name"),
        schools=School.objects.values_list("npsn", flat=True),
        region_codes=region_codes,
    )


# --- the run --------------------------------------------------------------------------------------


@dataclass
class _Planned:
    batch: ImportBatch
    adapter: SourceAdapter
    raw: RawTable
    error: str = ""


def _set(batch: ImportBatch, **fields: Any) -> None:
    for k, v in fields.items():
        setattr(batch, k, v)
    ImportBatch.objects.filter(pk=batch.pk).update(**fields)


def _plan(batch: ImportBatch, path: Path, sheet: str | None) -> list[_Planned]:
    """Which format(s) the file holds. A KIA workbook holds two (pregnancies, deliveries):
    each becomes its own batch of the same file."""
    candidates = adapters_for(Source(batch.source))
    if len(candidates) == 1:
        adapter = candidates[0]
        raw = read_table(path, header_score=adapter.header_score, sheet=sheet)
        return [_Planned(batch, adapter, raw)]
    planned: list[_Planned] = []
    first = True
    for adapter in candidates:
        try:
            raw = read_table(path, header_score=adapter.header_score, sheet=sheet or adapter.sheet_hint)
        except ReadError as exc:
            if exc.code == "sheet_not_found" and sheet is None:
                continue  # this workbook does not hold that part
            raise
        if raw.sheet is None and adapter.header_score(list(raw.frame.columns)) < 2:
            continue  # a CSV holds one part: the one whose headers it has
        target = (
            batch
            if first
            else ImportBatch.objects.create(
                source=batch.source,
                file_name=batch.file_name,
                sha256=batch.sha256,
                size_bytes=batch.size_bytes,
                stored_path=batch.stored_path,
                uploaded_by=batch.uploaded_by,
            )
        )
        first = False
        planned.append(_Planned(target, adapter, raw))
    if not planned:
        raise ReadError(
            "no_header", "Tidak ada bagian berkas yang dikenali. / No part of the file was recognised."
        )
    return planned


def import_batch_run(
    *, batch: ImportBatch, sheet: str | None = None, progress: Progress | None = None
) -> list[ImportBatch]:
    """Run a registered batch. Returns the batches it produced (two for a KIA workbook)."""
    report = progress or (lambda _stage, _pct: None)
    path = Path(batch.stored_path)
    _set(
        batch,
        status=ImportBatch.Status.RUNNING,
        started_at=timezone.now(),
        stage="membaca / reading",
        progress=5,
    )
    report("membaca berkas / reading", 5)
    try:
        planned = _plan(batch, path, sheet)
    except ReadError as exc:
        _set(
            batch,
            status=ImportBatch.Status.FAILED,
            message=exc.message,
            finished_at=timezone.now(),
            progress=100,
        )
        audit_record(
            action=AuditAction.IMPORT_RUN,
            actor=batch.uploaded_by,
            subject_type="import_batch",
            subject_id=batch.pk,
            detail={"status": "failed", "reason": exc.code},
        )
        return [batch]
    ref = reference_data_from_db()
    today = timezone.localdate()
    done: list[ImportBatch] = []
    for i, item in enumerate(planned):
        share = 90 // len(planned)
        base = 5 + i * share
        done.append(_run_one(item, ref=ref, today=today, report=report, base=base, share=share))
    report("selesai / done", 100)
    return done


def _run_one(
    item: _Planned, *, ref: ReferenceData, today: Any, report: Progress, base: int, share: int
) -> ImportBatch:
    batch, adapter, raw = item.batch, item.adapter, item.raw
    _set(
        batch,
        adapter=adapter.name,
        sheet=raw.sheet or "",
        status=ImportBatch.Status.RUNNING,
        started_at=batch.started_at or timezone.now(),
        blank_rows=raw.blank_rows_skipped,
    )
    previous = (
        ImportBatch.objects.filter(adapter=adapter.name, sha256=batch.sha256, status=ImportBatch.Status.DONE)
        .exclude(pk=batch.pk)
        .first()
    )
    if previous is not None:
        _set(
            batch,
            status=ImportBatch.Status.DUPLICATE,
            duplicate_of=previous,
            progress=100,
            finished_at=timezone.now(),
            message=f"Berkas yang sama sudah diimpor pada batch #{previous.pk}; tidak ada yang ditambah. / "
            f"The same file was imported in batch #{previous.pk}; nothing was added.",
        )
        audit_record(
            action=AuditAction.IMPORT_RUN,
            actor=batch.uploaded_by,
            subject_type="import_batch",
            subject_id=batch.pk,
            detail={"status": "duplicate", "of": previous.pk},
        )
        return batch

    _set(batch, stage="memeriksa / validating", progress=base + share // 4)
    report(f"memeriksa {adapter.name} / validating", base + share // 4)
    try:
        result = adapter.validate(raw.frame, ref=ref, today=today)
    except HeaderError as exc:
        result = _all_rejected(raw.frame, code=exc.code, message=exc.message)
        batch.message = exc.message
    report(f"menyimpan {adapter.name} / writing", base + share // 2)
    _set(batch, stage="menyimpan / writing", progress=base + share // 2)
    _write(batch, adapter, result)
    report(f"{adapter.name} selesai / done", base + share)
    return batch


def _all_rejected(frame: pl.DataFrame, *, code: str, message: str) -> ValidationResult:
    """A file whose headers do not fit: every row is kept as rejected, with the file-level reason."""
    issues = pl.DataFrame(
        {
            "__row": [None],
            "column": [""],
            "value": [""],
            "code": [code],
            "severity": ["error"],
            "message": [message],
        },
        schema={
            "__row": pl.Int64,
            "column": pl.String,
            "value": pl.String,
            "code": pl.String,
            "severity": pl.String,
            "message": pl.String,
        },
    )
    accepted = pl.DataFrame(schema={"__row": pl.Int64, "natural_key": pl.String, "row_hash": pl.String})
    return ValidationResult(accepted=accepted, rejected=frame, issues=issues)


# --- the write (one transaction) ------------------------------------------------------------------


def _bulk_insert(table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Fast inserts: COPY on PostgreSQL, executemany on SQLite. JSON arrives as text."""
    quote = connection.ops.quote_name  # "column" is a reserved word
    table_sql = quote(table)
    columns_sql = ", ".join(quote(c) for c in columns)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            raw = cursor.cursor  # psycopg's own cursor: Django's wrapper has no copy()
            with raw.copy(f"COPY {table_sql} ({columns_sql}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        return
    placeholders = ", ".join(["%s"] * len(columns))
    # Table and column names are the caller's constants, quoted; values go as parameters.
    sql = f"INSERT INTO {table_sql} ({columns_sql}) VALUES ({placeholders})"  # noqa: S608  # nosec B608
    with connection.cursor() as cursor:
        chunk: list[Sequence[Any]] = []
        for row in rows:
            chunk.append(row)
            if len(chunk) >= _WRITE_CHUNK:
                cursor.executemany(sql, chunk)
                chunk = []
        if chunk:
            cursor.executemany(sql, chunk)


def _lock_adapter(name: str) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [zlib.crc32(f"import:{name}".encode())])


def _canonical_json(accepted: pl.DataFrame) -> pl.DataFrame:
    fields = [c for c in accepted.columns if c not in ("__row", "natural_key", "row_hash")]
    if not fields:  # nothing accepted from a file whose headers did not fit
        return accepted.select("__row", "natural_key", "row_hash", pl.lit("{}").alias("data"))
    # Dates become ISO text; polars encodes the whole column at once.
    return accepted.select(
        "__row",
        "natural_key",
        "row_hash",
        pl.struct(
            [
                pl.col(c).cast(pl.String) if accepted.schema[c] in (pl.Date, pl.Datetime) else pl.col(c)
                for c in fields
            ]
        )
        .struct.json_encode()
        .alias("data"),
    )


def _write(batch: ImportBatch, adapter: SourceAdapter, result: ValidationResult) -> None:
    rows_in = result.accepted.height + result.rejected.height
    with transaction.atomic():
        _lock_adapter(adapter.name)
        staged = _canonical_json(result.accepted)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT natural_key, id, row_hash FROM imports_stagedrecord WHERE adapter = %s",
                [adapter.name],
            )
            existing_rows = cursor.fetchall()
        existing = pl.DataFrame(
            existing_rows,
            schema={"natural_key": pl.String, "id": pl.Int64, "old_hash": pl.String},
            orient="row",
        )
        joined = staged.join(existing, on="natural_key", how="left")
        new = joined.filter(pl.col("id").is_null())
        changed = joined.filter(pl.col("id").is_not_null() & (pl.col("old_hash") != pl.col("row_hash")))
        unchanged = joined.height - new.height - changed.height

        _bulk_insert(
            "imports_stagedrecord",
            ["adapter", "natural_key", "data", "row_hash", "first_batch_id", "last_batch_id", "row_number"],
            (
                (adapter.name, key, data, h, batch.pk, batch.pk, row)
                for row, key, h, data in new.select("__row", "natural_key", "row_hash", "data").iter_rows()
            ),
        )
        if changed.height:
            with connection.cursor() as cursor:
                # Keep the replaced version (history), then overwrite with the new one.
                cursor.executemany(
                    "INSERT INTO imports_stagedrecordversion"
                    " (record_id, data, row_hash, batch_id, replaced_by_id, row_number)"
                    " SELECT id, data, row_hash, last_batch_id, %s, row_number"
                    " FROM imports_stagedrecord WHERE id = %s",
                    [(batch.pk, rid) for rid in changed["id"].to_list()],
                )
                data_param = "%s::jsonb" if connection.vendor == "postgresql" else "%s"
                cursor.executemany(
                    f"UPDATE imports_stagedrecord SET data = {data_param}, row_hash = %s,"  # noqa: S608  # nosec B608
                    " last_batch_id = %s, row_number = %s WHERE id = %s",
                    [
                        (data, h, batch.pk, row, rid)
                        for row, h, data, rid in changed.select("__row", "row_hash", "data", "id").iter_rows()
                    ],
                )

        rejected = result.rejected
        raw_cols = [c for c in rejected.columns if c != "__row"]
        rejected_json = (
            rejected.select("__row", pl.struct(raw_cols).struct.json_encode().alias("data"))
            if raw_cols
            else rejected.select("__row", pl.lit("{}").alias("data"))
        )
        _bulk_insert(
            "imports_rejectedrow",
            ["batch_id", "row_number", "data"],
            ((batch.pk, row, data) for row, data in rejected_json.iter_rows()),
        )
        issues = result.issues
        _bulk_insert(
            "imports_importissue",
            ["batch_id", "row_number", "column", "value", "code", "severity", "message"],
            (
                (batch.pk, row, col or "", (val or "")[:2000], code, sev, msg)
                for row, col, val, code, sev, msg in issues.select(
                    "__row", "column", "value", "code", "severity", "message"
                ).iter_rows()
            ),
        )
        n_warnings = issues.filter(pl.col("severity") == "warning").height
        ImportBatch.objects.filter(pk=batch.pk).update(
            status=ImportBatch.Status.DONE,
            rows_in=rows_in,
            accepted=result.accepted.height,
            rejected=result.rejected.height,
            inserted=new.height,
            updated=changed.height,
            unchanged=unchanged,
            warnings=n_warnings,
            progress=100,
            stage="selesai / done",
            finished_at=timezone.now(),
            message=batch.message,
        )
        audit_record(
            action=AuditAction.IMPORT_RUN,
            actor=batch.uploaded_by,
            subject_type="import_batch",
            subject_id=batch.pk,
            detail={
                "adapter": adapter.name,
                "rows_in": rows_in,
                "accepted": result.accepted.height,
                "rejected": result.rejected.height,
                "file": batch.file_name,
                "sha256": batch.sha256,
            },
        )
    batch.refresh_from_db()


def import_file_run(
    *,
    source: Source,
    path: Path,
    user: Any = None,
    file_name: str | None = None,
    sheet: str | None = None,
    progress: Progress | None = None,
) -> list[ImportBatch]:
    """Register and run one file (the command's path; the upload page enqueues the run)."""
    batch = import_batch_create(source=source, path=path, file_name=file_name, user=user)
    return import_batch_run(batch=batch, sheet=sheet, progress=progress)


# --- the error report -------------------------------------------------------------------------------


def rejected_rows_csv(*, batch: ImportBatch) -> str:
    """The refused rows whole, in their own columns, with a last column of reasons: correct
    the values, delete the ALASAN column (or leave it: unknown columns are ignored), import again."""
    reasons: dict[int | None, list[str]] = {}
    for row, column, message in batch.issues.filter(severity="error").values_list(
        "row_number", "column", "message"
    ):
        reasons.setdefault(row, []).append(f"{column}: {message}" if column else message)
    rows = list(batch.rejected_rows.values_list("row_number", "data"))
    headers: list[str] = []
    for _row, data in rows:
        for key in data:
            if key not in headers:
                headers.append(key)
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(["BARIS", *headers, "ALASAN"])
    file_level = reasons.get(None, [])
    for row, data in rows:
        writer.writerow(
            [row, *[data.get(h) or "" for h in headers], " | ".join(file_level + reasons.get(row, []))]
        )
    return buf.getvalue()


def batch_summary(batch: ImportBatch) -> dict[str, Any]:
    return {
        "batch": batch.pk,
        "source": batch.source,
        "format": batch.adapter,
        "file": batch.file_name,
        "status": batch.status,
        "rows_in": batch.rows_in,
        "accepted": batch.accepted,
        "rejected": batch.rejected,
        "inserted": batch.inserted,
        "updated": batch.updated,
        "unchanged": batch.unchanged,
        "warnings": batch.warnings,
        "message": batch.message,
    }
