"""The jobs page's queries: four tables read as one history, the 30-day summary, the workers."""

from __future__ import annotations

import socket
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from satuanak.flags.models import FlagRun
from satuanak.imports.models import ImportBatch
from satuanak.linkage.models import LinkageRun
from satuanak.ops.models import WorkerHeartbeat
from satuanak.ops.selectors import (
    WORKER_DEAD_AFTER,
    Kind,
    Status,
    job_history,
    job_summary,
    queued_tasks,
    workers_status,
)

pytestmark = pytest.mark.django_db

NOW = timezone.now().replace(microsecond=0)
DEAD = WORKER_DEAD_AFTER.total_seconds() + 1  # seconds since the last beat of a dead worker


def _ago(minutes: float) -> datetime:
    return NOW - timedelta(minutes=minutes)


def make_batch(
    *, created: datetime, started: datetime | None = None, seconds: float | None = None, **kwargs: Any
) -> ImportBatch:
    fields: dict[str, Any] = {
        "source": "siak",
        "adapter": "siak",
        "file_name": "siak.csv",
        "sha256": f"{ImportBatch.objects.count():064d}",
        "status": ImportBatch.Status.DONE,
        "started_at": started,
        "finished_at": started + timedelta(seconds=seconds) if started and seconds is not None else None,
    }
    batch = ImportBatch.objects.create(**(fields | kwargs))
    # created_at is auto_now_add: set it afterwards, as an old batch would have it.
    ImportBatch.objects.filter(pk=batch.pk).update(created_at=created)
    batch.refresh_from_db()
    return batch


def make_linkage(*, started: datetime, seconds: float | None, **kwargs: Any) -> LinkageRun:
    return LinkageRun.objects.create(
        kind=LinkageRun.Kind.INCREMENTAL,
        status=kwargs.pop("status", LinkageRun.Status.DONE),
        as_of=date(2024, 12, 31),
        started_at=started,
        finished_at=started + timedelta(seconds=seconds) if seconds is not None else None,
        **kwargs,
    )


def make_flags(*, started: datetime, seconds: float | None, **kwargs: Any) -> FlagRun:
    return FlagRun.objects.create(
        status=kwargs.pop("status", FlagRun.Status.DONE),
        as_of=date(2024, 12, 31),
        started_at=started,
        finished_at=started + timedelta(seconds=seconds) if seconds is not None else None,
        **kwargs,
    )


def make_task(
    *,
    enqueued: datetime,
    started: datetime | None = None,
    seconds: float | None = None,
    status: str = TaskResultStatus.SUCCESSFUL,
    task_path: str = "satuanak.imports.tasks.import_batch_task",
    args: list[Any] | None = None,
    worker_ids: list[str] | None = None,
    **kwargs: Any,
) -> DBTaskResult:
    task = DBTaskResult.objects.create(
        status=status,
        args_kwargs={"args": args if args is not None else [1], "kwargs": {}},
        task_path=task_path,
        backend_name="default",
        run_after=enqueued,
        started_at=started,
        finished_at=started + timedelta(seconds=seconds) if started and seconds is not None else None,
        worker_ids=worker_ids if worker_ids is not None else (["w-1"] if started else []),
        exception_class_path=kwargs.pop("exception_class_path", ""),
        traceback=kwargs.pop("traceback", ""),
        **kwargs,
    )
    DBTaskResult.objects.filter(pk=task.pk).update(enqueued_at=enqueued)
    task.refresh_from_db()
    return task


def make_worker(worker_id: str, *, beat_seconds_ago: float, stopped: bool = False, **kwargs: Any) -> None:
    beat = timezone.now() - timedelta(seconds=beat_seconds_ago)
    WorkerHeartbeat.objects.create(
        worker_id=worker_id,
        hostname=kwargs.pop("hostname", "server-1"),
        pid=kwargs.pop("pid", 4242),
        started_at=beat - timedelta(hours=1),
        beat_at=beat,
        stopped_at=beat if stopped else None,
        **kwargs,
    )


