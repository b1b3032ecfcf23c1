"""Upload a source file, follow its import, download the rejected rows to correct them."""

from __future__ import annotations

import errno
import logging
import tempfile
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from satuanak.access.decorators import personal_data_view
from satuanak.access.policy import Capability, policy_for
from satuanak.audit.models import AuditAction
from satuanak.audit.services import audit_record
from satuanak.core.sources import Source
from satuanak.imports.selectors import (
    access_batch_by_id,
    batch_issues,
    batch_rows_visible,
    batches_visible_to,
)
from satuanak.imports.services import batch_summary, import_batch_create, rejected_rows_csv
from satuanak.imports.tasks import import_batch_task

logger = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 200 * 1024 * 1024
ALLOWED_SUFFIXES = {".csv", ".txt", ".xlsx", ".xlsm", ".xls"}
DISK_FULL = (
    "Ruang penyimpanan server penuh: berkas ini belum tersimpan dan tidak ada yang diimpor. "
    "Beri tahu Diskominfo, lalu unggah lagi setelah ruang dikosongkan. / The server's storage is "
    "full: this file was not saved and nothing was imported. Tell Diskominfo, then upload it "
    "again once space has been freed."
)


def _importable(request: HttpRequest) -> list[Source]:
    policy = policy_for(getattr(request.user, "role", ""))
    return [s for s in Source if s in policy.import_sources]


@personal_data_view(Capability.RUN_IMPORTS)
@require_http_methods(["GET", "POST"])
def import_upload(request: HttpRequest) -> HttpResponse:
    sources = _importable(request)
    errors: list[str] = []
    status = 200
    if request.method == "POST":
        source_value = request.POST.get("sumber", "")
        upload = request.FILES.get("berkas")
        if source_value not in {s.value for s in sources}:
            errors.append("Pilih sumber data yang boleh Anda impor. / Choose a source you may import.")
        if upload is None or not upload.size:
            errors.append("Pilih berkas yang tidak kosong. / Choose a non-empty file.")
        elif Path(upload.name or "").suffix.lower() not in ALLOWED_SUFFIXES:
            errors.append("Jenis berkas harus CSV, XLSX atau XLS. / The file must be CSV, XLSX or XLS.")
        elif (upload.size or 0) > MAX_UPLOAD_BYTES:
            errors.append("Berkas lebih dari 200 MB. / The file is larger than 200 MB.")
        if not errors and upload is not None:
            suffix = Path(upload.name or "x.csv").suffix.lower()
            try:
                with tempfile.NamedTemporaryFile(suffix=suffix) as tmp:
                    for chunk in upload.chunks():
                        tmp.write(chunk)
                    tmp.flush()
                    batch = import_batch_create(
                        source=Source(source_value),
                        path=Path(tmp.name),
                        file_name=upload.name,
                        user=request.user,
                    )
            except OSError as exc:
                if exc.errno not in (errno.ENOSPC, errno.EDQUOT):
                    raise
                # Said on the form, not as an error page: the officer stays where the upload is
                # made and sends it again once space is freed. No batch was created.
                logger.critical("disk full, upload refused: %s", exc)
                errors.append(DISK_FULL)
                status = 507
            else:
                import_batch_task.enqueue(batch.pk)
                return redirect("web:import-detail", batch_id=batch.pk)
    # The list names files and who loaded them: looked at under RUN_IMPORTS, so logged like any look.
    audit_record(
        action=AuditAction.IMPORT_VIEWED, actor=request.user, request=request, subject_type="import_list"
    )
    batches = Paginator(batches_visible_to(request.user).select_related("uploaded_by"), 25).get_page(
        request.GET.get("hal")
    )
    return render(
        request,
        "web/import_upload.html",
        {"sources": sources, "errors": errors, "page": batches},
        status=400 if errors and status == 200 else status,
    )


@personal_data_view(Capability.RUN_IMPORTS)
@require_GET
def import_detail(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = access_batch_by_id(user=request.user, batch_id=batch_id, request=request)
    visible = batch_rows_visible(request.user, batch)
    running = batch.status in ("pending", "running")
    return render(
        request,
        "web/import_detail.html",
        {
            "batch": batch,
            "summary": batch_summary(batch),
            "issues": batch_issues(batch) if visible else [],
            "rows_visible": visible,
            "running": running,
        },
    )


@personal_data_view(Capability.RUN_IMPORTS)
@require_GET
def import_rejected_download(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = access_batch_by_id(user=request.user, batch_id=batch_id, request=request)
    if not batch_rows_visible(request.user, batch):
        audit_record(
            action=AuditAction.ACCESS_DENIED,
            actor=request.user,
            request=request,
            subject_type="import_batch",
            subject_id=batch.pk,
            detail={"reason": "source not visible"},
        )
        raise PermissionDenied("Baris sumber ini tidak untuk peran Anda. / These rows are not for your role.")
    body = rejected_rows_csv(batch=batch)
    audit_record(
        action=AuditAction.FILE_DOWNLOADED,
        actor=request.user,
        request=request,
        subject_type="import_batch",
        subject_id=batch.pk,
        detail={"rows": batch.rejected},
    )
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="ditolak-batch-{batch.pk}.csv"'
    response["Cache-Control"] = "no-store"
    return response
