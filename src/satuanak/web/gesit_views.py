"""Pages of the GESIT stunting programme (issue 8): foster parents (BAAS), assignment of stunted
children, PMT delivery logs, the Prosasa ledger per posyandu and who is still uncovered.

Small pages for a phone on a slow link. Every read goes through the scoped selectors of
satuanak.gesit and is audited; a BAAS, assignment or posyandu outside the user's area is a
404, like a missing one. Bad input re-renders the form with a 400 and a bilingual message.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.views.decorators.http import require_GET, require_http_methods

from satuanak.access.decorators import personal_data_view
from satuanak.access.policy import Capability, role_can
from satuanak.access.selectors import desa_visible_to
from satuanak.audit.models import AuditAction
from satuanak.audit.services import audit_record
from satuanak.common import clock
from satuanak.gesit.models import Baas, BaasAssignment, PmtDelivery, ProsasaEntry
from satuanak.gesit.selectors import (
    active_assignments_of,
    baas_assignments,
    baas_rows,
    prosasa_ledger,
    uncovered_by_desa,
)
from satuanak.gesit.services import (
    GesitError,
    assignment_confirm,
    assignment_end,
    assignment_suggest,
    assignments_visible_to,
    baas_capacity_used,
    baas_create,
    baas_visible_to,
    pmt_delivery_record,
    posyandu_visible_to,
    prosasa_entry_record,
)
from satuanak.regions.models import Kecamatan

BAD_DATE = "Tanggal tidak sah (TTTT-BB-HH). / Invalid date (YYYY-MM-DD)."


def _looked(request: HttpRequest, subject_type: str, subject_id: int | str = "", **detail: Any) -> None:
    """The audit entry of a look at a GESIT page (children, foster parents' contacts, cadres)."""
    audit_record(
        action=AuditAction.CHILD_LIST_VIEWED,
        actor=request.user,
        request=request,
        subject_type=subject_type,
        subject_id=subject_id,
        detail=detail,
    )


def _date(text: str) -> date:
    return date.fromisoformat(text.strip())


def _int(text: str, *, default: int = 0) -> int:
    text = text.strip().replace(".", "").replace(",", "")
    return int(text) if text else default


@personal_data_view(Capability.RECORD_INTERVENTIONS)
@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    user = request.user
    rows = baas_rows(user=user)
    active = list(active_assignments_of(user=user)[:200])
    _looked(request, "gesit_overview", baas=len(rows), active=len(active))
    return render(
        request,
        "web/gesit/overview.html",
        {
            "rows": rows,
            "active": active,
            "can_run": role_can(getattr(user, "role", ""), Capability.RUN_PROGRAMMES),
        },
    )


@personal_data_view(Capability.RUN_PROGRAMMES)
@require_http_methods(["GET", "POST"])
def baas_new(request: HttpRequest) -> HttpResponse:
    error = ""
    form = request.POST if request.method == "POST" else None
    if form is not None:
        try:
            capacity = _int(form.get("kapasitas", ""), default=10)
        except ValueError:
            error = "Kapasitas harus angka 1-10. / Capacity must be a number from 1 to 10."
        else:
            try:
                baas = baas_create(
                    user=request.user,
                    kind=form.get("jenis", ""),
                    name=form.get("nama", ""),
                    desa_code=form.get("desa", "").strip(),
                    kecamatan_code=form.get("kecamatan", "").strip(),
                    phone=form.get("telepon", ""),
                    email=form.get("surel", ""),
                    commitment=form.get("komitmen", ""),
                    capacity=capacity,
                    request=request,
                )
            except GesitError as exc:
                error = str(exc)
            else:
                return redirect("web:gesit-baas-detail", baas_id=baas.pk)
    else:
        _looked(request, "gesit_baas_form")
    desa = desa_visible_to(request.user).select_related("kecamatan").order_by("kecamatan__code", "name")
    kecamatan = (
        Kecamatan.objects.filter(desa_set__in=desa_visible_to(request.user)).distinct().order_by("code")
    )
    return render(
        request,
        "web/gesit/baas_form.html",
        {
            "error": error,
            "form": form or {},
            "desa_options": desa,
            "kecamatan_options": kecamatan,
            "kinds": Baas.Kind.choices,
        },
        status=400 if error else 200,
    )


@personal_data_view(Capability.RUN_PROGRAMMES)
@require_http_methods(["GET", "POST"])
def baas_detail(request: HttpRequest, baas_id: int) -> HttpResponse:
    user = request.user
    baas = baas_visible_to(user).select_related("desa", "kecamatan").filter(pk=baas_id).first()
    if baas is None:
        raise Http404("BAAS tidak ditemukan / BAAS not found")
    error = ""
    today = clock.today()
    if request.method == "POST":
        action = request.POST.get("aksi", "")
        try:
            if action == "tetapkan":
                try:
                    start = _date(request.POST.get("mulai", ""))
                except ValueError as exc:
                    raise GesitError(BAD_DATE) from exc
                try:
                    ids = [int(i) for i in request.POST.getlist("anak")]
                except ValueError as exc:
                    raise GesitError("Pilihan anak tidak sah. / Invalid choice of children.") from exc
                assignment_confirm(user=user, baas=baas, child_ids=ids, start_date=start, request=request)
            elif action == "akhiri":
                try:
                    item = assignments_visible_to(user).get(
                        pk=int(request.POST.get("penugasan", "")), baas=baas
                    )
                except (ValueError, BaasAssignment.DoesNotExist) as exc:
                    raise GesitError("Penugasan tidak ditemukan. / Assignment not found.") from exc
                assignment_end(
                    user=user, assignment=item, reason=request.POST.get("alasan", ""), request=request
                )
            else:
                raise GesitError("Aksi tidak dikenal. / Unknown action.")
        except GesitError as exc:
            error = str(exc)
        else:
            return redirect("web:gesit-baas-detail", baas_id=baas.pk)
    assignments = list(baas_assignments(user=user, baas=baas))
    suggestions = assignment_suggest(user=user, baas=baas)
    from satuanak.persons.models import Child

    names = {
        c.pk: c
        for c in Child.objects.select_related("desa").filter(
            pk__in=[s.candidate.child_id for s in suggestions]
        )
    }
    _looked(request, "gesit_baas", baas.pk, assignments=len(assignments), suggested=len(suggestions))
    return render(
        request,
        "web/gesit/baas_detail.html",
        {
            "baas": baas,
            "used": baas_capacity_used(baas),
            "assignments": assignments,
            "suggestions": [(s, names.get(s.candidate.child_id)) for s in suggestions],
            "today": today,
            "error": error,
        },
        status=400 if error else 200,
    )


@personal_data_view(Capability.RECORD_INTERVENTIONS)
@require_http_methods(["GET", "POST"])
def pmt_log(request: HttpRequest, assignment_id: int) -> HttpResponse:
    user = request.user
    assignment = (
        assignments_visible_to(user).select_related("child__desa", "baas").filter(pk=assignment_id).first()
    )
    if assignment is None:
        raise Http404("Penugasan tidak ditemukan / assignment not found")
    error = ""
    if request.method == "POST":
        try:
            try:
                day = _date(request.POST.get("tanggal", ""))
            except ValueError as exc:
                raise GesitError(BAD_DATE) from exc
            pmt_delivery_record(
                user=user,
                assignment=assignment,
                delivered_on=day,
                item=request.POST.get("barang", ""),
                quantity=request.POST.get("jumlah", "").strip().replace(",", ".") or "0",
                unit=request.POST.get("satuan", ""),
                notes=request.POST.get("catatan", ""),
                request=request,
            )
        except GesitError as exc:
            error = str(exc)
        else:
            return redirect("web:gesit-pmt", assignment_id=assignment.pk)
    else:
        audit_record(
            action=AuditAction.CHILD_VIEWED,
            actor=user,
            request=request,
            subject_type="child",
            subject_id=assignment.child_id,
            desa_code=assignment.child.desa.code if assignment.child.desa else "",
            detail={"gesit_assignment": assignment.pk},
        )
    deliveries = PmtDelivery.objects.filter(assignment=assignment).select_related("delivered_by")
    return render(
        request,
        "web/gesit/pmt.html",
        {
            "a": assignment,
            "deliveries": deliveries.order_by("-delivered_on", "-id")[:200],
            "today": clock.today(),
            "error": error,
        },
        status=400 if error else 200,
    )


PROSASA_LIST_MAX = 60  # more posyandu than this (a district-wide role): choose a kecamatan first


@personal_data_view(Capability.RECORD_INTERVENTIONS)
@require_GET
def prosasa_list(request: HttpRequest) -> HttpResponse:
    from django.db.models import Count, Max

    posyandu = posyandu_visible_to(request.user).select_related("desa__kecamatan")
    kecamatan = list(
        Kecamatan.objects.filter(desa_set__posyandu_set__in=posyandu)
        .annotate(n=Count("desa_set__posyandu_set", distinct=True))
        .order_by("code")
    )
    chosen = request.GET.get("kecamatan", "").strip()[:8]
    if chosen:
        posyandu = posyandu.filter(desa__kecamatan__code=chosen)
    too_many = not chosen and posyandu.count() > PROSASA_LIST_MAX
    rows = (
        []
        if too_many
        else posyandu.annotate(n=Count("prosasa_entries"), last=Max("prosasa_entries__entry_date")).order_by(
            "desa__kecamatan__code", "desa__name", "name"
        )
    )
    _looked(request, "gesit_prosasa_list", kecamatan=chosen)
    return render(
        request,
        "web/gesit/prosasa_list.html",
        {"rows": rows, "kecamatan": kecamatan, "chosen": chosen, "too_many": too_many},
    )


@personal_data_view(Capability.RECORD_INTERVENTIONS)
@require_http_methods(["GET", "POST"])
def prosasa_detail(request: HttpRequest, posyandu_id: int) -> HttpResponse:
    user = request.user
    posyandu = posyandu_visible_to(user).select_related("desa").filter(pk=posyandu_id).first()
    if posyandu is None:
        raise Http404("Posyandu tidak ditemukan / posyandu not found")
    error = ""
    if request.method == "POST":
        try:
            try:
                day = _date(request.POST.get("tanggal", ""))
            except ValueError as exc:
                raise GesitError(BAD_DATE) from exc
            try:
                eggs = _int(request.POST.get("telur", ""))
                money = _int(request.POST.get("uang", ""))
            except ValueError as exc:
                raise GesitError(
                    "Telur dan uang harus bilangan bulat. / Eggs and money must be whole numbers."
                ) from exc
            prosasa_entry_record(
                user=user,
                posyandu=posyandu,
                entry_date=day,
                direction=request.POST.get("arah", ""),
                eggs=eggs,
                money=money,
                note=request.POST.get("catatan", ""),
                request=request,
            )
        except GesitError as exc:
            error = str(exc)
        else:
            return redirect("web:gesit-prosasa-detail", posyandu_id=posyandu.pk)
    year_text = request.GET.get("tahun", "").strip()
    year = int(year_text) if year_text.isdigit() and len(year_text) == 4 else None
    ledger = prosasa_ledger(user=user, posyandu=posyandu, year=year)
    _looked(request, "gesit_prosasa_ledger", posyandu.pk, year=year)
    return render(
        request,
        "web/gesit/prosasa_detail.html",
        {
            "ledger": ledger,
            "directions": ProsasaEntry.Direction.choices,
            "today": clock.today(),
            "error": error,
        },
        status=400 if error else 200,
    )


@personal_data_view(Capability.RECORD_INTERVENTIONS)
@require_GET
def uncovered(request: HttpRequest) -> HttpResponse:
    user = request.user
    chosen = request.GET.get("desa")
    chosen = chosen.strip()[:13] if chosen is not None else None
    summary = uncovered_by_desa(user=user, with_children=False)
    detail = uncovered_by_desa(user=user, desa_code=chosen) if chosen is not None else []
    _looked(request, "gesit_uncovered", desa=chosen or "", desa_count=len(summary))
    return render(
        request,
        "web/gesit/uncovered.html",
        {
            "summary": summary,
            "detail": detail[0] if detail else None,
            "chosen": chosen,
            "total": sum(d.total for d in summary),
        },
    )


urlpatterns: list[URLPattern] = [
    path("gesit/", overview, name="gesit-overview"),
    path("gesit/baas/baru/", baas_new, name="gesit-baas-new"),
    path("gesit/baas/<int:baas_id>/", baas_detail, name="gesit-baas-detail"),
    path("gesit/pmt/<int:assignment_id>/", pmt_log, name="gesit-pmt"),
    path("gesit/prosasa/", prosasa_list, name="gesit-prosasa-list"),
    path("gesit/prosasa/<int:posyandu_id>/", prosasa_detail, name="gesit-prosasa-detail"),
    path("gesit/belum-tercakup/", uncovered, name="gesit-uncovered"),
]
