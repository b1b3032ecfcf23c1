"""import_file_run(): a source file in, every row accounted for.

The same service serves the command (`satuanak import`) and the upload page (through a
background task). Stages: read (readers/) -> validate (sources/*, vectorised) -> write. Reading
and validation run outside any transaction and report progress; the write is one transaction
(the accepted rows go to the batch's Parquet file in staging/, written before the commit and
read only once the batch is done), so a crash or a kill leaves no half batch visible (the batch
stays "running" until `import_batches_mark_interrupted` marks it failed). Writes to the same
format are serialised (PostgreSQL advisory lock; SQLite's IMMEDIATE transactions), so two
imports of one source at once cannot interleave.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import io
import os
import shutil
import tempfile
import zlib
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import polars as pl
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from satuanak.audit.models import AuditAction
from satuanak.audit.services import audit_record
from satuanak.common.bulk import bulk_insert
from satuanak.core.sources import Source
from satuanak.facilities.models import HealthFacility, Posyandu, School
from satuanak.imports import staging
from satuanak.imports.models import ImportBatch
from satuanak.imports.readers import RawTable, ReadError, read_table
from satuanak.regions.models import Desa
from satuanak.sources import ADAPTERS as ADAPTERS_BY_NAME
from satuanak.sources import adapters_for
from satuanak.sources.base import NON_CONTENT_FIELDS, ROW, HeaderError, SourceAdapter, ValidationResult
from satuanak.sources.reference import ReferenceData

Progress = Callable[[str, int], None]  # (stage label, percent 0-100)


# --- batches --------------------------------------------------------------------------------------


def _sha256(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
            size += len(block)
    return digest.hexdigest(), size


def _copy_atomically(source: Path, target: Path) -> None:
    """Copy under a temporary name in the target's folder, then rename. A full disk (or a kill)
    mid-copy must never leave part of a file under the final name: the next upload of the same
    file would find it "already stored" and import the truncated copy."""
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out, source.open("rb") as src:
            shutil.copyfileobj(src, out, 1 << 20)
            out.flush()
            os.fsync(out.fileno())  # the bytes are on disk before the name points at them
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def import_batch_create(
    *, source: Source, path: Path, file_name: str | None = None, user: Any = None
) -> ImportBatch:
    """Register a file for import: hash it and keep a copy (the batch's lineage)."""
    sha, size = _sha256(path)
    store_dir = Path(settings.MEDIA_ROOT) / "imports"
    store_dir.mkdir(parents=True, exist_ok=True)
    stored = store_dir / f"{sha}{path.suffix.lower()}"
    if not stored.exists():
        _copy_atomically(path, stored)
    return ImportBatch.objects.create(
        source=source.value,
        file_name=(file_name or path.name)[:255],
        sha256=sha,
        size_bytes=size,
        # Relative to MEDIA_ROOT: a backup restored on a server with other folders still finds it.
        stored_path=str(stored.relative_to(settings.MEDIA_ROOT)),
        uploaded_by=user if getattr(user, "is_authenticated", False) else None,
    )


def batch_stored_file(batch: ImportBatch) -> Path:
    """Where the batch's copy of its file is now. Stored relative to MEDIA_ROOT; batches of
    earlier releases hold an absolute path, which after a restore into another MEDIA_ROOT no longer
    exists: the copy is then looked for under its name (its content hash) in this MEDIA_ROOT."""
    stored = Path(batch.stored_path)
    media = Path(settings.MEDIA_ROOT)
    if not stored.is_absolute():
        return media / stored
    if stored.exists():
        return stored
    return media / "imports" / stored.name


def import_batches_mark_interrupted(*, older_than: timedelta = timedelta(hours=6)) -> int:
    """Batches left 'running' by a killed process: nothing of theirs was committed (one
    transaction), so they are marked failed and can simply be run again. A staged file such a
    process may have left behind belongs to no done batch and is deleted."""
    cutoff = timezone.now() - older_than
    marked = ImportBatch.objects.filter(status=ImportBatch.Status.RUNNING, started_at__lt=cutoff).update(
        status=ImportBatch.Status.FAILED,
        message="Impor terputus (proses berhenti); tidak ada data yang tersimpan. Jalankan lagi. / "
        "Import interrupted; nothing was saved. Run it again.",
        finished_at=timezone.now(),
    )
    done_files = set(
        ImportBatch.objects.filter(status=ImportBatch.Status.DONE)
        .exclude(staged_file="")
        .values_list("staged_file", flat=True)
    )
    staging.remove_orphans(keep=done_files, older_than_seconds=older_than.total_seconds())
    return marked


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
    path = batch_stored_file(batch)
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
        header_row=raw.header_row,
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
    accepted = pl.DataFrame(schema={ROW: pl.Int64, "natural_key": pl.String})
    return ValidationResult(accepted=accepted, rejected=frame, issues=issues)


# --- the write (one transaction) ------------------------------------------------------------------


def _bulk_insert(table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    bulk_insert(table, columns, rows)  # a seam the crash test patches


def _lock_adapter(name: str) -> None:
    """Serialise writers of one format. PostgreSQL: an advisory lock held to the commit. SQLite:
    the transaction itself began IMMEDIATE (settings), which already excludes other writers."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [zlib.crc32(f"import:{name}".encode())])


def _done_batches(adapter: str) -> Any:
    return ImportBatch.objects.filter(adapter=adapter, status=ImportBatch.Status.DONE).exclude(staged_file="")


def staged_batch_files(adapter: str) -> list[tuple[int, str]]:
    """(batch id, staged file) of the done batches of a format, in the order they were committed."""
    return list(_done_batches(adapter).order_by("staged_order").values_list("pk", "staged_file"))


def staged_records(adapter: str) -> pl.LazyFrame | None:
    """The current version of every staged record of a format (None before the first import):
    what later stages (linkage, flags) read."""
    return staging.current_versions(staged_batch_files(adapter))


def staged_record_history(adapter: str, natural_key: str) -> pl.DataFrame:
    """Every version of one record, oldest first, with the batch that brought it."""
    return staging.record_history(staged_batch_files(adapter), natural_key)


def _with_change(accepted: pl.DataFrame, previous: pl.LazyFrame | None) -> pl.DataFrame:
    """Mark each accepted row new, changed or unchanged against the current versions. Content
    is compared column by column (nulls equal), not by a stored hash: nothing to keep stable
    across library upgrades, and a column an adapter gains later simply reads as changed."""
    if previous is None:
        return accepted.with_columns(pl.lit("new").alias(staging.CHANGE))
    content = [c for c in accepted.columns if c not in (ROW, "natural_key", *NON_CONTENT_FIELDS)]
    old_cols = set(previous.collect_schema().names())
    old = previous.select(
        "natural_key",
        pl.lit(True).alias("__seen"),
        *[pl.col(c).alias(f"{c}__old") for c in content if c in old_cols],
    )
    keys = accepted.select("natural_key").lazy()
    old_rows = old.join(keys, on="natural_key", how="semi").collect()
    joined = accepted.join(old_rows, on="natural_key", how="left")
    same = pl.all_horizontal(
        [
            pl.col(c).eq_missing(pl.col(f"{c}__old").cast(accepted.schema[c], strict=False))
            if c in old_cols
            else pl.col(c).is_null()
            for c in content
        ]
        or [pl.lit(True)]
    )
    change = (
        pl.when(pl.col("__seen").is_null())
        .then(pl.lit("new"))
        .when(same)
        .then(pl.lit("unchanged"))
        .otherwise(pl.lit("changed"))
    )
    return joined.with_columns(change.alias(staging.CHANGE)).select(*accepted.columns, staging.CHANGE)


def _write(batch: ImportBatch, adapter: SourceAdapter, result: ValidationResult) -> None:
    rows_in = result.accepted.height + result.rejected.height
    relative = staging.batch_file(adapter.name, batch.pk)
    pool: ThreadPoolExecutor | None = None
    try:
        with transaction.atomic():
            _lock_adapter(adapter.name)
            # Inside the lock: the versions this batch is compared with cannot change under it.
            files = staged_batch_files(adapter.name)
            staged = _with_change(result.accepted, staging.current_versions(files))
            order = (_done_batches(adapter.name).aggregate(m=Max("staged_order"))["m"] or 0) + 1
            counts = staged[staging.CHANGE].value_counts()
            n = dict(zip(counts[staging.CHANGE].to_list(), counts["count"].to_list(), strict=True))
            # The Parquet writer releases the GIL: the file is written while the refused rows and
            # the issues go into the database; both finish before the commit.
            pool = ThreadPoolExecutor(max_workers=1)
            written = pool.submit(staging.write_batch_file, relative, staged)

            rejected = result.rejected
            raw_cols = [c for c in rejected.columns if c != ROW]
            rejected_json = (
                rejected.select(ROW, pl.struct(raw_cols).struct.json_encode().alias("data"))
                if raw_cols
                else rejected.select(ROW, pl.lit("{}").alias("data"))
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
                        ROW, "column", "value", "code", "severity", "message"
                    ).iter_rows()
                ),
            )
            n_warnings = issues.filter(pl.col("severity") == "warning").height
            written.result()
            pool.shutdown()
            ImportBatch.objects.filter(pk=batch.pk).update(
                status=ImportBatch.Status.DONE,
                rows_in=rows_in,
                accepted=result.accepted.height,
                rejected=result.rejected.height,
                inserted=n.get("new", 0),
                updated=n.get("changed", 0),
                unchanged=n.get("unchanged", 0),
                warnings=n_warnings,
                staged_file=str(relative),
                staged_order=order,
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
    except BaseException:
        # The transaction rolled back: the file must not outlive it (a kill here is what
        # staging.remove_orphans is for).
        if pool is not None:
            pool.shutdown(wait=True)
        staging.remove_file(relative)
        raise
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


def import_rows_run(
    *,
    adapter_name: str,
    rows: Sequence[dict[str, Any]],
    user: Any = None,
    file_name: str,
    progress: Progress | None = None,
) -> list[ImportBatch]:
    """Rows that arrived as data, not as a file (the API's measurements, a FHIR bundle's
    observations), through the very path a file takes: written as a CSV under the format's own
    headers, registered as a batch (kept, hashed: the same rows sent twice add nothing) and
    validated by the same adapter. `rows` are keyed by the adapter's field names; a field an
    adapter does not have is refused here (a programming error, not user input)."""
    adapter = ADAPTERS_BY_NAME[adapter_name]
    labels = {c.field: c.label for c in adapter.columns}
    unknown = sorted({k for r in rows for k in r} - set(labels))
    if unknown:
        raise ValueError(f"fields not in {adapter_name}: {unknown}")
    fields = [c.field for c in adapter.columns if any(c.field in r for r in rows)]
    with tempfile.TemporaryDirectory(prefix="satuanak-rows-") as tmp:
        path = Path(tmp) / "rows.csv"
        with path.open("w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f)
            writer.writerow([labels[k] for k in fields])
            for r in rows:
                writer.writerow(["" if r.get(k) is None else str(r[k]) for k in fields])
        return import_file_run(
            source=adapter.source, path=path, user=user, file_name=file_name, progress=progress
        )


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
