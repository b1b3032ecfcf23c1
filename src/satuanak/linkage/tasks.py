"""Background linkage runs for the review page (django-tasks, database backend)."""

from __future__ import annotations

from datetime import date

from django_tasks import task

from satuanak.accounts.models import User
from satuanak.linkage.services import linkage_run


@task()
def linkage_run_task(*, user_id: int | None, as_of: str, full: bool = False) -> int:
    user = User.objects.filter(pk=user_id).first() if user_id else None
    return linkage_run(full=full, as_of=date.fromisoformat(as_of), user=user).pk
