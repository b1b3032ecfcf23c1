"""Recovery of tasks whose worker died (ops/services.py `tasks_recover_orphaned`), case by case:
what is queued again, what is failed and says so, and what must be left alone. The end-to-end
kill of a real worker is in test_faults.py."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db import InterfaceError, OperationalError, connection
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from satuanak.imports import staging
from satuanak.imports.models import ImportBatch
from satuanak.imports.tasks import import_batch_task
from satuanak.ops.management.commands.worker import _connection_lost
from satuanak.ops.models import WorkerHeartbeat
from satuanak.ops.services import MAX_ATTEMPTS, WORKER_LOST, WORKER_STALE_AFTER, tasks_recover_orphaned

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


@pytest.fixture(autouse=True)
def _database_queue(settings: Any) -> None:
    settings.TASKS = DB_TASKS  # tasks are rows to recover, not run at once


@pytest.fixture(scope="module")
def gone_pid() -> int:
    """The pid of a process of this machine that has ended (and been reaped)."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def _batch(status: str = ImportBatch.Status.RUNNING) -> ImportBatch:
    return ImportBatch.objects.create(
        source="siak",
        adapter="siak",
        file_name="siak.csv",
        sha256="ab" * 32,
        status=status,
        started_at=timezone.now(),
        stage="menyimpan / writing",
        progress=50,
    )


def _claimed(batch: ImportBatch, *workers: str, started_ago: timedelta = timedelta(0)) -> DBTaskResult:
    """The batch's import task, claimed by `workers` in turn (as each worker's claim does)."""
    result = DBTaskResult.objects.get(pk=import_batch_task.enqueue(batch.pk).id)
    for worker in workers:
        result.claim(worker)
    DBTaskResult.objects.filter(pk=result.pk).update(started_at=timezone.now() - started_ago)
    result.refresh_from_db()
    return result


def _beat(worker_id: str, *, pid: int, hostname: str | None = None, ago: timedelta = timedelta(0)) -> None:
    now = timezone.now()
    WorkerHeartbeat.objects.create(
        worker_id=worker_id,
        hostname=hostname or socket.gethostname(),
        pid=pid,
        started_at=now - ago,
        beat_at=now - ago,
    )


def _leftovers(batch: ImportBatch, dead_pid: int) -> list[Path]:
    """What a worker killed inside the write leaves: the uncommitted file, a half-written one."""
    final = staging.staging_root() / staging.batch_file("siak", batch.pk)
    final.parent.mkdir(parents=True, exist_ok=True)
    half = final.with_name(f".{final.name}.{dead_pid}.tmp")
    for path in (final, half):
        path.write_bytes(b"PAR1 not committed")
    return [final, half]


@pytest.mark.django_db
def test_a_task_whose_worker_died_is_queued_again_and_its_leftovers_removed(gone_pid: int) -> None:
    batch = _batch()
    result = _claimed(batch, "dead")
    _beat("dead", pid=gone_pid)  # beat a moment ago, but its process is gone: dead at once
    leftovers = _leftovers(batch, gone_pid)
    other_done = staging.staging_root() / "siak" / "batch-99999999.parquet"
    other_done.write_bytes(b"another batch's file")

    recovery = tasks_recover_orphaned(me="me")

    assert recovery.requeued == [str(result.pk)] and recovery.failed == []
    result.refresh_from_db()
    assert result.status == TaskResultStatus.READY and result.started_at is None
    assert result.worker_ids == ["dead"]  # the claim stays counted
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.PENDING and batch.progress == 0
    assert "queued again" in batch.stage
    assert not any(p.exists() for p in leftovers)
    assert other_done.exists()  # only this batch's files


@pytest.mark.django_db
def test_a_task_whose_worker_died_max_attempts_times_ends_failed_with_a_bilingual_message(
    gone_pid: int,
) -> None:
    batch = _batch()
    workers = [f"dead-{i}" for i in range(1, MAX_ATTEMPTS + 1)]
    result = _claimed(batch, workers[0])
    # Each worker claims the task and dies; the next recovery queues it again, up to the last.
    leftovers: list[Path] = []
    for attempt, worker in enumerate(workers, start=1):
        _beat(worker, pid=gone_pid)
        if attempt == MAX_ATTEMPTS:
            leftovers = _leftovers(batch, gone_pid)
        recovery = tasks_recover_orphaned(me="me")
        result.refresh_from_db()
        if attempt < MAX_ATTEMPTS:
            assert recovery.requeued == [str(result.pk)]
            assert result.status == TaskResultStatus.READY
            result.claim(workers[attempt])
            ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.RUNNING)
    assert recovery.failed == [str(result.pk)] and recovery.requeued == []
    assert result.status == TaskResultStatus.FAILED and result.worker_ids == workers
    assert result.exception_class_path == WORKER_LOST
    assert f"berhenti {MAX_ATTEMPTS} kali" in result.traceback
    assert f"died {MAX_ATTEMPTS} times" in result.traceback
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.FAILED and batch.finished_at is not None
    assert "tidak ada data yang tersimpan" in batch.message  # Indonesian: nothing was saved
    assert "nothing was saved" in batch.message and "upload it again" in batch.message
    assert not any(p.exists() for p in leftovers)
    # Failed is final: nothing is queued again, however often recovery runs.
    assert not tasks_recover_orphaned(me="me")


