"""Pages of Halo Remaja Bengkayang (issue 13 part 3): a confidential counselling channel.

- Anyone (public, no account): start a conversation (topic, first message, optional age band
  and kecamatan) and get a private return code, shown once; come back with the code (posted in
  the form, never in the URL, which would land in server logs) to read the answers, reply, and
  agree (or not) to a referral with a contact of their choosing. Throttled per address; no
  audit entry carries the adolescent's address (services.py).
- Counsellors on duty (HALO_COUNSEL and a shift covering now): the queue, a conversation,
  answer / mark urgent / close. Off duty, a conversation is a 404 and an ACCESS_DENIED entry.
- Supervisors (HALO_SUPERVISE): everything a counsellor sees at any time, the escalations, the
  handover to a service unit (only with the adolescent's consent), the rota, the statistics.

Every staff look is audited (HALO_VIEWED). A user's mistake gets the form again with a
bilingual message and a 400. Messages are rendered as text (auto-escaped). Every page is
`Cache-Control: no-store`: a shared computer's browser cache must not keep a conversation.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from satuanak.access.decorators import personal_data_view, public_view
from satuanak.access.policy import Capability
from satuanak.audit.models import AuditAction
from satuanak.audit.services import audit_record, client_ip
from satuanak.halo import states as s
from satuanak.halo.models import Conversation, Handover
from satuanak.halo.selectors import (
    actor_kind,
    conversation_for_staff,
    counsellors,
    escalations_for,
    halo_monthly,
    handover_blocked_reason,
    is_supervisor,
    next_shift_of,
    now,
    on_duty,
    queue_for,
    retention_days,
    rota,
)
from satuanak.halo.services import (
    HaloError,
    HaloPermissionError,
    conversation_answer,
    conversation_by_code,
    conversation_close,
    conversation_consent,
    conversation_escalate,
    conversation_reply,
    conversation_start,
    handover_create,
    handover_units,
    refusal_log_once,
    shift_cancel,
    shift_create,
    start_blocked,
    start_record,
    wrong_code_blocked,
    wrong_code_record,
)
from satuanak.regions.models import Kecamatan

TOO_MANY_STARTS = (
    "Terlalu banyak percakapan baru dari alamat ini; coba lagi nanti. / "
    "Too many new conversations from this address; try again later."
)
TOO_MANY_CODES = (
    "Terlalu banyak kode yang salah dari alamat ini; coba lagi 15 menit lagi. / "
    "Too many wrong codes from this address; try again in 15 minutes."
)
WRONG_CODE = (
    "Kode tidak dikenal. Periksa lagi (16 huruf/angka, mis. ABCD-EFGH-JKMN-PQRS). / "
    "Unknown code. Check it again (16 letters/digits, e.g. ABCD-EFGH-JKMN-PQRS)."
)


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    return response


def _page(request: HttpRequest, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    return _no_store(render(request, f"web/halo/{template}", context, status=status))


def _not_found() -> Http404:
    return Http404("Tidak ditemukan / not found")


def _messages(conversation: Conversation) -> list[Any]:
    return list(conversation.messages.select_related("author").order_by("at", "id"))


# --- the adolescent (public) -----------------------------------------------------------------


def _start_context(form: dict[str, str], error: str = "") -> dict[str, Any]:
    return {
        "form": form,
        "error": error,
        "topics": list(s.TOPICS.items()),
        "age_bands": list(s.AGE_BANDS.items()),
        "kecamatan": list(Kecamatan.objects.order_by("name")),
        "max_message": s.MAX_MESSAGE,
    }


@public_view
@require_http_methods(["GET", "POST"])
def halo_start(request: HttpRequest) -> HttpResponse:
    """The public start page: choose a topic, write, get a code."""
    form = {"topik": "", "pesan": "", "umur": "", "kecamatan": ""}
    if request.method == "GET":
        return _page(request, "start.html", _start_context(form))
    form = {k: request.POST.get(k, "") for k in form}
    ip = client_ip(request)
    if start_blocked(ip):
        refusal_log_once(ip=ip, what="start")
        return _page(request, "start.html", _start_context(form, TOO_MANY_STARTS), status=429)
    try:
        started = conversation_start(
            topic=form["topik"],
            message=form["pesan"],
            age_band=form["umur"],
            kecamatan_code=form["kecamatan"],
        )
    except HaloError as exc:
        return _page(request, "start.html", _start_context(form, str(exc)), status=400)
    start_record(ip)
    return _page(
        request,
        "started.html",
        {"code": started.code, "escalated": started.conversation.status == s.ESCALATED},
    )


def _public_context(conversation: Conversation, code: str, error: str = "") -> dict[str, Any]:
    return {
        "conversation": conversation,
        "code": s.code_format(s.code_normalise(code) or ""),
        "messages": _messages(conversation),
        "status_label": s.STATUS_LABELS[conversation.status],
        "topic_label": s.TOPICS[conversation.topic],
        "can_reply": s.REPLY in s.allowed_actions(conversation.status, s.ADOLESCENT),
        "can_consent": conversation.status not in (s.REFERRED, s.CLOSED),
        "handed_over": Handover.objects.filter(conversation=conversation).exists(),
        "error": error,
        "max_message": s.MAX_MESSAGE,
        "max_contact": s.MAX_CONTACT,
    }


@public_view
@require_http_methods(["GET", "POST"])
def halo_conversation(request: HttpRequest) -> HttpResponse:
    """The adolescent's page: enter the code (POST), read the answers, reply, consent."""
    if request.method == "GET":
        return _page(request, "code.html", {"error": ""})
    ip = client_ip(request)
    code = request.POST.get("kode", "")
    if wrong_code_blocked(ip):
        # Refused even with the right code: otherwise the block would still answer "right" or "wrong".
        refusal_log_once(ip=ip, what="code")
        return _page(request, "code.html", {"error": TOO_MANY_CODES}, status=429)
    conversation = conversation_by_code(code)
    if conversation is None:
        wrong_code_record(ip)
        return _page(request, "code.html", {"error": WRONG_CODE}, status=404)
    action = request.POST.get("aksi", "lihat")
    error = ""
    try:
        if action == "balas":
            conversation_reply(conversation=conversation, message=request.POST.get("pesan", ""))
        elif action == "setuju":
            if request.POST.get("setuju") != "1":
                raise HaloError(
                    "consent_unticked",
                    "Centang persetujuan terlebih dahulu.",
                    "Tick the consent box first.",
                )
            conversation_consent(
                conversation=conversation, consent=True, contact=request.POST.get("kontak", "")
            )
        elif action == "tarik":
            conversation_consent(conversation=conversation, consent=False)
        elif action != "lihat":
            raise HaloError("bad_action", "Tindakan tidak dikenal.", "Unknown action.")
    except HaloError as exc:
        error = str(exc)
    conversation.refresh_from_db()
    context = _public_context(conversation, code, error)
    if error:
        context["draft"] = request.POST.get("pesan", "")[: s.MAX_MESSAGE]
    return _page(request, "conversation.html", context, status=400 if error else 200)


