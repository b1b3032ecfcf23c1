"""Background linkage runs (django-tasks, database backend): from the review page, and after
each upload; the flags, then measurement quality and coverage, are recomputed after each run
(the next stages of the flow)."""

from __future__ import annotations

from datetime import date

from django_tasks import task

from satuanak.accounts.models import User
from satuanak.flags.services import flags_recompute
from satuanak.linkage.models import LinkageRun
from satuanak.linkage.services import linkage_run
from satuanak.mutu.services import mutu_recompute


@task()
def linkage_run_task(*, user_id: int | None, as_of: str, full: bool = False) -> int:
    user = User.objects.filter(pk=user_id).first() if user_id else None
    run = linkage_run(full=full, as_of=date.fromisoformat(as_of), user=user)
    if run.status == LinkageRun.Status.DONE and run.stats.get("children"):
        flags_recompute(as_of=run.as_of)
        mutu_recompute(as_of=run.as_of)  # measurement quality and coverage read the same rows
    return run.pk
