"""Pages of issue 14 parts 1 and 4: Forum Anak "Pelopor dan Pelapor" (2P) reports and the
Forum Anak proposals in Musrenbang.

- Reporters (SUBMIT_2P_REPORTS, Forum Anak members with role public): a small phone form to
  report a concern, and their own reports with status and public answer — nothing else.
- Handlers (HANDLE_2P_REPORTS): their agency's queue, a report with its buttons (the
  transitions table in partisipasi/states.py), linking a child (roles that see children only),
  and a dashboard of response times and counts per type and agency (aggregates).
- Musrenbang (RECORD_MUSRENBANG): proposals per year with counts by outcome and round, a new
  proposal, one proposal followed from desa to kabupaten with the next round's outcome.

Every GET is audited (PARTICIPATION_VIEWED); a report or proposal the user may not see is a
404 with an ACCESS_DENIED entry (selectors). A user's mistake gets the form again with a
bilingual message and a 400, nothing saved. Text is rendered auto-escaped.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from satuanak.access.decorators import personal_data_view
from satuanak.access.policy import Capability
from satuanak.access.selectors import children_visible_to
from satuanak.accounts.roles import AgencyKind
from satuanak.audit.models import AuditAction
from satuanak.audit.services import audit_record
from satuanak.common import clock
from satuanak.partisipasi import routing
from satuanak.partisipasi import states as s
from satuanak.partisipasi.models import Proposal, Report
from satuanak.partisipasi.selectors import (
    counts_by_status,
    counts_by_type_and_agency,
    description_visible,
    musrenbang_summary,
    participation_figures,
    proposal_get,
    proposal_years,
    proposals_for_year,
    report_get_for_handler,
    report_get_for_reporter,
    report_public_timeline,
    reports_of_reporter,
    reports_queue,
    response_times,
)
from satuanak.partisipasi.services import (
    PartisipasiError,
    PartisipasiPermissionError,
    may_act_on,
    may_link_children,
    proposal_next_level,
    proposal_outcome_record,
    proposal_record,
    report_act,
    report_link_child,
    report_submit,
)
from satuanak.regions.models import Desa, Kecamatan

LIST_LIMIT = 200
CANDIDATES_LIMIT = 20


def _viewed(request: HttpRequest, subject_type: str, **detail: Any) -> None:
    audit_record(
        action=AuditAction.PARTICIPATION_VIEWED,
        actor=request.user,
        request=request,
        subject_type=subject_type,
        detail=detail,
    )


def _desa_choices() -> list[Desa]:
    return list(Desa.objects.select_related("kecamatan").order_by("kecamatan__name", "name"))


# --- reporters -------------------------------------------------------------------------------


@personal_data_view(Capability.SUBMIT_2P_REPORTS)
@require_http_methods(["GET", "POST"])
def report_new(request: HttpRequest) -> HttpResponse:
    """The Forum Anak member's form: type, desa, what happened, optional name and age."""
    form = {"jenis": "", "desa": "", "cerita": "", "nama": "", "umur": ""}
    error = ""
    if request.method == "POST":
        form = {k: request.POST.get(k, "") for k in form}
        try:
            report = report_submit(
                user=request.user,
                report_type=form["jenis"],
                desa_code=form["desa"],
                description=form["cerita"],
                child_name=form["nama"],
                child_age=form["umur"],
                request=request,
            )
        except PartisipasiPermissionError as exc:
            raise PermissionDenied(str(exc)) from exc
        except PartisipasiError as exc:
            error = str(exc)
        else:
            return redirect("web:partisipasi-my-report", report_id=report.pk)
    else:
        _viewed(request, "partisipasi_report_form")
    return render(
        request,
        "web/partisipasi/report_form.html",
        {
            "types": Report.Type.choices,
            "desa_list": _desa_choices(),
            "form": form,
            "error": error,
            "description_max": s.DESCRIPTION_MAX,
            "name_max": s.CHILD_NAME_MAX,
            "age_max": s.CHILD_AGE_MAX,
        },
        status=400 if error else 200,
    )


