"""Task workers: their heartbeat, and the recovery of tasks whose worker died.

A task the database queue marked RUNNING stays RUNNING forever if its worker is killed (OOM,
`kill -9`, a power cut): django-tasks-db has no lease. Without recovery an upload would show
"berjalan" for ever and the steward would never learn it must be sent again. So every worker
beats, and every worker, when it starts and then every minute, looks for RUNNING tasks whose
worker is dead and puts them back in the queue (at most MAX_ATTEMPTS claims: a task that kills
its worker every time must not kill the next one too), marking what they were doing so the
pages say what happened.

A worker counts as dead when its last beat is older than WORKER_STALE_AFTER, or at once when it
ran on this machine and its process no longer exists (the common case: one server).
"""

from __future__ import annotations

import logging
import os
import socket
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from satuanak.ops.models import WorkerHeartbeat

logger = logging.getLogger(__name__)

# A worker beats every BEAT_SECONDS. On SQLite a long import holds the write lock and a beat may
# wait behind it, so a worker is only presumed dead after several missed beats.
BEAT_SECONDS = 10
WORKER_STALE_AFTER = timedelta(seconds=120)
# Claims of one task before it is failed instead of re-queued.
MAX_ATTEMPTS = 3

_IMPORT_TASK = "satuanak.imports.tasks.import_batch_task"
_LINKAGE_TASK = "satuanak.linkage.tasks.linkage_run_task"
WORKER_LOST = "satuanak.ops.WorkerLost"


def _pid_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by another user
        return True
    return True


def worker_is_alive(beat: WorkerHeartbeat, *, now: Any = None) -> bool:
    now = now or timezone.now()
    if beat.stopped_at is not None:
        return False
    if beat.hostname == socket.gethostname() and not _pid_running(beat.pid):
        return False
    return beat.beat_at >= now - WORKER_STALE_AFTER


def workers_alive() -> list[WorkerHeartbeat]:
    now = timezone.now()
    recent = WorkerHeartbeat.objects.filter(stopped_at__isnull=True, beat_at__gte=now - WORKER_STALE_AFTER)
    return [b for b in recent if worker_is_alive(b, now=now)]


def worker_beat(*, worker_id: str, tasks_done: int = 0) -> None:
    """Record that this worker is alive (creates its row on the first beat)."""
    now = timezone.now()
    updated = WorkerHeartbeat.objects.filter(worker_id=worker_id).update(beat_at=now, tasks_done=tasks_done)
    if not updated:
        WorkerHeartbeat.objects.create(
            worker_id=worker_id,
            hostname=socket.gethostname()[:255],
            pid=os.getpid(),
            started_at=now,
            beat_at=now,
            tasks_done=tasks_done,
        )


def worker_stopped(*, worker_id: str) -> None:
    WorkerHeartbeat.objects.filter(worker_id=worker_id).update(stopped_at=timezone.now())


def heartbeats_prune(*, older_than: timedelta = timedelta(days=30)) -> int:
    """Rows of workers long gone (each restart of the service leaves one)."""
    deleted, _ = WorkerHeartbeat.objects.filter(beat_at__lt=timezone.now() - older_than).delete()
    return deleted


@dataclass
class Recovery:
    requeued: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.requeued or self.failed)


def _dead_worker_ids(candidates: set[str], *, except_alive: str | None) -> set[str]:
    beats = {b.worker_id: b for b in WorkerHeartbeat.objects.filter(worker_id__in=candidates)}
    now = timezone.now()
    dead = set()
    for worker_id in candidates:
        if worker_id == except_alive:
            continue
        beat = beats.get(worker_id)
        # A worker that never beat: a plain `db_worker` (no heartbeat) or one killed before its
        # first beat. Only a stale claim is taken from it, so a plain worker's task is not stolen.
        if beat is None or not worker_is_alive(beat, now=now):
            dead.add(worker_id)
    return dead


