"""One archive holds the whole platform: `backup_create` writes it, `restore_run` puts it back.

The archive is a tar stream (encrypted by ops/crypto.py unless the operator says otherwise):

    db/database.sqlite3 | db/database.pgdump   the database at one instant
    media/<path>                                 every file under MEDIA_ROOT
    staging/<path>                               every file under SATUANAK_STAGING_DIR
    manifest.json                                last: what all of the above must be

The manifest comes last because file checksums are computed while the files stream into the
archive (each file is read once); a restore reads to the end anyway before it trusts anything,
since the last encrypted chunk is what proves the archive whole. docs/backup-restore.md is the
operator's description of the same.

Consistency: the database is copied first, at one instant (SQLite's online backup; pg_dump on
an exported REPEATABLE READ snapshot, with the table fingerprints taken in the same
transaction), then the files. A file written after that instant is in the archive but nothing in
the database refers to it: extra, harmless. Files are written once under content-addressed or
batch names and not changed in place, so a row of the snapshot finds its file.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import io
import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess  # nosec B404 - pg_dump, pg_restore and git run with fixed argument lists, no shell
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Any, BinaryIO

from django.conf import settings
from django.db import DatabaseError, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone
from tqdm import tqdm

from config.env import env_str
from satuanak.ops import crypto
from satuanak.ops.fingerprint import Fingerprints, fingerprints_compare, table_fingerprints

FORMAT = "satuanak-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DB_MEMBERS = {"sqlite": "db/database.sqlite3", "postgresql": "db/database.pgdump"}
ENGINE_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
ROOT_NAMES = ("media", "staging")
# Names `backup` gives archives in a folder; --keep prunes only these.
ARCHIVE_NAME = re.compile(r"^satuanak-\d{8}-\d{6}(-\d+)?\.tar(\.enc)?$")
# What `migrate` alone puts in a database: a target holding rows only here holds no data.
SETUP_TABLES = frozenset({"django_migrations", "django_content_type", "auth_permission", "sqlite_sequence"})
_BLOCK = 1 << 20
# Read into memory whole; a manifest of a million files is about 200 MB, far beyond this platform.
_MAX_MANIFEST = 512 << 20

Log = Callable[[str], None]
_NEEDS_KEY = (
    "Arsip ini terenkripsi; berikan --key-file atau SATUANAK_BACKUP_KEY_FILE / "
    "this archive is encrypted; give --key-file or SATUANAK_BACKUP_KEY_FILE"
)


class BackupError(Exception):
    """An operator's error or a refused archive; the message is "Indonesian / English"."""


def quiet(_message: str) -> None:
    pass


@contextmanager
def as_command_error() -> Iterator[None]:
    """The operator's errors of `satuanak backup` and `restore` as one bilingual line and exit 1,
    never a traceback: a refused archive, an unreachable database, a file that cannot be read or
    written (a full disk, a wrong path, permissions)."""
    from django.core.management.base import CommandError
    from django.db import DatabaseError

    try:
        yield
    except BackupError as exc:
        raise CommandError(str(exc)) from None
    except DatabaseError as exc:
        # Most often the database is not there yet (createdb) or not reachable.
        raise CommandError(
            f"Basis data tidak dapat dibuka atau dibaca / the database cannot be opened or read: {exc}"
        ) from None
    except OSError as exc:
        raise CommandError(
            f"Gagal membaca/menulis berkas / file read or write failed: {exc.filename or ''} ({exc.strerror})"
        ) from None


@dataclass
class BackupResult:
    path: Path
    size: int
    sha256: str
    encrypted: bool
    key_id: str
    engine: str
    tables: int
    rows: int
    files: int
    file_bytes: int
    seconds: float
    pruned: list[Path] = field(default_factory=list)


@dataclass
class RestoreResult:
    archive: Path
    engine: str
    encrypted: bool
    created_at: str
    platform_version: str
    tables: int
    rows: int
    files: int
    file_bytes: int
    seconds: float
    checked_only: bool = False
    pending_migrations: list[str] = field(default_factory=list)
    migrated: bool = False
    set_aside: list[Path] = field(default_factory=list)
    audit_recorded: bool = False


# ---------------------------------------------------------------- small helpers

KEY_FILE_SETTING = "SATUANAK_BACKUP_KEY_FILE"


def key_file_path(option: Path | None) -> Path | None:
    """--key-file, else the setting of that name, else the environment variable."""
    if option is not None:
        return option
    configured = getattr(settings, KEY_FILE_SETTING, "") or env_str(KEY_FILE_SETTING, "")
    return Path(configured) if configured else None


def key_load(option: Path | None) -> bytes | None:
    path = key_file_path(option)
    if path is None:
        return None
    try:
        return crypto.key_file_read(path)
    except crypto.KeyFileError as exc:
        raise BackupError(str(exc)) from None


def _roots() -> dict[str, Path]:
    return {"media": Path(settings.MEDIA_ROOT), "staging": Path(settings.SATUANAK_STAGING_DIR)}