@personal_data_view(Capability.SUBMIT_2P_REPORTS)
@require_GET
def my_reports(request: HttpRequest) -> HttpResponse:
    reports = list(reports_of_reporter(request.user)[:LIST_LIMIT])
    _viewed(request, "partisipasi_own_reports", count=len(reports))
    return render(request, "web/partisipasi/my_reports.html", {"reports": reports})


@personal_data_view(Capability.SUBMIT_2P_REPORTS)
@require_GET
def my_report(request: HttpRequest, report_id: int) -> HttpResponse:
    """The reporter's view of one own report: what they wrote, where it went, the status and the
    public answer. The linked child, handlers and internal reasons are not in the context."""
    report = report_get_for_reporter(user=request.user, report_id=report_id, request=request)
    return render(
        request,
        "web/partisipasi/my_report.html",
        {
            "report": report,
            "agency": AgencyKind(report.agency_kind).label,
            "timeline": report_public_timeline(report),
        },
    )


# --- handlers --------------------------------------------------------------------------------


@personal_data_view(Capability.HANDLE_2P_REPORTS)
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    """The reports in the user's queue: open ones first (to triage, to answer), then the rest."""
    reports = list(reports_queue(request.user)[:LIST_LIMIT])
    open_ = [r for r in reports if r.status not in s.FINAL]
    done = [r for r in reports if r.status in s.FINAL]
    _viewed(request, "partisipasi_queue", open=len(open_), done=len(done))
    return render(request, "web/partisipasi/queue.html", {"open": open_, "done": done})


def _candidates(request: HttpRequest, report: Report) -> list[Any]:
    """Children the user may see who could be the one reported: by name search (`?cari=`),
    else in the report's desa matching the name hint (else all the desa's children)."""
    if not may_link_children(request.user) or not may_act_on(request.user, report):
        return []
    if report.status not in s.LINKABLE:
        return []
    visible = children_visible_to(request.user).select_related("desa")
    query = request.GET.get("cari", "").strip()[:100]
    if query:
        qs = visible.filter(name__icontains=query)
    else:
        qs = visible.filter(desa=report.desa)
        if report.child_name_hint and description_visible(request.user, report):
            hinted = qs.filter(name__icontains=report.child_name_hint.split()[0])
            if hinted.exists():
                qs = hinted
    found = list(qs.order_by("name", "id")[:CANDIDATES_LIMIT])
    if found:
        audit_record(
            action=AuditAction.CHILD_LIST_VIEWED,
            actor=request.user,
            request=request,
            subject_type="partisipasi_link_candidates",
            subject_id=report.pk,
            desa_code=report.desa.code,
            detail={"count": len(found), "search": bool(query)},
        )
    return found


def _detail(
    request: HttpRequest, report: Report, error: str = "", form: dict[str, str] | None = None
) -> HttpResponse:
    user = request.user
    acting = may_act_on(user, report)
    routes = routing.agency_routes()
    child_visible = (
        report.child_id is not None and children_visible_to(user).filter(pk=report.child_id).exists()
    )
    context = {
        "report": report,
        "agency": AgencyKind(report.agency_kind).label,
        "show_description": description_visible(user, report),
        "events": list(report.events.select_related("by__agency").order_by("at", "id")),
        "actions": list(s.allowed_actions(report.status)) if acting else [],
        "acting": acting,
        "reroute_to": [(k, AgencyKind(k).label) for k in routes if k != report.agency_kind],
        "may_link": acting and may_link_children(user) and report.status in s.LINKABLE,
        "candidates": _candidates(request, report),
        "child_visible": child_visible,
        "error": error,
        "form": form or {},
        "s": {
            "accept": s.ACCEPT,
            "reroute": s.REROUTE,
            "duplicate": s.MARK_DUPLICATE,
            "answer": s.ANSWER,
            "close": s.CLOSE,
        },
    }
    return render(request, "web/partisipasi/report_detail.html", context, status=400 if error else 200)


@personal_data_view(Capability.HANDLE_2P_REPORTS)
@require_GET
def report_detail(request: HttpRequest, report_id: int) -> HttpResponse:
    report = report_get_for_handler(user=request.user, report_id=report_id, request=request)
    return _detail(request, report)


