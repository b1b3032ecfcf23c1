"""Faults the district's server will meet, done for real: a worker killed with SIGKILL in the
middle of an import, PostgreSQL restarted under a running site and worker, the upload disk
filling up. Each must leave no half-written data, and the platform must either recover by itself
or say clearly what to do.

The processes are the real ones (`satuanak worker`, gunicorn with deploy/gunicorn.conf.py) on
the test database, started as subprocesses with the production settings; the full disk is a
small tmpfs (faults_helpers.py).
"""

from __future__ import annotations

import csv
import subprocess
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections
from django.test import Client
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from satuanak.audit.models import AuditAction, AuditEvent
from satuanak.core.sources import Source
from satuanak.imports import staging
from satuanak.imports.models import ImportBatch, ImportIssue, RejectedRow
from satuanak.imports.services import batch_stored_file, import_batch_create, import_file_run, staged_records
from satuanak.imports.tasks import import_batch_task
from satuanak.ops.models import WorkerHeartbeat
from satuanak.ops.tests import faults_helpers as fh
from satuanak.synth import generate_district

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


def _siak_file(out: Path, *, children: int, seed: int, refused: int) -> tuple[Path, int]:
    """A synthetic SIAK export with `refused` rows that must be refused (no name): (file, rows)."""
    generate_district(
        out_dir=out / "district",
        children=children,
        seed=seed,
        reference_date=date(2024, 12, 31),
        data_dir=Path(django_settings.SATUANAK_DATA_DIR),
    )
    (generated,) = (out / "district" / "exports" / "siak").glob("*.csv")
    with generated.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    for row in rows[:refused]:
        row["NAMA_LGKP"] = ""
    path = out / f"siak_{children}_{seed}.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path, len(rows)


def _import_tables() -> dict[str, int]:
    """What an import commits, counted: batches done, refused rows, issues, audit entries."""
    return {
        "done": ImportBatch.objects.filter(status=ImportBatch.Status.DONE).count(),
        "rejected_rows": RejectedRow.objects.count(),
        "issues": ImportIssue.objects.count(),
        "audit": AuditEvent.objects.filter(action=AuditAction.IMPORT_RUN).count(),
    }


@pytest.fixture
def processes() -> Iterator[list[fh.Process]]:
    """Every subprocess a test starts, stopped at the end whatever happened."""
    started: list[fh.Process] = []
    yield started
    for process in started:
        process.stop()


# --- 1. a worker killed in the middle of an import ---------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_import_commits_nothing_and_the_next_worker_finishes_the_import(
    reference_data: None, settings: Any, tmp_path: Path, processes: list[fh.Process]
) -> None:
    media = tmp_path / "media"
    settings.MEDIA_ROOT = media
    settings.TASKS = DB_TASKS  # queued in the database, run by the worker subprocesses
    staging_dir = Path(settings.SATUANAK_STAGING_DIR)
    path, rows = _siak_file(tmp_path, children=3_000, seed=11, refused=7)
    before = _import_tables()
    batch = import_batch_create(source=Source.SIAK, path=path, file_name=path.name)
    result_id = import_batch_task.enqueue(batch.pk).id
    stored = batch.stored_path  # relative to MEDIA_ROOT

    marker = tmp_path / "held"
    env = fh.subprocess_env(media=media, staging=staging_dir, SATUANAK_FAULTS_MARKER=str(marker))
    script = Path(fh.__file__).with_name("faults_worker.py")
    first = fh.start(
        "worker-1", fh.worker_argv("--worker-id", "faults-1", script=script), env=env, log_dir=tmp_path
    )
    processes.append(first)
    fh.wait_until(marker.exists, timeout=60, what="the worker reached the import's write", logs=[first])
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.RUNNING
    first.kill_hard()

    # Nothing of the batch was committed: not done, no staged file referenced, the tables as
    # they were, and the rows it had staged are read by nobody.
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.RUNNING and batch.staged_file == ""
    assert _import_tables() == before
    assert staged_records("siak") is None
    result = DBTaskResult.objects.get(pk=result_id)
    assert result.status == TaskResultStatus.RUNNING and result.worker_ids == ["faults-1"]
    # On disk: the stored upload, and in staging at most this batch's own uncommitted file.
    assert fh.files_under(media) == [stored]
    own_file = str(staging.batch_file("siak", batch.pk))
    assert set(fh.files_under(staging_dir)) <= {own_file}

    # A new worker (the plain service command) notices the dead one at start, queues its task
    # again and runs it to the end; --max-tasks 1 stops it after that one task (the linkage run
    # the import queues next is not part of this test).
    second = fh.start(
        "worker-2",
        fh.worker_argv("--worker-id", "faults-2", "--max-tasks", "1"),
        env=fh.subprocess_env(media=media, staging=staging_dir),
        log_dir=tmp_path,
    )
    processes.append(second)
    second.popen.wait(timeout=90)
    assert second.popen.returncode == 0, second.output()

    result.refresh_from_db()
    assert result.status == TaskResultStatus.SUCCESSFUL, second.output()
    assert result.worker_ids == ["faults-1", "faults-2"]  # two claims: the dead one, the finishing one
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.DONE, batch.message
    assert (batch.rows_in, batch.rejected, batch.accepted) == (rows, 7, rows - 7)
    assert batch.inserted == batch.accepted  # the first import of these records: all new, none twice
    assert RejectedRow.objects.filter(batch=batch).count() == 7
    assert _import_tables()["done"] == before["done"] + 1
    staged = staged_records("siak")
    assert staged is not None
    frame = staged.collect()
    assert frame.height == frame["natural_key"].n_unique() == rows - 7
    assert set(frame["batch_id"].unique().to_list()) == {batch.pk}
    # No temporary or orphaned file anywhere: the upload and the one committed staged file.
    assert fh.files_under(media) == [stored]
    assert fh.files_under(staging_dir) == [batch.staged_file]
    assert WorkerHeartbeat.objects.get(worker_id="faults-2").stopped_at is not None


