"""Pages on children's personal data. Each reads through access/selectors.py, which scopes to
the user's area and writes the audit entry; these views only parse, call and render."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from satuanak.access.agreements import policy_of
from satuanak.access.decorators import personal_data_view
from satuanak.access.policy import Capability
from satuanak.access.selectors import (
    AccessDenied,
    ChildListFilters,
    access_child_by_id,
    child_nik_reveal,
    child_records_visible_to,
    children_export_csv,
    children_list,
    desa_visible_to,
    records_by_source,
)
from satuanak.common import clock
from satuanak.core.masking import mask_identity_number
from satuanak.core.sources import Source
from satuanak.flags.selectors import child_flags_visible_to, flag_options_for
from satuanak.growth.chart import height_for_age_svg
from satuanak.persons.models import Child

PAGE_SIZE = 50


def _filters(request: HttpRequest) -> ChildListFilters:
    return ChildListFilters(
        query=request.GET.get("q", "").strip()[:100],
        desa_code=request.GET.get("desa", "").strip()[:13],
        flag=request.GET.get("penanda", "").strip()[:40],
    )


def _age(birth_date: date | None) -> str:
    if birth_date is None:
        return "umur tidak diketahui / age unknown"
    today = clock.today()  # Bengkayang's date (Asia/Pontianak), not the server's
    months = (
        (today.year - birth_date.year) * 12 + today.month - birth_date.month - (today.day < birth_date.day)
    )
    return f"{months // 12} th {months % 12} bl" if months >= 12 else f"{max(months, 0)} bl"


@personal_data_view(Capability.VIEW_CHILDREN)
@require_GET
def child_list(request: HttpRequest) -> HttpResponse:
    filters = _filters(request)
    qs = children_list(user=request.user, filters=filters, request=request)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("hal"))
    rows = [
        {"child": c, "nik": mask_identity_number(c.nik), "age": _age(c.birth_date)} for c in page.object_list
    ]
    policy = policy_of(request.user)
    return render(
        request,
        "web/child_list.html",
        {
            "page": page,
            "rows": rows,
            "filters": filters,
            "desa_options": desa_visible_to(request.user).select_related("kecamatan"),
            "can_export": Capability.EXPORT_CHILDREN in policy.capabilities,
            "flag_options": flag_options_for(request.user),
        },
    )


def _immunisation_against_schedule(birth: date, records: list[Any]) -> list[dict[str, object]]:
    """Each antigen of the routine schedule: when it was due, when it was given (if recorded)."""
    from datetime import timedelta

    from satuanak.flags.services import immunisation_schedule

    given = {str(r.summary.get("vaccine")): r.observed_on for r in records if r.summary.get("vaccine")}
    today = clock.today()
    rows = []
    for antigen, due_days, idl, valid_from in (
        immunisation_schedule().select("antigen", "due_days", "counts_for_idl", "valid_from").iter_rows()
    ):
        due = birth + timedelta(days=int(due_days))
        if birth < valid_from and antigen not in given:
            continue  # not yet in use when the child was born
        rows.append(
            {
                "antigen": antigen,
                "due": due,
                "given": given.get(antigen),
                "idl": idl,
                "late": antigen not in given and due + timedelta(days=30) < today,
            }
        )
    return rows


@dataclass(frozen=True)
class TimelineEntry:
    on: date
    what: str  # interventions, gesit, referral, screening
    title: str
    detail: str = ""
    status: str = ""  # a short bilingual outcome or state
    status_class: str = ""  # ok | warn | ""
    link: str = ""


def _timeline(request: HttpRequest, child: Child) -> list[TimelineEntry]:
    """What was done for the child and what came of it, newest first: interventions with their
    follow-up outcome, GESIT foster-parent assignments, referrals and screenings."""
    from satuanak.interventions.follow_up import STATUS_LABELS, Status
    from satuanak.interventions.selectors import intervention_outcomes

    entries: list[TimelineEntry] = []
    for item, outcome in intervention_outcomes(user=request.user, child_id=child.pk):
        label_id, label_en = STATUS_LABELS[outcome.status]
        status = "" if outcome.status == Status.NO_RULE else f"{label_id} / {label_en}"
        if outcome.z_change is not None:
            status += f" (Δz {outcome.z_change:+.2f})"
        if outcome.due_on and not outcome.known and outcome.status != Status.NO_RULE:
            status += f" · {outcome.due_on:%d-%m-%Y}"
        parts = [item.programme, item.place, f"menjawab / answers: {outcome.flag}" if outcome.flag else ""]
        entries.append(
            TimelineEntry(
                on=item.start_date,
                what="intervention",
                title=item.get_kind_display() + (f" – {item.end_date:%d-%m-%Y}" if item.end_date else ""),
                detail=" · ".join(p for p in parts if p) + f" — {item.given_by.username}",
                status=status,
                status_class={"improved": "ok", "overdue": "warn", "not_improved": "warn"}.get(
                    outcome.status, ""
                ),
            )
        )
    from django.urls import reverse

    from satuanak.gesit.selectors import gesit_for_child
    from satuanak.referrals.selectors import referrals_for_child, screenings_for_child

    for g in gesit_for_child(user=request.user, child=child):
        last = f", terakhir / last {g.last_delivery:%d-%m-%Y}" if g.last_delivery else ""
        entries.append(
            TimelineEntry(
                on=g.start_date,
                what="gesit",
                title=f"GESIT: diasuh BAAS / fostered by {g.baas_name} – {g.end_date:%d-%m-%Y}",
                detail=f"{g.deliveries} pengantaran PMT / PMT deliveries{last}",
                status=g.status_label + (f" ({g.ended_reason})" if g.ended_reason else ""),
            )
        )
    today = clock.today()
    for r in referrals_for_child(request.user, child).select_related("from_unit", "to_unit"):
        overdue = r.is_overdue_on(today)
        entries.append(
            TimelineEntry(
                on=r.sent_on,
                what="referral",
                title=f"Rujukan / referral: {r.from_unit.name} → {r.to_unit.name}",
                detail=f"{r.get_urgency_display()} · batas / due {r.due_on:%d-%m-%Y}",
                status=r.get_status_display() + (" · terlambat / overdue" if overdue else ""),
                status_class="warn" if overdue else ("ok" if r.status == "completed" else ""),
                link=reverse("web:referral-detail", args=[r.pk]),
            )
        )
    for sc in screenings_for_child(request.user, child):
        flagged = sc.result in ("deviation", "suspected")
        entries.append(
            TimelineEntry(
                on=sc.screened_on,
                what="screening",
                title=f"Skrining / screening: {sc.get_instrument_display()}",
                detail=f"umur / age {sc.age_months} bln" if sc.age_months is not None else "",
                status=sc.get_result_display()
                + (
                    " · dirujuk / referred"
                    if sc.referral_id
                    else (" · belum dirujuk / not referred" if flagged else "")
                ),
                status_class="warn" if flagged and not sc.referral_id else "",
            )
        )
    from satuanak.remaja.selectors import anaemia_for_child

    for view in anaemia_for_child(request.user, child):
        hb, follow = view.screening, view.follow_up
        entries.append(
            TimelineEntry(
                on=hb.screened_on,
                what="screening",
                title=f"Skrining anemia / anaemia screening: Hb {hb.hb_g_dl} g/dL",
                detail=f"{view.severity_label} · {hb.school.name}" if hb.school_id else view.severity_label,
                status=""
                if follow is None
                else f"{follow.status_label} · batas / due {follow.due_on:%d-%m-%Y}",
                status_class="" if follow is None else ("warn" if follow.is_open else "ok"),
                link=reverse("web:remaja-anaemia-child", args=[child.pk]),
            )
        )
    return sorted(entries, key=lambda e: e.on, reverse=True)[:100]


def _detail_context(request: HttpRequest, child: Child, revealed_nik: str = "") -> dict[str, object]:
    policy = policy_of(request.user)
    grouped = records_by_source(child_records_visible_to(user=request.user, child=child))
    sections = [{"source": s, "records": grouped.get(s.value, [])} for s in Source if s in policy.sources]
    growth_svg = ""
    immunisation: list[dict[str, object]] = []
    if Source.EPPGBM.value in grouped and child.birth_date:
        points = [
            (r.observed_on, float(r.summary["height_cm"]))
            for r in grouped[Source.EPPGBM.value]
            if r.observed_on and r.summary.get("height_cm") is not None
        ]
        growth_svg = height_for_age_svg(sex=child.sex, birth_date=child.birth_date, points=points)
    if Source.IMUNISASI in policy.sources and child.birth_date:
        immunisation = _immunisation_against_schedule(
            child.birth_date, grouped.get(Source.IMUNISASI.value, [])
        )
    readable = {src.value for src in policy.sources}
    return {
        # which source gave each field, named only when the role may read that source: a field
        # from SIMFONI would otherwise tell a role without it that a violence case exists
        "field_sources": [
            (field, src if src in readable else "sumber lain / another source")
            for field, src in child.field_sources.items()
        ],
        "timeline": _timeline(request, child),
        "can_record": Capability.RECORD_INTERVENTIONS in policy.capabilities,
        "can_refer": Capability.HANDLE_REFERRALS in policy.capabilities,
        "can_record_move": Capability.PROCESS_ADMINDUK in policy.capabilities,
        "growth_svg": growth_svg,
        "immunisation": immunisation,
        "flags": child_flags_visible_to(user=request.user, child_id=child.pk),
        "child": child,
        "age": _age(child.birth_date),
        "nik": revealed_nik or mask_identity_number(child.nik),
        "kk": mask_identity_number(child.kk_number),
        "revealed": bool(revealed_nik),
        "sections": sections,
        "can_reveal": Capability.REVEAL_NIK in policy.capabilities and bool(child.nik),
    }


@personal_data_view(Capability.VIEW_CHILDREN)
@require_GET
def child_detail(request: HttpRequest, child_id: int) -> HttpResponse:
    child = access_child_by_id(user=request.user, child_id=child_id, request=request)
    return render(request, "web/child_detail.html", _detail_context(request, child))


@personal_data_view(Capability.REVEAL_NIK)
@require_POST
def child_nik_reveal_view(request: HttpRequest, child_id: int) -> HttpResponse:
    # One look, one entry: the child is opened once (CHILD_VIEWED), the reveal adds NIK_REVEALED.
    child = access_child_by_id(user=request.user, child_id=child_id, request=request)
    purpose = request.POST.get("tujuan", "").strip()
    if not purpose:
        context = _detail_context(request, child)
        context["error"] = "Tuliskan tujuan membuka NIK. / State why you need the NIK."
        return render(request, "web/child_detail.html", context, status=400)
    try:
        nik = child_nik_reveal(user=request.user, child=child, purpose=purpose[:300], request=request)
    except AccessDenied as exc:
        raise PermissionDenied(str(exc)) from exc
    return render(request, "web/child_detail.html", _detail_context(request, child, revealed_nik=nik))


@personal_data_view(Capability.EXPORT_CHILDREN)
@require_GET
def child_export(request: HttpRequest) -> HttpResponse:
    purpose = request.GET.get("tujuan", "").strip()
    if not purpose:
        return render(
            request,
            "400.html",
            {"detail": "Tuliskan tujuan ekspor (tujuan=...). / State the export purpose (tujuan=...)."},
            status=400,
        )
    try:
        body, _rows = children_export_csv(
            user=request.user, filters=_filters(request), purpose=purpose[:300], request=request
        )
    except AccessDenied as exc:
        raise PermissionDenied(str(exc)) from exc
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="daftar-anak.csv"'
    response["Cache-Control"] = "no-store"  # personal data must not sit in a shared cache
    return response


@personal_data_view(Capability.RECORD_INTERVENTIONS)
@require_http_methods(["GET", "POST"])
def intervention_new(request: HttpRequest, child_id: int) -> HttpResponse:
    """A small form (a phone on a slow link): what was done for the child, when, where."""
    from datetime import date as date_type

    from satuanak.flags.selectors import flag_options_for
    from satuanak.interventions.models import Intervention
    from satuanak.interventions.services import InterventionError, intervention_record

    child = access_child_by_id(user=request.user, child_id=child_id, request=request)
    error = ""
    if request.method == "POST":
        try:
            start = date_type.fromisoformat(request.POST.get("mulai", ""))
            end_text = request.POST.get("selesai", "").strip()
            end = date_type.fromisoformat(end_text) if end_text else None
        except ValueError:
            error = "Tanggal tidak sah (TTTT-BB-HH). / Invalid date (YYYY-MM-DD)."
        else:
            try:
                intervention_record(
                    user=request.user,
                    child_id=child.pk,
                    kind=request.POST.get("jenis", ""),
                    start_date=start,
                    end_date=end,
                    programme=request.POST.get("program", "").strip(),
                    place=request.POST.get("tempat", "").strip(),
                    answers_flag=request.POST.get("penanda", "").strip(),
                    notes=request.POST.get("catatan", "").strip(),
                    request=request,
                )
            except InterventionError as exc:
                error = str(exc)
            else:
                return redirect("web:child-detail", child_id=child.pk)
    return render(
        request,
        "web/intervention_form.html",
        {
            "child": child,
            "kinds": Intervention.Kind.choices,
            "flags": flag_options_for(request.user),
            "error": error,
            "today": clock.today(),
        },
        status=400 if error else 200,
    )