def test_four_kinds_merge_newest_first_with_their_durations() -> None:
    batch = make_batch(created=_ago(41), started=_ago(40), seconds=75.5, rows_in=10, accepted=8, rejected=2)
    run = make_linkage(started=_ago(30), seconds=600, stats={"records": 1200, "children": 800})
    flags = make_flags(started=_ago(20), seconds=12.25, stats={"children": 800, "flag_rows": 95})
    task = make_task(enqueued=_ago(11), started=_ago(10), seconds=3, args=[batch.pk])

    rows = job_history()

    assert [(r.kind, r.id) for r in rows] == [
        (Kind.TASK, str(task.pk)),
        (Kind.FLAGS, str(flags.pk)),
        (Kind.LINKAGE, str(run.pk)),
        (Kind.IMPORT, str(batch.pk)),
    ]
    by_kind = {r.kind: r for r in rows}
    assert by_kind[Kind.IMPORT].duration_s == 75.5
    assert by_kind[Kind.LINKAGE].duration_s == 600
    assert by_kind[Kind.FLAGS].duration_s == 12.25
    assert by_kind[Kind.TASK].duration_s == 3
    assert all(r.status == Status.DONE and not r.failed for r in rows)
    assert by_kind[Kind.IMPORT].counts == "baris\u00a010 · diterima\u00a08 · ditolak\u00a02"
    assert by_kind[Kind.IMPORT].batch_id == batch.pk
    assert by_kind[Kind.LINKAGE].counts.replace("\u00a0", " ") == "rekaman 1.200 · anak 800"
    assert by_kind[Kind.FLAGS].counts.replace("\u00a0", " ") == "anak 800 · penanda 95"
    # The import task knows its batch (for the link) and who ran it.
    assert by_kind[Kind.TASK].batch_id == batch.pk
    assert by_kind[Kind.TASK].label == f"Tugas impor / import task (batch #{batch.pk})"
    assert by_kind[Kind.TASK].who == "w-1"


def test_a_queued_job_sorts_by_when_it_was_queued_and_has_no_duration() -> None:
    old = make_batch(created=_ago(60), started=_ago(60), seconds=5)
    waiting = make_batch(created=_ago(5), status=ImportBatch.Status.PENDING)
    running = make_linkage(started=_ago(10), seconds=None, status=LinkageRun.Status.RUNNING)
    rows = job_history()
    assert [r.id for r in rows] == [str(waiting.pk), str(running.pk), str(old.pk)]
    assert (rows[0].status, rows[0].duration_s, rows[0].started) == (Status.QUEUED, None, None)
    assert (rows[1].status, rows[1].duration_s) == (Status.RUNNING, None)


def test_failures_carry_their_message_and_a_task_its_exception_class_not_its_traceback() -> None:
    make_batch(
        created=_ago(3),
        started=_ago(3),
        seconds=1,
        status=ImportBatch.Status.FAILED,
        message="Kolom NIK tidak ada / no NIK column",
    )
    make_flags(started=_ago(2), seconds=4, status=FlagRun.Status.FAILED, message="division by zero")
    make_task(
        enqueued=_ago(1),
        started=_ago(1),
        seconds=2,
        status=TaskResultStatus.FAILED,
        exception_class_path="polars.exceptions.ComputeError",
        traceback="Traceback ... NAMA ANAK RAHASIA",
    )
    make_batch(created=_ago(10), started=_ago(10), seconds=1, status=ImportBatch.Status.DUPLICATE)

    rows = job_history()
    failed = [r for r in rows if r.failed]
    assert [(r.kind, r.message) for r in failed] == [
        (Kind.TASK, "polars.exceptions.ComputeError"),
        (Kind.FLAGS, "division by zero"),
        (Kind.IMPORT, "Kolom NIK tidak ada / no NIK column"),
    ]
    assert all(r.traceback == "" for r in rows)
    # A duplicate upload is a success for the queue, with its own label kept.
    duplicate = rows[-1]
    assert (duplicate.status, duplicate.status_detail) == (Status.DONE, "Berkas sama sudah diimpor")
    with_tb = job_history(kind=Kind.TASK, with_traceback=True)
    assert with_tb[0].traceback == "Traceback ... NAMA ANAK RAHASIA"


def test_filters_by_kind_status_since_and_limit() -> None:
    for minutes in (50, 40, 30):
        make_batch(created=_ago(minutes), started=_ago(minutes), seconds=1)
    make_batch(created=_ago(20), started=_ago(20), seconds=1, status=ImportBatch.Status.FAILED)
    make_linkage(started=_ago(15), seconds=1, status=LinkageRun.Status.FAILED)
    make_task(enqueued=_ago(5), status=TaskResultStatus.READY)

    assert {r.kind for r in job_history(kind=Kind.IMPORT)} == {Kind.IMPORT}
    assert len(job_history(kind=Kind.IMPORT)) == 4
    assert [r.kind for r in job_history(status=Status.FAILED)] == [Kind.LINKAGE, Kind.IMPORT]
    assert [r.kind for r in job_history(status=Status.QUEUED)] == [Kind.TASK]
    assert len(job_history(since=_ago(35))) == 4
    assert [r.kind for r in job_history(limit=2)] == [Kind.TASK, Kind.LINKAGE]
    assert job_history(kind=Kind.FLAGS) == []
    # Unknown values select nothing (the page refuses them before asking).
    assert job_history(kind="bogus") == [] and job_history(status="bogus") == []


