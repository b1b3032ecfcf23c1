"""Pages of REMAJA CAKAP (issue 13, see satuanak.remaja): the overview, a puskesmas's PKPR
checklist, Posyandu Remaja per desa and their sessions, PKPR counselling counts, anaemia
screening of adolescent girls with the follow-ups, and weekly iron tablets (TTD) per school.

Every page needs RECORD_ADOLESCENT_HEALTH; every GET reads through a selector of
satuanak.remaja that writes the ADOLESCENT_VIEWED audit entry (or, for a girl's page, through
access_child_by_id, which writes CHILD_VIEWED). A Posyandu Remaja outside the user's area, a
puskesmas id that is not a puskesmas, or a girl outside the area is a 404 whether it exists or
not (a girl's refusal is audited as ACCESS_DENIED). A user's mistake gets the form again with
a bilingual message and a 400; nothing is saved.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.views.decorators.http import require_GET, require_http_methods

from satuanak.access.decorators import personal_data_view
from satuanak.access.policy import Capability
from satuanak.access.selectors import access_child_by_id, desa_visible_to
from satuanak.common import clock
from satuanak.facilities.models import HealthFacility
from satuanak.remaja import anaemia as an
from satuanak.remaja import selectors as sel
from satuanak.remaja.models import AGE_GROUPS, SESSION_TOPICS, SEXES, TOPICS
from satuanak.remaja.periods import PeriodError, quarter_bounds, quarter_of
from satuanak.remaja.services import (
    RemajaError,
    anaemia_screening_record,
    counselling_tally_record,
    pkpr_assessment_record,
    posyandu_remaja_cadres_update,
    posyandu_remaja_create,
    posyandu_remaja_session_record,
    ttd_week_record,
)

BAD_DATE = "Tanggal tidak sah (TTTT-BB-HH). / Invalid date (YYYY-MM-DD)."
BAD_MONTH = "Bulan tidak sah (TTTT-BB). / Invalid month (YYYY-MM)."
BAD_CHOICE = "Pilihan tidak sah. / Invalid choice."
CAP = Capability.RECORD_ADOLESCENT_HEALTH


def _date(text: str) -> date:
    try:
        return date.fromisoformat((text or "").strip())
    except ValueError as exc:
        raise RemajaError(BAD_DATE) from exc


def _id(text: str) -> int:
    text = (text or "").strip()
    if not text.isdigit():
        raise RemajaError(BAD_CHOICE)
    return int(text)


def _pct(num: int, den: int) -> int | None:
    return round(100 * num / den) if den else None


# --- overview ----------------------------------------------------------------------------------


@personal_data_view(CAP)
@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    today = clock.today()
    data = sel.remaja_overview(user=request.user, today=today, request=request)
    return render(
        request,
        "web/remaja/overview.html",
        {
            "o": data,
            "today": today,
            "schools": [
                {
                    "s": s,
                    "coverage": _pct(s.summary.given, s.summary.enrolled),
                    "adherence": _pct(s.summary.took, s.summary.enrolled),
                }
                for s in data.schools
            ],
            "desa_total": len(data.desa),
            "writable": set(sel.pkpr_facilities_writable(request.user).values_list("pk", flat=True)),
        },
    )


# --- PKPR --------------------------------------------------------------------------------------


@personal_data_view(CAP)
@require_http_methods(["GET", "POST"])
def pkpr_checklist(request: HttpRequest, facility_id: int) -> HttpResponse:
    facility = sel.puskesmas().filter(pk=facility_id).first()
    if facility is None:
        raise Http404("Puskesmas tidak ditemukan / puskesmas not found")
    error = ""
    form: dict[str, Any] = {}
    if request.method == "POST":
        form = request.POST.dict()
        try:
            standard = sel.pkpr_standard()
            codes = list(standard.items.values_list("code", flat=True)) if standard else []
            met: dict[str, bool] = {}
            for code in codes:
                answer = request.POST.get(f"butir-{code}", "")
                if answer not in ("ya", "tidak"):
                    raise RemajaError(f"Jawab Ya atau Tidak untuk {code}. / Answer yes or no for {code}.")
                met[code] = answer == "ya"
            pkpr_assessment_record(
                user=request.user,
                facility_id=facility.pk,
                assessed_on=_date(request.POST.get("tanggal", "")),
                met=met,
                notes={code: request.POST.get(f"catatan-{code}", "") for code in codes},
                request=request,
            )
        except RemajaError as exc:
            error = str(exc)
        else:
            return redirect("web:remaja-pkpr", facility_id=facility.pk)
    page = sel.pkpr_page(user=request.user, facility=facility, request=request)
    return render(
        request,
        "web/remaja/pkpr.html",
        {"p": page, "error": error, "form": form, "today": clock.today()},
        status=400 if error else 200,
    )


# --- Posyandu Remaja ---------------------------------------------------------------------------


@personal_data_view(CAP)
@require_http_methods(["GET", "POST"])
def posyandu_list(request: HttpRequest) -> HttpResponse:
    error = ""
    form: dict[str, Any] = {}
    if request.method == "POST":
        form = request.POST.dict()
        try:
            made = posyandu_remaja_create(
                user=request.user,
                desa_code=request.POST.get("desa", ""),
                name=request.POST.get("nama", ""),
                cadres=request.POST.get("kader", ""),
                trained_cadres=request.POST.get("kader_terlatih", ""),
                request=request,
            )
        except RemajaError as exc:
            error = str(exc)
        else:
            return redirect("web:remaja-posyandu-detail", posyandu_remaja_id=made.pk)
    today = clock.today()
    desa = sel.posyandu_by_desa(user=request.user, on=today, request=request)
    return render(
        request,
        "web/remaja/posyandu_list.html",
        {
            "desa": desa,
            "active": sum(1 for d in desa if d.active),
            "rule": sel.ACTIVITY_RULE.describe(),
            "desa_options": desa_visible_to(request.user).select_related("kecamatan").order_by("code"),
            "error": error,
            "form": form,
            "today": today,
        },
        status=400 if error else 200,
    )


@personal_data_view(CAP)
@require_http_methods(["GET", "POST"])
def posyandu_detail(request: HttpRequest, posyandu_remaja_id: int) -> HttpResponse:
    posyandu = (
        sel.posyandu_remaja_visible_to(request.user)
        .select_related("desa__kecamatan")
        .filter(pk=posyandu_remaja_id)
        .first()
    )
    if posyandu is None:
        raise Http404("Posyandu Remaja tidak ditemukan / not found")
    error = ""
    form: dict[str, Any] = {}
    if request.method == "POST":
        form = request.POST.dict()
        try:
            if request.POST.get("aksi") == "kader":
                posyandu_remaja_cadres_update(
                    user=request.user,
                    posyandu_id=posyandu.pk,
                    cadres=request.POST.get("kader", ""),
                    trained_cadres=request.POST.get("kader_terlatih", ""),
                    request=request,
                )
            else:
                posyandu_remaja_session_record(
                    user=request.user,
                    posyandu_id=posyandu.pk,
                    held_on=_date(request.POST.get("tanggal", "")),
                    girls=request.POST.get("putri", ""),
                    boys=request.POST.get("putra", ""),
                    trained_cadres_present=request.POST.get("kader_hadir", ""),
                    topics=request.POST.getlist("topik"),
                    request=request,
                )
        except RemajaError as exc:
            error = str(exc)
        else:
            return redirect("web:remaja-posyandu-detail", posyandu_remaja_id=posyandu.pk)
    today = clock.today()
    row, sessions = sel.posyandu_detail(user=request.user, posyandu=posyandu, on=today, request=request)
    labels = dict(SESSION_TOPICS)
    return render(
        request,
        "web/remaja/posyandu_detail.html",
        {
            "row": row,
            "p": posyandu,
            "sessions": [{"s": s, "topics": [labels.get(t, t) for t in s.topics]} for s in sessions],
            "topics": SESSION_TOPICS,
            "chosen": request.POST.getlist("topik") if request.method == "POST" else [],
            "rule": sel.ACTIVITY_RULE.describe(),
            "error": error,
            "form": form,
            "today": today,
        },
        status=400 if error else 200,
    )


# --- counselling tallies -----------------------------------------------------------------------


def _month(text: str) -> date:
    text = (text or "").strip()
    try:
        return date.fromisoformat(f"{text}-01") if len(text) == 7 else date.fromisoformat(text).replace(day=1)
    except ValueError as exc:
        raise RemajaError(BAD_MONTH) from exc


@personal_data_view(CAP)
@require_http_methods(["GET", "POST"])
def counselling(request: HttpRequest) -> HttpResponse:
    user = request.user
    writable = list(sel.pkpr_facilities_writable(user))
    error = ""
    today = clock.today()
    month = today.replace(day=1)
    chosen: HealthFacility | None = writable[0] if len(writable) == 1 else None
    cells: dict[str, Any] = {}
    if request.method == "POST":
        cells = {k: request.POST.get(k, "") for k in request.POST if "|" in k}
        try:
            facility_id = _id(request.POST.get("puskesmas", ""))
            chosen = next((f for f in writable if f.pk == facility_id), None)
            month = _month(request.POST.get("bulan", ""))
            counselling_tally_record(
                user=user, facility_id=facility_id, month=month, counts=cells, request=request
            )
        except RemajaError as exc:
            error = str(exc)
        else:
            return redirect("web:remaja-counselling")
    else:
        # The grid shows the stored counts of the puskesmas and month asked for (?puskesmas=&bulan=).
        asked = request.GET.get("puskesmas", "").strip()
        chosen = next((f for f in writable if str(f.pk) == asked), chosen)
        try:
            month = _month(request.GET.get("bulan", "")) if request.GET.get("bulan") else month
        except RemajaError:
            month = today.replace(day=1)
    summary = sel.counselling_summary(user=user, request=request)
    if not cells and chosen is not None:
        cells = {k: str(v) for k, v in sel.counselling_cells(chosen.pk, month).items()}
    grid = [
        {
            "code": t,
            "label": label,
            "cells": [
                {"key": f"{t}|{s}|{a}", "sex": s, "age": a, "value": cells.get(f"{t}|{s}|{a}", "")}
                for s, _ in SEXES
                for a, _ in AGE_GROUPS
            ],
        }
        for t, label in TOPICS
    ]
    return render(
        request,
        "web/remaja/counselling.html",
        {
            "summary": summary,
            "topics": TOPICS,
            "columns": [(s, sl, a, al) for s, sl in SEXES for a, al in AGE_GROUPS],
            "grid": grid,
            "writable": writable,
            "chosen": chosen,
            "month": month,
            "error": error,
        },
        status=400 if error else 200,
    )


# --- anaemia -----------------------------------------------------------------------------------


@personal_data_view(CAP)
@require_GET
def anaemia(request: HttpRequest) -> HttpResponse:
    """Pick a girl in the user's area (by name or NIK, and desa) to screen; recent screenings."""
    today = clock.today()
    query = request.GET.get("cari", "").strip()[:100]
    desa_code = request.GET.get("desa", "").strip()[:20]
    girls = sel.girls_search(user=request.user, on=today, query=query, desa_code=desa_code, request=request)
    return render(
        request,
        "web/remaja/anaemia.html",
        {
            "girls": [
                {"c": g, "age": an.age_in_years(g.birth_date, today) if g.birth_date else None} for g in girls
            ],
            "recent": sel.recent_screenings(request.user),
            "query": query,
            "desa_code": desa_code,
            "desa_options": desa_visible_to(request.user).order_by("code"),
            "labels": an.SEVERITY_LABELS,
        },
    )