# --- counsellors -----------------------------------------------------------------------------


@personal_data_view(Capability.HALO_COUNSEL)
@require_GET
def halo_queue(request: HttpRequest) -> HttpResponse:
    """The queue of a counsellor on duty (or a supervisor): urgent first, then the longest waiting."""
    user = request.user
    at = now()
    duty = on_duty(user, at=at)
    supervisor = is_supervisor(user)
    queue = queue_for(user)
    audit_record(
        action=AuditAction.HALO_VIEWED,
        actor=user,
        request=request,
        subject_type="halo_queue",
        detail={
            "on_duty": duty,
            "supervisor": supervisor,
            "needs_answer": len(queue["needs_answer"]),
            "escalated": len(queue["escalated"]),
        },
    )
    return _page(
        request,
        "queue.html",
        {
            "queue": queue,
            "on_duty": duty,
            "supervisor": supervisor,
            "next_shift": None if duty else next_shift_of(user, at=at),
            "now": at,
            "labels": s.STATUS_LABELS,
            "topics": s.TOPICS,
        },
    )


def _staff_context(request: HttpRequest, conversation: Conversation, error: str = "") -> dict[str, Any]:
    actor = actor_kind(request.user) or ""
    supervisor = actor == s.SUPERVISOR
    return {
        "conversation": conversation,
        "messages": _messages(conversation),
        "events": list(conversation.events.select_related("by").order_by("at", "id")),
        "status_label": s.STATUS_LABELS[conversation.status],
        "topic_label": s.TOPICS[conversation.topic],
        "age_label": s.AGE_BANDS.get(conversation.age_band, ""),
        "urgent_label": s.URGENT_REASONS.get(conversation.urgent_reason, ""),
        "actions": s.allowed_actions(conversation.status, actor),
        "urgent_reasons": list(s.URGENT_REASONS.items()),
        "supervisor": supervisor,
        "handover_blocked": handover_blocked_reason(conversation) if supervisor else "",
        "error": error,
        "max_message": s.MAX_MESSAGE,
        "A": {"ANSWER": s.ANSWER, "ESCALATE": s.ESCALATE, "CLOSE": s.CLOSE, "REFER": s.REFER},
    }


