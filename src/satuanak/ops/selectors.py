"""The history of background work, for the data steward's jobs page (web/ops_views.py).

Four tables record work done outside a request, each in its own words: import batches, linkage
runs, flag recomputes, and the task queue itself (django-tasks-db's DBTaskResult, which holds
the uploads and linkage runs the web enqueued, with the worker that ran them). `job_history`
reads them into one kind of row with one set of statuses, newest first, so a failure is found
wherever it happened; `job_summary` gives per kind the last 30 days' runs, failures and
durations; `workers_status` says which workers are alive.

No personal data leaves here: file names, counts, user names and messages only. A task's
arguments are not read (a future task might carry a NIK), except the batch id of an import
task; its traceback is returned only when the caller asks (the page shows it to superusers).
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import DateTimeField, F, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from satuanak.flags.models import FlagRun
from satuanak.imports.models import ImportBatch
from satuanak.linkage.models import LinkageRun
from satuanak.ops.models import WorkerHeartbeat
from satuanak.ops.services import WORKER_STALE_AFTER, worker_is_alive

# "Alive" is ops/services.py's rule (worker_is_alive), the one /readyz and check-deploy apply:
# the page must not call a worker dead that the readiness probe calls alive.
WORKER_DEAD_AFTER = WORKER_STALE_AFTER
SUMMARY_DAYS = 30
# Bars in each kind's duration chart.
CHART_RUNS = 20


class Kind:
    IMPORT = "import"
    LINKAGE = "linkage"
    FLAGS = "flags"
    TASK = "task"


KIND_LABELS: dict[str, str] = {
    Kind.IMPORT: "Impor berkas / File import",
    Kind.LINKAGE: "Penautan / Linkage run",
    Kind.FLAGS: "Hitung penanda / Flag recompute",
    Kind.TASK: "Antrean tugas / Task queue",
}


# For the jobs table's narrow column; the summary uses the long labels.
KIND_SHORT_LABELS: dict[str, str] = {
    Kind.IMPORT: "Impor / import",
    Kind.LINKAGE: "Penautan / linkage",
    Kind.FLAGS: "Penanda / flags",
    Kind.TASK: "Tugas / task",
}


class Status:
    """One set of statuses over the four tables' own (see _*_STATUS below)."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


STATUS_LABELS: dict[str, str] = {
    Status.QUEUED: "Menunggu / Queued",
    Status.RUNNING: "Berjalan / Running",
    Status.DONE: "Selesai / Done",
    Status.FAILED: "Gagal / Failed",
}

# Each table's statuses under the common ones. A duplicate upload counts as done: the file was
# read and nothing needed adding, which is a success for the queue.
_IMPORT_STATUS: dict[str, str] = {
    ImportBatch.Status.PENDING: Status.QUEUED,
    ImportBatch.Status.RUNNING: Status.RUNNING,
    ImportBatch.Status.DONE: Status.DONE,
    ImportBatch.Status.DUPLICATE: Status.DONE,
    ImportBatch.Status.FAILED: Status.FAILED,
}
_RUN_STATUS: dict[str, str] = {  # LinkageRun and FlagRun share their three statuses
    "running": Status.RUNNING,
    "done": Status.DONE,
    "failed": Status.FAILED,
}
_TASK_STATUS: dict[str, str] = {
    TaskResultStatus.READY: Status.QUEUED,
    TaskResultStatus.RUNNING: Status.RUNNING,
    TaskResultStatus.SUCCESSFUL: Status.DONE,
    TaskResultStatus.FAILED: Status.FAILED,
}
_TASK_STATUS_LABELS: dict[str, str] = {value: str(label) for value, label in TaskResultStatus.choices}

_TASK_LABELS = {
    "satuanak.imports.tasks.import_batch_task": "Tugas impor / import task",
    "satuanak.linkage.tasks.linkage_run_task": "Tugas penautan / linkage task",
}
_IMPORT_TASK = "satuanak.imports.tasks.import_batch_task"


@dataclass(frozen=True)
class JobRow:
    kind: str
    id: str  # a task's id is a UUID: every id is text, so rows sort and compare alike
    label: str
    status: str  # one of Status
    status_detail: str  # the table's own status label ("Berkas sama sudah diimpor")
    queued: datetime  # created / enqueued (or started, for runs that are never queued)
    started: datetime | None
    finished: datetime | None
    duration_s: float | None  # finished - started; None until both are known
    counts: str
    who: str
    message: str
    traceback: str = ""  # tasks only, and only when asked for
    batch_id: int | None = None  # an import's batch (or an import task's), for its detail page

    @property
    def at(self) -> datetime:
        """When the job last moved: the history is sorted and filtered on this."""
        return self.started or self.queued

    @property
    def failed(self) -> bool:
        return self.status == Status.FAILED

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]

    @property
    def kind_short(self) -> str:
        return KIND_SHORT_LABELS[self.kind]

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]


