"""The platform's own checks, shared by /readyz (is this instance ready for traffic?) and
`satuanak check-deploy` (is this installation right?). Each returns a Check with a reading in
Bahasa Indonesia and English and, when it fails, what the operator should do."""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from satuanak.ops.models import WorkerHeartbeat
from satuanak.ops.services import WORKER_STALE_AFTER, workers_alive


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    # A warning is reported but does not fail check-deploy or /readyz.
    warning: bool = False


_migrations_checked = False


def check_database() -> Check:
    started = time.perf_counter()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        connection.close()
        return Check(
            "database",
            False,
            "Basis data tidak terjangkau; periksa `systemctl status postgresql` dan DATABASE_URL. / "
            f"Database unreachable ({exc.__class__.__name__}); check PostgreSQL and DATABASE_URL.",
        )
    ms = (time.perf_counter() - started) * 1000
    return Check("database", True, f"{connection.vendor}, {ms:.0f} ms")


def check_migrations() -> Check:
    """All migrations applied. Once true it stays true for the life of the process (a deploy
    restarts the processes), so /readyz does not read every migration file on every probe."""
    global _migrations_checked
    if _migrations_checked:
        return Check("migrations", True, "semua diterapkan / all applied")
    try:
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError:
        return Check("migrations", False, "tidak dapat diperiksa (basis data) / cannot check (database)")
    if plan:
        names = ", ".join(f"{m.app_label}.{m.name}" for m, _ in plan[:5])
        return Check(
            "migrations",
            False,
            f"{len(plan)} migrasi belum diterapkan ({names}); jalankan `satuanak migrate`. / "
            f"{len(plan)} migrations not applied; run `satuanak migrate`.",
        )
    _migrations_checked = True
    return Check("migrations", True, "semua diterapkan / all applied")


def check_worker() -> Check:
    try:
        alive = workers_alive()
        last = WorkerHeartbeat.objects.order_by("-beat_at").first()
    except DatabaseError:
        return Check("worker", False, "tidak dapat diperiksa (basis data) / cannot check (database)")
    if alive:
        return Check("worker", True, f"{len(alive)} hidup / alive")
    since = (
        f"denyut terakhir {timezone.localtime(last.beat_at):%Y-%m-%d %H:%M} / last beat"
        if last
        else "belum pernah berdenyut / never beat"
    )
    return Check(
        "worker",
        False,
        f"Tidak ada pekerja hidup ({since}); unggahan tidak diproses. Jalankan "
        "`systemctl restart satuanak-worker`. / No worker alive: uploads are not processed "
        f"(a worker is dead after {int(WORKER_STALE_AFTER.total_seconds())} s without a beat).",
    )


def _data_dirs() -> dict[str, Path]:
    dirs = {"media": Path(settings.MEDIA_ROOT), "staging": Path(settings.SATUANAK_STAGING_DIR)}
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        dirs["database"] = Path(str(db["NAME"])).parent
    return dirs


def check_disk() -> list[Check]:
    """Free space where uploads, staged rows and (on SQLite) the database are written. Below the
    limit an upload would fail half-way: better to stop taking them and say why."""
    min_free = settings.SATUANAK_MIN_FREE_DISK_MB * 1024 * 1024
    checks = []
    for name, path in _data_dirs().items():
        existing = path
        while not existing.exists() and existing != existing.parent:
            existing = existing.parent
        usage = shutil.disk_usage(existing)
        free_mb = usage.free // (1024 * 1024)
        ok = usage.free >= min_free
        detail = f"{free_mb:,} MB bebas / free ({path})"
        if not ok:
            detail = (
                f"Ruang disk hampir habis: {free_mb:,} MB bebas di {path} (batas "
                f"{settings.SATUANAK_MIN_FREE_DISK_MB:,} MB); hapus cadangan lama atau tambah disk. / "
                f"Disk almost full: {free_mb:,} MB free; remove old backups or add disk."
            )
        checks.append(Check(f"disk:{name}", ok, detail))
    return checks


def readiness() -> list[Check]:
    database = check_database()
    if not database.ok:
        return [database]
    return [database, check_migrations(), check_worker(), *check_disk()]
