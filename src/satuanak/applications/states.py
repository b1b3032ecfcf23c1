"""The rules of a document request's life, as data: a student in a school's collective request
("Duta Adminduk Sekolah") and an online application ("Adminduk Digital di Genggaman") go
through the same steps at Disdukcapil, the way a birth declaration does.

Pure Python (no Django): the models and services read these tables; the tests check them
without a database.

States
------
A school's student starts as a *draft* (the ambassador is still gathering documents); the
collective submission makes every student *received*. An online application is *received*
at once. Disdukcapil takes it *in process* (verifies the documents), may *return* it to the
submitter with a reason (a missing or unreadable document, data that do not match), the
submitter *resubmits* it, and Disdukcapil finishes it: *done* (the documents are issued: the
akta number and / or the KIA number are recorded) or *rejected* (with a reason). Nothing
leaves *done* or *rejected*: a new need is a new request.

    draft ──► received ──► in_process ──► done (numbers of what was requested)
                 │  ▲          │
                 │  │          ▼
                 │  └── resubmitted ◄── returned (reason)
                 └──────────┴──────────┴──► rejected (reason)

Who moves it: the *submitter* (the school's ambassador, or the applicant) submits and
resubmits; the *officer* (Disdukcapil) does everything else.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping

DRAFT = "draft"
RECEIVED = "received"
IN_PROCESS = "in_process"
RETURNED = "returned"
RESUBMITTED = "resubmitted"
DONE = "done"
REJECTED = "rejected"

STATES: tuple[str, ...] = (DRAFT, RECEIVED, IN_PROCESS, RETURNED, RESUBMITTED, DONE, REJECTED)
LABELS: dict[str, str] = {
    DRAFT: "Disiapkan / draft",
    RECEIVED: "Diterima / received",
    IN_PROCESS: "Diproses / in process",
    RETURNED: "Dikembalikan / returned",
    RESUBMITTED: "Diajukan ulang / resubmitted",
    DONE: "Selesai, dokumen terbit / done, documents issued",
    REJECTED: "Ditolak / rejected",
}

SUBMITTER = "submitter"
OFFICER = "officer"

# state -> {next state: who may move it there} (in the order the buttons are shown)
TRANSITIONS: dict[str, dict[str, str]] = {
    DRAFT: {RECEIVED: SUBMITTER},
    RECEIVED: {IN_PROCESS: OFFICER, RETURNED: OFFICER, REJECTED: OFFICER},
    IN_PROCESS: {DONE: OFFICER, RETURNED: OFFICER, REJECTED: OFFICER},
    RETURNED: {RESUBMITTED: SUBMITTER, REJECTED: OFFICER},
    RESUBMITTED: {IN_PROCESS: OFFICER, RETURNED: OFFICER, REJECTED: OFFICER},
    DONE: {},
    REJECTED: {},
}
FINAL: frozenset[str] = frozenset(s for s, nxt in TRANSITIONS.items() if not nxt)
# Waiting for Disdukcapil (the queue): received or resubmitted, or taken in process.
OPEN_FOR_OFFICER: frozenset[str] = frozenset({RECEIVED, IN_PROCESS, RESUBMITTED})

# What can be requested.
AKTA = "akta"
KIA = "kia"
DOCUMENTS: dict[str, str] = {AKTA: "Akta kelahiran / birth certificate", KIA: "KIA / child ID card"}

# What a submitter attaches, and what each requested document needs (Disdukcapil's list of
# requirements, simplified: a KIA also needs the akta, checked against SIAK by the officer).
BIRTH_LETTER = "birth_letter"
KK_COPY = "kk_copy"
PARENT_ID = "parent_id"
PHOTO = "photo"
OTHER = "other"
ATTACHMENT_KINDS: dict[str, str] = {
    BIRTH_LETTER: "Surat keterangan lahir / birth letter",
    KK_COPY: "Kartu keluarga (KK) / family card",
    PARENT_ID: "KTP orang tua / parents' ID card",
    PHOTO: "Pas foto anak / child's photo",
    OTHER: "Lainnya / other",
}
REQUIRED_ATTACHMENTS: dict[str, tuple[str, ...]] = {
    AKTA: (BIRTH_LETTER, KK_COPY, PARENT_ID),
    KIA: (KK_COPY, PARENT_ID),
}

# Why a request is returned or rejected. Only these labels reach the public status page (the
# officer's note does not: it may name people).
RETURN_REASONS: dict[str, str] = {
    "missing_birth_letter": "Surat keterangan lahir belum ada / the birth letter is missing",
    "missing_kk_copy": "Kartu keluarga belum ada / the family card is missing",
    "missing_parent_id": "KTP orang tua belum ada / the parents' ID card is missing",
    "unreadable": "Dokumen tidak terbaca / a document cannot be read",
    "data_mismatch": "Data tidak sesuai dokumen / the data do not match the documents",
    "other": "Lainnya (lihat catatan petugas) / other (see the officer's note)",
}
REJECT_REASONS: dict[str, str] = {
    "already_issued": "Dokumen sudah pernah terbit / the document was already issued",
    "not_resident": "Bukan penduduk Kabupaten Bengkayang / not a resident of Bengkayang",
    "duplicate": "Permohonan ganda / duplicate request",
    "no_response": "Tidak ada tanggapan atas pengembalian / no answer to the return",
    "other": "Lainnya / other",
}

# Numbers: what the akta and KIA numbers may contain (Bengkayang's akta: 6107-LT-05072024-0001).
NUMBER_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-/.")
NUMBER_MAX = 40


class TransitionError(ValueError):
    """A move the table does not allow; the message is in Bahasa Indonesia and English."""


def label(state: str) -> str:
    return LABELS.get(state, state)


def allowed_next(state: str, actor: str | None = None) -> tuple[str, ...]:
    """The states `state` may move to (by `actor` when given; empty for a final state)."""
    if state not in TRANSITIONS:
        raise TransitionError(f"Status tidak dikenal: {state!r}. / Unknown state: {state!r}.")
    return tuple(s for s, who in TRANSITIONS[state].items() if actor is None or who == actor)


def number_check(value: str, what_id: str, what_en: str) -> str:
    """An issued document's number, upper-cased; TransitionError when empty or odd."""
    value = (value or "").strip().upper()
    if not value:
        raise TransitionError(f"Nomor {what_id} wajib diisi. / The {what_en} number is required.")
    if len(value) > NUMBER_MAX or not set(value) <= NUMBER_CHARS:
        raise TransitionError(
            f"Nomor {what_id} hanya huruf, angka, '-', '/', '.' (maks. {NUMBER_MAX}). / "
            f"The {what_en} number may hold letters, digits, '-', '/', '.' only (max. {NUMBER_MAX})."
        )
    return value