# --- 2. PostgreSQL restarted under the running site and worker --------------------------------------

PG_CTLCLUSTER = "/usr/bin/pg_ctlcluster"
PG_LSCLUSTERS = "/usr/bin/pg_lsclusters"
PG_ISREADY = "/usr/bin/pg_isready"

# Everything the test runs refused, so the worker's tasks bring no rows (no linkage run follows).
SIMFONI_REFUSED = (
    "NO REGISTER;TGL LAPOR;NIK KORBAN;NAMA KORBAN;JK;TGL LAHIR;UMUR;DESA;JENIS KEKERASAN;TEMPAT KEJADIAN;"
    "LAYANAN;STATUS\n"
    "{register};04-01-2099;6107090603070026;Nama Lain;L;06-03-2007;17;Desa Khayalan;Fisik;Rumah Tangga;"
    "Kesehatan;Selesai\n"
)


def _cluster() -> tuple[str, str]:
    """(version, name) of the local cluster serving the test database, found by its port."""
    port = str(connection.settings_dict.get("PORT") or "5432")
    listing = subprocess.run([PG_LSCLUSTERS, "-h"], capture_output=True, text=True, check=True)  # noqa: S603 - fixed argv
    for line in listing.stdout.splitlines():
        version, name, cluster_port, *_ = line.split()
        if cluster_port == port:
            return version, name
    pytest.fail(f"no local PostgreSQL cluster on port {port} ({listing.stdout.strip()!r})", pytrace=False)


def _pg_ctl(version: str, name: str, action: str) -> None:
    subprocess.run(  # noqa: S603 - fixed argv: the cluster the tests already use, a fixed action
        [PG_CTLCLUSTER, "--skip-systemctl-redirect", version, name, action],
        capture_output=True,
        check=True,
        timeout=60,
    )


def _pg_ready() -> bool:
    port = str(connection.settings_dict.get("PORT") or "5432")
    host = str(connection.settings_dict.get("HOST") or "127.0.0.1")
    ready = subprocess.run([PG_ISREADY, "-q", "-h", host, "-p", port], check=False)  # noqa: S603 - fixed argv
    return ready.returncode == 0


def _ensure_cluster_up(version: str, name: str) -> None:
    """Whatever happened in the test, the cluster runs again: other tests (and people) use it."""
    if not _pg_ready():
        subprocess.run(  # noqa: S603 - as _pg_ctl, without failing when it already runs
            [PG_CTLCLUSTER, "--skip-systemctl-redirect", version, name, "start"],
            capture_output=True,
            check=False,
            timeout=60,
        )
    deadline = time.monotonic() + 60
    while not _pg_ready():
        if time.monotonic() > deadline:
            raise RuntimeError(f"PostgreSQL {version}/{name} did not come back: start it by hand")
        time.sleep(0.2)
    # This process's connections died with the server: the next query reconnects.
    connections.close_all()


