"""`satuanak worker`: the task worker the platform runs in production (systemd unit
satuanak-worker.service). django-tasks-db's `db_worker` plus what an unattended server needs:

- a heartbeat, so /readyz, `check-deploy` and the job history page know a worker is alive;
- recovery of tasks whose worker died (ops/services.py), at start and every minute;
- riding out a database restart: a broken connection is logged and retried, not a crash loop
  (systemd would restart the process, but the task it held would stay "running");
- each task's log lines carry the task id as their request id (ops/logging.py).
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from django.core.management import CommandError
from django.db import (
    DEFAULT_DB_ALIAS,
    DatabaseError,
    InterfaceError,
    OperationalError,
    close_old_connections,
    connections,
)
from django_tasks.signals import task_finished, task_started
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from satuanak.ops import logging as ops_logging
from satuanak.ops.services import (
    BEAT_SECONDS,
    tasks_recover_orphaned,
    worker_beat,
    worker_stopped,
)

logger = logging.getLogger("satuanak.worker")

# Every RECOVER_EVERY beats the heartbeat thread also looks for other workers' orphaned tasks.
RECOVER_EVERY = 6
# Seconds between attempts while the database cannot be reached.
RETRY_SECONDS = 5.0


class _Heartbeat(threading.Thread):
    def __init__(self, worker_id: str) -> None:
        super().__init__(name="satuanak-heartbeat", daemon=True)
        self.worker_id = worker_id
        self.tasks_done = 0
        self._stop_event = threading.Event()

    def run(self) -> None:
        beats = 0
        while not self._stop_event.is_set():
            try:
                worker_beat(worker_id=self.worker_id, tasks_done=self.tasks_done)
                beats += 1
                if beats % RECOVER_EVERY == 0:
                    tasks_recover_orphaned(me=self.worker_id)
            except DatabaseError as exc:
                # The task loop reports the outage; a missed beat is not worth a traceback.
                logger.warning("heartbeat missed: %s", exc.__class__.__name__)
                connections.close_all()
            self._stop_event.wait(BEAT_SECONDS)
        connections.close_all()

    def stop(self) -> None:
        self._stop_event.set()


# PostgreSQL's codes for "the server went away": class 08 (connection exception), and an
# administrator's or a crash's shutdown, or a server still starting up.
_SERVER_GONE = ("08", "57P01", "57P02", "57P03")


def _connection_lost(exc: BaseException) -> bool:
    """The task failed because the database server went away under it (a restart of PostgreSQL,
    the network), not because of anything in the task. Told by the error itself: by the time the
    failure is recorded Django may already have reconnected (leaving a transaction whose
    rollback failed opens a fresh connection), so the state of the connection says nothing.
    A deadlock or a statement timeout has its own code and stays the task's failure; so does
    every SQLite error (there is no server to lose)."""
    if connections[DEFAULT_DB_ALIAS].vendor != "postgresql":
        return False
    if isinstance(exc, InterfaceError):  # used after the connection was closed under it
        return True
    if not isinstance(exc, OperationalError):
        return False
    # psycopg's error, which Django's wraps: no code means the client lost the server (refused,
    # closed, reset), a code says what the server reported.
    code = getattr(exc.__cause__, "sqlstate", None)
    return code is None or code.startswith(_SERVER_GONE)


class _ResilientWorker(Worker):
    def run_task(self, db_task_result: DBTaskResult) -> None:
        # A task cut by a database restart did nothing wrong, and what it wrote was rolled back
        # with its transaction. Recorded as failed, it would stay failed and its import batch
        # "running" for ever (a short restart is over before the failure is recorded, so the
        # record succeeds). Instead the error goes up to run() below, which waits for the
        # database and puts the task back in the queue (at most MAX_ATTEMPTS claims in all).
        record_failure = db_task_result.set_failed

        def set_failed(exc: BaseException) -> None:
            if _connection_lost(exc):
                raise exc
            record_failure(exc)

        db_task_result.set_failed = set_failed
        super().run_task(db_task_result)

    def run(self) -> None:
        while True:
            try:
                super().run()
                return
            except (OperationalError, InterfaceError) as exc:
                if not self.running:
                    raise
                logger.warning(
                    "database connection lost, retrying in %.0f s: %s", RETRY_SECONDS, str(exc).strip()[:200]
                )
                self.running_task = False
                ops_logging.request_id_set(None)  # the cut task's id: no task_finished to clear it
                time.sleep(RETRY_SECONDS)
                self._reconnected()

    def _reconnected(self) -> None:
        # The task this worker was running when the connection broke could not be marked
        # finished or failed: once the database answers again it is put back in the queue.
        while True:
            try:
                close_old_connections()
                connections.close_all()
                tasks_recover_orphaned(me=self.worker_id, own_abandoned=True)
                return
            except (OperationalError, InterfaceError):
                time.sleep(RETRY_SECONDS)


class Command(DbWorkerCommand):
    help = (
        "Menjalankan antrean tugas (impor unggahan, penautan, hitung ulang) dengan denyut dan pemulihan. / "
        "Run the task queue (uploads, linkage, recomputes) with a heartbeat and recovery."
    )

    def add_arguments(self, parser: Any) -> None:
        super().add_arguments(parser)
        # Autoreload restarts the process on every code change and kills a running task with it:
        # never the default for the service, whatever DEBUG says.
        parser.set_defaults(reload=False)

    def handle(self, *args: Any, **options: Any) -> None:
        worker_id: str = options["worker_id"]
        self.configure_logging(options["verbosity"])
        queue_names = options["queue_name"].split(",")
        excluded = options["exclude_queues"].split(",") if options["exclude_queues"] else []
        if excluded and "*" not in queue_names:
            raise CommandError(
                "--exclude-queues hanya bersama --queue-name='*'. / --exclude-queues needs --queue-name='*'."
            )
        heartbeat = _Heartbeat(worker_id)

        def started(sender: Any, task_result: Any, **kwargs: Any) -> None:
            ops_logging.request_id_set(f"task-{task_result.id}")

        def finished(sender: Any, task_result: Any, **kwargs: Any) -> None:
            heartbeat.tasks_done += 1
            ops_logging.request_id_set(None)

        task_started.connect(started, weak=False)
        task_finished.connect(finished, weak=False)
        self._recover_at_start(worker_id)
        heartbeat.start()
        worker = _ResilientWorker(
            queue_names=queue_names,
            interval=options["interval"],
            batch=options["batch"],
            backend_name=options["backend_name"],
            startup_delay=options["startup_delay"],
            max_tasks=options["max_tasks"],
            worker_id=worker_id,
            excluded_queue_names=excluded,
        )
        try:
            # No autoreload here (see add_arguments): db_worker's --reload is accepted and ignored.
            worker.configure_signals()
            worker.run()
        finally:
            heartbeat.stop()
            heartbeat.join(timeout=BEAT_SECONDS + 5)
            try:
                worker_stopped(worker_id=worker_id)
            except DatabaseError:
                logger.warning("could not record the worker's stop (database unreachable)")
            task_started.disconnect(started)
            task_finished.disconnect(finished)

    def _recover_at_start(self, worker_id: str) -> None:
        while True:
            try:
                worker_beat(worker_id=worker_id)
                recovery = tasks_recover_orphaned(me=worker_id)
                if recovery:
                    logger.warning(
                        "tasks of dead workers: %d queued again, %d failed",
                        len(recovery.requeued),
                        len(recovery.failed),
                    )
                return
            except (OperationalError, InterfaceError) as exc:
                logger.warning("database unreachable at start, retrying: %s", str(exc).strip()[:200])
                connections.close_all()
                time.sleep(RETRY_SECONDS)