@personal_data_view(Capability.HANDLE_2P_REPORTS)
@require_POST
def report_action(request: HttpRequest, report_id: int) -> HttpResponse:
    """One step of the transitions table (the buttons of the report's page)."""
    report = report_get_for_handler(user=request.user, report_id=report_id, request=request)
    form = {k: request.POST.get(k, "") for k in ("alasan", "jawaban", "ke")}
    try:
        report_act(
            user=request.user,
            report=report,
            action=request.POST.get("tindakan", ""),
            reason=form["alasan"],
            answer=form["jawaban"],
            to_agency=form["ke"],
            request=request,
        )
    except PartisipasiPermissionError as exc:
        raise PermissionDenied(str(exc)) from exc
    except PartisipasiError as exc:
        return _detail(request, report, str(exc), form)
    return redirect("web:partisipasi-report-detail", report_id=report.pk)


@personal_data_view(Capability.HANDLE_2P_REPORTS)
@require_POST
def report_link(request: HttpRequest, report_id: int) -> HttpResponse:
    """Link the report to one of the children the user may see."""
    report = report_get_for_handler(user=request.user, report_id=report_id, request=request)
    raw = request.POST.get("anak", "").strip()
    if not raw.isdigit():
        return _detail(request, report, "Pilih anak. / Choose a child.")
    try:
        report_link_child(user=request.user, report=report, child_id=int(raw), request=request)
    except PartisipasiPermissionError as exc:
        raise PermissionDenied(str(exc)) from exc
    except PartisipasiError as exc:
        return _detail(request, report, str(exc))
    return redirect("web:partisipasi-report-detail", report_id=report.pk)


@personal_data_view(Capability.HANDLE_2P_REPORTS)
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    """Response times per agency and counts per type and agency for a quarter (aggregates)."""
    period = request.GET.get("periode", "").strip() or s.quarter_of(clock.today())
    error = ""
    try:
        s.quarter_bounds(period)
    except ValueError as exc:
        error, period = str(exc), s.quarter_of(clock.today())
    figures = participation_figures(period=period)
    _viewed(request, "partisipasi_dashboard", period=period)
    return render(
        request,
        "web/partisipasi/dashboard.html",
        {
            "period": period,
            "error": error,
            "times": response_times(period=period),
            "by_type": counts_by_type_and_agency(period=period),
            "by_status": counts_by_status(period=period),
            "answered": figures["2p_answered_14d"],
            "within_days": s.ANSWER_WITHIN_DAYS,
        },
        status=400 if error else 200,
    )


# --- Musrenbang ------------------------------------------------------------------------------


def _year(raw: str) -> int | None:
    raw = raw.strip()
    return int(raw) if raw.isdigit() and 2000 <= int(raw) <= 2100 else None


@personal_data_view(Capability.RECORD_MUSRENBANG)
@require_GET
def musrenbang(request: HttpRequest) -> HttpResponse:
    years = proposal_years()
    year = _year(request.GET.get("tahun", "")) or (years[0] if years else clock.today().year)
    proposals = list(proposals_for_year(year)[:LIST_LIMIT])
    _viewed(request, "musrenbang_list", year=year, count=len(proposals))
    return render(
        request,
        "web/partisipasi/musrenbang.html",
        {
            "year": year,
            "years": years,
            "proposals": proposals,
            "summary": musrenbang_summary(year),
        },
    )


@personal_data_view(Capability.RECORD_MUSRENBANG)
@require_http_methods(["GET", "POST"])
def proposal_new(request: HttpRequest) -> HttpResponse:
    keys = ("tahun", "tingkat", "judul", "uraian", "forum_anak", "bidang", "desa", "kecamatan")
    form = {k: "" for k in keys}
    form["tahun"] = str(clock.today().year)
    error = ""
    if request.method == "POST":
        form = {k: request.POST.get(k, "") for k in keys}
        try:
            proposal = proposal_record(
                user=request.user,
                year=form["tahun"],
                entry_level=form["tingkat"],
                title=form["judul"],
                description=form["uraian"],
                forum_anak=form["forum_anak"],
                sector=form["bidang"],
                desa_code=form["desa"],
                kecamatan_code=form["kecamatan"],
                request=request,
            )
        except PartisipasiPermissionError as exc:
            raise PermissionDenied(str(exc)) from exc
        except PartisipasiError as exc:
            error = str(exc)
        else:
            return redirect("web:partisipasi-proposal", proposal_id=proposal.pk)
    else:
        _viewed(request, "musrenbang_form")
    return render(
        request,
        "web/partisipasi/proposal_form.html",
        {
            "form": form,
            "error": error,
            "levels": Proposal.Level.choices,
            "sectors": Proposal.Sector.choices,
            "desa_list": _desa_choices(),
            "kecamatan_list": list(Kecamatan.objects.order_by("name")),
            "title_max": s.TITLE_MAX,
            "description_max": s.DESCRIPTION_MAX,
        },
        status=400 if error else 200,
    )