def transition_check(
    from_state: str,
    to_state: str,
    *,
    actor: str,
    reason_code: str = "",
    requested: Collection[str] = (),
    issued: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Raise TransitionError unless `actor` may move `from_state` -> `to_state` with what is
    given: returning needs a return reason, rejecting a rejection reason, finishing the number of
    every requested document. Returns the cleaned numbers (empty unless finishing)."""
    if to_state not in TRANSITIONS:
        raise TransitionError(f"Status tidak dikenal: {to_state!r}. / Unknown state: {to_state!r}.")
    if from_state in FINAL:
        raise TransitionError(
            f"Permohonan sudah {from_state} dan tidak dapat diubah lagi. / "
            f"The request is {from_state} and cannot change any more."
        )
    if from_state not in TRANSITIONS or to_state not in TRANSITIONS[from_state]:
        raise TransitionError(
            f"Tidak boleh dari {from_state} ke {to_state}. / Not allowed from {from_state} to {to_state}."
        )
    if TRANSITIONS[from_state][to_state] != actor:
        raise TransitionError(
            f"Langkah {from_state} → {to_state} bukan untuk {actor}. / "
            f"The step {from_state} → {to_state} is not for the {actor}."
        )
    if to_state == RETURNED and reason_code not in RETURN_REASONS:
        raise TransitionError("Pilih alasan pengembalian. / Choose why the request is returned.")
    if to_state == REJECTED and reason_code not in REJECT_REASONS:
        raise TransitionError("Pilih alasan penolakan. / Choose why the request is rejected.")
    numbers: dict[str, str] = {}
    if to_state == DONE:
        if not requested or not set(requested) <= set(DOCUMENTS):
            raise TransitionError("Dokumen yang diminta tidak jelas. / What was requested is unclear.")
        issued = issued or {}
        if AKTA in requested:
            numbers[AKTA] = number_check(issued.get(AKTA, ""), "akta", "birth certificate")
        if KIA in requested:
            numbers[KIA] = number_check(issued.get(KIA, ""), "KIA", "child ID card")
    return numbers


def missing_attachments(requested: Iterable[str], present: Iterable[str]) -> tuple[str, ...]:
    """The kinds of attachment the requested documents need and that are not there yet."""
    have = set(present)
    out: list[str] = []
    for doc in requested:
        for kind in REQUIRED_ATTACHMENTS.get(doc, ()):
            if kind not in have and kind not in out:
                out.append(kind)
    return tuple(out)


REQUEST_DRAFT = "draft"
REQUEST_SUBMITTED = "submitted"
REQUEST_CLOSED = "closed"
REQUEST_STATES: dict[str, str] = {
    REQUEST_DRAFT: "Disiapkan / draft",
    REQUEST_SUBMITTED: "Diajukan / submitted",
    REQUEST_CLOSED: "Selesai semua / all finished",
}


def request_state_for(student_states: Iterable[str]) -> str:
    """A school's collective request as a whole: a draft until submitted, closed once every
    student is done or rejected, submitted in between. An empty request is a draft."""
    states = list(student_states)
    if not states or any(s == DRAFT for s in states):
        return REQUEST_DRAFT
    if all(s in FINAL for s in states):
        return REQUEST_CLOSED
    return REQUEST_SUBMITTED


# Tracking codes: read aloud and typed on a phone, so no 0/O, 1/I/L; 10 characters of 31
# (about 8 × 10^14 codes) make guessing hopeless even before the per-address throttle.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_PREFIX = "ADG"
CODE_LENGTH = 10


def code_normalise(text: str) -> str:
    """What a person typed, as stored: upper case, without spaces and dashes ("adg-7k2m …")."""
    cleaned = "".join(ch for ch in (text or "").upper() if ch.isalnum())
    if cleaned.startswith(CODE_PREFIX):
        cleaned = cleaned[len(CODE_PREFIX) :]
    return cleaned


def code_is_wellformed(normalised: str) -> bool:
    return len(normalised) == CODE_LENGTH and set(normalised) <= set(CODE_ALPHABET)


def code_display(normalised: str) -> str:
    """ADG-XXXXX-XXXXX, the way the code is shown and printed."""
    half = CODE_LENGTH // 2
    return f"{CODE_PREFIX}-{normalised[:half]}-{normalised[half:]}"