def _duration(started: datetime | None, finished: datetime | None) -> float | None:
    if started is None or finished is None:
        return None
    return max((finished - started).total_seconds(), 0.0)


def _raw_statuses(mapping: dict[str, str], status: str | None) -> list[str] | None:
    if status is None:
        return None
    return [str(raw) for raw, common in mapping.items() if common == status]


def _counts(parts: Iterable[tuple[str, Any]]) -> str:
    # A no-break space keeps each label with its number when the column wraps; "." groups
    # thousands, as Indonesian writes them.
    return " · ".join(
        f"{label}\u00a0{value:,}".replace(",", ".") for label, value in parts if value is not None
    )


def _stat(stats: Any, key: str) -> int | None:
    value = stats.get(key) if isinstance(stats, dict) else None
    return int(value) if isinstance(value, int | float) else None


def _at_field(*fields: str) -> Coalesce:
    return Coalesce(*fields, output_field=DateTimeField())


# --- the four readers: each returns its newest `limit` rows after the filters ----------------


def _imports(status: str | None, since: datetime | None, limit: int) -> list[JobRow]:
    qs = ImportBatch.objects.select_related("uploaded_by").annotate(at=_at_field("started_at", "created_at"))
    raw = _raw_statuses(_IMPORT_STATUS, status)
    if raw is not None:
        qs = qs.filter(status__in=raw)
    if since is not None:
        qs = qs.filter(at__gte=since)
    rows = []
    for b in qs.order_by(F("at").desc(), "-id")[:limit]:
        rows.append(
            JobRow(
                kind=Kind.IMPORT,
                id=str(b.pk),
                label=f"{b.adapter or b.source}: {b.file_name}",
                status=_IMPORT_STATUS.get(b.status, Status.FAILED),
                status_detail=b.get_status_display(),
                queued=b.created_at,
                started=b.started_at,
                finished=b.finished_at,
                duration_s=_duration(b.started_at, b.finished_at),
                counts=_counts([("baris", b.rows_in), ("diterima", b.accepted), ("ditolak", b.rejected)])
                if b.rows_in
                else "",
                who=b.uploaded_by.username if b.uploaded_by else "(perintah / command)",
                message=b.message,
                batch_id=b.pk,
            )
        )
    return rows


def _runs(
    qs: QuerySet[Any],
    *,
    kind: str,
    status: str | None,
    since: datetime | None,
    limit: int,
    label: Callable[[Any], str],
    counts: Callable[[Any], list[tuple[str, int | None]]],
    who: Callable[[Any], str],
) -> list[JobRow]:
    """Linkage and flag runs: both have a status, a start, an end, stats and a message."""
    raw = _raw_statuses(_RUN_STATUS, status)
    if raw is not None:
        qs = qs.filter(status__in=raw)
    if since is not None:
        qs = qs.filter(started_at__gte=since)
    return [
        JobRow(
            kind=kind,
            id=str(r.pk),
            label=label(r),
            status=_RUN_STATUS.get(r.status, Status.FAILED),
            status_detail=r.get_status_display(),
            queued=r.started_at,
            started=r.started_at,
            finished=r.finished_at,
            duration_s=_duration(r.started_at, r.finished_at),
            counts=_counts(counts(r)),
            who=who(r),
            message=r.message,
        )
        for r in qs.order_by("-started_at", "-id")[:limit]
    ]


def _linkage_runs(status: str | None, since: datetime | None, limit: int) -> list[JobRow]:
    return _runs(
        LinkageRun.objects.select_related("started_by"),
        kind=Kind.LINKAGE,
        status=status,
        since=since,
        limit=limit,
        label=lambda r: f"Penautan #{r.pk}: {r.get_kind_display()}",
        counts=lambda r: [
            ("rekaman", _stat(r.stats, "records")),
            ("anak", _stat(r.stats, "children")),
            ("tinjauan", _stat(r.stats, "review_open")),
        ],
        who=lambda r: r.started_by.username if r.started_by else "(otomatis / automatic)",
    )


def _flag_runs(status: str | None, since: datetime | None, limit: int) -> list[JobRow]:
    return _runs(
        FlagRun.objects.all(),
        kind=Kind.FLAGS,
        status=status,
        since=since,
        limit=limit,
        label=lambda r: f"Penanda #{r.pk}: per {r.as_of:%d-%m-%Y}",
        counts=lambda r: [
            ("anak", _stat(r.stats, "children")),
            ("penanda", _stat(r.stats, "flag_rows")),
            ("hotspot", _stat(r.stats, "hotspots")),
        ],
        # Flags follow a linkage run (or a command): no person starts them.
        who=lambda r: "(otomatis / automatic)",
    )


