"""Pages of issue 10, part 4: "Jempol Adminduk Perbatasan", the mobile civil-registration unit.

- `/jempol/`: rank the desa by their document gaps (children without akta or KIA, from the
  flag aggregates), remoteness and time since the last visit; propose a quarter's schedule for a
  number of visit days, store it as a draft, confirm it; the plan on a map.
- `/jempol/rencana.json`: the schedule the map draws (aggregates only, small counts as "<5").
- `/jempol/kunjungan/`: record a visit (services, documents issued) and list the visits with
  the desa's coverage before and after.

Aggregates only, no child's personal data: gated by PLAN_OUTREACH (Disdukcapil, the planner,
the steward); recording a visit also needs PROCESS_ADMINDUK (the registry's own work). Every
look is audited; bad input answers 400 with a bilingual message.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.views.decorators.http import require_GET, require_http_methods

from satuanak.access.decorators import personal_data_view
from satuanak.access.policy import Capability, role_can
from satuanak.audit.models import AuditAction
from satuanak.audit.services import audit_record
from satuanak.common import clock
from satuanak.jempol.models import OutreachPlan, Service
from satuanak.jempol.plan import PlanError, next_quarter, quarter_of
from satuanak.jempol.selectors import (
    PlanView,
    coverage_before_after,
    default_quarter,
    desa_light,
    plan_view,
    visits_with_coverage,
)
from satuanak.jempol.services import (
    DOCUMENT_KINDS,
    JempolError,
    outreach_plan_confirm,
    outreach_plan_propose,
    visit_record,
)
from satuanak.regions.models import Desa

BAD_NUMBER = (
    "Hari kunjungan harus angka 1-60 dan desa per hari 1-3. / "
    "Visit days must be a number from 1 to 60 and desa per day from 1 to 3."
)


def _looked(request: HttpRequest, subject_type: str, **detail: Any) -> None:
    audit_record(
        action=AuditAction.CHILD_LIST_VIEWED,
        actor=request.user,
        request=request,
        subject_type=subject_type,
        detail=detail,
    )


def _params(data: Any) -> tuple[str, int | None, int]:
    """(quarter, visit days or None, desa per day) from a query or a form; PlanError if bad."""
    quarter = (data.get("triwulan", "") or default_quarter(clock.today())).strip()
    try:
        days_text = data.get("hari", "").strip()
        days = int(days_text) if days_text else None
        per_day = int(data.get("desa_per_hari", "").strip() or "1")
    except ValueError as exc:
        raise PlanError(BAD_NUMBER) from exc
    if (days is not None and not 1 <= days <= 60) or not 1 <= per_day <= 3:
        raise PlanError(BAD_NUMBER)
    return quarter, days, per_day


def _quarters(today: date, chosen: str) -> list[str]:
    """This quarter, the next four and the quarters that have a stored plan."""
    out = [quarter_of(today)]
    for _ in range(4):
        out.append(next_quarter(out[-1]))
    stored = OutreachPlan.objects.values_list("quarter", flat=True).distinct()
    return sorted({*out, *stored, *([chosen] if chosen else [])}, reverse=True)


@personal_data_view(Capability.PLAN_OUTREACH)
@require_http_methods(["GET", "POST"])
def plan_page(request: HttpRequest) -> HttpResponse:
    user = request.user
    today = clock.today()
    error = ""
    quarter, days, per_day = default_quarter(today), None, 1
    if request.method == "POST":
        try:
            quarter, days, per_day = _params(request.POST)
            action = request.POST.get("aksi", "")
            if action == "simpan":
                outreach_plan_propose(
                    user=user, quarter=quarter, visit_days=days or 12, desa_per_day=per_day, request=request
                )
            elif action == "tetapkan":
                plan_id = _int_or_none(request.POST.get("rencana", ""))
                plan = OutreachPlan.objects.filter(pk=plan_id).first() if plan_id is not None else None
                if plan is None:
                    raise JempolError("Rencana tidak ditemukan. / Plan not found.")
                outreach_plan_confirm(user=user, plan=plan, request=request)
                quarter = plan.quarter
            else:
                raise JempolError("Aksi tidak dikenal. / Unknown action.")
        except (JempolError, PlanError) as exc:
            error = str(exc)
        else:
            return redirect(f"{reverse('web:jempol-plan')}?{urlencode({'triwulan': quarter})}")
    else:
        try:
            quarter, days, per_day = _params(request.GET)
        except PlanError as exc:
            error = str(exc)
    view: PlanView | None = None
    try:
        view = plan_view(quarter=quarter, visit_days=days, desa_per_day=per_day, today=today)
    except PlanError as exc:
        error = error or str(exc)
    _looked(request, "jempol_plan", quarter=quarter, status=view.status if view else "error")
    query = {"triwulan": quarter, "desa_per_hari": per_day}
    if view is not None:
        query["hari"] = view.visit_days
    return render(
        request,
        "web/jempol/plan.html",
        {
            "view": view,
            "error": error,
            "quarter": quarter,
            "quarters": _quarters(today, quarter),
            "days": view.visit_days if view else (days or 12),
            "per_day": per_day,
            "json_url": f"{reverse('web:jempol-plan-json')}?{urlencode(query)}",
            "can_record": role_can(getattr(user, "role", ""), Capability.PROCESS_ADMINDUK),
        },
        status=400 if error else 200,
    )


def _int_or_none(text: str) -> int | None:
    try:
        return int(text.strip())
    except ValueError:
        return None


@personal_data_view(Capability.PLAN_OUTREACH)
@require_GET
def plan_json(request: HttpRequest) -> JsonResponse:
    """The schedule for the map: per desa aggregates only (small counts as "<5")."""
    try:
        quarter, days, per_day = _params(request.GET)
        view = plan_view(quarter=quarter, visit_days=days, desa_per_day=per_day, today=clock.today())
    except PlanError as exc:
        _looked(request, "jempol_plan", format="json", error=True)
        id_text, _, en_text = str(exc).partition(" / ")
        return JsonResponse({"error": id_text, "error_en": en_text or id_text}, status=400)
    _looked(request, "jempol_plan", format="json", quarter=quarter, status=view.status)
    return JsonResponse(
        {
            "triwulan": view.quarter,
            "status": view.status,
            "hari_kunjungan": view.visit_days,
            "desa_per_hari": view.desa_per_day,
            "periode_data": view.flags_period,
            "kunjungan": [r.as_json() for r in view.rows],
        }
    )


def _visit_form(data: Any) -> dict[str, Any]:
    return {
        "desa": data.get("desa", ""),
        "tanggal": data.get("tanggal", ""),
        "tim": data.get("tim", ""),
        "catatan": data.get("catatan", ""),
        "layanan": data.getlist("layanan") if hasattr(data, "getlist") else [],
        **{f"dok_{k}": data.get(f"dok_{k}", "") for k in DOCUMENT_KINDS},
    }


@personal_data_view(Capability.PLAN_OUTREACH)
@require_http_methods(["GET", "POST"])
def visits_page(request: HttpRequest) -> HttpResponse:
    user = request.user
    can_record = role_can(getattr(user, "role", ""), Capability.PROCESS_ADMINDUK)
    error = ""
    form: dict[str, Any] = _visit_form(request.GET)
    if request.method == "POST":
        if not can_record:
            raise PermissionDenied(
                "Hanya Disdukcapil yang mencatat kunjungan / only the registry records visits"
            )
        form = _visit_form(request.POST)
        try:
            try:
                day = date.fromisoformat(form["tanggal"].strip())
            except ValueError as exc:
                raise JempolError("Tanggal tidak sah (TTTT-BB-HH). / Invalid date (YYYY-MM-DD).") from exc
            visit = visit_record(
                user=user,
                desa_code=form["desa"],
                date=day,
                services=form["layanan"],
                documents={k: form[f"dok_{k}"] for k in DOCUMENT_KINDS},
                team=form["tim"],
                notes=form["catatan"],
                request=request,
            )
        except JempolError as exc:
            error = str(exc)
        else:
            return redirect(f"{reverse('web:jempol-visits')}?{urlencode({'desa': visit.desa.code})}")
    chosen = Desa.objects.defer("geometry").filter(code=request.GET.get("desa", "").strip()).first()
    rows = coverage_before_after(chosen) if chosen else visits_with_coverage()
    _looked(request, "jempol_visits", desa=chosen.code if chosen else "", visits=len(rows))
    return render(
        request,
        "web/jempol/visits.html",
        {
            "rows": rows,
            "chosen": chosen,
            "error": error,
            "form": form,
            "can_record": can_record,
            "desa_options": desa_light().order_by("kecamatan__name", "name"),
            "services": Service.choices,
            "today": clock.today(),
        },
        status=400 if error else 200,
    )


urlpatterns: list[URLPattern] = [
    path("jempol/", plan_page, name="jempol-plan"),
    path("jempol/rencana.json", plan_json, name="jempol-plan-json"),
    path("jempol/kunjungan/", visits_page, name="jempol-visits"),
]
