"""Pages of issue 17: why weighing says one stunting figure and the survey another.

- `/mutu/`: for a quarter, the three stunting figures side by side (weighing-based with its
  interval, coverage-adjusted, quality-adjusted) beside the survey, the gap explained by its parts;
  weighing coverage per desa and who is never weighed (by age, desa, remoteness); measurement
  quality per posyandu (or puskesmas, cadre, kecamatan) with every check, its threshold and a
  plain reading; the posyandu that most need attention; trainings before and after.
- `/mutu/pelatihan/` (POST): record a cadre refresher training (RECORD_MEASUREMENTS).
- `/mutu/survei/` (POST): enter a survey's stunting figure (KLA_ENTER_VALUES).

Aggregates only (no child's data): gated by VIEW_AGGREGATES; the cadre level (staff names) only
for roles that read e-PPGBM. Every look is audited; bad input is a 400 with a bilingual message.
"""

from __future__ import annotations

import re
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.views.decorators.http import require_GET, require_POST

from satuanak.access.agreements import policy_of
from satuanak.access.decorators import personal_data_view
from satuanak.access.policy import Capability, role_can
from satuanak.audit.models import AuditAction
from satuanak.audit.services import audit_record
from satuanak.core.sources import Source
from satuanak.facilities.models import Posyandu
from satuanak.mutu import checks
from satuanak.mutu import selectors as sel
from satuanak.mutu.services import MutuError, cadre_training_record, spec, survey_figure_record
from satuanak.regions.models import Kecamatan

LEVELS = {
    "posyandu": "Posyandu",
    "puskesmas": "Puskesmas",
    "cadre": "Kader / cadre",
    "kecamatan": "Kecamatan",
}
STATUS_TEXT = {
    checks.OK: ("baik", "good"),
    checks.WARN: ("perlu dicek", "check"),
    checks.FAIL: ("bermasalah", "problem"),
    checks.FEW: ("data sedikit", "too few"),
}
_PERIOD = re.compile(r"^\d{4}Q[1-4]$")


def _pct(x: float | None, digits: int = 1) -> str:
    return "—" if x is None else f"{x * 100:.{digits}f}%".replace(".", ",")


def _value_text(unit: str, value: float | None) -> str:
    if value is None:
        return "—"
    if unit == "share":
        return _pct(value)
    return f"{value:.2f}".replace(".", ",")


def _looked(request: HttpRequest, **detail: Any) -> None:
    audit_record(
        action=AuditAction.QUALITY_VIEWED,
        actor=request.user,
        request=request,
        subject_type="mutu",
        detail=detail,
    )


def _reads_eppgbm(user: Any) -> bool:
    return Source.EPPGBM in policy_of(user).sources


def _bar(rate: float | None, low: float | None, high: float | None, scale: float) -> dict[str, Any] | None:
    """Widths (percent of the chart) of a bar and its interval whisker."""
    if rate is None:
        return None
    return {
        "width": round(100 * rate / scale, 2),
        "low": None if low is None else round(100 * low / scale, 2),
        "high": None if high is None else round(100 * high / scale, 2),
        "text": _pct(rate),
    }


def three_figures(a: sel.AreaRates) -> list[dict[str, Any]]:
    """The district's figures as the chart draws them, the survey last."""
    values = [a.weighed[0], a.adjusted[0], a.quality[0], a.survey.value if a.survey else None]
    highs = [a.weighed[2], a.adjusted[2], a.quality[2]]
    scale = max([v for v in values + highs if v is not None] + [0.05]) * 1.15
    rows = [
        ("weighed", "Penimbangan (e-PPGBM)", "weighing-based", _bar(*a.weighed, scale)),
        ("adjusted", "Disesuaikan cakupan", "coverage-adjusted", _bar(*a.adjusted, scale)),
        ("quality", "Disesuaikan cakupan + mutu", "coverage- and quality-adjusted", _bar(*a.quality, scale)),
    ]
    if a.survey is not None:
        rows.append(
            ("survey", f"Survei {a.survey.source}", "survey", _bar(a.survey.value, None, None, scale))
        )
    return [{"key": k, "label_id": li, "label_en": le, "bar": b} for k, li, le, b in rows]


def area_row(a: sel.AreaRates) -> dict[str, Any]:
    return {
        "a": a,
        "weighed": _pct(a.weighed[0]),
        "weighed_ci": f"{_pct(a.weighed[1])}–{_pct(a.weighed[2])}" if a.weighed[1] is not None else "",
        "adjusted": _pct(a.adjusted[0]),
        "adjusted_ci": f"{_pct(a.adjusted[1])}–{_pct(a.adjusted[2])}" if a.adjusted[1] is not None else "",
        "adjusted_high": _pct(a.adjusted_high),
        "quality": _pct(a.quality[0]),
        "survey": "—" if a.survey is None else f"{_pct(a.survey.value)} ({a.survey.source})",
        "coverage": _pct(a.coverage, 0),
        "gap": None
        if a.gap is None
        else {
            k: f"{getattr(a.gap, k) * 100:+.1f}".replace(".", ",")
            for k in ("total", "coverage", "quality", "remainder")
        },
    }


def _cell(r: Any, unit: str) -> dict[str, Any] | None:
    if r is None:
        return None
    status_id, status_en = STATUS_TEXT.get(r.status, (r.status, r.status))
    tip = (
        f"{_value_text(unit, r.value)} (n={r.n}; batas / threshold {r.threshold}) — {status_id} / {status_en}"
    )
    if r.reading_id:
        tip += f": {r.reading_id}"
    return {"status": r.status, "text": _value_text(unit, r.value), "tip": tip}