def _task_label(task_path: str, batch_id: int | None) -> str:
    label = _TASK_LABELS.get(task_path) or task_path.rsplit(".", 1)[-1]
    return f"{label} (batch #{batch_id})" if batch_id is not None else label


def _import_task_batch(task_path: str, args_kwargs: Any) -> int | None:
    """The batch an import task works on (enqueued as `import_batch_task.enqueue(batch.pk)`)."""
    if task_path != _IMPORT_TASK or not isinstance(args_kwargs, dict):
        return None
    args, kwargs = args_kwargs.get("args") or [], args_kwargs.get("kwargs") or {}
    value = kwargs.get("batch_id", args[0] if args else None)
    return value if isinstance(value, int) else None


def _tasks(status: str | None, since: datetime | None, limit: int, with_traceback: bool) -> list[JobRow]:
    qs = DBTaskResult.objects.annotate(at=_at_field("started_at", "enqueued_at"))
    raw = _raw_statuses(_TASK_STATUS, status)
    if raw is not None:
        qs = qs.filter(status__in=raw)
    if since is not None:
        qs = qs.filter(at__gte=since)
    fields = ["id", "status", "enqueued_at", "started_at", "finished_at", "task_path", "worker_ids"]
    fields += ["args_kwargs", "exception_class_path", "queue_name"]
    if with_traceback:
        fields.append("traceback")
    results = list(qs.order_by(F("at").desc(), "-id").only(*fields)[:limit])
    # A running task whose worker stopped beating is not running any more: say so, the steward
    # would otherwise wait for it (the next worker to start puts it back in the queue).
    last_workers = {
        r.worker_ids[-1] for r in results if r.status == TaskResultStatus.RUNNING and r.worker_ids
    }
    dead = {w.worker_id for w in workers_status(worker_ids=last_workers) if not w.alive}
    rows = []
    for r in results:
        common = _TASK_STATUS.get(r.status, Status.FAILED)
        worker = r.worker_ids[-1] if r.worker_ids else ""
        message = r.exception_class_path if common == Status.FAILED else ""
        if common == Status.RUNNING and worker in dead:
            message = (
                "Pekerja yang menjalankannya tidak lagi berdenyut. / "
                "The worker running it is no longer alive."
            )
        batch_id = _import_task_batch(r.task_path, r.args_kwargs)
        rows.append(
            JobRow(
                kind=Kind.TASK,
                id=str(r.pk),
                label=_task_label(r.task_path, batch_id),
                status=common,
                status_detail=_TASK_STATUS_LABELS.get(r.status, r.status),
                queued=r.enqueued_at,
                started=r.started_at,
                finished=r.finished_at,
                duration_s=_duration(r.started_at, r.finished_at),
                counts=_counts([("percobaan", len(r.worker_ids))]) if len(r.worker_ids) > 1 else "",
                who=worker,
                message=message,
                traceback=r.traceback if with_traceback and common == Status.FAILED else "",
                batch_id=batch_id,
            )
        )
    return rows


def job_history(
    *,
    kind: str | None = None,
    status: str | None = None,
    since: datetime | None = None,
    limit: int = 100,
    with_traceback: bool = False,
) -> list[JobRow]:
    """Background jobs of every kind (or of `kind`), newest first by when they last moved
    (started, else queued). Each table gives at most `limit` rows, so a page reads 4 × limit
    rows whatever the history's length. Unknown kinds or statuses are the caller's to refuse;
    here they select nothing."""
    readers = {
        Kind.IMPORT: lambda: _imports(status, since, limit),
        Kind.LINKAGE: lambda: _linkage_runs(status, since, limit),
        Kind.FLAGS: lambda: _flag_runs(status, since, limit),
        Kind.TASK: lambda: _tasks(status, since, limit, with_traceback),
    }
    if status is not None and status not in STATUS_LABELS:
        return []
    if kind is not None and kind not in readers:
        return []
    rows = [row for k, read in readers.items() if kind in (None, k) for row in read()]
    # Ties (a batch and its task started in the same second) keep the kinds in a stable order.
    order = list(readers)
    rows.sort(key=lambda r: (r.at, -order.index(r.kind), r.id), reverse=True)
    return rows[:limit]


# --- the summary --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    id: str
    duration_s: float
    failed: bool
    started: datetime


@dataclass(frozen=True)
class KindSummary:
    kind: str
    runs: int
    failures: int
    running: int
    queued: int
    median_s: float | None
    max_s: float | None
    recent: tuple[Bar, ...]  # the last CHART_RUNS finished runs, oldest first (left to right)

    @property
    def label(self) -> str:
        return KIND_LABELS[self.kind]


