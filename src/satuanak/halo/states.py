"""The rules of a Halo Remaja conversation, as data: its statuses, who may do what in each, the
topics, the urgent reasons, the return code's alphabet and the quarters of the statistics.

Pure Python (no Django): the services and the models read these tables; the tests check them
without a database.

Statuses
--------
An adolescent *opens* a conversation. A counsellor on duty *answers* it; the adolescent's
reply puts it back in the queue (*waiting*), the next answer makes it *answered* again. An
urgent situation (the topic is violence, or a counsellor marks self-harm, pregnancy or
violence) *escalates* it to the supervisors; a supervisor, with the adolescent's consent,
hands it over to a service unit (*referred*). Any conversation not yet closed may be *closed*;
an escalated or referred one only by a supervisor (they own the urgent cases). Nothing leaves
*closed*: an adolescent who comes back later starts a new conversation with a new code.

    open ──► answered ◄──► waiting
      │          │            │
      └──────────┴────────────┴──► escalated ──► referred
      (any of these) ───────────────────┴────────────┴──► closed

While escalated or referred, counsellors on duty may still answer (an urgent conversation must
not wait for the supervisor to sign in) and the adolescent may still write: the status stays.
"""

from __future__ import annotations

import re
from datetime import date

from satuanak.core.periods import quarter_bounds as quarter_bounds  # the statistics' quarters

# --- statuses and actions -------------------------------------------------------------------

OPEN = "open"
ANSWERED = "answered"
WAITING = "waiting"
ESCALATED = "escalated"
REFERRED = "referred"
CLOSED = "closed"
STATUSES: tuple[str, ...] = (OPEN, ANSWERED, WAITING, ESCALATED, REFERRED, CLOSED)

STATUS_LABELS: dict[str, str] = {
    OPEN: "Baru / new",
    ANSWERED: "Sudah dijawab / answered",
    WAITING: "Menunggu jawaban / waiting for an answer",
    ESCALATED: "Mendesak, ke supervisor / urgent, with a supervisor",
    REFERRED: "Dirujuk / handed over",
    CLOSED: "Selesai / closed",
}

START = "start"  # not in the table: the event that creates a conversation (status OPEN)
REPLY = "reply"  # the adolescent writes
ANSWER = "answer"  # a counsellor or supervisor writes
ESCALATE = "escalate"
REFER = "refer"  # a supervisor records the handover to a service unit
CLOSE = "close"
ACTIONS: tuple[str, ...] = (REPLY, ANSWER, ESCALATE, REFER, CLOSE)

ADOLESCENT = "adolescent"
COUNSELLOR = "counsellor"
SUPERVISOR = "supervisor"
SYSTEM = "system"  # the platform itself: a conversation about violence escalates at once
ACTORS: tuple[str, ...] = (ADOLESCENT, COUNSELLOR, SUPERVISOR, SYSTEM)

_STAFF = frozenset({COUNSELLOR, SUPERVISOR})
_SUP = frozenset({SUPERVISOR})
_TEEN = frozenset({ADOLESCENT})
_ESCALATORS = frozenset({COUNSELLOR, SUPERVISOR, SYSTEM})

# status -> action -> (the status after it, who may do it). The one table of the machine.
TRANSITIONS: dict[str, dict[str, tuple[str, frozenset[str]]]] = {
    OPEN: {
        REPLY: (OPEN, _TEEN),
        ANSWER: (ANSWERED, _STAFF),
        ESCALATE: (ESCALATED, _ESCALATORS),
        CLOSE: (CLOSED, _STAFF),
    },
    ANSWERED: {
        REPLY: (WAITING, _TEEN),
        ANSWER: (ANSWERED, _STAFF),
        ESCALATE: (ESCALATED, _ESCALATORS),
        CLOSE: (CLOSED, _STAFF),
    },
    WAITING: {
        REPLY: (WAITING, _TEEN),
        ANSWER: (ANSWERED, _STAFF),
        ESCALATE: (ESCALATED, _ESCALATORS),
        CLOSE: (CLOSED, _STAFF),
    },
    ESCALATED: {
        REPLY: (ESCALATED, _TEEN),
        ANSWER: (ESCALATED, _STAFF),
        REFER: (REFERRED, _SUP),
        CLOSE: (CLOSED, _SUP),
    },
    REFERRED: {
        REPLY: (REFERRED, _TEEN),
        ANSWER: (REFERRED, _STAFF),
        CLOSE: (CLOSED, _SUP),
    },
    CLOSED: {},
}

FINAL: frozenset[str] = frozenset(s for s, moves in TRANSITIONS.items() if not moves)
# Statuses in which the adolescent waits for a counsellor: the queue.
NEEDS_ANSWER: frozenset[str] = frozenset({OPEN, WAITING})
URGENT_STATUSES: frozenset[str] = frozenset({ESCALATED, REFERRED})


class TransitionError(ValueError):
    """A move the table does not allow; the message is in Bahasa Indonesia and English."""