@personal_data_view(Capability.VIEW_AGGREGATES)
@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    periods = sel.periods()
    period = request.GET.get("periode", "").strip().upper() or (periods[-1] if periods else "")
    level = request.GET.get("tingkat", "posyandu").strip()
    errors = []
    if period and (not _PERIOD.match(period) or period not in periods):
        errors.append(
            f"Triwulan {period!r} tidak ada datanya (pilih dari daftar). / No figures for quarter "
            f"{period!r} (choose from the list)."
        )
        period = periods[-1] if periods else ""
    can_cadre = _reads_eppgbm(request.user)
    if level not in LEVELS or (level == "cadre" and not can_cadre):
        errors.append("Tingkat tidak dikenal. / Unknown level.")
        level = "posyandu"
    _looked(request, period=period, level=level)
    sp = spec()
    units = {c.code: c.unit for c in sp.checks}
    areas = sel.side_by_side(period) if period else []
    district = areas[0] if areas and areas[0].level == "district" else None
    groups = sel.quality_groups(period, level) if period else []
    user_role = getattr(request.user, "role", "")
    context = {
        "periods": periods,
        "period": period,
        "level": level,
        "levels": {k: v for k, v in LEVELS.items() if k != "cadre" or can_cadre},
        "errors": errors,
        "district": district,
        "district_row": area_row(district) if district else None,
        "figures": three_figures(district) if district else [],
        "kecamatan": [area_row(a) for a in areas if a.level == "kecamatan"],
        "coverage_desa": sel.coverage_rows(period, "desa") if period else [],
        "coverage_age": sel.coverage_rows(period, "age") if period else [],
        "coverage_remote": sel.coverage_rows(period, "remoteness") if period else [],
        "checks": [
            {"c": c, "threshold": c.threshold_text(), "reading": c.reading_generic()}
            for c in sorted(sp.checks, key=lambda c: sel.CHECK_ORDER.index(c.code))
        ],
        "groups": [
            {
                "g": g,
                "cells": [
                    _cell(r, units.get(code, "")) for code, r in zip(sel.CHECK_ORDER, g.cells(), strict=True)
                ],
            }
            for g in groups
        ],
        "attention": sel.attention_list(period) if period else [],
        "trainings": sel.training_before_after(),
        "status_text": STATUS_TEXT,
        "can_train": role_can(user_role, Capability.RECORD_MEASUREMENTS),
        "can_survey": role_can(user_role, Capability.KLA_ENTER_VALUES),
        "posyandu_choices": list(Posyandu.objects.values_list("code", "name").order_by("name"))
        if role_can(user_role, Capability.RECORD_MEASUREMENTS)
        else [],
        "areas": [("61.07", "Kabupaten Bengkayang"), *Kecamatan.objects.values_list("code", "name")],
        "coverage_thresholds": (sp.coverage_warn_below, sp.coverage_fail_below),
        "rr_high": sp.raw.get("rr_high", 1.5),
        "min_stratum": sp.raw.get("min_stratum", 5),
    }
    return render(request, "web/mutu/overview.html", context, status=400 if errors else 200)


# A cadre training (who was trained, when, at which posyandu) names no child: no session purpose.
@personal_data_view(Capability.RECORD_MEASUREMENTS, purpose=False)
@require_POST
def training_new(request: HttpRequest) -> HttpResponse:
    try:
        t = cadre_training_record(
            user=request.user,
            posyandu_code=request.POST.get("posyandu", ""),
            held_on=request.POST.get("tanggal", ""),
            topic=request.POST.get("materi", ""),
            participants=request.POST.get("peserta", ""),
            trainer=request.POST.get("pelatih", ""),
            note=request.POST.get("catatan", ""),
        )
    except MutuError as exc:
        return render(request, "400.html", {"detail": str(exc)}, status=400)
    audit_record(
        action=AuditAction.RECORD_CHANGED,
        actor=request.user,
        request=request,
        subject_type="cadre_training",
        subject_id=t.pk,
        detail={"posyandu": t.posyandu.code, "held_on": t.held_on.isoformat()},
    )
    messages.success(request, "Pelatihan kader dicatat. / Cadre training recorded.")
    return redirect(reverse("web:mutu-overview") + "#pelatihan")


@personal_data_view(Capability.KLA_ENTER_VALUES)
@require_POST
def survey_new(request: HttpRequest) -> HttpResponse:
    try:
        f = survey_figure_record(
            user=request.user,
            area_code=request.POST.get("wilayah", ""),
            year=request.POST.get("tahun", ""),
            percent=request.POST.get("nilai", ""),
            source=request.POST.get("sumber", ""),
            note=request.POST.get("catatan", ""),
        )
    except MutuError as exc:
        return render(request, "400.html", {"detail": str(exc)}, status=400)
    audit_record(
        action=AuditAction.RECORD_CHANGED,
        actor=request.user,
        request=request,
        subject_type="survey_figure",
        subject_id=f.pk,
        detail={"area": f.area_code, "year": f.year, "source": f.source},
    )
    sel.forget_cached()
    messages.success(request, "Angka survei disimpan. / Survey figure saved.")
    return redirect(reverse("web:mutu-overview") + "#tiga-angka")


urlpatterns: list[URLPattern] = [
    path("mutu/", overview, name="mutu-overview"),
    path("mutu/pelatihan/", training_new, name="mutu-training-new"),
    path("mutu/survei/", survey_new, name="mutu-survey-new"),
]