def _engine(connection: BaseDatabaseWrapper) -> str:
    if connection.vendor not in DB_MEMBERS:
        raise BackupError(
            f"Mesin basis data {connection.vendor} tidak didukung / database engine not supported"
        )
    return str(connection.vendor)


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} tidak ditemukan; pasang klien PostgreSQL (apt install postgresql-client) / "
            f"{name} not found; install the PostgreSQL client tools (apt install postgresql-client)"
        )
    return path


def _pg_env(settings_dict: dict[str, Any]) -> dict[str, str]:
    # The password goes through the environment, never the command line (visible in ps).
    env = dict(os.environ)
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD")):
        value = settings_dict.get(key)
        if value:
            env[var] = str(value)
    sslmode = (settings_dict.get("OPTIONS") or {}).get("sslmode")
    if sslmode:
        env["PGSSLMODE"] = str(sslmode)
    return env


def _pg_dbname(settings_dict: dict[str, Any]) -> str:
    from psycopg.conninfo import make_conninfo

    return make_conninfo(dbname=str(settings_dict["NAME"]))


def platform_version() -> str:
    base = Path(settings.BASE_DIR)
    git = shutil.which("git")
    if git and (base / ".git").exists():
        try:
            done = subprocess.run(  # noqa: S603  # nosec B603 - fixed arguments, no shell
                [git, "-C", str(base), "describe", "--tags", "--always", "--dirty"],
                capture_output=True,
                text=True,
                timeout=10,
                check=False,
            )
            if done.returncode == 0 and done.stdout.strip():
                return done.stdout.strip()
        except (OSError, subprocess.SubprocessError):
            pass
    try:
        return importlib.metadata.version("satuanak")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def _fsync_dir(path: Path) -> None:
    # The rename that publishes a file is only durable once its folder is synced.
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _human(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GiB"


def _bar(total: int, desc: str, show: bool) -> tqdm[Any]:
    return tqdm(
        total=total,
        desc=desc,
        unit="B",
        unit_scale=True,
        unit_divisor=1024,
        file=sys.stderr,
        disable=not show,
    )


class _HashingWriter:
    """Counts and hashes what passes to `sink`: the archive's own sha256, printed for the
    operator to check a copy made off the machine."""

    def __init__(self, sink: BinaryIO) -> None:
        self._sink = sink
        self.digest = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> int:
        self.digest.update(data)
        self.size += len(data)
        return self._sink.write(data)

    def flush(self) -> None:
        self._sink.flush()


class _HashingReader:
    def __init__(self, source: IO[bytes], bar: tqdm[Any] | None = None) -> None:
        self._source = source
        self._bar = bar
        self.digest = hashlib.sha256()
        self.size = 0

    def read(self, n: int = -1) -> bytes:
        data = self._source.read(n)
        self.digest.update(data)
        self.size += len(data)
        if self._bar is not None:
            self._bar.update(len(data))
        return data


class _CountingReader(io.RawIOBase):
    """Moves the restore's progress bar by archive bytes read."""

    def __init__(self, source: BinaryIO, bar: tqdm[Any]) -> None:
        super().__init__()
        self._source = source
        self._bar = bar

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._source.read(len(buffer))
        buffer[: len(data)] = data
        self._bar.update(len(data))
        return len(data)


# ---------------------------------------------------------------- target inspection


def _tables(connection: Any, vendor: str) -> list[str]:
    with connection.cursor() as cursor:
        if vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        else:
            cursor.execute(
                "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                " WHERE c.relkind = 'r' AND n.nspname = current_schema() ORDER BY c.relname"
            )
        return [row[0] for row in cursor.fetchall()]


def _tables_with_rows(connection: Any, vendor: str, tables: list[str]) -> list[str]:
    found = []
    with connection.cursor() as cursor:
        for table in tables:
            quoted = '"' + table.replace('"', '""') + '"'
            # The name comes from the catalogue and is quoted.
            cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {quoted})")  # noqa: S608  # nosec B608
            if cursor.fetchone()[0]:
                found.append(table)
    return found


@dataclass
class _TargetState:
    tables: list[str]
    data_tables: list[str]
    file_roots: list[str]


def _sqlite_sidecars(path: Path) -> list[Path]:
    return [Path(f"{path}{suffix}") for suffix in ("-wal", "-shm", "-journal")]


def _sqlite_in_use(path: Path) -> bool:
    """Another process holds the file open: its write-ahead log outlives our last connection.

    SQLite removes the -wal file when the last connection to a WAL database closes; opening
    and closing one ourselves also checkpoints a log left behind by a crash."""
    if not path.exists():
        return False
    probe = sqlite3.connect(path, timeout=20)
    probe.close()
    return Path(f"{path}-wal").exists()


def _roots_with_files(roots: dict[str, Path]) -> list[str]:
    found = []
    for name, root in roots.items():
        if root.is_dir() and any(os.path.isfile(Path(d) / f) for d, _s, fs in os.walk(root) for f in fs):
            found.append(name)
    return found