def next_status(status: str, action: str, actor: str) -> str:
    """The status after `actor` does `action` on a conversation in `status`; TransitionError if
    the table does not allow it."""
    if status not in TRANSITIONS:
        raise TransitionError(f"Status tidak dikenal: {status!r}. / Unknown status: {status!r}.")
    if action not in ACTIONS:
        raise TransitionError(f"Tindakan tidak dikenal: {action!r}. / Unknown action: {action!r}.")
    if actor not in ACTORS:
        raise TransitionError(f"Pelaku tidak dikenal: {actor!r}. / Unknown actor: {actor!r}.")
    if status in FINAL:
        raise TransitionError(
            "Percakapan sudah selesai dan tidak dapat diubah lagi. / "
            "The conversation is closed and cannot change any more."
        )
    move = TRANSITIONS[status].get(action)
    if move is None:
        raise TransitionError(
            f"Tidak boleh {action} saat status {status}. / {action} is not allowed while {status}."
        )
    after, who = move
    if actor not in who:
        raise TransitionError(
            f"{action} saat status {status} hanya untuk {', '.join(sorted(who))}. / "
            f"{action} while {status} is for {', '.join(sorted(who))} only."
        )
    return after


def allowed_actions(status: str, actor: str) -> tuple[str, ...]:
    """The actions `actor` may take on a conversation in `status` (in the table's order)."""
    return tuple(a for a, (_, who) in TRANSITIONS.get(status, {}).items() if actor in who)


# --- topics, urgency ------------------------------------------------------------------------

REPRODUCTIVE_HEALTH = "reproductive_health"
RELATIONSHIPS = "relationships"
NUTRITION = "nutrition"
MENTAL_HEALTH = "mental_health"
VIOLENCE = "violence"
BULLYING = "bullying"
OTHER = "other"
TOPICS: dict[str, str] = {
    REPRODUCTIVE_HEALTH: "Kesehatan reproduksi / reproductive health",
    RELATIONSHIPS: "Pacaran dan hubungan / relationships",
    NUTRITION: "Gizi dan anemia / nutrition and anaemia",
    MENTAL_HEALTH: "Kesehatan jiwa, stres / mental health, stress",
    VIOLENCE: "Kekerasan / violence",
    BULLYING: "Perundungan (bullying) / bullying",
    OTHER: "Lainnya / other",
}
# A topic that escalates at once, before any counsellor reads it: an adolescent who writes about
# violence may be at risk now, and only the supervisors can hand it to UPTD PPA.
ESCALATE_ON_START: frozenset[str] = frozenset({VIOLENCE})

SELF_HARM = "self_harm"
PREGNANCY = "pregnancy"
URGENT_VIOLENCE = "violence"
URGENT_REASONS: dict[str, str] = {
    SELF_HARM: "Menyakiti diri / bunuh diri - self-harm / suicide",
    PREGNANCY: "Kehamilan / pregnancy",
    URGENT_VIOLENCE: "Kekerasan / violence",
}
TOPIC_ESCALATION_REASON = URGENT_VIOLENCE  # the reason recorded when a topic escalates at start

# Age bands the adolescent may choose (optional). Permenkes 25/2014 counts adolescents from 10
# to 18; BKKBN's youth programmes go up to 24 unmarried, so the last band is kept.
AGE_BANDS: dict[str, str] = {
    "10-12": "10-12 tahun / years",
    "13-15": "13-15 tahun / years",
    "16-18": "16-18 tahun / years",
    "19-24": "19-24 tahun / years",
}

MAX_MESSAGE = 2000  # characters of one message
MAX_CONTACT = 200  # the contact an adolescent chooses to leave (a number, "via guru BK", ...)

# --- the return code ------------------------------------------------------------------------

# No 0/O, 1/I/L: read aloud or copied from paper, the code must not be mistyped. 31 symbols ×
# 16 places ≈ 79 bits: guessing one of even a million live codes takes ~10^17 tries, and the
# wrong-code throttle allows a handful per quarter hour.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_GROUPS = 4
CODE_GROUP_LEN = 4
CODE_LEN = CODE_GROUPS * CODE_GROUP_LEN


def code_format(raw: str) -> str:
    """'ABCDEFGHJKMNPQRS' -> 'ABCD-EFGH-JKMN-PQRS' (how the code is shown)."""
    return "-".join(raw[i : i + CODE_GROUP_LEN] for i in range(0, len(raw), CODE_GROUP_LEN))


def code_normalise(text: str) -> str | None:
    """The code as typed (any case, with spaces or dashes) -> its 16 symbols, or None when it
    cannot be a code (wrong length, or a symbol outside the alphabet such as O, 0, I, 1, L)."""
    cleaned = re.sub(r"[\s\-]", "", text or "").upper()
    if len(cleaned) != CODE_LEN or any(c not in CODE_ALPHABET for c in cleaned):
        return None
    return cleaned


# --- quarters: satuanak.core.periods (quarter_bounds is used through this module) ------------


def month_start(day: date) -> date:
    return day.replace(day=1)


def median(values: list[float]) -> float | None:
    """The median of the values (None for none): the first-response time's usual summary,
    which one night-long wait does not drag as a mean would."""
    if not values:
        return None
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2
