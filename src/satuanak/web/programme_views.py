"""Programme pages (issue 8): the report per programme and desa (also as Excel), the follow-ups
a cadre must do, and the bulk import of interventions from the platform's spreadsheet template."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.views.decorators.http import require_GET, require_http_methods

from satuanak.access.decorators import personal_data_view
from satuanak.access.policy import Capability
from satuanak.audit.models import AuditAction
from satuanak.audit.services import audit_record
from satuanak.common import clock
from satuanak.common.xlsx import Sheet, xlsx_bytes
from satuanak.flags.models import FlagRun
from satuanak.interventions.bulk import BulkReport, interventions_import, template_xlsx
from satuanak.interventions.follow_up import STATUS_LABELS, period_bounds, quarter_of
from satuanak.interventions.selectors import ProgrammeReport, follow_ups_due, programme_report
from satuanak.interventions.services import InterventionError

MAX_BULK_BYTES = 10 * 1024 * 1024
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _default_period() -> str:
    """The quarter of the latest flag run (the data's date), else this quarter."""
    run = FlagRun.objects.filter(status=FlagRun.Status.DONE).order_by("-started_at", "-id").first()
    return quarter_of(run.as_of if run else clock.today())


def _bad_request(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "400.html", {"detail": message}, status=400)


def _period_or_error(request: HttpRequest) -> tuple[str, str]:
    period = request.GET.get("periode", "").strip().upper() or _default_period()
    try:
        period_bounds(period)
    except ValueError:
        return period, (
            f"Periode tidak sah: {period!r} (contoh 2024Q3 atau 2024). / "
            f"Invalid period: {period!r} (e.g. 2024Q3 or 2024)."
        )
    return period, ""


def _report_for(request: HttpRequest, period: str) -> ProgrammeReport:
    report = programme_report(user=request.user, period=period)
    audit_record(
        action=AuditAction.CHILD_LIST_VIEWED,
        actor=request.user,
        request=request,
        subject_type="programme_report",
        detail={"period": period, "rows": len(report.rows)},
    )
    return report


@personal_data_view(Capability.RUN_PROGRAMMES)
@require_GET
def programme_report_page(request: HttpRequest) -> HttpResponse:
    period, error = _period_or_error(request)
    if error:
        return _bad_request(request, error)
    report = _report_for(request, period)
    year = int(period[:4])
    periods = [f"{y}Q{q}" for y in (year - 1, year) for q in (1, 2, 3, 4)] + [str(year - 1), str(year)]
    return render(
        request,
        "web/programme_report.html",
        {"report": report, "period": period, "periods": periods},
    )


def report_sheet(report: ProgrammeReport) -> Sheet:
    header = [
        "PROGRAM",
        "PENANDA",
        "KECAMATAN",
        "KODE_DESA",
        "DESA",
        "SASARAN",
        "TERCAKUP",
        "CAKUPAN_%",
        "MEMBAIK",
        "BELUM_MEMBAIK",
        "RERATA_PERUBAHAN_Z",
        "MENUNGGU_TINDAK_LANJUT",
        "TINDAK_LANJUT_TERLAMBAT",
    ]
    rows = []
    for r in [*report.rows, *report.totals]:
        rows.append(
            [
                r.programme,
                r.flag,
                r.kecamatan,
                r.desa_code,
                r.desa_name,
                r.target,
                r.covered,
                round(100 * r.coverage, 1) if r.coverage is not None else None,
                r.improved,
                r.not_improved,
                r.mean_z_change,
                r.waiting,
                r.overdue,
            ]
        )
    return Sheet(
        title=f"Program {report.period}",
        notes=[
            f"Laporan program intervensi, periode {report.period} "
            f"({report.start:%d-%m-%Y} s.d. {report.end:%d-%m-%Y}), data per {report.as_of:%d-%m-%Y}",
            "SASARAN = anak dengan penanda di desa (triwulan terakhir periode); "
            "TERCAKUP = anak yang mendapat intervensi dalam periode; "
            "MEMBAIK = penanda hilang saat tindak lanjut dalam periode.",
            "TARGET = children flagged in the desa; COVERED = children who got the intervention "
            "in the period; IMPROVED = flag cleared at follow-up in the period. Distinct children.",
        ],
        header=header,
        rows=rows,
        widths={"DESA": 24, "KECAMATAN": 18, "PROGRAM": 16, "PENANDA": 22},
    )


@personal_data_view(Capability.RUN_PROGRAMMES)
@require_GET
def programme_report_xlsx(request: HttpRequest) -> HttpResponse:
    period, error = _period_or_error(request)
    if error:
        return _bad_request(request, error)
    report = _report_for(request, period)
    audit_record(
        action=AuditAction.EXPORTED,
        actor=request.user,
        request=request,
        subject_type="programme_report",
        detail={"period": period, "rows": len(report.rows), "format": "xlsx"},
    )
    response = HttpResponse(xlsx_bytes([report_sheet(report)]), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="laporan-program-{period}.xlsx"'
    response["Cache-Control"] = "no-store"
    return response


@personal_data_view(Capability.RECORD_INTERVENTIONS)
@require_GET
def follow_ups_page(request: HttpRequest) -> HttpResponse:
    """Who is due a follow-up (re-measure, check the dose), overdue first, as of a date."""
    as_of_text = request.GET.get("tanggal", "").strip()
    as_of = clock.today()
    if as_of_text:
        try:
            as_of = date.fromisoformat(as_of_text)
        except ValueError:
            return _bad_request(request, "Tanggal tidak sah (TTTT-BB-HH). / Invalid date (YYYY-MM-DD).")
    rows = follow_ups_due(user=request.user, today=as_of)
    audit_record(
        action=AuditAction.CHILD_LIST_VIEWED,
        actor=request.user,
        request=request,
        subject_type="follow_ups",
        detail={"as_of": as_of.isoformat(), "rows": len(rows)},
    )
    order = {"overdue": 0, "due": 1, "upcoming": 2}
    rows.sort(key=lambda r: (order.get(r[1].status, 3), r[1].due_on or date.min))
    return render(
        request,
        "web/follow_ups.html",
        {"rows": rows, "as_of": as_of, "labels": STATUS_LABELS},
    )


@personal_data_view(Capability.RECORD_INTERVENTIONS)
@require_http_methods(["GET", "POST"])
def intervention_import_page(request: HttpRequest) -> HttpResponse:
    error, report = "", None
    if request.method == "POST":
        upload = request.FILES.get("berkas")
        if upload is None or not upload.size:
            error = "Pilih berkas yang tidak kosong. / Choose a non-empty file."
        elif upload.size > MAX_BULK_BYTES:
            error = "Berkas lebih dari 10 MB. / The file is larger than 10 MB."
        else:
            suffix = Path(upload.name or "x.xlsx").suffix.lower()[:8] or ".xlsx"
            with tempfile.NamedTemporaryFile(suffix=suffix) as tmp:
                for chunk in upload.chunks():
                    tmp.write(chunk)
                tmp.flush()
                try:
                    report = interventions_import(
                        user=request.user, path=Path(tmp.name), file_name=upload.name or "", request=request
                    )
                except InterventionError as exc:
                    error = str(exc)
    else:
        audit_record(
            action=AuditAction.IMPORT_VIEWED,
            actor=request.user,
            request=request,
            subject_type="intervention_import",
        )
    return _import_page(request, error, report)


def _import_page(request: HttpRequest, error: str, report: BulkReport | None) -> HttpResponse:
    return render(
        request,
        "web/intervention_import.html",
        {"error": error, "report": report, "shown": report.rejected[:500] if report else []},
        status=400 if error else 200,
    )


@personal_data_view(Capability.RECORD_INTERVENTIONS)
@require_GET
def intervention_template(request: HttpRequest) -> HttpResponse:
    audit_record(
        action=AuditAction.FILE_DOWNLOADED,
        actor=request.user,
        request=request,
        subject_type="intervention_template",
    )
    response = HttpResponse(template_xlsx(), content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="templat-intervensi.xlsx"'
    return response


urlpatterns: list[URLPattern] = [
    path("program/", programme_report_page, name="programme-report"),
    path("program/laporan.xlsx", programme_report_xlsx, name="programme-report-xlsx"),
    path("program/tindak-lanjut/", follow_ups_page, name="follow-ups"),
    path("intervensi/impor/", intervention_import_page, name="intervention-import"),
    path("intervensi/templat.xlsx", intervention_template, name="intervention-template"),
]
