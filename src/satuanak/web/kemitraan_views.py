"""Pages of satuanak.kemitraan (issue 14): the public IKM survey per service point, IKM results
per quarter, APSAI members with commitments and deliveries, programme funding planned vs spent
with cost per child.

Access, one capability per view: the survey is public (no login, throttled per client address,
the address is never stored with the answers); the results need VIEW_AGGREGATES; setting a
baseline, APSAI and funding need MANAGE_PARTNERSHIPS. Every GET of a gated page is audited
(PARTNERSHIP_VIEWED). A user's mistake gets the form again with a bilingual message and a 400;
nothing is saved. Text is shown through Django's auto-escaping, never marked safe.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.views.decorators.http import require_GET, require_http_methods

from satuanak.access.decorators import personal_data_view, public_view
from satuanak.access.policy import Capability, role_can
from satuanak.audit.models import AuditAction
from satuanak.audit.services import audit_record, client_ip
from satuanak.common import clock, throttle
from satuanak.core.periods import quarter_bounds
from satuanak.kemitraan import selectors as sel
from satuanak.kemitraan.models import Commitment, Company, FundingEntry, ServicePoint
from satuanak.kemitraan.services import (
    KemitraanError,
    commitment_create,
    company_create,
    delivery_record,
    funding_entry_record,
    ikm_baseline_set,
    ikm_response_record,
    lists,
    question_set,
)

# A counter is busy: a few families may share one phone or the unit's tablet, so the limit is
# per address and generous, but a script cannot stuff a quarter's answers in minutes.
SURVEY_WINDOW_SECONDS = 60 * 60
SURVEY_MAX_PER_WINDOW = 20
SURVEY_REFUSED = (
    "Terlalu banyak jawaban dari alamat ini; coba lagi nanti. / "
    "Too many answers from this address; please try again later."
)


def _looked(request: HttpRequest, subject_type: str, subject_id: int | str = "", **detail: Any) -> None:
    audit_record(
        action=AuditAction.PARTNERSHIP_VIEWED,
        actor=request.user,
        request=request,
        subject_type=subject_type,
        subject_id=subject_id,
        detail=detail,
    )


def _this_quarter() -> str:
    today = clock.today()
    return f"{today.year}Q{(today.month - 1) // 3 + 1}"


def _year_param(request: HttpRequest) -> tuple[int, str]:
    raw = request.GET.get("tahun", "").strip()
    if not raw:
        return clock.today().year, ""
    if raw.isdigit() and len(raw) == 4 and 2000 <= int(raw) <= 2100:
        return int(raw), ""
    return clock.today().year, "Tahun tidak sah (contoh 2024). / Invalid year (e.g. 2024)."


# --- the public survey ---------------------------------------------------------------------------


@public_view
@require_GET
def ikm_points(request: HttpRequest) -> HttpResponse:
    """Where one can rate a service: a link per active point (what a QR code at a counter opens)."""
    return render(
        request, "web/kemitraan/ikm_points.html", {"points": ServicePoint.objects.filter(active=True)}
    )


def _survey_key(request: HttpRequest) -> str:
    # The address lives only in the cache key for the window; no survey row holds it.
    return f"kemitraan:ikm:{client_ip(request) or 'unknown'}"


@public_view
@require_http_methods(["GET", "POST"])
def ikm_survey(request: HttpRequest, point_code: str) -> HttpResponse:
    point = ServicePoint.objects.filter(code=point_code[:40], active=True).first()
    if point is None:
        raise Http404("Titik layanan tidak ditemukan. / Service point not found.")
    qs = question_set()
    context: dict[str, Any] = {
        "point": point,
        "qs": qs,
        "thanks": request.GET.get("terima") == "1",
        "error": "",
        "given": {},
        "comment": "",
    }
    if request.method == "POST":
        context["given"] = {c: request.POST.get(c, "") for c in qs.codes}
        context["comment"] = request.POST.get("saran", "")[: qs.comment_max_chars + 50]
        if throttle.hits(_survey_key(request)) >= SURVEY_MAX_PER_WINDOW:
            audit_record(
                action=AuditAction.ACCESS_DENIED,
                request=request,
                subject_type="ikm_survey",
                subject_id=point.code,
                detail={"reason": "rate limit", "window_seconds": SURVEY_WINDOW_SECONDS},
            )
            context["error"] = SURVEY_REFUSED
            response = _survey_page(request, context, status=429)
            response["Retry-After"] = str(SURVEY_WINDOW_SECONDS)
            return response
        throttle.hit(_survey_key(request), SURVEY_WINDOW_SECONDS)
        answers = {c: request.POST.get(c) for c in qs.codes}
        try:
            ikm_response_record(point=point, answers=answers, comment=request.POST.get("saran", ""))
        except KemitraanError as e:
            context["error"] = str(e)
            return _survey_page(request, context, status=400)
        return redirect(reverse("web:kemitraan-ikm-survey", args=[point.code]) + "?terima=1")
    return _survey_page(request, context)


def _survey_page(request: HttpRequest, context: dict[str, Any], status: int = 200) -> HttpResponse:
    qs = context["qs"]
    context["elements"] = [{"e": e, "value": str(context["given"].get(e.code, ""))} for e in qs.elements]
    return render(request, "web/kemitraan/ikm_survey.html", context, status=status)


# --- IKM results -----------------------------------------------------------------------------------


@personal_data_view(Capability.VIEW_AGGREGATES)
@require_GET
def ikm_results(request: HttpRequest) -> HttpResponse:
    period = request.GET.get("periode", "").strip().upper() or _this_quarter()
    error = ""
    try:
        quarter_bounds(period)
    except ValueError:
        error = "Triwulan tidak sah (contoh 2024Q4). / Invalid quarter (e.g. 2024Q4)."
        period = _this_quarter()
    scores = sel.ikm_scores(period=period)
    _looked(request, "ikm_results", period=period, points=len(scores))
    qs = question_set()
    year = int(period[:4])
    return render(
        request,
        "web/kemitraan/ikm_results.html",
        {
            "period": period,
            "periods": [f"{y}Q{q}" for y in (year - 1, year) for q in (1, 2, 3, 4)],
            "scores": scores,
            "qs": qs,
            "error": error,
            "can_set_baseline": role_can(getattr(request.user, "role", ""), Capability.MANAGE_PARTNERSHIPS),
        },
        status=400 if error else 200,
    )


@personal_data_view(Capability.MANAGE_PARTNERSHIPS)
@require_http_methods(["POST"])
def ikm_baseline(request: HttpRequest) -> HttpResponse:
    """Make a quarter a point's baseline (its score is stored; the target follows from it)."""
    point = ServicePoint.objects.filter(code=request.POST.get("titik", "")[:40]).first()
    period = request.POST.get("periode", "").strip().upper()
    if point is None:
        return render(
            request,
            "400.html",
            {"detail": "Titik layanan tidak dikenal. / Unknown service point."},
            status=400,
        )
    try:
        ikm_baseline_set(point=point, period=period, by=request.user)
    except KemitraanError as e:
        return render(request, "400.html", {"detail": str(e)}, status=400)
    return redirect(reverse("web:kemitraan-ikm-results") + f"?periode={period}")