def _simfoni_batch(tmp_path: Path, register: str) -> ImportBatch:
    path = tmp_path / f"simfoni-{register.replace('/', '-')}.csv"
    path.write_bytes(SIMFONI_REFUSED.format(register=register).encode("cp1252"))
    return import_batch_create(source=Source.SIMFONI, path=path)


def _answers(port: int, paths: list[str], cookie: str) -> dict[str, fh.Answer]:
    # /readyz as a monitor asks it, without a session (with one, the session lookup in the
    # middleware meets the outage first and the answer is the 503 page, not the JSON).
    return {p: fh.get(port, p, cookie="" if p == "/readyz" else cookie) for p in paths}


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="a database server to restart: runs in the PostgreSQL pass"
)
@pytest.mark.django_db(transaction=True)
@pytest.mark.restarts_database
def test_postgresql_restarting_under_the_site_and_the_worker_loses_nothing_and_heals_by_itself(
    reference_data: None, personas: dict[str, Any], settings: Any, tmp_path: Path, processes: list[fh.Process]
) -> None:
    version, name = _cluster()
    media, staging_dir = tmp_path / "media", Path(settings.SATUANAK_STAGING_DIR)
    settings.MEDIA_ROOT = media
    settings.TASKS = DB_TASKS
    browser = _signed_in(personas["steward"])
    cookie = f"{settings.SESSION_COOKIE_NAME}={browser.cookies[settings.SESSION_COOKIE_NAME].value}"
    port = fh.free_port()
    held, release = tmp_path / "held", tmp_path / "release"
    env = fh.subprocess_env(
        media=media,
        staging=staging_dir,
        SATUANAK_BIND=f"127.0.0.1:{port}",
        SATUANAK_WEB_WORKERS="2",
        SATUANAK_WEB_THREADS="4",
        SATUANAK_MIN_FREE_DISK_MB="1",
        # The worker's second import is held inside its write across the restart (faults_worker.py).
        SATUANAK_FAULTS_MARKER=str(held),
        SATUANAK_FAULTS_RELEASE=str(release),
        SATUANAK_FAULTS_HOLD_AT="2",
    )
    script = Path(fh.__file__).with_name("faults_worker.py")
    web = fh.start("gunicorn", fh.gunicorn_argv(), env=env, log_dir=tmp_path)
    worker = fh.start(
        "worker", fh.worker_argv("--worker-id", "faults-pg", script=script), env=env, log_dir=tmp_path
    )
    processes.extend([web, worker])
    logs = [web, worker]

    def answers_ok() -> bool:
        try:
            return fh.get(port, "/healthz").status == 200
        except OSError:
            return False

    fh.wait_until(answers_ok, timeout=60, what="gunicorn answers", logs=logs)
    fh.wait_until(
        WorkerHeartbeat.objects.filter(worker_id="faults-pg").exists,
        timeout=60,
        what="worker beats",
        logs=logs,
    )
    # Pages that need the database: the map (with the signed-in session), the upload page (it
    # writes an audit entry), readiness.
    pages = ["/", "/impor/", "/readyz"]
    before = _answers(port, pages, cookie)
    assert {p: a.status for p, a in before.items()} == dict.fromkeys(pages, 200), before["/readyz"].body
    web_processes = fh.child_pids(web.pid)
    assert len(web_processes) == 2
    # Data written before the restart: an import the worker ran, and the pages' audit entries.
    earlier = _simfoni_batch(tmp_path, "001/PPA/I/2024")
    import_batch_task.enqueue(earlier.pk)
    fh.wait_until(
        lambda: ImportBatch.objects.get(pk=earlier.pk).status == ImportBatch.Status.DONE,
        timeout=30,
        what="the worker imports before the restart",
        logs=logs,
    )
    audit_before = AuditEvent.objects.filter(action=AuditAction.IMPORT_VIEWED).count()
    assert audit_before >= 1
    # An import in the middle of its write (uncommitted) when the database goes away.
    path, rows = _siak_file(tmp_path, children=500, seed=12, refused=3)
    cut = import_batch_create(source=Source.SIAK, path=path)
    cut_result = import_batch_task.enqueue(cut.pk).id
    fh.wait_until(held.exists, timeout=60, what="the worker is inside the import's write", logs=logs)
    connection.close()

    try:
        _pg_ctl(version, name, "stop")
        # The outage: every page that needs the database says so, in both languages, with a
        # Retry-After; never a 500, never a traceback. Readiness reports the database.
        for _round in range(3):
            during = _answers(port, pages, cookie)
            for path_ in ("/", "/impor/"):
                answer = during[path_]
                assert answer.status == 503, (path_, answer.status, answer.body[:500])
                assert answer.headers.get("retry-after") == "10"
                assert (
                    "Layanan sedang tidak tersedia" in answer.body
                    and "Temporarily unavailable" in answer.body
                )
                assert "Traceback" not in answer.body and "OperationalError" not in answer.body
            readyz = during["/readyz"]
            assert readyz.status == 503 and readyz.body.count('"ok": false') == 1
            assert "Basis data tidak terjangkau" in readyz.body and "Database unreachable" in readyz.body
            time.sleep(0.3)
        assert worker.running(), worker.output()
        _pg_ctl(version, name, "start")
    finally:
        _ensure_cluster_up(version, name)
    restarted_at = timezone.now()
    # The held import goes on and meets its dead connection only now, with the database back:
    # the usual case of a short restart (the import was busy elsewhere while it happened).
    release.touch()

    # Back by itself: the same gunicorn processes answer again within seconds, not restarted.
    def all_ok() -> bool:
        return all(a.status == 200 for a in _answers(port, pages, cookie).values())

    fh.wait_until(all_ok, timeout=15, what="the site answers 200 again after the restart", logs=logs)
    assert web.running() and fh.child_pids(web.pid) == web_processes
    # The worker rode it out: the same process, beating again.
    assert worker.running(), worker.output()
    fh.wait_until(
        lambda: WorkerHeartbeat.objects.get(worker_id="faults-pg").beat_at > restarted_at,
        timeout=30,
        what="a heartbeat after the restart",
        logs=logs,
    )
    # The cut import committed nothing, was queued again by the same worker and ran whole.
    fh.wait_until(
        lambda: (
            DBTaskResult.objects.get(pk=cut_result).status != TaskResultStatus.RUNNING
            and ImportBatch.objects.get(pk=cut.pk).status == ImportBatch.Status.DONE
        ),
        timeout=45,
        what="the import cut by the restart is run again to the end",
        logs=logs,
    )
    result = DBTaskResult.objects.get(pk=cut_result)
    assert result.status == TaskResultStatus.SUCCESSFUL, result.traceback
    assert result.worker_ids == ["faults-pg", "faults-pg"]  # its claim before and after the restart
    cut.refresh_from_db()
    assert (cut.rows_in, cut.rejected, cut.inserted) == (rows, 3, rows - 3)
    assert RejectedRow.objects.filter(batch=cut).count() == 3
    earlier.refresh_from_db()
    assert set(fh.files_under(staging_dir)) == {earlier.staged_file, cut.staged_file}  # no temporary file
    # And work queued after the restart is done.
    later = _simfoni_batch(tmp_path, "002/PPA/I/2024")
    later_result = import_batch_task.enqueue(later.pk).id
    fh.wait_until(
        lambda: DBTaskResult.objects.get(pk=later_result).status == TaskResultStatus.SUCCESSFUL,
        timeout=60,
        what="the worker runs a task queued after the restart",
        logs=logs,
    )
    later.refresh_from_db()
    assert later.status == ImportBatch.Status.DONE and later.rejected == 1
    # Nothing written before the restart was lost.
    earlier.refresh_from_db()
    assert (
        earlier.status == ImportBatch.Status.DONE and RejectedRow.objects.filter(batch=earlier).count() == 1
    )
    assert AuditEvent.objects.filter(action=AuditAction.IMPORT_VIEWED).count() >= audit_before


