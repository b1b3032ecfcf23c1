"""Pages of issue 11."""

from __future__ import annotations

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []


# --- the quarterly report for the task force (issue 11 part 6) ------------------------------------
# One block at the end of the file, with its own (aliased) imports; its route is appended to
# urlpatterns.

from django import shortcuts as _shortcuts  # noqa: E402
from django import urls as _urls  # noqa: E402
from django.http import HttpRequest as _Request  # noqa: E402
from django.http import HttpResponse as _Response  # noqa: E402
from django.views.decorators import http as _http  # noqa: E402

from satuanak.access import decorators as _access  # noqa: E402
from satuanak.access import policy as _policy  # noqa: E402
from satuanak.audit import models as _audit_models  # noqa: E402
from satuanak.audit import services as _audit  # noqa: E402

REPORT_FORMATS = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@_access.personal_data_view(_policy.Capability.VIEW_AGGREGATES)
@_http.require_GET
def kla_report_download(request: _Request, quarter: str, fmt: str) -> _Response:
    """The quarterly report of one quarter as PDF or Excel (aggregates only), figures as of the
    quarter's end; the download is audited."""
    from satuanak.kla.report import QuarterError, quarter_parse, report_build, report_filename
    from satuanak.kla.selectors import KlaError

    fmt = fmt.lower()
    try:
        quarter, _, _ = quarter_parse(quarter)
    except QuarterError as exc:
        return _shortcuts.render(request, "400.html", {"detail": str(exc)}, status=400)
    if fmt not in REPORT_FORMATS:
        return _shortcuts.render(
            request,
            "400.html",
            {"detail": f"Format tidak dikenal: {fmt!r} (pdf/xlsx). / Unknown format: {fmt!r} (pdf/xlsx)."},
            status=400,
        )
    try:
        report = report_build(quarter=quarter)
    except KlaError as exc:
        return _shortcuts.render(request, "400.html", {"detail": str(exc)}, status=400)
    if fmt == "pdf":
        from satuanak.kla.report_pdf import report_pdf

        body = report_pdf(report)
    else:
        from satuanak.kla.report_xlsx import report_xlsx

        body = report_xlsx(report)
    _audit.audit_record(
        action=_audit_models.AuditAction.EXPORTED,
        actor=request.user,
        request=request,
        subject_type="kla_report",
        subject_id=quarter,
        detail={"format": fmt, "total": report.scorecard.total, "version": report.scorecard.version},
    )
    response = _Response(body, content_type=REPORT_FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="{report_filename(quarter, fmt)}"'
    return response


urlpatterns += [_urls.path("kla/laporan/<str:quarter>.<str:fmt>", kla_report_download, name="kla-report")]