def _target_state(connection: BaseDatabaseWrapper, engine: str, roots: dict[str, Path]) -> _TargetState:
    connection.close()
    if engine == "sqlite":
        path = Path(connection.settings_dict["NAME"])
        if not path.exists():
            return _TargetState([], [], _roots_with_files(roots))
        if _sqlite_in_use(path):
            raise BackupError(
                "Basis data sedang dibuka proses lain (server web, pekerja?); hentikan layanan dulu / "
                "the database is open in another process (web server, worker?); stop the services first: "
                f"{path}"
            )
        # A bare connection: Django's would switch the file to WAL and leave side files behind.
        bare = sqlite3.connect(path, timeout=20)
        try:
            tables = _tables(_Closing(bare), "sqlite")
            data = _tables_with_rows(_Closing(bare), "sqlite", [t for t in tables if t not in SETUP_TABLES])
        finally:
            bare.close()
    else:
        tables = _tables(connection, engine)
        data = _tables_with_rows(connection, engine, [t for t in tables if t not in SETUP_TABLES])
        connection.close()
    return _TargetState(tables, data, _roots_with_files(roots))


class _Closing:
    """A sqlite3 connection whose cursor() is a context manager, like Django's."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection = connection

    def cursor(self) -> Any:
        from contextlib import closing

        return closing(self._connection.cursor())


# ---------------------------------------------------------------- backup


@dataclass
class _Snapshot:
    path: Path
    member: str
    engine: str
    tables: Fingerprints
    schema: dict[str, list[str]]


def _applied(cursor: Any, tables: Fingerprints) -> dict[str, list[str]]:
    if "django_migrations" not in tables:
        return {}
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
    schema: dict[str, list[str]] = {}
    for app, name in cursor.fetchall():
        schema.setdefault(app, []).append(name)
    return schema


def _snapshot_sqlite(connection: BaseDatabaseWrapper, work: Path) -> _Snapshot:
    live = Path(connection.settings_dict["NAME"])
    if not live.is_file():
        raise BackupError(f"Berkas basis data tidak ditemukan / database file not found: {live}")
    copy = work / "database.sqlite3"
    source = sqlite3.connect(live, timeout=60)
    target = sqlite3.connect(copy)
    try:
        # All pages in one step: the copy is made under one read transaction, so it is one
        # instant of the database even while the web server and workers write.
        source.backup(target)
        # One self-contained file in the archive, no -wal beside it; Django turns WAL back on.
        target.execute("PRAGMA journal_mode=DELETE")
        # The fingerprints are taken of the copy itself: exactly what the archive holds.
        tables = table_fingerprints(target)
        cursor = target.cursor()
        schema = _applied(cursor, tables)
        cursor.close()
    finally:
        target.close()
        source.close()
    return _Snapshot(copy, DB_MEMBERS["sqlite"], "sqlite", tables, schema)


def _snapshot_postgresql(connection: BaseDatabaseWrapper, work: Path) -> _Snapshot:
    pg_dump = _tool("pg_dump")
    dump = work / "database.pgdump"
    log_path = work / "pg_dump.log"
    with transaction.atomic(using=connection.alias), log_path.open("wb") as log:
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            (snapshot,) = cursor.fetchone()
        # pg_dump adopts our snapshot; the fingerprints are computed meanwhile in this same
        # transaction, so the dump and the fingerprints describe the same instant.
        process = subprocess.Popen(  # noqa: S603  # nosec B603 - fixed arguments, no shell
            [
                pg_dump,
                "--format=custom",
                f"--snapshot={snapshot}",
                "--no-password",
                f"--file={dump}",
                f"--dbname={_pg_dbname(connection.settings_dict)}",
            ],
            env=_pg_env(connection.settings_dict),
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
        try:
            tables = table_fingerprints(connection)
            with connection.cursor() as cursor:
                schema = _applied(cursor, tables)
        finally:
            # Wait before the transaction ends: the snapshot lives only as long as it.
            code = process.wait()
    if code != 0:
        message = log_path.read_text(errors="replace").strip()[-2000:]
        raise BackupError(f"pg_dump gagal / pg_dump failed (exit {code}):\n{message}")
    return _Snapshot(dump, DB_MEMBERS["postgresql"], "postgresql", tables, schema)


def _walk(root: Path, skip: set[Path], log: Log) -> Iterator[tuple[str, Path]]:
    if not root.is_dir():
        return
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        keep = []
        for name in sorted(dirnames):
            path = here / name
            if path.is_symlink():
                log(f"peringatan / warning: tautan folder dilewati / symlinked folder skipped: {path}")
            elif path.resolve() not in skip:
                keep.append(name)
        dirnames[:] = keep
        for name in sorted(filenames):
            path = here / name
            if path.is_symlink() or not path.is_file():
                log(
                    "peringatan / warning: bukan berkas biasa, dilewati / "
                    f"not a regular file, skipped: {path}"
                )
                continue
            yield path.relative_to(root).as_posix(), path


def _size(path: Path) -> int:
    # Only for the progress bar's total: a file that vanishes is reported when its turn comes.
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def _add_file(tar: tarfile.TarFile, member: str, path: Path, bar: tqdm[Any]) -> tuple[str, int]:
    with path.open("rb") as f:
        stat = os.fstat(f.fileno())
        info = tarfile.TarInfo(member)
        info.size = stat.st_size
        info.mtime = int(stat.st_mtime)
        info.mode = stat.st_mode & 0o777
        reader = _HashingReader(f, bar)
        try:
            # addfile copies exactly info.size bytes: a file that grows meanwhile is cut at the
            # size it had, and the checksum is of what went into the archive.
            tar.addfile(info, reader)
        except OSError as exc:
            if "unexpected end of data" in str(exc):
                raise BackupError(
                    "Berkas berubah (memendek) selama pencadangan; jalankan lagi / "
                    f"a file shrank during the backup; run it again: {path}"
                ) from None
            raise
    return reader.digest.hexdigest(), info.size


def _archive_path(out: str | Path | None, encrypted: bool) -> Path:
    """A folder (existing, or named with a trailing slash) gets a dated name inside; anything
    else is the archive's own name. `out` stays a string until here: Path drops the slash."""
    suffix = ".tar.enc" if encrypted else ".tar"
    if out is not None and not (Path(out).is_dir() or str(out).endswith(("/", os.sep))):
        path = Path(out)
        if path.exists() or Path(f"{path}.partial").exists():
            raise BackupError(f"Berkas tujuan sudah ada / the output file already exists: {path}")
        return path
    folder = Path(out) if out is not None else Path(settings.SATUANAK_VAR_DIR) / "backups"
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    candidate = folder / f"satuanak-{stamp}{suffix}"
    n = 2
    while candidate.exists() or Path(f"{candidate}.partial").exists():
        candidate = folder / f"satuanak-{stamp}-{n}{suffix}"
        n += 1
    return candidate