@pytest.mark.django_db
def test_a_live_workers_task_is_not_touched() -> None:
    here = _batch()
    elsewhere = _batch()
    # A long import on a worker of this machine that is alive (this very process), and one on
    # another machine that beat a moment ago: both are merely long, not orphaned.
    on_here = _claimed(here, "alive-here", started_ago=timedelta(hours=3))
    on_elsewhere = _claimed(elsewhere, "alive-elsewhere", started_ago=timedelta(hours=3))
    _beat("alive-here", pid=os.getpid(), ago=timedelta(seconds=5))
    _beat("alive-elsewhere", pid=1, hostname="another-server", ago=timedelta(seconds=5))

    assert not tasks_recover_orphaned(me="me")

    for result, batch in ((on_here, here), (on_elsewhere, elsewhere)):
        result.refresh_from_db()
        batch.refresh_from_db()
        assert result.status == TaskResultStatus.RUNNING and len(result.worker_ids) == 1
        assert batch.status == ImportBatch.Status.RUNNING and batch.progress == 50


@pytest.mark.django_db
def test_the_calling_workers_own_task_is_recovered_only_when_it_says_it_abandoned_it() -> None:
    batch = _batch()
    result = _claimed(batch, "me")
    _beat("me", pid=os.getpid())
    assert not tasks_recover_orphaned(me="me")
    # Its connection broke mid-task (a database restart): it cannot finish the bookkeeping.
    assert tasks_recover_orphaned(me="me", own_abandoned=True).requeued == [str(result.pk)]
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.PENDING


@pytest.mark.django_db
def test_a_worker_on_another_machine_is_dead_only_once_its_beat_is_stale() -> None:
    recent, stale = _batch(), _batch()
    on_recent = _claimed(recent, "far-recent")
    on_stale = _claimed(stale, "far-stale")
    # Another machine's pid means nothing here: only the age of the beat tells.
    _beat("far-recent", pid=1, hostname="another-server", ago=WORKER_STALE_AFTER - timedelta(seconds=10))
    _beat("far-stale", pid=1, hostname="another-server", ago=WORKER_STALE_AFTER + timedelta(seconds=10))
    assert tasks_recover_orphaned(me="me").requeued == [str(on_stale.pk)]
    on_recent.refresh_from_db()
    assert on_recent.status == TaskResultStatus.RUNNING


@pytest.mark.django_db
def test_a_worker_that_never_beat_is_taken_over_only_after_the_stale_period() -> None:
    # A plain `db_worker` (no heartbeat) or one killed before its first beat: nothing tells it
    # is dead but time, so its task is taken only once it has run longer than the stale period.
    young, old = _batch(), _batch()
    on_young = _claimed(young, "never-beat-1", started_ago=WORKER_STALE_AFTER - timedelta(seconds=10))
    on_old = _claimed(old, "never-beat-2", started_ago=WORKER_STALE_AFTER + timedelta(seconds=10))

    assert tasks_recover_orphaned(me="me").requeued == [str(on_old.pk)]

    on_young.refresh_from_db()
    young.refresh_from_db()
    assert on_young.status == TaskResultStatus.RUNNING and young.status == ImportBatch.Status.RUNNING
    old.refresh_from_db()
    assert old.status == ImportBatch.Status.PENDING


@pytest.mark.django_db
def test_a_worker_that_died_after_the_commit_leaves_its_batch_done_and_its_file_in_place(
    gone_pid: int,
) -> None:
    # Killed between the import's commit and the queue's "successful": the batch is done and
    # its staged file is the data. Queued again, the task finds the batch done and stops there.
    batch = _batch(ImportBatch.Status.DONE)
    relative = staging.batch_file("siak", batch.pk)
    ImportBatch.objects.filter(pk=batch.pk).update(staged_file=str(relative), staged_order=1)
    committed = staging.staging_root() / relative
    committed.parent.mkdir(parents=True, exist_ok=True)
    committed.write_bytes(b"PAR1 committed")
    result = _claimed(batch, "dead")
    _beat("dead", pid=gone_pid)

    assert tasks_recover_orphaned(me="me").requeued == [str(result.pk)]

    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.DONE and committed.exists()
    assert import_batch_task.call(batch.pk) == [batch.pk]
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.DONE and committed.read_bytes() == b"PAR1 committed"


class _ServerError(Exception):
    def __init__(self, sqlstate: str | None) -> None:
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


@pytest.mark.parametrize(
    ("vendor", "error", "sqlstate", "lost"),
    [
        ("postgresql", OperationalError, None, True),  # refused, closed, reset: no server code
        ("postgresql", OperationalError, "57P01", True),  # terminated by an administrator (a restart)
        ("postgresql", OperationalError, "08006", True),  # connection failure
        ("postgresql", InterfaceError, None, True),  # used after it was closed under it
        ("postgresql", OperationalError, "57014", False),  # statement timeout: the task's own failure
        ("postgresql", OperationalError, "40P01", False),  # deadlock
        ("postgresql", ValueError, None, False),
        ("sqlite", OperationalError, None, False),  # no server to lose ("database is locked" stays a failure)
    ],
)
def test_a_task_is_queued_again_only_when_the_database_server_went_away_under_it(
    monkeypatch: pytest.MonkeyPatch, vendor: str, error: type[Exception], sqlstate: str | None, lost: bool
) -> None:
    monkeypatch.setattr(connection, "vendor", vendor)
    exc = error("boom")
    exc.__cause__ = _ServerError(sqlstate)
    assert _connection_lost(exc) is lost
