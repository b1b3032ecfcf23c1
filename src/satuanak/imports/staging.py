"""Staged source rows: the accepted rows of each import batch, one Parquet file per batch.

Why files and not database rows: see docs/decisions/0005. In short, writing a million typed
rows is ~0.5 s as Parquet and ~5-7 s as database rows, and every later stage (linkage, flags)
reads whole columns, which DuckDB and Polars read from Parquet directly.

The rules that keep it as safe as a table:
- A batch's file is written before its database transaction commits, to a temporary name, then
  renamed into place (atomic on one file system). Readers only read the files of batches whose
  status is DONE in the database, so a crash before the commit leaves an orphan file that nothing
  reads (and `remove_orphans` deletes), never half a batch.
- Files are never changed after their batch is done. A later export that changes a record
  writes the new version into its own batch's file; the current version of a record is the one
  in the newest done batch that holds its natural key, and the older files are its history.
- Writers of one format are serialised by the import service's lock, which is held while the
  previous versions are read and the new file is written.

This module is about files and frames only; which batches are done is the caller's to say
(the services pass the list from the database).
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Sequence
from pathlib import Path

import polars as pl
from django.conf import settings

# Columns every batch file has besides the adapter's canonical ones.
ROW = "__row"  # the row's number in the source file
CHANGE = "change"  # new | changed | unchanged, relative to the versions before this batch
BATCH = "batch_id"  # added when files are read back, not stored (the file name says it)


def staging_root() -> Path:
    return Path(settings.SATUANAK_STAGING_DIR)


def batch_file(adapter: str, batch_id: int) -> Path:
    """Where a batch's rows live, relative to the staging root (stored on the batch)."""
    return Path(adapter) / f"batch-{batch_id:08d}.parquet"


def write_batch_file(relative: Path, frame: pl.DataFrame) -> Path:
    """Write atomically: a reader sees the whole file or no file."""
    path = staging_root() / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        try:
            frame.write_parquet(tmp, compression="zstd", statistics=True)
        except pl.exceptions.ComputeError as exc:
            error = _os_error_of(exc, tmp)
            if error is None:
                raise
            raise error from exc
        with tmp.open("rb") as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        # A full disk leaves part of the file behind: it must not stay to fill the disk further.
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)
    return path


def _os_error_of(exc: pl.exceptions.ComputeError, tmp: Path) -> OSError | None:
    """Polars reports a failed write as a ComputeError whose text ends "(os error N)". Given back
    as the OSError it is, so a full disk reads as one (the 507 page, the worker's log) and not as
    a bug in the data."""
    found = re.search(r"os error (\d+)", str(exc))
    if found is None:
        return None
    code = int(found.group(1))
    return OSError(code, os.strerror(code), str(tmp))


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def scan_batches(files: Sequence[tuple[int, str]]) -> pl.LazyFrame | None:
    """All rows of the given (batch id, relative file) pairs, oldest first (the order given: the
    order the batches were committed), with `batch_id`. Files written by older versions of an
    adapter may lack newer columns: those read as null."""
    if not files:
        return None
    root = staging_root()
    frames = [
        pl.scan_parquet(root / rel).with_columns(pl.lit(batch_id, dtype=pl.Int64).alias(BATCH))
        for batch_id, rel in files
    ]
    return pl.concat(frames, how="diagonal_relaxed")


def current_versions(files: Sequence[tuple[int, str]]) -> pl.LazyFrame | None:
    """The current version of every record: per natural key, its row in the newest batch."""
    rows = scan_batches(files)
    if rows is None:
        return None
    return rows.unique(subset=["natural_key"], keep="last", maintain_order=True)


def record_history(files: Sequence[tuple[int, str]], natural_key: str) -> pl.DataFrame:
    """Every version of one record, oldest first (an unchanged re-import is a version too)."""
    rows = scan_batches(files)
    if rows is None:
        return pl.DataFrame()
    return rows.filter(pl.col("natural_key") == natural_key).collect()


def remove_file(relative: str | Path) -> None:
    path = staging_root() / relative
    path.unlink(missing_ok=True)


def remove_orphans(*, keep: set[str], older_than_seconds: float) -> list[Path]:
    """Delete files no done batch claims (a crash between writing and committing), and
    temporary files, once they are old enough that no running import can still own them."""
    root = staging_root()
    if not root.exists():
        return []
    cutoff = time.time() - older_than_seconds
    removed: list[Path] = []
    for path in root.rglob("*"):
        if not path.is_file():
            continue
        rel = str(path.relative_to(root))
        if rel in keep or path.stat().st_mtime > cutoff:
            continue
        path.unlink(missing_ok=True)
        removed.append(path)
    return removed