def _prune(folder: Path, keep: int, log: Log) -> list[Path]:
    archives = sorted(p for p in folder.iterdir() if ARCHIVE_NAME.match(p.name) and p.is_file())
    # Names sort by time (satuanak-YYYYMMDD-HHMMSS); the newest `keep` stay.
    doomed = archives[:-keep] if keep > 0 else []
    for path in doomed:
        path.unlink()
        log(f"dihapus (--keep {keep}) / pruned: {path}")
    return doomed


def backup_create(
    *,
    out: str | Path | None,
    key: bytes | None,
    keep: int | None = None,
    progress: bool = False,
    log: Log = quiet,
    using: str = "default",
) -> BackupResult:
    """Write one archive of the database, MEDIA_ROOT and the staging folder; record it in the
    audit log. `key` None writes a plain tar (the command asks for --no-encrypt explicitly)."""
    from satuanak.audit.models import AuditAction
    from satuanak.audit.services import audit_record

    started = time.monotonic()
    connection = connections[using]
    engine = _engine(connection)
    target = _archive_path(out, encrypted=key is not None)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = Path(f"{target}.partial")
    roots = _roots()
    with tempfile.TemporaryDirectory(prefix=".satuanak-backup-", dir=target.parent) as tmp:
        work = Path(tmp)
        snapshot = (_snapshot_sqlite if engine == "sqlite" else _snapshot_postgresql)(connection, work)
        # Neither root's copy of the other (if one is nested in the other), nor the backups
        # themselves when the out folder lies under a root.
        skip = {work.resolve(), target.parent.resolve(), *(r.resolve() for r in roots.values())}
        files: list[tuple[str, Path]] = []
        for name, root in roots.items():
            inner = skip - {root.resolve()}
            files += [(f"{name}/{rel}", path) for rel, path in _walk(root, inner, log)]
        total = snapshot.path.stat().st_size + sum(_size(p) for _m, p in files)
        entries: dict[str, dict[str, Any]] = {}
        try:
            fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb", buffering=_BLOCK) as raw:
                sink = _HashingWriter(raw)
                writer: Any = crypto.EncryptingWriter(sink, key) if key is not None else sink  # type: ignore[arg-type]
                with (
                    tarfile.open(fileobj=writer, mode="w|", format=tarfile.PAX_FORMAT) as tar,
                    _bar(total, "cadangan / backup", progress) as bar,
                ):
                    db_sha, db_size = _add_file(tar, snapshot.member, snapshot.path, bar)
                    for member, path in files:
                        try:
                            sha, size = _add_file(tar, member, path, bar)
                        except FileNotFoundError:
                            log(f"peringatan / warning: berkas hilang saat dibaca / file vanished: {path}")
                            continue
                        entries[member] = {"sha256": sha, "size": size}
                    manifest = {
                        "format": FORMAT,
                        "format_version": FORMAT_VERSION,
                        "created_at": timezone.now().isoformat(),
                        "platform_version": platform_version(),
                        "host": socket.gethostname(),
                        "engine": engine,
                        "encrypted": key is not None,
                        "database": {"member": snapshot.member, "sha256": db_sha, "size": db_size},
                        "schema": snapshot.schema,
                        "tables": {t: {"rows": n, "checksum": c} for t, (n, c) in snapshot.tables.items()},
                        "files": entries,
                        "source": {name: str(root) for name, root in roots.items()},
                    }
                    data = json.dumps(manifest, indent=1, ensure_ascii=False).encode()
                    info = tarfile.TarInfo(MANIFEST)
                    info.size = len(data)
                    info.mtime = int(time.time())
                    info.mode = 0o600
                    tar.addfile(info, io.BytesIO(data))
                if key is not None:
                    writer.close()
                raw.flush()
                os.fsync(raw.fileno())
            os.replace(partial, target)
            _fsync_dir(target.parent)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    pruned = _prune(target.parent, keep, log) if keep and ARCHIVE_NAME.match(target.name) else []
    result = BackupResult(
        path=target,
        size=sink.size,
        sha256=sink.digest.hexdigest(),
        encrypted=key is not None,
        key_id=crypto.key_fingerprint(key) if key is not None else "",
        engine=engine,
        tables=len(snapshot.tables),
        rows=sum(n for n, _c in snapshot.tables.values()),
        files=len(entries),
        file_bytes=sum(e["size"] for e in entries.values()),
        seconds=round(time.monotonic() - started, 1),
        pruned=pruned,
    )
    audit_record(
        action=AuditAction.BACKUP_CREATED,
        actor=None,
        subject_type="backup",
        subject_id=target.name[:64],
        detail={
            "path": str(target),
            "size": result.size,
            "sha256": result.sha256,
            "encrypted": result.encrypted,
            "key_id": result.key_id,
            "engine": engine,
            "tables": result.tables,
            "rows": result.rows,
            "files": result.files,
            "file_bytes": result.file_bytes,
            "seconds": result.seconds,
            "pruned": [p.name for p in pruned],
        },
    )
    return result