def _proposal_page(
    request: HttpRequest, proposal: Proposal, error: str = "", form: dict[str, str] | None = None
) -> HttpResponse:
    outcomes = sorted(proposal.outcomes.select_related("recorded_by"), key=lambda o: s.LEVELS.index(o.level))
    due = proposal_next_level(proposal)
    return render(
        request,
        "web/partisipasi/proposal.html",
        {
            "proposal": proposal,
            "outcomes": outcomes,
            "due": due,
            "due_label": s.LEVEL_LABELS[due] if due else "",
            "choices": [
                (o, s.OUTCOME_LABELS[o]) for o in s.OUTCOMES if not (o == s.FORWARDED and due == s.KABUPATEN)
            ],
            "form": form or {"tanggal": clock.today().isoformat()},
            "error": error,
        },
        status=400 if error else 200,
    )


@personal_data_view(Capability.RECORD_MUSRENBANG)
@require_GET
def proposal_detail(request: HttpRequest, proposal_id: int) -> HttpResponse:
    proposal = proposal_get(user=request.user, proposal_id=proposal_id, request=request)
    return _proposal_page(request, proposal)


@personal_data_view(Capability.RECORD_MUSRENBANG)
@require_POST
def proposal_outcome(request: HttpRequest, proposal_id: int) -> HttpResponse:
    proposal = proposal_get(user=request.user, proposal_id=proposal_id, request=request)
    form = {k: request.POST.get(k, "") for k in ("tingkat", "hasil", "alasan", "dana", "tanggal")}
    try:
        decided_on = date.fromisoformat(form["tanggal"].strip())
    except ValueError:
        return _proposal_page(request, proposal, "Tanggal tidak sah. / Invalid date.", form)
    try:
        proposal_outcome_record(
            user=request.user,
            proposal=proposal,
            level=form["tingkat"],
            outcome=form["hasil"],
            decided_on=decided_on,
            reason=form["alasan"],
            amount=form["dana"],
            request=request,
        )
    except PartisipasiPermissionError as exc:
        raise PermissionDenied(str(exc)) from exc
    except PartisipasiError as exc:
        return _proposal_page(request, proposal, str(exc), form)
    return redirect("web:partisipasi-proposal", proposal_id=proposal.pk)


urlpatterns: list[URLPattern] = [
    path("forum-anak/lapor/", report_new, name="partisipasi-report-new"),
    path("forum-anak/laporan-saya/", my_reports, name="partisipasi-my-reports"),
    path("forum-anak/laporan-saya/<int:report_id>/", my_report, name="partisipasi-my-report"),
    path("forum-anak/antrean/", queue, name="partisipasi-queue"),
    path("forum-anak/antrean/<int:report_id>/", report_detail, name="partisipasi-report-detail"),
    path("forum-anak/antrean/<int:report_id>/tindakan/", report_action, name="partisipasi-report-action"),
    path("forum-anak/antrean/<int:report_id>/tautkan-anak/", report_link, name="partisipasi-report-link"),
    path("forum-anak/dasbor/", dashboard, name="partisipasi-dashboard"),
    path("musrenbang/", musrenbang, name="partisipasi-musrenbang"),
    path("musrenbang/baru/", proposal_new, name="partisipasi-proposal-new"),
    path("musrenbang/<int:proposal_id>/", proposal_detail, name="partisipasi-proposal"),
    path("musrenbang/<int:proposal_id>/hasil/", proposal_outcome, name="partisipasi-proposal-outcome"),
]
