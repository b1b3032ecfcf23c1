"""The rules of a birth declaration's life ("3-in-1 di Ujung Wie"), as data.

Pure Python (no Django): the services and the models read these tables; the tests check
them without a database.

States
------
A facility's birth operator *submits* a declaration (checked on entry; nothing is saved when a
check fails, so there is no draft). A Disdukcapil officer *verifies* it, *returns* it to the
facility with reasons (a missing marriage book, a blurred ID card), or *rejects* it with a
reason (not a birth that can be registered here). The operator answers a return by adding what
was asked and *submitting* again. A verified declaration is *issued*: the birth certificate,
the KIA and the updated family card are recorded. Nothing leaves *issued* or *rejected*.

    submitted ──► verified ──► issued
      │  ▲          │
      ▼  │          │
    returned ◄──────┘          (submitted / verified ──► rejected, reason required)

Service level
-------------
Disdukcapil should issue within `SERVICE_LEVEL_WORKING_DAYS` working days (Monday-Friday; public
holidays are not known to the platform and count as working days) of the submission. A
declaration waiting on Disdukcapil (submitted or verified) after its due date is overdue; a
returned one waits on the facility and is not. The platform's default, not a regulation: the
seed report asks for documents the family takes home; change the constant when the PKS says
otherwise. The share of facility births served by 3-in-1 is measured against `COVERAGE_TARGET`.
"""

from __future__ import annotations

from datetime import date, timedelta

SUBMITTED = "submitted"
RETURNED = "returned"
VERIFIED = "verified"
ISSUED = "issued"
REJECTED = "rejected"

STATES: tuple[str, ...] = (SUBMITTED, RETURNED, VERIFIED, ISSUED, REJECTED)

# state -> the states it may move to (in the order the buttons are shown)
TRANSITIONS: dict[str, tuple[str, ...]] = {
    SUBMITTED: (VERIFIED, RETURNED, REJECTED),
    RETURNED: (SUBMITTED,),
    VERIFIED: (ISSUED, RETURNED, REJECTED),
    ISSUED: (),
    REJECTED: (),
}

OPERATOR = "operator"  # the facility's birth operator
OFFICER = "officer"  # Disdukcapil

# Who makes each move (the target state decides).
ACTOR: dict[str, str] = {
    SUBMITTED: OPERATOR,
    VERIFIED: OFFICER,
    RETURNED: OFFICER,
    ISSUED: OFFICER,
    REJECTED: OFFICER,
}

FINAL: frozenset[str] = frozenset(s for s, nxt in TRANSITIONS.items() if not nxt)
WAITING_ON_OFFICER: frozenset[str] = frozenset({SUBMITTED, VERIFIED})
NEEDS_REASON: frozenset[str] = frozenset({RETURNED, REJECTED})

SERVICE_LEVEL_WORKING_DAYS = 3
COVERAGE_TARGET = 0.90

# What the family reads on the public tracking page: the state, and where to go. Nothing else.
PUBLIC_LABELS: dict[str, str] = {
    SUBMITTED: "Diterima, menunggu pemeriksaan Disdukcapil / Received, waiting for Disdukcapil's check",
    VERIFIED: "Berkas lengkap, dokumen sedang diterbitkan / Complete, the documents are being issued",
    RETURNED: (
        "Dikembalikan ke fasilitas kesehatan untuk dilengkapi / "
        "Returned to the health facility to be completed"
    ),
    ISSUED: "Dokumen sudah terbit / The documents have been issued",
    REJECTED: (
        "Tidak dapat diproses melalui 3-in-1; silakan datang ke kantor Disdukcapil / "
        "Cannot be processed through 3-in-1; please visit the Disdukcapil office"
    ),
}
DISDUKCAPIL_OFFICE = "Kantor Disdukcapil Kabupaten Bengkayang"


class TransitionError(ValueError):
    """A move the table does not allow; the message is in Bahasa Indonesia and English."""


def allowed_next(state: str) -> tuple[str, ...]:
    if state not in TRANSITIONS:
        raise TransitionError(f"Status tidak dikenal: {state!r}. / Unknown state: {state!r}.")
    return TRANSITIONS[state]


def transition_check(from_state: str, to_state: str, *, actor: str, reason: str = "") -> None:
    """Raise TransitionError unless `actor` may move a declaration from `from_state` to
    `to_state` with what is given: returning and rejecting need a reason."""
    if to_state not in TRANSITIONS:
        raise TransitionError(f"Status tidak dikenal: {to_state!r}. / Unknown state: {to_state!r}.")
    if from_state in FINAL:
        raise TransitionError(
            f"Laporan kelahiran sudah {from_state} dan tidak dapat diubah lagi. / "
            f"The declaration is {from_state} and cannot change any more."
        )
    if to_state not in allowed_next(from_state):
        raise TransitionError(
            f"Tidak boleh dari {from_state} ke {to_state}. / Not allowed from {from_state} to {to_state}."
        )
    if ACTOR[to_state] != actor:
        raise TransitionError(
            "Langkah ini dilakukan oleh "
            + ("petugas fasilitas" if ACTOR[to_state] == OPERATOR else "Disdukcapil")
            + " / This step is taken by "
            + ("the facility's operator." if ACTOR[to_state] == OPERATOR else "Disdukcapil.")
        )
    if to_state in NEEDS_REASON and not reason.strip():
        raise TransitionError("Alasan wajib diisi. / A reason is required.")


def add_working_days(start: date, days: int) -> date:
    """`start` plus `days` working days (Monday-Friday)."""
    current = start
    left = days
    while left > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            left -= 1
    return current


def due_on(submitted_on: date) -> date:
    return add_working_days(submitted_on, SERVICE_LEVEL_WORKING_DAYS)


def is_overdue(state: str, due: date, today: date) -> bool:
    """Waiting on Disdukcapil on a day after the due date (on the due date itself: not yet)."""
    return state in WAITING_ON_OFFICER and today > due


def public_status(state: str, facility_name: str) -> tuple[str, str]:
    """(state label, where to collect or ask) for the public tracking page."""
    if state not in PUBLIC_LABELS:
        raise TransitionError(f"Status tidak dikenal: {state!r}. / Unknown state: {state!r}.")
    if state == ISSUED:
        where = f"Ambil dokumen di / collect the documents at: {facility_name}"
    elif state == REJECTED:
        where = f"Datang ke / visit: {DISDUKCAPIL_OFFICE}"
    elif state == RETURNED:
        where = f"Hubungi / contact: {facility_name}"
    else:
        where = f"Dokumen nanti diambil di / documents will be collected at: {facility_name}"
    return PUBLIC_LABELS[state], where


# Tracking codes: short to read aloud, not guessable. 31 symbols without look-alikes
# (no 0/O, 1/I/L); 8 of them: 31**8 ~ 8.5e11 codes, against a lookup limit per address.
TRACKING_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
TRACKING_LENGTH = 8


def tracking_code_normalise(raw: str) -> str:
    """What a person typed, as a code: upper case, spaces and dashes removed ('' if it cannot be one)."""
    text = "".join(ch for ch in (raw or "").upper() if ch not in " -\t")
    if len(text) != TRACKING_LENGTH or any(ch not in TRACKING_ALPHABET for ch in text):
        return ""
    return text