# --- 3. the upload disk filling up ------------------------------------------------------------------


def _signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_an_upload_onto_a_full_disk_says_so_on_the_form_and_leaves_nothing_half_written(
    personas: dict[str, Any], settings: Any, tmp_path: Path
) -> None:
    path, rows = _siak_file(tmp_path, children=800, seed=5, refused=0)
    content = path.read_bytes()
    steward = _signed_in(personas["steward"])
    settings.TASKS = DB_TASKS  # the upload only queues the import; it is run below, once stored
    with fh.small_disk(tmp_path / "media", size_kb=2048) as media:
        settings.MEDIA_ROOT = media
        filler = fh.fill(media, leave_bytes=128 * 1024)
        assert len(content) > 2 * 128 * 1024  # the file does not fit in what is left

        response = steward.post(
            "/impor/", {"sumber": "siak", "berkas": SimpleUploadedFile(path.name, content)}
        )

        # Said on the upload page itself, in both languages, with the form to send it again.
        assert response.status_code == 507
        body = response.content.decode()
        assert "Ruang penyimpanan server penuh" in body and "storage is full" in body
        assert 'name="berkas"' in body and 'name="sumber"' in body
        # No batch, and no part of the file under its final name or a temporary one.
        assert not ImportBatch.objects.exists()
        assert not DBTaskResult.objects.exists()
        assert fh.files_under(media) == [filler.name]

        # Space freed: the very same upload goes through, whole.
        filler.unlink()
        response = steward.post(
            "/impor/", {"sumber": "siak", "berkas": SimpleUploadedFile(path.name, content)}
        )
        assert response.status_code == 302
        batch = ImportBatch.objects.get()
        stored = batch_stored_file(batch)
        assert stored.parent == media / "imports" and stored.read_bytes() == content
        assert fh.files_under(media) == [str(stored.relative_to(media))]
        import_batch_task.call(batch.pk)  # what the worker does with the queued task
        batch.refresh_from_db()
        assert batch.status == ImportBatch.Status.DONE and batch.rows_in == batch.accepted == rows