@personal_data_view(CAP)
@require_http_methods(["GET", "POST"])
def anaemia_child(request: HttpRequest, child_id: int) -> HttpResponse:
    """One girl's screenings and follow-ups, and the form for a new screening."""
    user = request.user
    child = access_child_by_id(user=user, child_id=child_id, request=request)
    today = clock.today()
    error = ""
    form: dict[str, Any] = {}
    if request.method == "POST":
        form = request.POST.dict()
        try:
            anaemia_screening_record(
                user=user,
                child_id=child.pk,
                school_id=_id(request.POST.get("sekolah", "")),
                screened_on=_date(request.POST.get("tanggal", "")),
                hb_g_dl=request.POST.get("hb", ""),
                request=request,
            )
        except RemajaError as exc:
            error = str(exc)
        else:
            return redirect("web:remaja-anaemia-child", child_id=child.pk)
    eligible = sel.is_adolescent_girl(child, today)
    return render(
        request,
        "web/remaja/anaemia_child.html",
        {
            "child": child,
            "age": an.age_in_years(child.birth_date, today) if child.birth_date else None,
            "eligible": eligible,
            "screenings": sel.anaemia_page_for_child(user=user, child=child, request=request),
            "schools": list(sel.schools_for_user(user)) if eligible else [],
            "thresholds": sel.anaemia_thresholds(),
            "error": error,
            "form": form,
            "today": today,
        },
        status=400 if error else 200,
    )