# --- APSAI ---------------------------------------------------------------------------------------------


@personal_data_view(Capability.MANAGE_PARTNERSHIPS)
@require_http_methods(["GET", "POST"])
def apsai_list(request: HttpRequest) -> HttpResponse:
    year, error = _year_param(request)
    form: dict[str, str] = {}
    if request.method == "POST":
        form = {k: request.POST.get(k, "")[:400] for k in ("name", "sector", "joined_on", "contact_person")}
        try:
            company = company_create(**form, by=request.user)
        except KemitraanError as e:
            error = str(e)
        else:
            return redirect("web:kemitraan-apsai-company", company_id=company.pk)
    else:
        _looked(request, "apsai_companies", year=year)
    return render(
        request,
        "web/kemitraan/apsai_list.html",
        {"rows": sel.apsai_rows(year=year), "year": year, "form": form, "error": error},
        status=400 if error else 200,
    )


@personal_data_view(Capability.MANAGE_PARTNERSHIPS)
@require_http_methods(["GET", "POST"])
def apsai_company(request: HttpRequest, company_id: int) -> HttpResponse:
    company = Company.objects.filter(pk=company_id).first()
    if company is None:
        raise Http404("Perusahaan tidak ditemukan. / Company not found.")
    error, form = "", dict[str, str]()
    if request.method == "POST":
        what = request.POST.get("form", "")
        form = {k: request.POST.get(k, "")[:400] for k in request.POST if k != "csrfmiddlewaretoken"}
        try:
            if what == "commitment":
                commitment_create(
                    company=company,
                    kind=form.get("kind", ""),
                    quantity=form.get("quantity", ""),
                    year=form.get("year", ""),
                    programme=form.get("programme", ""),
                    description=form.get("description", ""),
                    by=request.user,
                )
            elif what == "delivery":
                commitment = Commitment.objects.filter(
                    company=company, pk=_int_or_zero(form.get("commitment", ""))
                ).first()
                if commitment is None:
                    raise KemitraanError("Pilih komitmen. / Choose a commitment.")
                delivery_record(
                    commitment=commitment,
                    description=form.get("description", ""),
                    delivered_on=form.get("delivered_on", ""),
                    quantity=form.get("quantity", ""),
                    evidence_note=form.get("evidence_note", ""),
                    by=request.user,
                )
            else:
                raise KemitraanError("Formulir tidak dikenal. / Unknown form.")
        except KemitraanError as e:
            error = str(e)
        else:
            return redirect("web:kemitraan-apsai-company", company_id=company.pk)
    else:
        _looked(request, "apsai_company", company.pk)
    commitments: list[dict[str, Any]] = []
    for c in company.commitments.all():
        delivered = sel.commitment_delivered(c)
        commitments.append(
            {
                "c": c,
                "delivered": delivered,
                "deliveries": list(c.deliveries.all()),
                "pct": 100 * delivered // c.quantity,
            }
        )
    return render(
        request,
        "web/kemitraan/apsai_company.html",
        {
            "company": company,
            "commitments": commitments,
            "kinds": Commitment.Kind.choices,
            "programmes": lists().programmes,
            "form": form,
            "error": error,
            "this_year": clock.today().year,
        },
        status=400 if error else 200,
    )


