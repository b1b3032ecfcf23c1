"""What the operator needs to know about the running platform: which task workers are alive.

A worker (`satuanak worker`) writes its heartbeat every few seconds from a thread beside the
task loop. /readyz and `satuanak check-deploy` read it ("is a worker alive?"), and a worker
starting up reads it to tell a task that is merely long from one whose worker was killed.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class WorkerHeartbeat(models.Model):
    worker_id = models.CharField("id pekerja", max_length=64, unique=True)
    hostname = models.CharField("mesin", max_length=255)
    pid = models.PositiveIntegerField("pid")
    started_at = models.DateTimeField("mulai", default=timezone.now)
    beat_at = models.DateTimeField("denyut terakhir", default=timezone.now, db_index=True)
    # Set when the worker stops cleanly; a worker killed with SIGKILL never sets it, and its
    # beat simply grows old.
    stopped_at = models.DateTimeField("berhenti", null=True, blank=True)
    tasks_done = models.PositiveIntegerField("tugas selesai", default=0)

    class Meta:
        ordering = ["-beat_at"]
        verbose_name = "denyut pekerja"
        verbose_name_plural = "denyut pekerja"

    def __str__(self) -> str:
        return f"pekerja {self.worker_id} di {self.hostname} (pid {self.pid})"