# ---------------------------------------------------------------- restore


@dataclass
class _Extracted:
    manifest: dict[str, Any] | None = None
    seen: dict[str, tuple[str, int]] = field(default_factory=dict)
    encrypted: bool = False


def _member_name(member: tarfile.TarInfo) -> str:
    name = member.name
    path = PurePosixPath(name)
    safe = (
        member.isreg()
        and not path.is_absolute()
        and path.as_posix() == name
        and all(part not in ("", ".", "..") for part in path.parts)
    )
    if safe and (name == MANIFEST or name in DB_MEMBERS.values()):
        return name
    if safe and len(path.parts) > 1 and path.parts[0] in ROOT_NAMES:
        return name
    raise BackupError(
        f"Arsip berisi entri tak terduga / the archive holds an unexpected entry: {name!r}"
        " (bukan arsip cadangan Satu Data Anak? / not a Satu Data Anak backup?)"
    )


def _copy_out(source: IO[bytes], dest: Path | None, member: tarfile.TarInfo) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with ExitStack() as stack:
        out = None
        if dest is not None:
            dest.parent.mkdir(parents=True, exist_ok=True)
            out = stack.enter_context(dest.open("xb"))
        while block := source.read(_BLOCK):
            digest.update(block)
            size += len(block)
            if out is not None:
                out.write(block)
    if dest is not None:
        os.chmod(dest, member.mode & 0o777 or 0o600)
        os.utime(dest, (member.mtime, member.mtime))
    return digest.hexdigest(), size