def _int_or_zero(raw: str) -> int:
    return int(raw) if raw.strip().isdigit() and len(raw) < 10 else 0


# --- funding -----------------------------------------------------------------------------------------


@personal_data_view(Capability.MANAGE_PARTNERSHIPS)
@require_http_methods(["GET", "POST"])
def funding(request: HttpRequest) -> HttpResponse:
    year, error = _year_param(request)
    form: dict[str, str] = {}
    if request.method == "POST":
        form = {
            k: request.POST.get(k, "")[:400]
            for k in ("programme", "source", "year", "kind", "amount", "entry_date", "note")
        }
        try:
            entry = funding_entry_record(**form, by=request.user)
        except KemitraanError as e:
            error = str(e)
        else:
            return redirect(reverse("web:kemitraan-funding") + f"?tahun={entry.year}")
    else:
        _looked(request, "funding", year=year)
    table = sel.funding_table(year=year)
    results = sel.programme_results(year=year)
    programmes, sources = lists().programmes, lists().sources
    matrix = [
        {
            "p": p,
            "cells": [table.cells.get((p.code, s.code)) for s in sources],
            "total": table.by_programme.get(p.code),
        }
        for p in programmes
    ]
    return render(
        request,
        "web/kemitraan/funding.html",
        {
            "year": year,
            "years": list(range(year - 2, year + 2)),
            "table": table,
            "matrix": matrix,
            "sources": sources,
            "source_totals": [(s, table.by_source.get(s.code)) for s in sources],
            "programmes": programmes,
            "costs": sel.cost_rows(table=table, results=results),
            "entries": FundingEntry.objects.filter(year=year).select_related("entered_by")[:200],
            "kinds": FundingEntry.Kind.choices,
            "form": form,
            "error": error,
            "today": clock.today(),
        },
        status=400 if error else 200,
    )


urlpatterns: list[URLPattern] = [
    path("ikm/", ikm_points, name="kemitraan-ikm-points"),
    # Before "ikm/<str:point_code>/": "hasil" is reserved and never a point's code.
    path("ikm/hasil/", ikm_results, name="kemitraan-ikm-results"),
    path("ikm/hasil/dasar/", ikm_baseline, name="kemitraan-ikm-baseline"),
    path("ikm/<str:point_code>/", ikm_survey, name="kemitraan-ikm-survey"),
    path("kemitraan/apsai/", apsai_list, name="kemitraan-apsai"),
    path("kemitraan/apsai/<int:company_id>/", apsai_company, name="kemitraan-apsai-company"),
    path("kemitraan/dana/", funding, name="kemitraan-funding"),
]
