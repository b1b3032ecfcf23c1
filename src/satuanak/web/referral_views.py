"""Pages of issue 8: referrals between units and SAPA ABK developmental screening.

Small phone pages. Each reads through satuanak.referrals.selectors (who sees which referral,
audited) or access_child_by_id (child-scoped routes), writes through the services, and answers
a user's mistake with the form again, a 400 and a bilingual message; a referral the user may
not see is a 404 whether it exists or not."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from satuanak.access.decorators import personal_data_view
from satuanak.access.policy import Capability, policy_for
from satuanak.access.selectors import access_child_by_id, children_visible_to
from satuanak.audit.models import AuditAction
from satuanak.audit.services import audit_record
from satuanak.common import clock, uploads
from satuanak.persons.models import Child
from satuanak.referrals import transitions as t
from satuanak.referrals.models import DevelopmentScreening, Referral, ServiceUnit
from satuanak.referrals.selectors import (
    attachment_get,
    receiving_units,
    referral_get,
    referrals_inbox,
    referrals_outbox,
    referrals_overdue,
    screenings_for_child,
    sending_units_for,
    units_acting_for,
)
from satuanak.referrals.services import (
    ReferralError,
    ReferralPermissionError,
    referral_create,
    referral_transition,
    screening_record,
    screening_referral_reason,
)

LIST_LIMIT = 100


@personal_data_view(Capability.HANDLE_REFERRALS)
@require_GET
def referral_inbox(request: HttpRequest) -> HttpResponse:
    """Referrals to the user's units (overdue first), and those the user's units sent."""
    user = request.user
    today = clock.today()
    inbox = list(referrals_inbox(user)[:LIST_LIMIT])
    outbox = list(referrals_outbox(user)[:LIST_LIMIT])
    overdue = list(referrals_overdue(user, today=today)[:LIST_LIMIT])
    audit_record(
        action=AuditAction.CHILD_LIST_VIEWED,
        actor=user,
        request=request,
        subject_type="referral_list",
        detail={"inbox": len(inbox), "outbox": len(outbox), "overdue": len(overdue)},
    )
    return render(
        request,
        "web/referrals/inbox.html",
        {
            "units": list(units_acting_for(user)),
            "inbox": inbox,
            "outbox": outbox,
            "overdue": overdue,
            "overdue_ids": {r.pk for r in overdue},
            "today": today,
        },
    )


def _screening_for_form(request: HttpRequest, child: Child) -> DevelopmentScreening | None:
    raw = request.POST.get("skrining") if request.method == "POST" else request.GET.get("skrining")
    if not raw or not raw.isdigit():
        return None
    return screenings_for_child(request.user, child).filter(pk=int(raw), referral__isnull=True).first()


@personal_data_view(Capability.HANDLE_REFERRALS)
@require_http_methods(["GET", "POST"])
def referral_new(request: HttpRequest, child_id: int) -> HttpResponse:
    """A new referral of a child: from which of the user's units, to which unit, why, how urgent,
    with letters or photos attached. `?unit=sapa_abk&skrining=<id>` prefills it after a screening."""
    child = access_child_by_id(user=request.user, child_id=child_id, request=request)
    senders = list(sending_units_for(request.user))
    receivers = list(receiving_units())
    screening = _screening_for_form(request, child)
    error = ""
    form: dict[str, Any] = {
        "dari": senders[0].code if len(senders) == 1 else "",
        "ke": "",
        "alasan": screening_referral_reason(screening) if screening else "",
        "urgensi": t.ROUTINE,
        "kekerasan": False,
    }
    wanted_kind = request.GET.get("unit", "")
    if wanted_kind:
        form["ke"] = next((u.code for u in receivers if u.kind == wanted_kind), "")
    if request.method == "POST":
        form = {
            "dari": request.POST.get("dari", ""),
            "ke": request.POST.get("ke", ""),
            "alasan": request.POST.get("alasan", ""),
            "urgensi": request.POST.get("urgensi", ""),
            "kekerasan": request.POST.get("kekerasan") == "1",
        }
        raw_screening = request.POST.get("skrining", "")
        if raw_screening and screening is None:
            error = (
                "Skrining tidak ditemukan untuk anak ini atau sudah dirujuk. / "
                "Screening not found for this child or already referred."
            )
        else:
            try:
                referral = referral_create(
                    user=request.user,
                    child_id=child.pk,
                    from_unit=form["dari"],
                    to_unit=form["ke"],
                    reason=form["alasan"],
                    urgency=form["urgensi"],
                    is_protection=form["kekerasan"],
                    attachments=request.FILES.getlist("lampiran"),
                    screening_id=screening.pk if screening else None,
                    request=request,
                )
            except ReferralPermissionError as exc:
                raise PermissionDenied(str(exc)) from exc
            except ReferralError as exc:
                error = str(exc)
            else:
                return redirect("web:referral-detail", referral_id=referral.pk)
    return render(
        request,
        "web/referrals/form.html",
        {
            "child": child,
            "senders": senders,
            "receivers": receivers,
            "urgencies": Referral.Urgency.choices,
            "due_days": t.DUE_DAYS,
            "screening": screening,
            "form": form,
            "error": error,
        },
        status=400 if error else 200,
    )


def _detail_context(request: HttpRequest, referral: Referral, error: str = "") -> dict[str, object]:
    user = request.user
    acting = units_acting_for(user).filter(pk=referral.to_unit_id).exists()
    return {
        "referral": referral,
        "events": list(referral.events.select_related("by__agency").order_by("at", "id")),
        "attachments": list(referral.attachments.order_by("id")),
        "next_statuses": [(s, Referral.Status(s).label) for s in t.allowed_next(referral.status)]
        if acting
        else [],
        "overdue": referral.is_overdue_on(clock.today()),
        "child_in_area": children_visible_to(user).filter(pk=referral.child_id).exists(),
        "error": error,
        "declined": t.DECLINED,
        "completed": t.COMPLETED,
    }


@personal_data_view(Capability.HANDLE_REFERRALS)
@require_GET
def referral_detail(request: HttpRequest, referral_id: int) -> HttpResponse:
    referral = referral_get(user=request.user, referral_id=referral_id, request=request)
    return render(request, "web/referrals/detail.html", _detail_context(request, referral))


@personal_data_view(Capability.HANDLE_REFERRALS)
@require_POST
def referral_status(request: HttpRequest, referral_id: int) -> HttpResponse:
    """The receiving unit moves the referral one step (the buttons of the detail page)."""
    referral = referral_get(user=request.user, referral_id=referral_id, request=request)
    try:
        referral_transition(
            user=request.user,
            referral=referral,
            to_status=request.POST.get("status", ""),
            note=request.POST.get("catatan", ""),
            reason=request.POST.get("alasan", ""),
            outcome=request.POST.get("hasil", ""),
            request=request,
        )
    except ReferralPermissionError as exc:
        raise PermissionDenied(str(exc)) from exc
    except ReferralError as exc:
        return render(
            request, "web/referrals/detail.html", _detail_context(request, referral, str(exc)), status=400
        )
    return redirect("web:referral-detail", referral_id=referral.pk)


@personal_data_view(Capability.HANDLE_REFERRALS)
@require_GET
def referral_attachment(request: HttpRequest, attachment_id: int) -> FileResponse:
    item = attachment_get(user=request.user, attachment_id=attachment_id, request=request)
    return uploads.file_response(
        stored_name=item.stored_name, content_type=item.content_type, original_name=item.original_name
    )


@personal_data_view(Capability.RECORD_INTERVENTIONS)
@require_http_methods(["GET", "POST"])
def screening_new(request: HttpRequest, child_id: int) -> HttpResponse:
    """Record a KPSP / hearing / vision screening; a deviation offers a referral to SAPA ABK."""
    child = access_child_by_id(user=request.user, child_id=child_id, request=request)
    error = ""
    form = {"tanggal": clock.today().isoformat(), "instrumen": t.KPSP, "hasil": "", "catatan": ""}
    if request.method == "POST":
        form = {k: request.POST.get(k, "").strip() for k in form}
        try:
            screened_on = date.fromisoformat(form["tanggal"])
        except ValueError:
            error = "Tanggal tidak sah (TTTT-BB-HH). / Invalid date (YYYY-MM-DD)."
        else:
            try:
                screening_record(
                    user=request.user,
                    child_id=child.pk,
                    screened_on=screened_on,
                    instrument=form["instrumen"],
                    result=form["hasil"],
                    notes=form["catatan"],
                    request=request,
                )
            except ReferralPermissionError as exc:
                raise PermissionDenied(str(exc)) from exc
            except ReferralError as exc:
                error = str(exc)
            else:
                return redirect("web:screening-new", child_id=child.pk)
    can_refer = Capability.HANDLE_REFERRALS in policy_for(getattr(request.user, "role", "")).capabilities
    sapa_abk = receiving_units().filter(kind=ServiceUnit.Kind.SAPA_ABK).exists()
    return render(
        request,
        "web/referrals/screening.html",
        {
            "child": child,
            "screenings": list(screenings_for_child(request.user, child)[:50]),
            "instruments": DevelopmentScreening.Instrument.choices,
            "results": DevelopmentScreening.Result.choices,
            "refer_results": t.REFER_RESULTS,
            "can_refer": can_refer and sapa_abk,
            "form": form,
            "error": error,
            "today": clock.today(),
        },
        status=400 if error else 200,
    )


urlpatterns: list[URLPattern] = [
    path("rujukan/", referral_inbox, name="referral-inbox"),
    path("rujukan/baru/<int:child_id>/", referral_new, name="referral-new"),
    path("rujukan/<int:referral_id>/", referral_detail, name="referral-detail"),
    path("rujukan/<int:referral_id>/status/", referral_status, name="referral-status"),
    path("rujukan/lampiran/<int:attachment_id>/", referral_attachment, name="referral-attachment"),
    path("anak/<int:child_id>/skrining/", screening_new, name="screening-new"),
]