@personal_data_view(CAP)
@require_GET
def follow_ups(request: HttpRequest) -> HttpResponse:
    today = clock.today()
    open_only = request.GET.get("semua", "") != "1"
    rows = sel.anaemia_follow_ups(user=request.user, today=today, open_only=open_only, request=request)
    return render(
        request,
        "web/remaja/follow_ups.html",
        {"rows": rows, "open_only": open_only, "today": today, "labels": an.SEVERITY_LABELS},
    )


# --- TTD ---------------------------------------------------------------------------------------


@personal_data_view(CAP)
@require_http_methods(["GET", "POST"])
def ttd_weeks(request: HttpRequest) -> HttpResponse:
    user = request.user
    today = clock.today()
    error = ""
    form: dict[str, Any] = {}
    if request.method == "POST":
        form = request.POST.dict()
        try:
            ttd_week_record(
                user=user,
                school_id=_id(request.POST.get("sekolah", "")),
                class_name=request.POST.get("kelas", ""),
                week_of=_date(request.POST.get("minggu", "")),
                girls_enrolled=request.POST.get("terdaftar", ""),
                tablets_given=request.POST.get("dibagikan", ""),
                girls_took=request.POST.get("minum", ""),
                request=request,
            )
        except RemajaError as exc:
            error = str(exc)
        else:
            return redirect("web:remaja-ttd")
    period = request.GET.get("periode", "").strip() or quarter_of(today)
    try:
        quarter_bounds(period)
    except PeriodError:
        period = quarter_of(today)
    rows = sel.ttd_page(user=user, period=period, request=request)
    return render(
        request,
        "web/remaja/ttd.html",
        {
            "rows": [
                {
                    "s": r,
                    "coverage": _pct(r.summary.given, r.summary.enrolled),
                    "adherence": _pct(r.summary.took, r.summary.enrolled),
                }
                for r in rows
            ],
            "recent": sel.ttd_weeks_recent(user),
            "schools": list(sel.schools_for_user(user)),
            "period": period,
            "error": error,
            "form": form,
            "today": today,
        },
        status=400 if error else 200,
    )


urlpatterns: list[URLPattern] = [
    path("remaja/kesehatan/", overview, name="remaja-overview"),
    path("remaja/pkpr/<int:facility_id>/", pkpr_checklist, name="remaja-pkpr"),
    path("remaja/posyandu-remaja/", posyandu_list, name="remaja-posyandu-list"),
    path("remaja/posyandu-remaja/<int:posyandu_remaja_id>/", posyandu_detail, name="remaja-posyandu-detail"),
    path("remaja/konseling/", counselling, name="remaja-counselling"),
    path("remaja/anemia/", anaemia, name="remaja-anaemia"),
    path("remaja/anemia/anak/<int:child_id>/", anaemia_child, name="remaja-anaemia-child"),
    path("remaja/anemia/tindak-lanjut/", follow_ups, name="remaja-follow-ups"),
    path("remaja/ttd/", ttd_weeks, name="remaja-ttd"),
]