@personal_data_view(Capability.HALO_COUNSEL)
@require_http_methods(["GET", "POST"])
def halo_conversation_staff(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """One conversation for a counsellor on duty or a supervisor: read, answer, escalate, close."""
    user = request.user
    conversation = conversation_for_staff(user=user, conversation_id=conversation_id, request=request)
    if conversation is None:
        raise _not_found()
    error = ""
    if request.method == "POST":
        action = request.POST.get("aksi", "")
        try:
            if action == s.ANSWER:
                conversation_answer(
                    user=user,
                    conversation=conversation,
                    message=request.POST.get("pesan", ""),
                    request=request,
                )
            elif action == s.ESCALATE:
                conversation_escalate(
                    user=user,
                    conversation=conversation,
                    reason=request.POST.get("alasan", ""),
                    request=request,
                )
            elif action == s.CLOSE:
                conversation_close(user=user, conversation=conversation, request=request)
            else:
                raise HaloError("bad_action", "Tindakan tidak dikenal.", "Unknown action.")
        except HaloPermissionError as exc:
            raise PermissionDenied(str(exc)) from exc
        except HaloError as exc:
            error = str(exc)
        else:
            return redirect("web:halo-conversation-staff", conversation_id=conversation.pk)
        conversation.refresh_from_db()
    context = _staff_context(request, conversation, error)
    if error:
        context["draft"] = request.POST.get("pesan", "")[: s.MAX_MESSAGE]
    return _page(request, "staff_conversation.html", context, status=400 if error else 200)


# --- supervisors -----------------------------------------------------------------------------


@personal_data_view(Capability.HALO_SUPERVISE)
@require_GET
def halo_escalations(request: HttpRequest) -> HttpResponse:
    user = request.user
    rows = escalations_for(user)
    audit_record(
        action=AuditAction.HALO_VIEWED,
        actor=user,
        request=request,
        subject_type="halo_escalations",
        detail={"conversations": len(rows)},
    )
    return _page(
        request,
        "escalations.html",
        {
            "rows": [(c, handover_blocked_reason(c)) for c in rows],
            "labels": s.STATUS_LABELS,
            "topics": s.TOPICS,
            "reasons": s.URGENT_REASONS,
        },
    )


@personal_data_view(Capability.HALO_SUPERVISE)
@require_http_methods(["GET", "POST"])
def halo_handover(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """Hand an escalated conversation to a service unit; disabled (with the reason) without
    the adolescent's consent."""
    user = request.user
    conversation = conversation_for_staff(user=user, conversation_id=conversation_id, request=request)
    if conversation is None:
        raise _not_found()
    error = ""
    form = {"unit": request.POST.get("unit", ""), "catatan": request.POST.get("catatan", "")}
    if request.method == "POST":
        try:
            handover_create(
                user=user,
                conversation=conversation,
                unit_code=form["unit"],
                note=form["catatan"],
                request=request,
            )
        except HaloPermissionError as exc:
            raise PermissionDenied(str(exc)) from exc
        except HaloError as exc:
            error = str(exc)
        else:
            return redirect("web:halo-handover", conversation_id=conversation.pk)
        conversation.refresh_from_db()
    return _page(
        request,
        "handover.html",
        {
            "conversation": conversation,
            "handover": Handover.objects.filter(conversation=conversation)
            .select_related("unit", "by")
            .first(),
            "blocked": handover_blocked_reason(conversation),
            "units": list(handover_units()),
            "form": form,
            "error": error,
            "topic_label": s.TOPICS[conversation.topic],
            "status_label": s.STATUS_LABELS[conversation.status],
            "urgent_label": s.URGENT_REASONS.get(conversation.urgent_reason, ""),
        },
        status=400 if error else 200,
    )


def _parse_shift(post: Any) -> tuple[Any, datetime, datetime]:
    """The rota form -> (counsellor, start, end). An end at or before the start is the next day
    (a night shift, 19:00-07:00)."""
    counsellor = counsellors().filter(username=post.get("konselor", "")).first()
    try:
        day = date.fromisoformat(post.get("tanggal", ""))
        start = time.fromisoformat(post.get("mulai", ""))
        end = time.fromisoformat(post.get("selesai", ""))
    except ValueError:
        raise HaloError(
            "bad_times", "Tanggal atau jam tidak sah.", "The date or a time is not valid."
        ) from None
    tz = timezone.get_current_timezone()
    starts_at = datetime.combine(day, start, tzinfo=tz)
    ends_at = datetime.combine(day + timedelta(days=1) if end <= start else day, end, tzinfo=tz)
    return counsellor, starts_at, ends_at


@personal_data_view(Capability.HALO_SUPERVISE)
@require_http_methods(["GET", "POST"])
def halo_rota(request: HttpRequest) -> HttpResponse:
    """The rota: shifts of the past week and the next two; add a shift, cancel or end one."""
    user = request.user
    at = now()
    error = ""
    form = {"konselor": "", "tanggal": at.date().isoformat(), "mulai": "07:00", "selesai": "14:00"}
    if request.method == "POST":
        try:
            if request.POST.get("aksi") == "batal":
                raw = request.POST.get("giliran", "")
                shift_cancel(user=user, shift_id=int(raw) if raw.isdigit() else 0, request=request)
            else:
                form = {k: request.POST.get(k, "") for k in form}
                counsellor, starts_at, ends_at = _parse_shift(request.POST)
                shift_create(
                    user=user, counsellor=counsellor, starts_at=starts_at, ends_at=ends_at, request=request
                )
        except HaloPermissionError as exc:
            raise PermissionDenied(str(exc)) from exc
        except HaloError as exc:
            error = str(exc)
        else:
            return redirect("web:halo-rota")
    shifts = list(rota(around=at))
    audit_record(
        action=AuditAction.HALO_VIEWED,
        actor=user,
        request=request,
        subject_type="halo_rota",
        detail={"shifts": len(shifts)},
    )
    return _page(
        request,
        "rota.html",
        {
            "shifts": shifts,
            "counsellors": list(counsellors()),
            "form": form,
            "error": error,
            "now": at,
        },
        status=400 if error else 200,
    )


@personal_data_view(Capability.HALO_SUPERVISE)
@require_GET
def halo_statistics(request: HttpRequest) -> HttpResponse:
    """Counts per month (the last twelve): by topic, escalations, handovers, answers within 24 h,
    median first response. No text, no kecamatan."""
    today = now().date()
    first = (today.replace(day=1) - timedelta(days=335)).replace(day=1)
    rows = halo_monthly(first=first, last=today)
    audit_record(
        action=AuditAction.HALO_VIEWED,
        actor=request.user,
        request=request,
        subject_type="halo_statistics",
        detail={"from": first.isoformat(), "to": today.isoformat()},
    )
    return _page(
        request,
        "statistics.html",
        {"rows": rows, "topics": list(s.TOPICS.items()), "retention_days": retention_days()},
    )


urlpatterns: list[URLPattern] = [
    path("halo/", halo_start, name="halo-start"),
    path("halo/percakapan/", halo_conversation, name="halo-conversation"),
    path("halo/konselor/", halo_queue, name="halo-queue"),
    path("halo/konselor/<int:conversation_id>/", halo_conversation_staff, name="halo-conversation-staff"),
    path("halo/supervisor/eskalasi/", halo_escalations, name="halo-escalations"),
    path("halo/supervisor/<int:conversation_id>/rujuk/", halo_handover, name="halo-handover"),
    path("halo/supervisor/jadwal/", halo_rota, name="halo-rota"),
    path("halo/supervisor/statistik/", halo_statistics, name="halo-statistics"),
]
