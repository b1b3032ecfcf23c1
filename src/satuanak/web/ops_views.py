"""The data steward's jobs page: are the workers alive, and what did the background work do.

Gated by REVIEW_LINKAGE, the steward-only capability that already lets a user start linkage
runs in the background (RUN_IMPORTS is also held by protection officers, who must not see other
sources' files). A failed task shows its exception class; its traceback may quote the data it
failed on, so only superusers see it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from satuanak.access.decorators import personal_data_view
from satuanak.access.policy import Capability
from satuanak.audit.models import AuditAction
from satuanak.audit.services import audit_record
from satuanak.ops.selectors import (
    KIND_LABELS,
    STATUS_LABELS,
    SUMMARY_DAYS,
    WORKER_DEAD_AFTER,
    JobRow,
    KindSummary,
    Status,
    job_history,
    job_summary,
    queued_tasks,
    workers_status,
)

PAGE_SIZE = 50
# Older history than this many pages is for the admin or the database: each page reads
# page × PAGE_SIZE rows of every kind to merge them.
MAX_PAGE = 20
# The duration chart of each kind (inline SVG: the CSP allows no script, and none is needed).
CHART_WIDTH = 200
CHART_HEIGHT = 44


def duration_text(seconds: float | None) -> str:
    if seconds is None:
        return ""
    if seconds < 60:
        return f"{seconds:.1f} s".replace(".", ",")
    minutes, secs = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} mnt {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} jam {minutes:02d} mnt"


def _chart(summary: KindSummary) -> dict[str, Any]:
    bars = summary.recent
    longest = max((b.duration_s for b in bars), default=0.0)
    step = CHART_WIDTH / max(len(bars), 1)
    shapes = []
    for i, bar in enumerate(bars):
        # At least 2 px: a run of a second next to one of an hour is still seen to exist.
        height = max(CHART_HEIGHT * bar.duration_s / longest, 2.0) if longest else 2.0
        # Text, not floats: the template would localise a float to "1,5", which SVG rejects.
        shapes.append(
            {
                "x": f"{i * step + 1:.1f}",
                "y": f"{CHART_HEIGHT - height:.1f}",
                "w": f"{max(step - 2, 1):.1f}",
                "h": f"{height:.1f}",
                "failed": bar.failed,
                "title": f"#{bar.id[:8]} {bar.started:%d-%m %H:%M}: {duration_text(bar.duration_s)}"
                + (" (gagal / failed)" if bar.failed else ""),
            }
        )
    return {"bars": shapes, "longest": duration_text(longest) if bars else ""}


def _row(row: JobRow, now: datetime) -> dict[str, Any]:
    running = row.status == Status.RUNNING and row.started is not None
    return {
        "job": row,
        "duration": duration_text(row.duration_s),
        # A running job shows how long it has run: a stuck one stands out.
        "elapsed": duration_text((now - row.started).total_seconds()) if running and row.started else "",
    }


def _page_number(value: str | None) -> int:
    try:
        number = int(value or 1)
    except ValueError:
        return 1
    return min(max(number, 1), MAX_PAGE)


@personal_data_view(Capability.REVIEW_LINKAGE)
@require_GET
def job_history_page(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("jenis", "").strip()
    status = request.GET.get("status", "").strip()
    errors = []
    if kind and kind not in KIND_LABELS:
        errors.append(f"Jenis tugas tidak dikenal: {kind[:40]}. / Unknown job kind: {kind[:40]}.")
        kind = ""
    if status and status not in STATUS_LABELS:
        errors.append(f"Status tidak dikenal: {status[:40]}. / Unknown status: {status[:40]}.")
        status = ""
    page = _page_number(request.GET.get("hal"))
    superuser = bool(getattr(request.user, "is_superuser", False))
    rows = job_history(
        kind=kind or None, status=status or None, limit=page * PAGE_SIZE + 1, with_traceback=superuser
    )
    now = timezone.now()
    workers = workers_status(now=now)
    summary = job_summary(now=now)
    # The page shows file names, user names and failure messages: who looked is recorded, as for
    # an import's result page.
    audit_record(
        action=AuditAction.IMPORT_VIEWED,
        actor=request.user,
        request=request,
        subject_type="job_history",
        detail={"jenis": kind, "status": status, "hal": page},
    )
    return render(
        request,
        "web/ops/jobs.html",
        {
            "errors": errors,
            "kind": kind,
            "status": status,
            "kinds": list(KIND_LABELS.items()),
            "statuses": list(STATUS_LABELS.items()),
            "rows": [_row(r, now) for r in rows[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]],
            "page": page,
            "has_previous": page > 1,
            "has_next": len(rows) > page * PAGE_SIZE and page < MAX_PAGE,
            "workers": workers,
            "any_alive": any(w.alive for w in workers),
            "dead_after": int(WORKER_DEAD_AFTER.total_seconds()),
            "queued": queued_tasks(),
            "summary": [
                {
                    "s": s,
                    "median": duration_text(s.median_s),
                    "max": duration_text(s.max_s),
                    "chart": _chart(s),
                }
                for s in summary
            ],
            "summary_days": SUMMARY_DAYS,
            "chart_width": CHART_WIDTH,
            "chart_height": CHART_HEIGHT,
            "show_traceback": superuser,
            "now": now,
        },
        status=400 if errors else 200,
    )