def tasks_recover_orphaned(*, me: str | None = None, own_abandoned: bool = False) -> Recovery:
    """Re-queue (or fail, after MAX_ATTEMPTS) RUNNING tasks whose worker is dead.

    `me` is the calling worker (alive by definition). With `own_abandoned` its own RUNNING tasks
    are recovered too: the worker calls that after its connection to the database broke in the
    middle of a task, when it can no longer finish that task's bookkeeping.
    """
    recovery = Recovery()
    running = list(DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING))
    if not running:
        return recovery
    claimed_by = {r.worker_ids[-1] for r in running if r.worker_ids}
    dead = _dead_worker_ids(claimed_by, except_alive=None if own_abandoned else me)
    if own_abandoned and me is not None:
        # Alive by its beat, but it says it can no longer finish its task: that task is as
        # orphaned as a dead worker's (without this, it stayed "running" after every outage).
        dead.add(me)
    stale_unclaimed = timezone.now() - WORKER_STALE_AFTER
    for result in running:
        last = result.worker_ids[-1] if result.worker_ids else None
        if last is None or last not in dead:
            continue
        beat_known = WorkerHeartbeat.objects.filter(worker_id=last).exists()
        if not beat_known and result.started_at and result.started_at > stale_unclaimed:
            continue
        with transaction.atomic():
            # Conditional on still being RUNNING: two workers recovering at once do it once.
            locked = DBTaskResult.objects.select_for_update().filter(
                pk=result.pk, status=TaskResultStatus.RUNNING
            )
            current = locked.first()
            if current is None:
                continue
            if len(current.worker_ids) >= MAX_ATTEMPTS:
                _fail(current)
                recovery.failed.append(str(current.pk))
            else:
                _requeue(current)
                recovery.requeued.append(str(current.pk))
    if recovery:
        logger.warning(
            "recovered tasks of dead workers",
            extra={"requeued": recovery.requeued, "failed": recovery.failed},
        )
    return recovery


def _requeue(result: DBTaskResult) -> None:
    now = timezone.now()
    DBTaskResult.objects.filter(pk=result.pk).update(
        status=TaskResultStatus.READY, started_at=None, run_after=now
    )
    _mark_work(result, failed=False)


def _fail(result: DBTaskResult) -> None:
    DBTaskResult.objects.filter(pk=result.pk).update(
        status=TaskResultStatus.FAILED,
        finished_at=timezone.now(),
        exception_class_path=WORKER_LOST,
        traceback=f"Pekerja berhenti {len(result.worker_ids)} kali saat menjalankan tugas ini. / "
        f"The worker died {len(result.worker_ids)} times running this task.",
    )
    _mark_work(result, failed=True)


def _mark_work(result: DBTaskResult, *, failed: bool) -> None:
    """Say on the import or linkage page what happened to the work the task was doing. Both
    commit in one transaction, so the dead worker left nothing half-written: the work is simply
    not done yet (re-queued) or not done (failed)."""
    from satuanak.imports.models import ImportBatch
    from satuanak.linkage.models import LinkageRun

    kwargs = result.args_kwargs.get("kwargs", {}) if isinstance(result.args_kwargs, dict) else {}
    args = result.args_kwargs.get("args", []) if isinstance(result.args_kwargs, dict) else []
    if result.task_path == _IMPORT_TASK:
        batch_id = kwargs.get("batch_id", args[0] if args else None)
        if batch_id is None:
            return
        if failed:
            ImportBatch.objects.filter(
                pk=batch_id, status__in=[ImportBatch.Status.PENDING, ImportBatch.Status.RUNNING]
            ).update(
                status=ImportBatch.Status.FAILED,
                finished_at=timezone.now(),
                message="Impor terputus berulang kali (pekerja berhenti); tidak ada data yang tersimpan. "
                "Periksa berkasnya lalu unggah lagi, atau hubungi Diskominfo. / The import was cut off "
                "repeatedly (the worker stopped); nothing was saved. Check the file and upload it again.",
            )
        else:
            ImportBatch.objects.filter(pk=batch_id, status=ImportBatch.Status.RUNNING).update(
                status=ImportBatch.Status.PENDING,
                progress=0,
                stage="antre lagi (pekerja berhenti) / queued again (worker stopped)",
            )
        _remove_uncommitted_files(batch_id)
    elif result.task_path == _LINKAGE_TASK and result.started_at is not None:
        LinkageRun.objects.filter(
            status=LinkageRun.Status.RUNNING, started_at__gte=result.started_at - timedelta(seconds=5)
        ).update(
            status=LinkageRun.Status.FAILED,
            finished_at=timezone.now(),
            message="Proses berhenti (pekerja mati); "
            + ("dijalankan lagi otomatis. / " if not failed else "jalankan lagi. / ")
            + "The worker died; "
            + ("queued again." if not failed else "run it again."),
        )


def _remove_uncommitted_files(batch_id: int) -> None:
    """What the dead worker may have left in staging for a batch it never committed: the batch's
    file (written just before the commit) and temporary files of it (killed mid-write, named
    after the dead process). Nothing reads them, only done batches' files are read, but nothing
    else would ever delete them either: a worker killed again and again would fill the disk.
    The task row is locked by the caller and not yet queued again, so no run can be writing them."""
    from satuanak.imports import staging
    from satuanak.imports.models import ImportBatch

    adapter = (
        ImportBatch.objects.filter(pk=batch_id)
        .exclude(status=ImportBatch.Status.DONE)
        .values_list("adapter", flat=True)
        .first()
    )
    if not adapter:  # done (the worker died after the commit), or killed before choosing a format
        return
    final = staging.staging_root() / staging.batch_file(adapter, batch_id)
    for path in [final, *final.parent.glob(f".{final.name}.*.tmp")]:
        path.unlink(missing_ok=True)