def _extract(
    archive: Path, key: bytes | None, place: Callable[[str], Path | None], progress: bool
) -> _Extracted:
    """Read the archive to its end, writing each member where `place` says (None: only hash
    it). Raises BackupError on a wrong key or any damage; nothing outside `place`'s temporary
    folders is written."""
    result = _Extracted()
    with archive.open("rb") as raw, _bar(archive.stat().st_size, "pulihkan / restore", progress) as bar:
        result.encrypted = crypto.is_encrypted(raw.read(len(crypto.MAGIC)))
        raw.seek(0)
        counted = io.BufferedReader(_CountingReader(raw, bar), _BLOCK)
        stream: IO[bytes]
        try:
            if result.encrypted:
                if key is None:
                    raise BackupError(_NEEDS_KEY)
                stream = io.BufferedReader(crypto.DecryptingReader(counted, key), _BLOCK)
            else:
                stream = counted
            with tarfile.open(fileobj=stream, mode="r|") as tar:
                for member in tar:
                    name = _member_name(member)
                    if name in result.seen or (name == MANIFEST and result.manifest is not None):
                        raise BackupError(f"Entri ganda dalam arsip / duplicate entry in the archive: {name}")
                    source = tar.extractfile(member)
                    if source is None:  # not reached: _member_name admits regular files only
                        raise BackupError(f"Entri tak terbaca / unreadable entry: {name}")
                    if name == MANIFEST:
                        if member.size > _MAX_MANIFEST:
                            raise BackupError("manifest.json terlalu besar / manifest.json too large")
                        result.manifest = json.loads(source.read())
                        continue
                    result.seen[name] = _copy_out(source, place(name), member)
            # Read past tar's end-of-archive blocks to the physical end: only there is the last
            # encrypted chunk authenticated (a cut or extended file fails here).
            while stream.read(_BLOCK):
                pass
        except crypto.WrongKeyError as exc:
            raise BackupError(
                f"Kunci salah atau arsip rusak. / Wrong key or damaged archive. {exc}"
            ) from None
        except crypto.BackupCryptoError as exc:
            raise BackupError(str(exc)) from None
        except (tarfile.TarError, EOFError, json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise BackupError(
                f"Arsip rusak atau bukan arsip cadangan / damaged archive or not a backup archive ({exc})"
            ) from None
    return result


def _engine_mismatch(archive_engine: str, target_engine: str) -> BackupError:
    source, target = ENGINE_NAMES.get(archive_engine, archive_engine), ENGINE_NAMES[target_engine]
    return BackupError(
        f"Arsip dari {source}, basis data tujuan {target}; pulihkan ke mesin yang sama / "
        f"the archive is from {source}, the target database is {target}; restore to the same engine"
    )


def _check_key(archive: Path, key: bytes | None) -> None:
    """The header alone says whether a key is needed and whether it is the right one: an
    operator with the wrong key hears so before any other check."""
    with archive.open("rb") as f:
        head = f.read(crypto.HEADER_BYTES)
    if not crypto.is_encrypted(head):
        return
    if key is None:
        raise BackupError(_NEEDS_KEY)
    try:
        crypto.DecryptingReader(io.BytesIO(head + b"\0" * crypto.TAG_BYTES), key)
    except crypto.WrongKeyError as exc:
        raise BackupError(f"Kunci salah atau arsip rusak. / Wrong key or damaged archive. {exc}") from None
    except crypto.BackupCryptoError as exc:
        raise BackupError(str(exc)) from None


def _verify(extracted: _Extracted, target_engine: str | None) -> dict[str, Any]:
    manifest = extracted.manifest
    if manifest is None:
        raise BackupError(
            "Arsip tidak lengkap: manifest.json tidak ada / incomplete archive: manifest.json is missing"
        )
    if manifest.get("format") != FORMAT:
        raise BackupError("Bukan arsip cadangan Satu Data Anak / not a Satu Data Anak backup archive")
    if int(manifest.get("format_version", 0)) > FORMAT_VERSION:
        raise BackupError(
            f"Arsip format versi {manifest.get('format_version')} dibuat oleh platform yang lebih baru;"
            " perbarui platform dulu / the archive's format is newer than this platform; upgrade first"
        )
    engine = manifest.get("engine")
    if target_engine is not None and engine != target_engine:
        raise _engine_mismatch(str(engine), target_engine)
    expected = {
        manifest["database"]["member"]: (manifest["database"]["sha256"], manifest["database"]["size"])
    }
    expected |= {name: (entry["sha256"], entry["size"]) for name, entry in manifest["files"].items()}
    seen = extracted.seen
    problems = [f"tidak ada / missing: {n}" for n in sorted(set(expected) - set(seen))]
    problems += [f"tidak tercatat / not in the manifest: {n}" for n in sorted(set(seen) - set(expected))]
    problems += [
        f"isi berbeda / checksum differs: {n}"
        for n in sorted(set(seen) & set(expected))
        if seen[n] != expected[n]
    ]
    if problems:
        shown = "\n  ".join(problems[:20]) + (f"\n  … +{len(problems) - 20}" if len(problems) > 20 else "")
        raise BackupError(
            "Arsip tidak cocok dengan manifestnya (rusak atau diubah); tidak ada yang diubah / "
            f"the archive does not match its manifest (damaged or altered); nothing was changed:\n  {shown}"
        )
    return manifest


def _unknown_migrations(schema: dict[str, list[str]]) -> list[str]:
    """Migrations the archive's database had applied that this code does not have: the archive
    comes from a newer platform, whose tables this code would misread."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    known = set(loader.disk_migrations)
    for migration in loader.disk_migrations.values():
        known.update((str(app), str(name)) for app, name in migration.replaces)
    return sorted(
        f"{app}.{name}" for app, names in schema.items() for name in names if (app, name) not in known
    )


def _pending_migrations(connection: BaseDatabaseWrapper) -> list[str]:
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{m.app_label}.{m.name}" for m, _backwards in plan]


def _place_root(root: Path, temp: Path, stamp: str) -> Path | None:
    """Put the verified copy `temp` where `root` is; an old non-empty root is renamed aside
    (returned), never deleted: the operator removes it once the restore has been checked."""
    aside = None
    mode = root.stat().st_mode & 0o777 if root.exists() else 0o755
    if os.path.ismount(root):
        # A mounted folder cannot be renamed: move the entries across instead (`temp` was made
        # inside it, and the root was checked empty).
        for entry in temp.iterdir():
            os.replace(entry, root / entry.name)
        temp.rmdir()
        return None
    if root.exists():
        if any(root.iterdir()):
            aside = root.with_name(f"{root.name}.pre-restore-{stamp}")
            os.rename(root, aside)
        else:
            root.rmdir()
    os.chmod(temp, mode)
    os.rename(temp, root)
    _fsync_dir(root.parent)
    return aside


def _temp_for_root(root: Path, name: str, stack: ExitStack) -> Path:
    if os.path.ismount(root):
        if any(root.iterdir()):
            raise BackupError(
                f"{root} adalah titik kait dan tidak kosong; kosongkan dulu / "
                f"{root} is a mount point and not empty; empty it first"
            )
        parent = root
    else:
        parent = root.parent
        parent.mkdir(parents=True, exist_ok=True)
    # Beside the root, on its file system: putting it in place is a rename.
    temp = Path(tempfile.mkdtemp(prefix=f".{root.name}.restore-", dir=parent))
    stack.callback(shutil.rmtree, temp, ignore_errors=True)
    return temp


def restore_run(
    *,
    archive: Path,
    key: bytes | None,
    force: bool = False,
    migrate: bool = False,
    check_only: bool = False,
    progress: bool = False,
    log: Log = quiet,
    using: str = "default",
) -> RestoreResult:
    """Verify the archive completely, then replace the database and the files with it, then
    check every table against the manifest. `check_only` stops after the verification."""
    from satuanak.audit.models import AuditAction
    from satuanak.audit.services import audit_record

    started = time.monotonic()
    if not archive.is_file():
        raise BackupError(f"Arsip tidak ditemukan / archive not found: {archive}")
    _check_key(archive, key)
    connection = connections[using]
    engine = _engine(connection)
    roots = _roots()

    if check_only:
        extracted = _extract(archive, key, lambda _name: None, progress)
        manifest = _verify(extracted, None)
        unknown = _unknown_migrations(manifest.get("schema", {}))
        if unknown:
            log(
                "peringatan / warning: arsip lebih baru dari kode ini / the archive is newer than this code: "
                + ", ".join(unknown[:10])
            )
        return _restore_result(archive, manifest, extracted, started, checked_only=True)

    state = _target_state(connection, engine, roots)
    if not force and (state.data_tables or state.file_roots):
        where = [*state.data_tables[:10], *(f"{n}/ ({roots[n]})" for n in state.file_roots)]
        raise BackupError(
            "Tujuan sudah berisi data; tidak ada yang diubah. Pulihkan ke basis data dan folder kosong, "
            "atau gunakan --force untuk menimpa / the target already holds data; nothing was changed. "
            "Restore into an empty database and folders, or use --force to replace it: " + ", ".join(where)
        )
    pg_restore = _tool("pg_restore") if engine == "postgresql" else ""

    with ExitStack() as stack:
        if engine == "sqlite":
            db_path = Path(connection.settings_dict["NAME"])
            db_path.parent.mkdir(parents=True, exist_ok=True)
            # Beside the live file, so that putting it in place is an atomic rename.
            db_dir = Path(tempfile.mkdtemp(prefix=".satuanak-restore-", dir=db_path.parent))
        else:
            db_dir = Path(tempfile.mkdtemp(prefix="satuanak-restore-"))
        stack.callback(shutil.rmtree, db_dir, ignore_errors=True)
        temps = {name: _temp_for_root(root, name, stack) for name, root in roots.items()}

        def place(name: str) -> Path:
            if name in DB_MEMBERS.values():
                if name != DB_MEMBERS[engine]:
                    archive_engine = next(e for e, m in DB_MEMBERS.items() if m == name)
                    raise _engine_mismatch(archive_engine, engine)
                return db_dir / PurePosixPath(name).name
            root_name, _sep, rel = name.partition("/")
            return temps[root_name] / rel

        extracted = _extract(archive, key, place, progress)
        manifest = _verify(extracted, engine)
        unknown = _unknown_migrations(manifest.get("schema", {}))
        if unknown:
            raise BackupError(
                "Arsip berasal dari versi platform yang lebih baru (migrasi tidak dikenal); perbarui kode "
                "dulu; tidak ada yang diubah / the archive comes from a newer platform (unknown "
                "migrations); upgrade the code first; nothing was changed: " + ", ".join(unknown[:10])
            )
        dump = db_dir / PurePosixPath(manifest["database"]["member"]).name
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
        set_aside: list[Path] = []

        # Everything is verified; from here on the target changes.
        if engine == "sqlite":
            # No PRAGMA quick_check here: the file's sha256 is the one of the copy the backup
            # fingerprinted row by row, and the schema calls SQL functions only Django registers.
            aside = _place_sqlite(connection, dump, keep_old=bool(state.data_tables), stamp=stamp)
            if aside:
                set_aside.append(aside)
        else:
            _place_postgresql(connection, pg_restore, dump, clean=bool(state.tables))
        for name, root in roots.items():
            aside = _place_root(root, temps[name], stamp)
            if aside:
                set_aside.append(aside)

    connection.close()
    restored = table_fingerprints(connection)
    expected = {t: (int(v["rows"]), str(v["checksum"])) for t, v in manifest["tables"].items()}
    problems = fingerprints_compare(expected, restored)
    if problems:
        raise BackupError(
            "Basis data yang dipulihkan berbeda dari arsip / "
            "the restored database differs from the archive:\n  " + "\n  ".join(problems)
        )
    result = _restore_result(archive, manifest, extracted, started)
    result.set_aside = set_aside
    result.pending_migrations = _pending_migrations(connection)
    if result.pending_migrations and migrate:
        from django.core.management import call_command

        call_command("migrate", interactive=False, verbosity=0, database=using)
        result.migrated = True
    try:
        audit_record(
            action=AuditAction.BACKUP_RESTORED,
            actor=None,
            subject_type="backup",
            subject_id=archive.name[:64],
            detail={
                "archive": str(archive),
                "archive_created_at": result.created_at,
                "archive_platform_version": result.platform_version,
                "platform_version": platform_version(),
                "engine": engine,
                "encrypted": result.encrypted,
                "tables": result.tables,
                "rows": result.rows,
                "files": result.files,
                "file_bytes": result.file_bytes,
                "forced": force,
                "set_aside": [str(p) for p in set_aside],
                "migrated": result.migrated,
            },
        )
        result.audit_recorded = True
    except DatabaseError as exc:
        # An archive older than the code may lack a column the audit model now has; the entry
        # can be written once `satuanak migrate` has run, so say so rather than fail the restore.
        log(
            "peringatan / warning: entri audit belum dapat ditulis sebelum migrate / "
            f"the audit entry could not be written before migrate: {exc}"
        )
    result.seconds = round(time.monotonic() - started, 1)
    return result


def _restore_result(
    archive: Path, manifest: dict[str, Any], extracted: _Extracted, started: float, checked_only: bool = False
) -> RestoreResult:
    files = {n: e for n, e in manifest["files"].items()}
    return RestoreResult(
        archive=archive,
        engine=str(manifest["engine"]),
        encrypted=extracted.encrypted,
        created_at=str(manifest.get("created_at", "")),
        platform_version=str(manifest.get("platform_version", "")),
        tables=len(manifest["tables"]),
        rows=sum(int(v["rows"]) for v in manifest["tables"].values()),
        files=len(files),
        file_bytes=sum(int(e["size"]) for e in files.values()),
        seconds=round(time.monotonic() - started, 1),
        checked_only=checked_only,
    )


def _place_sqlite(connection: BaseDatabaseWrapper, copy: Path, *, keep_old: bool, stamp: str) -> Path | None:
    target = Path(connection.settings_dict["NAME"])
    connection.close()
    if _sqlite_in_use(target):
        raise BackupError(
            "Basis data sedang dibuka proses lain; hentikan layanan dulu; tidak ada yang diubah / "
            f"the database is open in another process; stop the services first; nothing was changed: {target}"
        )
    os.chmod(copy, target.stat().st_mode & 0o777 if target.exists() else 0o600)
    # The old file's journal would be replayed into the new one: it goes first.
    for sidecar in _sqlite_sidecars(target):
        sidecar.unlink(missing_ok=True)
    aside = None
    if keep_old and target.exists():
        aside = target.with_name(f"{target.name}.pre-restore-{stamp}")
        os.replace(target, aside)
    os.replace(copy, target)
    _fsync_dir(target.parent)
    return aside


def _place_postgresql(connection: BaseDatabaseWrapper, pg_restore: str, dump: Path, *, clean: bool) -> None:
    connection.close()
    args = [pg_restore, "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction"]
    if clean:
        # The target has tables: with --force they hold the data being replaced, without it
        # they are empty (a migrated database), and in both cases the archive's must replace them.
        args += ["--clean", "--if-exists"]
    args += ["--no-password", f"--dbname={_pg_dbname(connection.settings_dict)}", str(dump)]
    done = subprocess.run(  # noqa: S603  # nosec B603 - fixed arguments, no shell
        args, env=_pg_env(connection.settings_dict), capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise BackupError(
            "pg_restore gagal; basis data tidak berubah (satu transaksi) / pg_restore failed; the "
            f"database is unchanged (one transaction):\n{done.stderr.strip()[-2000:]}"
        )


def summary_lines(result: BackupResult | RestoreResult) -> list[str]:
    if isinstance(result, BackupResult):
        lines = [
            f"Arsip / archive: {result.path}",
            f"  {_human(result.size)}, sha256 {result.sha256}",
            "  "
            + (
                f"terenkripsi / encrypted, key id {result.key_id}"
                if result.encrypted
                else "TIDAK terenkripsi / NOT encrypted"
            ),
            f"  {result.tables} tabel / tables, {result.rows} baris / rows, {result.files} berkas / files "
            f"({_human(result.file_bytes)}), {result.seconds} s",
        ]
        lines += [f"  dihapus / pruned: {p.name}" for p in result.pruned]
        return lines
    verb = "Arsip utuh / archive verified" if result.checked_only else "Dipulihkan / restored"
    lines = [
        f"{verb}: {result.archive} (dibuat / made {result.created_at}, {result.platform_version}, "
        f"{ENGINE_NAMES.get(result.engine, result.engine)})",
        f"  {result.tables} tabel / tables, {result.rows} baris / rows, {result.files} berkas / files "
        f"({_human(result.file_bytes)}), {result.seconds} s",
    ]
    lines += [
        f"  data lama disisihkan; hapus setelah diperiksa / old data set aside; delete once checked: {p}"
        for p in result.set_aside
    ]
    if result.pending_migrations and not result.migrated:
        lines.append(
            f"  Arsip lebih lama dari kode ({len(result.pending_migrations)} migrasi belum dijalankan): "
            "jalankan `satuanak migrate` sekarang / the archive is older than the code "
            f"({len(result.pending_migrations)} migrations pending): run `satuanak migrate` next"
        )
    elif result.migrated:
        lines.append(f"  {len(result.pending_migrations)} migrasi dijalankan / migrations applied")
    return lines