def _summarise(kind: str, rows: list[tuple[Any, str, datetime | None, datetime | None]]) -> KindSummary:
    """rows: (id, common status, started, finished) newest first."""
    durations = [d for _, _, s, f in rows if (d := _duration(s, f)) is not None]
    finished = [
        Bar(id=str(pk), duration_s=d, failed=st == Status.FAILED, started=s)
        for pk, st, s, f in rows
        if s is not None and (d := _duration(s, f)) is not None
    ]
    return KindSummary(
        kind=kind,
        runs=len(rows),
        failures=sum(1 for _, st, _, _ in rows if st == Status.FAILED),
        running=sum(1 for _, st, _, _ in rows if st == Status.RUNNING),
        queued=sum(1 for _, st, _, _ in rows if st == Status.QUEUED),
        median_s=statistics.median(durations) if durations else None,
        max_s=max(durations) if durations else None,
        recent=tuple(reversed(finished[:CHART_RUNS])),
    )


def job_summary(*, days: int = SUMMARY_DAYS, now: datetime | None = None) -> list[KindSummary]:
    """Per kind, the jobs that moved in the last `days` days: how many, how many failed, how
    many are running or waiting, the median and longest duration of the finished ones, and the
    last finished runs' durations for a chart. Medians are taken here, not in SQL: SQLite has
    no percentile function and a month of jobs is a few thousand rows at most."""
    since = (now or timezone.now()) - timedelta(days=days)

    def imports() -> list[tuple[Any, str, datetime | None, datetime | None]]:
        qs = ImportBatch.objects.annotate(at=_at_field("started_at", "created_at")).filter(at__gte=since)
        return [
            (pk, _IMPORT_STATUS.get(st, Status.FAILED), s, f)
            for pk, st, s, f in qs.order_by(F("at").desc(), "-id").values_list(
                "pk", "status", "started_at", "finished_at"
            )
        ]

    def runs(
        model: type[LinkageRun] | type[FlagRun],
    ) -> list[tuple[Any, str, datetime | None, datetime | None]]:
        qs = model.objects.filter(started_at__gte=since).order_by("-started_at", "-id")
        return [
            (pk, _RUN_STATUS.get(st, Status.FAILED), s, f)
            for pk, st, s, f in qs.values_list("pk", "status", "started_at", "finished_at")
        ]

    def tasks() -> list[tuple[Any, str, datetime | None, datetime | None]]:
        qs = DBTaskResult.objects.annotate(at=_at_field("started_at", "enqueued_at")).filter(at__gte=since)
        return [
            (pk, _TASK_STATUS.get(st, Status.FAILED), s, f)
            for pk, st, s, f in qs.order_by(F("at").desc(), "-id").values_list(
                "pk", "status", "started_at", "finished_at"
            )
        ]

    return [
        _summarise(Kind.IMPORT, imports()),
        _summarise(Kind.LINKAGE, runs(LinkageRun)),
        _summarise(Kind.FLAGS, runs(FlagRun)),
        _summarise(Kind.TASK, tasks()),
    ]


# --- the workers ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class WorkerStatus:
    worker_id: str
    hostname: str
    pid: int
    started_at: datetime
    beat_at: datetime
    stopped_at: datetime | None
    tasks_done: int
    seconds_since_beat: float
    alive: bool

    @property
    def state(self) -> str:
        """alive; stopped (it said goodbye); dead (it went quiet: killed, or its machine)."""
        if self.alive:
            return "alive"
        return "stopped" if self.stopped_at is not None else "dead"


def workers_status(
    *, now: datetime | None = None, recent: int = 10, worker_ids: Iterable[str] | None = None
) -> list[WorkerStatus]:
    """Every live worker, then the `recent` most recently heard of the others (each restart of
    the service leaves a row), live ones first. With `worker_ids`, those workers only.
    Alive as ops.services.worker_is_alive says: a fresh beat, not stopped, and (on this machine)
    its process still there."""
    now = now or timezone.now()
    fresh = Q(stopped_at__isnull=True, beat_at__gte=now - WORKER_DEAD_AFTER)
    base = WorkerHeartbeat.objects.all()
    if worker_ids is not None:
        beats = list(base.filter(worker_id__in=list(worker_ids)))
    else:
        beats = list(base.filter(fresh)) + list(base.exclude(fresh).order_by("-beat_at", "-id")[:recent])
    workers = [
        WorkerStatus(
            worker_id=b.worker_id,
            hostname=b.hostname,
            pid=b.pid,
            started_at=b.started_at,
            beat_at=b.beat_at,
            stopped_at=b.stopped_at,
            tasks_done=b.tasks_done,
            seconds_since_beat=max((now - b.beat_at).total_seconds(), 0.0),
            alive=worker_is_alive(b, now=now),
        )
        for b in beats
    ]
    workers.sort(key=lambda w: (not w.alive, -w.beat_at.timestamp()))
    return workers


def queued_tasks() -> int:
    """Tasks waiting for a worker: what piles up while none is alive."""
    return DBTaskResult.objects.filter(status=TaskResultStatus.READY).count()