@pytest.mark.django_db
def test_the_staging_disk_filling_during_the_write_commits_nothing_and_leaves_no_file(
    reference_data: None, settings: Any, tmp_path: Path
) -> None:
    path, rows = _siak_file(tmp_path, children=3_000, seed=6, refused=5)
    settings.MEDIA_ROOT = tmp_path / "media"
    before = _import_tables()
    with fh.small_disk(tmp_path / "staging", size_kb=1024) as staging_dir:
        settings.SATUANAK_STAGING_DIR = staging_dir
        filler = fh.fill(staging_dir, leave_bytes=32 * 1024)

        # The batch's Parquet file does not fit: the write fails as a full disk (not as a bug in
        # the data), and the one transaction takes the refused rows and the issues back with it.
        with pytest.raises(OSError, match="No space left on device"):
            import_file_run(source=Source.SIAK, path=path)

        batch = ImportBatch.objects.get()
        assert batch.status != ImportBatch.Status.DONE and batch.staged_file == ""
        assert _import_tables() == before
        assert staged_records("siak") is None
        assert fh.files_under(staging_dir) == [filler.name]  # no partial file, no temporary one

        # Space freed, the same file imports whole (the interrupted batch never counted).
        filler.unlink()
        (done,) = import_file_run(source=Source.SIAK, path=path)
        assert done.status == ImportBatch.Status.DONE
        assert (done.rows_in, done.rejected) == (rows, 5)
        assert fh.files_under(staging_dir) == [done.staged_file]


@pytest.mark.django_db
def test_readyz_fails_its_disk_check_while_the_upload_disk_is_nearly_full(
    client: Client, settings: Any, tmp_path: Path
) -> None:
    settings.SATUANAK_MIN_FREE_DISK_MB = 1
    with fh.small_disk(tmp_path / "media", size_kb=2048) as media:
        settings.MEDIA_ROOT = media
        filler = fh.fill(media, leave_bytes=256 * 1024)

        response = client.get("/readyz")

        assert response.status_code == 503
        checks = response.json()["checks"]
        assert checks["disk:media"]["ok"] is False
        detail = checks["disk:media"]["detail"]
        assert "Ruang disk hampir habis" in detail and "Disk almost full" in detail and str(media) in detail
        assert checks["disk:staging"]["ok"] is True  # it names the disk that is full, not every one

        filler.unlink()
        checks = client.get("/readyz").json()["checks"]
        assert checks["disk:media"]["ok"] is True


def test_an_evidence_file_onto_a_full_disk_leaves_no_part_of_itself(settings: Any, tmp_path: Path) -> None:
    from satuanak.common.uploads import CheckedFile, store

    data = b"%PDF-1.4\n" + b"x" * (256 * 1024)
    item = CheckedFile("surat.pdf", data, "application/pdf", ".pdf", "cd" * 32)
    with fh.small_disk(tmp_path / "media", size_kb=1024) as media:
        settings.MEDIA_ROOT = media
        filler = fh.fill(media, leave_bytes=64 * 1024)
        with pytest.raises(OSError, match="No space left on device"):
            store(item, folder="bukti")
        assert fh.files_under(media) == [filler.name]  # neither the final name nor a temporary one
        filler.unlink()
        relative = store(item, folder="bukti")
        assert (media / relative).read_bytes() == data
