"""Background work for the upload page (django-tasks with the database backend: no extra server)."""

from __future__ import annotations

from django_tasks import task

from satuanak.imports.models import ImportBatch
from satuanak.imports.services import import_batch_run


@task()
def import_batch_task(batch_id: int) -> list[int]:
    batch = ImportBatch.objects.get(pk=batch_id)
    return [b.pk for b in import_batch_run(batch=batch)]
