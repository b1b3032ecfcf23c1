"""Demo Halo Remaja for the synthetic district: a rota for the week before and after the
reference date and a dozen conversations in every status, made through the services (so each
step has its event, its checks and, for staff, its audit entry). All text is synthetic.

Needs the reference data and the demo users (demo/services.py `demo_users_create`):
"pkm_sungai_duri" and "dinkes" counsel, "dinkes" supervises. Loads the service units itself.

The demo conversations have fixed return codes, `DEMS-BKYG-HARE-XA2B`, `...-XA2C` and so on
(the last symbol walks the alphabet), so a reviewer can open the adolescent's page; a real
conversation's code is random and never stored. Idempotent: a demo conversation whose code
already opens a conversation is not made again; a shift already on the rota is not added again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from satuanak.accounts.models import User
from satuanak.halo import states as s
from satuanak.halo.models import Conversation, Shift
from satuanak.halo.services import (
    code_hash,
    conversation_answer,
    conversation_by_code,
    conversation_close,
    conversation_consent,
    conversation_escalate,
    conversation_reply,
    conversation_start,
    handover_create,
)
from satuanak.referrals.models import ServiceUnit
from satuanak.referrals.services import service_units_load

COUNSELLOR = "pkm_sungai_duri"
SUPERVISOR = "dinkes"
DEMO_CODE_PREFIX = "DEMSBKYGHAREXA2"


def demo_code(n: int) -> str:
    """The fixed code of the n-th demo conversation (0-based), formatted."""
    return s.code_format(DEMO_CODE_PREFIX + s.CODE_ALPHABET[n + 1])


@dataclass(frozen=True)
class _Step:
    hours: float  # after the conversation opened
    action: str  # states.REPLY / ANSWER / ESCALATE / CLOSE / REFER, or "consent"
    by: str = ""  # username for staff steps
    text: str = ""  # message, urgent reason, unit code, or the consented contact


@dataclass(frozen=True)
class _Scenario:
    hours_ago: float  # opened this many hours before the reference date's 10:00
    topic: str
    text: str
    age_band: str = ""
    kecamatan: str = ""
    steps: tuple[_Step, ...] = ()


_A, _R, _E, _C, _F = s.ANSWER, s.REPLY, s.ESCALATE, s.CLOSE, s.REFER
SCENARIOS: tuple[_Scenario, ...] = (
    _Scenario(2, s.NUTRITION, "Kak, aku sering pusing dan lemas waktu upacara. Apa itu anemia?", "13-15"),
    _Scenario(
        30,
        s.MENTAL_HEALTH,
        "Aku stres menjelang ujian, susah tidur terus.",
        "16-18",
        "61.07.04",
        (
            _Step(3, _A, COUNSELLOR, "Terima kasih sudah cerita. Boleh ceritakan jam tidurmu biasanya?"),
            _Step(20, _R, text="Biasanya baru tidur jam 1 malam, main HP."),
        ),
    ),
    _Scenario(
        50,
        s.RELATIONSHIPS,
        "Pacarku melarang aku ikut kegiatan OSIS. Itu wajar tidak?",
        "16-18",
        steps=(
            _Step(4, _A, COUNSELLOR, "Hubungan yang sehat saling mendukung. Mari kita bahas pelan-pelan."),
        ),
    ),
    _Scenario(
        120,
        s.REPRODUCTIVE_HEALTH,
        "Apakah haid tidak teratur di umur 14 itu normal?",
        "13-15",
        steps=(
            _Step(2, _A, COUNSELLOR, "Di awal masa pubertas siklus sering belum teratur; itu umum."),
            _Step(30, _R, text="Oke kak, terima kasih."),
            _Step(32, _A, COUNSELLOR, "Sama-sama. Datang ke PKPR puskesmas kalau ada keluhan lain."),
            _Step(48, _C, COUNSELLOR),
        ),
    ),
    _Scenario(6, s.BULLYING, "Teman sekelas terus mengejek badanku di grup WA kelas.", "13-15", "61.07.01"),
    _Scenario(
        70,
        s.VIOLENCE,
        "Di rumah aku sering dipukul kalau nilai jelek. Aku takut pulang.",
        "13-15",
        "61.07.04",
        (
            _Step(
                1, _A, SUPERVISOR, "Terima kasih sudah berani cerita. Kamu aman sekarang? Kami bisa bantu."
            ),
            _Step(5, "consent", text="lewat guru BK di sekolah (contoh sintetis)"),
            _Step(6, _F, SUPERVISOR, "uptd-ppa"),
            _Step(
                7, _A, SUPERVISOR, "Petugas UPTD PPA akan menghubungimu lewat guru BK. Kamu tidak sendirian."
            ),
        ),
    ),
    _Scenario(
        20,
        s.MENTAL_HEALTH,
        "Rasanya aku tidak berguna dan kadang ingin menyakiti diri.",
        "16-18",
        steps=(
            _Step(1, _A, COUNSELLOR, "Terima kasih sudah bilang. Apakah kamu aman saat ini?"),
            _Step(1.2, _E, COUNSELLOR, s.SELF_HARM),
        ),
    ),
    _Scenario(
        40,
        s.REPRODUCTIVE_HEALTH,
        "Aku telat haid dua bulan dan takut bilang ke orang tua.",
        "16-18",
        steps=(
            _Step(
                2,
                _A,
                COUNSELLOR,
                "Kamu tidak sendirian. Ada bidan puskesmas yang bisa membantu dengan rahasia.",
            ),
            _Step(2.5, _E, COUNSELLOR, s.PREGNANCY),
            _Step(10, "consent"),
        ),
    ),
    _Scenario(
        24 * 205,
        s.OTHER,
        "Bagaimana cara daftar Posyandu Remaja di desaku?",
        steps=(
            _Step(5, _A, SUPERVISOR, "Tanyakan ke kader atau bidan desa; jadwalnya biasanya bulanan."),
            _Step(24, _C, SUPERVISOR),
        ),
    ),
    _Scenario(
        24 * 195,
        s.NUTRITION,
        "Minum tablet tambah darah bikin mual, boleh berhenti?",
        "13-15",
        steps=(
            _Step(30, _A, SUPERVISOR, "Coba diminum setelah makan malam; mual biasanya berkurang."),
            _Step(72, _C, SUPERVISOR),
        ),
    ),
    _Scenario(0.5, s.RELATIONSHIPS, "Bagaimana cara menolak ajakan pacar yang aku tidak mau?", "16-18"),
    _Scenario(
        90,
        s.BULLYING,
        "Adik kelasku dipalak kakak kelas tiap pulang sekolah.",
        "10-12",
        steps=(
            _Step(6, _A, COUNSELLOR, "Terima kasih peduli pada adik kelasmu. Ceritakan ke guru BK, ya."),
            _Step(50, _C, COUNSELLOR),
        ),
    ),
)


def _users() -> dict[str, User]:
    users = {u.username: u for u in User.objects.filter(username__in=[COUNSELLOR, SUPERVISOR])}
    missing = sorted({COUNSELLOR, SUPERVISOR} - set(users))
    if missing:
        raise ValueError(
            f"Pengguna demo belum ada: {missing}; jalankan demo_users_create. / "
            f"Demo users missing: {missing}; run demo_users_create first."
        )
    return users


def _rota(users: dict[str, User], reference_date: date) -> int:
    tz = timezone.get_current_timezone()
    added = 0
    for offset in range(-7, 8):  # the week before and after: the demo conversations of the last days
        day = reference_date + timedelta(days=offset)
        # The puskesmas counsellor is on duty around the clock in the demo, so whoever opens the
        # demo (at any hour) finds a counsellor on duty; a real rota takes turns in hours.
        plans = (
            (
                users[COUNSELLOR],
                datetime.combine(day, time(0), tzinfo=tz),
                datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz),
            ),
            (
                users[SUPERVISOR],
                datetime.combine(day, time(8), tzinfo=tz),
                datetime.combine(day, time(16), tzinfo=tz),
            ),
        )
        for counsellor, starts_at, ends_at in plans:
            _, created = Shift.objects.get_or_create(
                counsellor=counsellor,
                starts_at=starts_at,
                ends_at=ends_at,
                defaults={"created_by": users[SUPERVISOR], "created_at": starts_at - timedelta(days=7)},
            )
            added += int(created)
    return added


def _play(conversation: Conversation, scenario: _Scenario, opened: datetime, users: dict[str, User]) -> None:
    for step in scenario.steps:
        at = opened + timedelta(hours=step.hours)
        conversation.refresh_from_db()
        by = users.get(step.by)
        if step.action == s.REPLY:
            conversation_reply(conversation=conversation, message=step.text, at=at)
        elif step.action == "consent":
            conversation_consent(conversation=conversation, consent=True, contact=step.text, at=at)
        elif step.action == s.ANSWER:
            conversation_answer(user=by, conversation=conversation, message=step.text, at=at)
        elif step.action == s.ESCALATE:
            conversation_escalate(user=by, conversation=conversation, reason=step.text, at=at)
        elif step.action == s.CLOSE:
            conversation_close(user=by, conversation=conversation, at=at)
        elif step.action == s.REFER:
            handover_create(user=by, conversation=conversation, unit_code=step.text, at=at)


@transaction.atomic
def halo_demo_load(*, reference_date: date) -> dict[str, int]:
    """The demo rota and conversations; idempotent. Returns what was added and what exists."""
    users = _users()
    if not ServiceUnit.objects.filter(code="uptd-ppa").exists():
        service_units_load()
    shifts = _rota(users, reference_date)
    anchor = datetime.combine(reference_date, time(10), tzinfo=timezone.get_current_timezone())
    made = 0
    for n, scenario in enumerate(SCENARIOS):
        code = demo_code(n)
        if conversation_by_code(code) is not None:
            continue
        opened = anchor - timedelta(hours=scenario.hours_ago)
        started = conversation_start(
            topic=scenario.topic,
            message=scenario.text,
            age_band=scenario.age_band,
            kecamatan_code=scenario.kecamatan,
            at=opened,
        )
        normalised = s.code_normalise(code) or ""
        Conversation.objects.filter(pk=started.conversation.pk).update(code_hash=code_hash(normalised))
        _play(started.conversation, scenario, opened, users)
        made += 1
    demo = Conversation.objects.filter(
        code_hash__in=[code_hash(s.code_normalise(demo_code(n)) or "") for n in range(len(SCENARIOS))]
    )
    counts: dict[str, Any] = {
        "shifts_added": shifts,
        "conversations_added": made,
        "conversations": demo.count(),
        "escalated": demo.filter(escalated_at__isnull=False).count(),
        "handed_over": demo.filter(handover__isnull=False).count(),
    }
    return counts
