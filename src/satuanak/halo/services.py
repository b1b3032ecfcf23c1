"""Writes of Halo Remaja: the adolescent's start, replies and consent; the counsellors' answers,
escalations and closing; the supervisors' handovers and rota; the retention purge.

Every function checks everything before writing and writes in one transaction: the step as a
`ConversationEvent` (who and when), and for staff an audit entry (RECORD_CHANGED, no message
text in it). Bad input raises HaloError (a ValueError) with a stable `code` and a message in
Bahasa Indonesia and English, and changes nothing; HaloPermissionError (a subclass) means the
user may not do this (off duty, or not a supervisor).

The adolescent's actions are not audited: the audit log records the client's IP address, and
the channel promises to keep none. Their steps are in the conversation's own events, with no
user. Throttling (too many starts, too many wrong codes) counts per address in Django's cache
under a keyed hash of the address, for a window of minutes; nothing is written to the database.

The return code
---------------
16 symbols from an alphabet without look-alikes (states.CODE_ALPHABET), drawn with `secrets`;
shown once, never stored: the conversation keeps an HMAC-SHA256 of it keyed with a value
derived from SECRET_KEY (Django's salted_hmac). Changing SECRET_KEY therefore makes every code
unusable (the conversations stay for the counsellors; adolescents would start again).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import salted_hmac

from satuanak.audit.models import AuditAction
from satuanak.audit.services import audit_record
from satuanak.common import throttle
from satuanak.halo import states as s
from satuanak.halo.models import (
    Conversation,
    ConversationEvent,
    Handover,
    Message,
    RetainedCount,
    Shift,
)
from satuanak.halo.selectors import (
    ANSWER_WITHIN,
    SUBJECT,
    actor_kind,
    is_counsellor,
    is_supervisor,
    now,
    retention_days,
)
from satuanak.referrals.models import ServiceUnit
from satuanak.regions.models import Kecamatan

# Public endpoints, per client address (a school's computer lab shares one address, hence
# not lower):
START_LIMIT = 10  # conversations started per window
START_WINDOW_SECONDS = 60 * 60
WRONG_CODE_LIMIT = 10  # wrong return codes per window; then 429
WRONG_CODE_WINDOW_SECONDS = 15 * 60
MAX_SHIFT = timedelta(hours=24)  # a longer shift is a typo (a month on duty), not a rota
CONSENT = "consent"
WITHDRAW = "withdraw"

# Units a supervisor may hand a conversation to: the protection and family services, the
# hospital, and any puskesmas (its PKPR service sees adolescents in person).
HANDOVER_KINDS = (
    ServiceUnit.Kind.UPTD_PPA,
    ServiceUnit.Kind.DINSOS_P3A,
    ServiceUnit.Kind.PUSPAGA,
    ServiceUnit.Kind.RSUD,
    ServiceUnit.Kind.PUSKESMAS,
    ServiceUnit.Kind.PRAP,
)


class HaloError(ValueError):
    def __init__(self, code: str, message_id: str, message_en: str) -> None:
        self.code = code
        self.message_id = message_id
        self.message_en = message_en
        super().__init__(f"{message_id} / {message_en}")


class HaloPermissionError(HaloError):
    """The user may not do this (not on duty, or the step is a supervisor's)."""


def _from(exc: ValueError, code: str) -> HaloError:
    message_id, _, message_en = str(exc).partition(" / ")
    return HaloError(code, message_id, message_en or message_id)


# --- codes and throttling --------------------------------------------------------------------


def code_new() -> str:
    """A fresh return code, 16 symbols without dashes."""
    return "".join(secrets.choice(s.CODE_ALPHABET) for _ in range(s.CODE_LEN))


def code_hash(code: str) -> str:
    """The stored form of a (normalised) code: HMAC-SHA256 keyed from SECRET_KEY."""
    return salted_hmac("satuanak.halo.return-code", code, algorithm="sha256").hexdigest()


def _address_key(kind: str, ip: str | None) -> str:
    # The cache holds a keyed hash of the address, not the address: even the throttle's
    # few minutes of memory keep no IP.
    digest = salted_hmac("satuanak.halo.throttle", ip or "-", algorithm="sha256").hexdigest()[:32]
    return f"halo:{kind}:{digest}"


def start_blocked(ip: str | None) -> bool:
    return throttle.hits(_address_key("start", ip)) >= START_LIMIT


def start_record(ip: str | None) -> None:
    throttle.hit(_address_key("start", ip), START_WINDOW_SECONDS)


def wrong_code_blocked(ip: str | None) -> bool:
    return throttle.hits(_address_key("wrong", ip)) >= WRONG_CODE_LIMIT


def wrong_code_record(ip: str | None) -> None:
    throttle.hit(_address_key("wrong", ip), WRONG_CODE_WINDOW_SECONDS)


def refusal_log_once(*, ip: str | None, what: str) -> None:
    """One ACCESS_DENIED entry per address and window (a flood must not flood the log), without
    the address or the request: the adolescents' side keeps no IP, in the audit log neither."""
    if cache.add(_address_key(f"logged:{what}", ip), 1, timeout=WRONG_CODE_WINDOW_SECONDS):
        audit_record(
            action=AuditAction.ACCESS_DENIED,
            subject_type=SUBJECT,
            detail={
                "reason": f"halo {what} throttled",
                "limit": START_LIMIT if what == "start" else WRONG_CODE_LIMIT,
            },
        )


# --- checks ----------------------------------------------------------------------------------

# C0 control characters other than tab, newline and carriage return: PostgreSQL cannot store a
# NUL, and none of them belongs in a message.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _text(value: str, *, field_id: str, field_en: str, limit: int, required: bool) -> str:
    value = (value or "").strip()
    if required and not value:
        raise HaloError("empty", f"{field_id} wajib diisi.", f"{field_en} is required.")
    if len(value) > limit:
        raise HaloError(
            "too_long",
            f"{field_id} terlalu panjang (maks. {limit} huruf).",
            f"{field_en} is too long (max. {limit} characters).",
        )
    if _CONTROL.search(value):
        raise HaloError(
            "bad_characters",
            f"{field_id} berisi karakter yang tidak sah.",
            f"{field_en} contains characters that are not allowed.",
        )
    return value


def _message(value: str) -> str:
    return _text(value, field_id="Pesan", field_en="The message", limit=s.MAX_MESSAGE, required=True)


def _staff(user: Any, at: datetime | None) -> str:
    """SUPERVISOR or COUNSELLOR (on duty at `at`, default now); HaloPermissionError otherwise."""
    kind = actor_kind(user, at=at)
    if kind is None:
        raise HaloPermissionError(
            "off_duty",
            "Anda tidak sedang bertugas jaga Halo Remaja.",
            "You are not on duty for Halo Remaja now.",
        )
    return kind


def _move(conversation: Conversation, action: str, actor: str) -> str:
    try:
        return s.next_status(conversation.status, action, actor)
    except s.TransitionError as exc:
        raise _from(exc, "not_allowed") from None


def _event(
    conversation: Conversation,
    *,
    action: str,
    actor: str,
    by: Any,
    from_status: str,
    at: datetime,
    note: str = "",
) -> None:
    ConversationEvent.objects.create(
        conversation=conversation,
        action=action,
        actor=actor,
        by=by,
        from_status=from_status,
        to_status=conversation.status,
        at=at,
        note=note,
    )


def _audit(
    user: Any, conversation: Conversation, action: str, request: HttpRequest | None, **detail: Any
) -> None:
    audit_record(
        action=AuditAction.RECORD_CHANGED,
        actor=user,
        request=request,
        subject_type=SUBJECT,
        subject_id=conversation.pk,
        detail={"halo": action, **detail},
    )


def _escalate(conversation: Conversation, *, actor: str, by: Any, reason: str, at: datetime) -> None:
    before = conversation.status
    conversation.status = _move(conversation, s.ESCALATE, actor)
    conversation.escalated_at = at
    conversation.urgent_reason = reason
    conversation.save(update_fields=["status", "escalated_at", "urgent_reason"])
    _event(conversation, action=s.ESCALATE, actor=actor, by=by, from_status=before, at=at, note=reason)


# --- the adolescent --------------------------------------------------------------------------


@dataclass(frozen=True)
class Started:
    conversation: Conversation
    code: str  # shown once, formatted ABCD-EFGH-JKMN-PQRS; never stored


@transaction.atomic
def conversation_start(
    *, topic: str, message: str, age_band: str = "", kecamatan_code: str = "", at: datetime | None = None
) -> Started:
    """Open a conversation anonymously. Stores the topic, the message, the optional age band and
    kecamatan, the code's hash and the times; nothing about the device or the address."""
    if topic not in s.TOPICS:
        raise HaloError("bad_topic", "Pilih topik.", "Choose a topic.")
    body = _message(message)
    if age_band and age_band not in s.AGE_BANDS:
        raise HaloError("bad_age_band", "Kelompok umur tidak dikenal.", "Unknown age band.")
    kecamatan = None
    if kecamatan_code:
        kecamatan = Kecamatan.objects.filter(code=kecamatan_code).first()
        if kecamatan is None:
            raise HaloError("bad_kecamatan", "Kecamatan tidak dikenal.", "Unknown kecamatan.")
    code = code_new()
    while Conversation.objects.filter(code_hash=code_hash(code)).exists():  # ~2^-79: never, but cheap
        code = code_new()
    at = at or now()
    conversation = Conversation.objects.create(
        topic=topic,
        age_band=age_band,
        kecamatan=kecamatan,
        code_hash=code_hash(code),
        status=s.OPEN,
        created_at=at,
        waiting_since=at,
    )
    Message.objects.create(conversation=conversation, sender=s.ADOLESCENT, body=body, at=at)
    _event(conversation, action=s.START, actor=s.ADOLESCENT, by=None, from_status="", at=at)
    if topic in s.ESCALATE_ON_START:
        _escalate(conversation, actor=s.SYSTEM, by=None, reason=s.TOPIC_ESCALATION_REASON, at=at)
    return Started(conversation=conversation, code=s.code_format(code))


def conversation_by_code(code: str) -> Conversation | None:
    """The conversation of a return code as typed (any case, spaces or dashes), or None."""
    normalised = s.code_normalise(code)
    if normalised is None:
        return None
    return Conversation.objects.filter(code_hash=code_hash(normalised)).first()


@transaction.atomic
def conversation_reply(*, conversation: Conversation, message: str, at: datetime | None = None) -> Message:
    """The adolescent writes again; the conversation goes back to the queue."""
    body = _message(message)
    conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
    before = conversation.status
    conversation.status = _move(conversation, s.REPLY, s.ADOLESCENT)
    at = at or now()
    if conversation.waiting_since is None:
        conversation.waiting_since = at
    conversation.save(update_fields=["status", "waiting_since"])
    sent = Message.objects.create(conversation=conversation, sender=s.ADOLESCENT, body=body, at=at)
    _event(conversation, action=s.REPLY, actor=s.ADOLESCENT, by=None, from_status=before, at=at)
    return sent


@transaction.atomic
def conversation_consent(
    *, conversation: Conversation, consent: bool, contact: str = "", at: datetime | None = None
) -> Conversation:
    """The adolescent agrees to be referred (and may leave a contact of their choosing), or
    withdraws it (the contact is erased). Only before a handover and while not closed."""
    conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
    if conversation.status in (s.REFERRED, s.CLOSED):
        raise HaloError(
            "consent_final",
            "Percakapan sudah dirujuk atau selesai; persetujuan tidak dapat diubah lagi.",
            "The conversation is handed over or closed; consent can no longer change.",
        )
    contact = _text(contact, field_id="Kontak", field_en="The contact", limit=s.MAX_CONTACT, required=False)
    at = at or now()
    conversation.consent_given = consent
    conversation.consent_at = at if consent else None
    conversation.contact = contact if consent else ""  # without consent, no contact is kept
    conversation.save(update_fields=["consent_given", "consent_at", "contact"])
    _event(
        conversation,
        action=CONSENT if consent else WITHDRAW,
        actor=s.ADOLESCENT,
        by=None,
        from_status=conversation.status,
        at=at,
        note="contact left" if conversation.contact else "",
    )
    return conversation


# --- counsellors and supervisors -------------------------------------------------------------


@transaction.atomic
def conversation_answer(
    *,
    user: Any,
    conversation: Conversation,
    message: str,
    request: HttpRequest | None = None,
    at: datetime | None = None,
) -> Message:
    """A counsellor on duty (or a supervisor) answers; the answer carries their name."""
    actor = _staff(user, at)
    body = _message(message)
    conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
    before = conversation.status
    conversation.status = _move(conversation, s.ANSWER, actor)
    at = at or now()
    conversation.waiting_since = None
    if conversation.first_answered_at is None:
        conversation.first_answered_at = at
    conversation.save(update_fields=["status", "waiting_since", "first_answered_at"])
    sent = Message.objects.create(conversation=conversation, sender=actor, author=user, body=body, at=at)
    _event(conversation, action=s.ANSWER, actor=actor, by=user, from_status=before, at=at)
    _audit(user, conversation, s.ANSWER, request)
    return sent


@transaction.atomic
def conversation_escalate(
    *,
    user: Any,
    conversation: Conversation,
    reason: str,
    request: HttpRequest | None = None,
    at: datetime | None = None,
) -> Conversation:
    """Mark the conversation urgent (self-harm, pregnancy, violence): it goes to the supervisors."""
    actor = _staff(user, at)
    if reason not in s.URGENT_REASONS:
        raise HaloError("bad_reason", "Pilih alasan mendesak.", "Choose why it is urgent.")
    conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
    _escalate(conversation, actor=actor, by=user, reason=reason, at=at or now())
    _audit(user, conversation, s.ESCALATE, request, reason=reason)
    return conversation


@transaction.atomic
def conversation_close(
    *, user: Any, conversation: Conversation, request: HttpRequest | None = None, at: datetime | None = None
) -> Conversation:
    """Close the conversation; retention counts from now. Urgent ones only by a supervisor."""
    actor = _staff(user, at)
    conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
    before = conversation.status
    conversation.status = _move(conversation, s.CLOSE, actor)
    at = at or now()
    conversation.closed_at = at
    conversation.waiting_since = None
    conversation.save(update_fields=["status", "closed_at", "waiting_since"])
    _event(conversation, action=s.CLOSE, actor=actor, by=user, from_status=before, at=at)
    _audit(user, conversation, s.CLOSE, request)
    return conversation


def handover_units() -> Any:
    return ServiceUnit.objects.filter(active=True, kind__in=list(HANDOVER_KINDS)).order_by("kind", "name")


@transaction.atomic
def handover_create(
    *,
    user: Any,
    conversation: Conversation,
    unit_code: str,
    note: str = "",
    request: HttpRequest | None = None,
    at: datetime | None = None,
) -> Handover:
    """A supervisor hands an escalated conversation to a service unit, with the adolescent's
    consent; the handover carries the contact the adolescent chose to leave, nothing else."""
    if not is_supervisor(user):
        raise HaloPermissionError(
            "not_supervisor", "Hanya supervisor yang merujuk.", "Only a supervisor makes a referral."
        )
    conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
    if not conversation.consent_given:
        raise HaloError(
            "no_consent",
            "Remaja belum menyetujui rujukan; tanpa persetujuan tidak ada rujukan.",
            "The adolescent has not consented; no referral without consent.",
        )
    unit = handover_units().filter(code=unit_code).first()
    if unit is None:
        raise HaloError("bad_unit", "Pilih unit layanan tujuan.", "Choose the service unit.")
    note = _text(note, field_id="Catatan", field_en="The note", limit=s.MAX_MESSAGE, required=False)
    before = conversation.status
    conversation.status = _move(conversation, s.REFER, s.SUPERVISOR)
    at = at or now()
    conversation.save(update_fields=["status"])
    handover = Handover.objects.create(
        conversation=conversation, unit=unit, contact=conversation.contact, note=note, by=user, at=at
    )
    _event(
        conversation, action=s.REFER, actor=s.SUPERVISOR, by=user, from_status=before, at=at, note=unit.code
    )
    _audit(user, conversation, s.REFER, request, unit=unit.code)
    return handover


# --- the rota --------------------------------------------------------------------------------


def _require_supervisor(user: Any) -> None:
    if not is_supervisor(user):
        raise HaloPermissionError(
            "not_supervisor", "Hanya supervisor yang mengatur jadwal.", "Only a supervisor keeps the rota."
        )


@transaction.atomic
def shift_create(
    *, user: Any, counsellor: Any, starts_at: datetime, ends_at: datetime, request: HttpRequest | None = None
) -> Shift:
    """Put a counsellor on the rota from `starts_at` to `ends_at` (at most 24 hours)."""
    _require_supervisor(user)
    if counsellor is None or not is_counsellor(counsellor) or not counsellor.is_active:
        raise HaloError(
            "bad_counsellor",
            "Pilih konselor (petugas puskesmas atau dinas kesehatan yang aktif).",
            "Choose a counsellor (an active puskesmas or health office user).",
        )
    if ends_at <= starts_at:
        raise HaloError(
            "bad_times", "Jam selesai harus setelah jam mulai.", "The end must be after the start."
        )
    if ends_at - starts_at > MAX_SHIFT:
        raise HaloError("too_long", "Satu giliran paling lama 24 jam.", "One shift lasts at most 24 hours.")
    shift = Shift.objects.create(
        counsellor=counsellor, starts_at=starts_at, ends_at=ends_at, created_by=user, created_at=now()
    )
    audit_record(
        action=AuditAction.RECORD_CHANGED,
        actor=user,
        request=request,
        subject_type="halo_shift",
        subject_id=shift.pk,
        detail={
            "counsellor": counsellor.username,
            "starts_at": starts_at.isoformat(),
            "ends_at": ends_at.isoformat(),
        },
    )
    return shift


@transaction.atomic
def shift_cancel(*, user: Any, shift_id: int, request: HttpRequest | None = None) -> str:
    """Remove a shift not yet started, or end a running one now. A past shift stays: it is the
    record of who could read the conversations then. Returns "deleted" or "ended"."""
    _require_supervisor(user)
    shift = Shift.objects.select_for_update().filter(pk=shift_id).first()
    if shift is None:
        raise HaloError("not_found", "Giliran tidak ditemukan.", "Shift not found.")
    at = now()
    if shift.ends_at <= at:
        raise HaloError(
            "past_shift",
            "Giliran yang sudah lewat disimpan sebagai catatan.",
            "A past shift is kept as the record.",
        )
    if shift.starts_at > at:
        outcome = "deleted"
        shift.delete()
    else:
        outcome = "ended"
        shift.ends_at = at
        shift.save(update_fields=["ends_at"])
    audit_record(
        action=AuditAction.RECORD_CHANGED,
        actor=user,
        request=request,
        subject_type="halo_shift",
        subject_id=shift_id,
        detail={"shift": outcome},
    )
    return outcome


# --- retention -------------------------------------------------------------------------------


def conversations_past_retention(*, at: datetime | None = None) -> Any:
    """Closed conversations whose closing lies more than the retention days before `at`."""
    cutoff = (at or now()) - timedelta(days=retention_days())
    return Conversation.objects.filter(status=s.CLOSED, closed_at__lte=cutoff).order_by("id")


@transaction.atomic
def conversations_purge(*, dry_run: bool = False, at: datetime | None = None) -> list[int]:
    """Delete the conversations past retention (messages, events, contact, handover) and add
    them to the retained counts (topic, month, escalated; answered within 24 h, referred).
    Returns their ids; `dry_run` only lists them. Audited (ids, no content)."""
    doomed = list(conversations_past_retention(at=at))
    ids = [c.pk for c in doomed]
    if dry_run or not doomed:
        return ids
    for c in doomed:
        row, _ = RetainedCount.objects.get_or_create(
            month=s.month_start(timezone.localtime(c.created_at).date()),
            topic=c.topic,
            escalated=c.escalated_at is not None,
        )
        answered = c.first_answered_at is not None and c.first_answered_at - c.created_at <= ANSWER_WITHIN
        referred = Handover.objects.filter(conversation=c).exists()
        RetainedCount.objects.filter(pk=row.pk).update(
            conversations=F("conversations") + 1,
            answered_24h=F("answered_24h") + int(answered),
            referred=F("referred") + int(referred),
        )
    Conversation.objects.filter(pk__in=ids).delete()
    audit_record(
        action=AuditAction.RECORD_CHANGED,
        subject_type="halo_purge",
        detail={"purged": len(ids), "ids": ids[:500], "retention_days": retention_days()},
    )
    return ids
