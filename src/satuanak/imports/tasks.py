"""Background work for the upload page (django-tasks with the database backend: no extra server).
A file that brought rows is linked into the children at once (an incremental run), and the
flags follow: what an officer uploads shows on the children's pages without another step."""

from __future__ import annotations

from django_tasks import task

from satuanak.imports.models import ImportBatch
from satuanak.imports.services import import_batch_run


@task()
def import_batch_task(batch_id: int) -> list[int]:
    from satuanak.linkage.services import linkage_default_as_of, linkage_run_running
    from satuanak.linkage.tasks import linkage_run_task

    batch = ImportBatch.objects.get(pk=batch_id)
    if batch.status in (ImportBatch.Status.DONE, ImportBatch.Status.DUPLICATE, ImportBatch.Status.FAILED):
        # A task run again after its worker died (ops/services.py) may find its batch already
        # committed (the worker died after the commit, before the queue heard of it): done is done.
        return [batch.pk]
    done = import_batch_run(batch=batch)
    brought_rows = any(b.status == ImportBatch.Status.DONE and (b.inserted or b.updated) for b in done)
    if brought_rows and linkage_run_running() is None:
        linkage_run_task.enqueue(
            user_id=batch.uploaded_by_id, as_of=linkage_default_as_of().isoformat(), full=False
        )
    return [b.pk for b in done]