def test_summary_per_kind_over_thirty_days() -> None:
    for seconds in (10, 20, 90):
        make_batch(created=_ago(100), started=_ago(100), seconds=seconds)
    make_batch(created=_ago(90), started=_ago(90), seconds=5, status=ImportBatch.Status.FAILED)
    make_batch(created=_ago(1), status=ImportBatch.Status.PENDING)
    make_batch(created=NOW - timedelta(days=31), started=NOW - timedelta(days=31), seconds=9999)
    make_linkage(started=_ago(30), seconds=None, status=LinkageRun.Status.RUNNING)
    make_task(enqueued=_ago(2), started=_ago(2), seconds=1, status=TaskResultStatus.FAILED)

    summary = {s.kind: s for s in job_summary(now=NOW)}

    imports = summary[Kind.IMPORT]
    assert (imports.runs, imports.failures, imports.queued, imports.running) == (5, 1, 1, 0)
    assert (imports.median_s, imports.max_s) == (15, 90)  # 5, 10, 20, 90; the 31-day-old one is out
    assert [b.duration_s for b in imports.recent] == [10, 20, 90, 5]  # oldest first
    assert [b.failed for b in imports.recent] == [False, False, False, True]
    linkage = summary[Kind.LINKAGE]
    assert (linkage.runs, linkage.running, linkage.median_s, linkage.max_s, linkage.recent) == (
        1,
        1,
        None,
        None,
        (),
    )
    assert (summary[Kind.TASK].runs, summary[Kind.TASK].failures) == (1, 1)
    assert summary[Kind.FLAGS].runs == 0


def test_workers_alive_stopped_and_dead() -> None:
    make_worker("alive", beat_seconds_ago=5, tasks_done=7)
    make_worker("quiet", beat_seconds_ago=DEAD)  # killed: it never said it stopped
    make_worker("stopped", beat_seconds_ago=2, stopped=True)
    # On this machine a worker whose process is gone is dead at once, beat or not (the rule
    # /readyz applies: ops.services.worker_is_alive). No pid is above 2**22 on Linux.
    make_worker("vanished", beat_seconds_ago=1, hostname=socket.gethostname(), pid=2**22 + 1)

    workers = {w.worker_id: w for w in workers_status()}

    assert workers["alive"].alive and workers["alive"].state == "alive"
    assert workers["alive"].tasks_done == 7
    assert not workers["quiet"].alive and workers["quiet"].state == "dead"
    assert workers["quiet"].seconds_since_beat >= DEAD
    assert workers["vanished"].state == "dead"
    assert not workers["stopped"].alive and workers["stopped"].state == "stopped"
    assert workers_status()[0].worker_id == "alive"  # live ones first


def test_only_the_most_recent_dead_workers_are_listed() -> None:
    for i in range(15):
        make_worker(f"old-{i:02d}", beat_seconds_ago=3600 + i)
    make_worker("alive", beat_seconds_ago=1)
    listed = [w.worker_id for w in workers_status(recent=10)]
    assert listed == ["alive", *[f"old-{i:02d}" for i in range(10)]]


def test_a_running_task_of_a_dead_worker_says_so() -> None:
    make_worker("gone", beat_seconds_ago=300)
    make_worker("busy", beat_seconds_ago=3)
    make_task(enqueued=_ago(6), started=_ago(6), status=TaskResultStatus.RUNNING, worker_ids=["gone"])
    make_task(enqueued=_ago(5), started=_ago(5), status=TaskResultStatus.RUNNING, worker_ids=["busy"])
    orphan, running = job_history(kind=Kind.TASK)[::-1]
    assert "tidak lagi berdenyut" in orphan.message and orphan.status == Status.RUNNING
    assert running.message == ""
    assert queued_tasks() == 0
    make_task(enqueued=_ago(1), status=TaskResultStatus.READY)
    assert queued_tasks() == 1


def test_an_unknown_task_is_named_by_its_function_and_its_arguments_are_not_read() -> None:
    make_task(
        enqueued=_ago(1),
        started=_ago(1),
        seconds=1,
        task_path="satuanak.other.tasks.send_letters",
        args=["6107015203210001"],
    )
    (row,) = job_history()
    assert row.label == "send_letters" and row.batch_id is None
    assert "6107015203210001" not in repr(row)
