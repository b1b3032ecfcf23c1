"""The rules of a Forum Anak 2P report's life and of a Musrenbang proposal's rounds, as data.

Pure Python (no Django): the services and the models read these tables; the tests check them
without a database.

2P reports ("Pelopor dan Pelapor")
----------------------------------
A trained Forum Anak member *submits* a concern. The type routes it to one agency's queue
(data/partisipasi/routing_v1.json). The agency triages it: *accept* it, *reroute* it to another
agency when it is not their matter (the report stays submitted, in the other queue, with the
reason kept), or mark it a *duplicate* of a report already being handled (with a reason the
reporter reads). An accepted report is *answered* with a short public answer (what was done),
then *closed*. Nothing leaves closed or duplicate: a new concern is a new report.

    submitted ──accept──► accepted ──answer──► answered ──close──► closed
      │  ▲
      └──┘ reroute (reason)
      └──duplicate (reason)──► duplicate

Linking a child is not a step of this table: it changes no status, and is allowed while the
report is accepted or answered (`LINKABLE`), by roles that may see the child.

Musrenbang proposals
--------------------
A Forum Anak proposal enters the planning rounds at one level (desa, kecamatan or kabupaten).
Each round gives one outcome: accepted into the plan, funded (with an amount), rejected (with a
reason) — all three end the proposal's way — or forwarded to the next round. A kabupaten round
cannot forward: it is the last.
"""

from __future__ import annotations

import re
from datetime import date

from satuanak.core.periods import quarter_bounds as quarter_bounds
from satuanak.core.periods import quarter_of as quarter_of

# --- 2P report types -----------------------------------------------------------------------
MALNOURISHED = "malnourished"
NOT_IN_SCHOOL = "not_in_school"
CHILD_MARRIAGE = "child_marriage"
NO_BIRTH_CERTIFICATE = "no_birth_certificate"
VIOLENCE = "violence"
UNFRIENDLY_FACILITY = "unfriendly_facility"
OTHER = "other"

REPORT_TYPES: tuple[str, ...] = (
    MALNOURISHED,
    NOT_IN_SCHOOL,
    CHILD_MARRIAGE,
    NO_BIRTH_CERTIFICATE,
    VIOLENCE,
    UNFRIENDLY_FACILITY,
    OTHER,
)
REPORT_TYPE_LABELS: dict[str, str] = {
    MALNOURISHED: "Anak tampak kurang gizi / a child who seems malnourished",
    NOT_IN_SCHOOL: "Anak tidak sekolah / a child not in school",
    CHILD_MARRIAGE: "Rencana perkawinan anak / a child marriage being planned",
    NO_BIRTH_CERTIFICATE: "Anak tanpa akta kelahiran / a child without a birth certificate",
    VIOLENCE: "Kekerasan atau penelantaran / violence or neglect",
    UNFRIENDLY_FACILITY: "Fasilitas tidak ramah anak / a child-unfriendly facility",
    OTHER: "Lainnya / other",
}
# Types whose description (and child hint) only protection officers and the reporter read:
# a violence report names a family; a wrong reader can put the child at more risk.
SENSITIVE_TYPES: frozenset[str] = frozenset({VIOLENCE})

DESCRIPTION_MAX = 2000
CHILD_NAME_MAX = 100
REASON_MAX = 1000
ANSWER_MAX = 1000
CHILD_AGE_MAX = 17  # Forum Anak reports about children (UU 35/2014: under 18)

# --- 2P report statuses and actions --------------------------------------------------------
SUBMITTED = "submitted"
ACCEPTED = "accepted"
ANSWERED = "answered"
CLOSED = "closed"
DUPLICATE = "duplicate"
STATUSES: tuple[str, ...] = (SUBMITTED, ACCEPTED, ANSWERED, CLOSED, DUPLICATE)

SUBMIT = "submit"
ACCEPT = "accept"
REROUTE = "reroute"
MARK_DUPLICATE = "duplicate"
ANSWER = "answer"
CLOSE = "close"
LINK_CHILD = "link_child"  # recorded in the log, but not a move of the table
ACTIONS: tuple[str, ...] = (ACCEPT, REROUTE, MARK_DUPLICATE, ANSWER, CLOSE)

# status -> the actions a handler may take (in the order the buttons are shown)
TRANSITIONS: dict[str, tuple[str, ...]] = {
    SUBMITTED: (ACCEPT, REROUTE, MARK_DUPLICATE),
    ACCEPTED: (ANSWER,),
    ANSWERED: (CLOSE,),
    CLOSED: (),
    DUPLICATE: (),
}
# action -> the status it leads to (reroute keeps the report submitted, in another queue)
RESULT: dict[str, str] = {
    ACCEPT: ACCEPTED,
    REROUTE: SUBMITTED,
    MARK_DUPLICATE: DUPLICATE,
    ANSWER: ANSWERED,
    CLOSE: CLOSED,
}
# Triage: the agency's first decision; the response time to it is measured.
TRIAGE_ACTIONS: frozenset[str] = frozenset({ACCEPT, REROUTE, MARK_DUPLICATE})
FINAL: frozenset[str] = frozenset(s for s, nxt in TRANSITIONS.items() if not nxt)
LINKABLE: frozenset[str] = frozenset({ACCEPTED, ANSWERED})
ANSWER_WITHIN_DAYS = 14  # the figure "answered within 14 days" (platform default, no SOP yet)


_SCRIPT = re.compile(r"<\s*/?\s*script", re.IGNORECASE)


def has_script(text: str) -> bool:
    """A script tag in free text. Every page escapes text anyway; refusing the tag keeps such
    an attempt out of the queues and the log (the form comes back with the text, escaped)."""
    return bool(_SCRIPT.search(text))


class TransitionError(ValueError):
    """A move the table does not allow; the message is in Bahasa Indonesia and English."""


def allowed_actions(status: str) -> tuple[str, ...]:
    """The actions a handler may take on a report in `status` (empty for a final status)."""
    if status not in TRANSITIONS:
        raise TransitionError(f"Status tidak dikenal: {status!r}. / Unknown status: {status!r}.")
    return TRANSITIONS[status]


def action_check(
    status: str, action: str, *, reason: str = "", answer: str = "", to_agency: str = "", agency: str = ""
) -> str:
    """The status `action` leads to from `status`; TransitionError unless allowed with what is
    given: a reroute needs a reason and another agency, a duplicate a reason, an answer its text."""
    if action not in RESULT:
        raise TransitionError(f"Tindakan tidak dikenal: {action!r}. / Unknown action: {action!r}.")
    if status in FINAL:
        raise TransitionError(
            f"Laporan sudah {status} dan tidak dapat diubah lagi. / "
            f"The report is {status} and cannot change any more."
        )
    if action not in allowed_actions(status):
        raise TransitionError(
            f"Tidak boleh {action} pada status {status}. / Not allowed to {action} a {status} report."
        )
    if action in (REROUTE, MARK_DUPLICATE) and not reason.strip():
        raise TransitionError("Alasan wajib diisi. / A reason is required.")
    if len(reason) > REASON_MAX:
        raise TransitionError(
            f"Alasan paling banyak {REASON_MAX} karakter. / "
            f"The reason may have at most {REASON_MAX} characters."
        )
    if has_script(reason) or has_script(answer):
        raise TransitionError("Teks tidak boleh berisi tag script. / The text may not contain script tags.")
    if action == REROUTE and (not to_agency or to_agency == agency):
        raise TransitionError(
            "Pilih instansi lain untuk mengalihkan laporan. / Choose another agency to reroute the report to."
        )
    if action == ANSWER and not answer.strip():
        raise TransitionError("Jawaban untuk pelapor wajib diisi. / The answer to the reporter is required.")
    if len(answer) > ANSWER_MAX:
        raise TransitionError(
            f"Jawaban paling banyak {ANSWER_MAX} karakter. / "
            f"The answer may have at most {ANSWER_MAX} characters."
        )
    return RESULT[action]


def report_text_check(*, report_type: str, description: str, child_name: str, child_age: int | None) -> None:
    """Raise ValueError (bilingual) unless a reporter's input is acceptable: a known type, a
    description of 1–2000 characters, an optional short name hint, an optional age 0–17.
    Script tags are refused outright: the text is shown auto-escaped anyway, but a Forum Anak
    report never needs one, and refusing it keeps an attempt out of the agencies' queues."""
    if report_type not in REPORT_TYPES:
        raise ValueError("Pilih jenis laporan. / Choose the type of report.")
    if not description.strip():
        raise ValueError("Ceritakan apa yang terjadi. / A description is required.")
    if len(description) > DESCRIPTION_MAX:
        raise ValueError(
            f"Cerita paling banyak {DESCRIPTION_MAX} karakter. / "
            f"The description may have at most {DESCRIPTION_MAX} characters."
        )
    if len(child_name) > CHILD_NAME_MAX:
        raise ValueError(
            f"Nama anak paling banyak {CHILD_NAME_MAX} karakter. / "
            f"The child's name may have at most {CHILD_NAME_MAX} characters."
        )
    if has_script(description) or has_script(child_name):
        raise ValueError("Teks tidak boleh berisi tag script. / The text may not contain script tags.")
    if child_age is not None and not 0 <= child_age <= CHILD_AGE_MAX:
        raise ValueError(
            f"Umur anak 0–{CHILD_AGE_MAX} tahun. / The child's age must be 0–{CHILD_AGE_MAX} years."
        )


def answered_within(submitted: date, answered: date | None, *, days: int = ANSWER_WITHIN_DAYS) -> bool:
    """Answered at most `days` calendar days after submission (the day itself counts as day 0)."""
    return answered is not None and (answered - submitted).days <= days


# --- Musrenbang ------------------------------------------------------------------------------
DESA = "desa"
KECAMATAN = "kecamatan"
KABUPATEN = "kabupaten"
LEVELS: tuple[str, ...] = (DESA, KECAMATAN, KABUPATEN)  # in the order of the rounds
LEVEL_LABELS: dict[str, str] = {
    DESA: "Musrenbang desa",
    KECAMATAN: "Musrenbang kecamatan",
    KABUPATEN: "Musrenbang kabupaten (RKPD)",
}

ACCEPTED_INTO_PLAN = "accepted"
FORWARDED = "forwarded"
REJECTED = "rejected"
FUNDED = "funded"
OUTCOMES: tuple[str, ...] = (ACCEPTED_INTO_PLAN, FORWARDED, REJECTED, FUNDED)
OUTCOME_LABELS: dict[str, str] = {
    ACCEPTED_INTO_PLAN: "Diterima dalam rencana / accepted into the plan",
    FORWARDED: "Diteruskan ke tingkat berikut / forwarded to the next round",
    REJECTED: "Ditolak / rejected",
    FUNDED: "Didanai / funded",
}
# Outcomes that end a proposal's way through the rounds.
FINAL_OUTCOMES: frozenset[str] = frozenset({ACCEPTED_INTO_PLAN, REJECTED, FUNDED})
# The KLA figure counts a proposal the plan took up: accepted or funded at any round.
TAKEN_UP: frozenset[str] = frozenset({ACCEPTED_INTO_PLAN, FUNDED})
TITLE_MAX = 200
AMOUNT_MAX = 1_000_000_000_000  # Rp 1 trillion: more than Bengkayang's whole budget, a typo guard


def next_level(level: str) -> str | None:
    i = LEVELS.index(level)
    return LEVELS[i + 1] if i + 1 < len(LEVELS) else None


def expected_level(entry_level: str, outcomes: list[tuple[str, str]]) -> str | None:
    """The round whose outcome is due next, given the (level, outcome) pairs so far in order;
    None when the proposal's way has ended."""
    if entry_level not in LEVELS:
        raise ValueError(f"Tingkat tidak dikenal: {entry_level!r}. / Unknown level: {entry_level!r}.")
    if not outcomes:
        return entry_level
    level, outcome = outcomes[-1]
    if outcome in FINAL_OUTCOMES:
        return None
    return next_level(level)


def outcome_check(
    *,
    entry_level: str,
    previous: list[tuple[str, str]],
    level: str,
    outcome: str,
    reason: str,
    amount: int | None,
) -> None:
    """Raise ValueError (bilingual) unless `outcome` at `level` may follow `previous`: the rounds
    in order from the entry level, one outcome each, forwarding only to an existing next round,
    a rejection with its reason, funding with a positive amount."""
    if level not in LEVELS:
        raise ValueError(f"Tingkat tidak dikenal: {level!r}. / Unknown level: {level!r}.")
    if outcome not in OUTCOMES:
        raise ValueError(f"Hasil tidak dikenal: {outcome!r}. / Unknown outcome: {outcome!r}.")
    due = expected_level(entry_level, previous)
    if due is None:
        raise ValueError(
            "Usulan ini sudah selesai dibahas. / This proposal's way through the rounds has ended."
        )
    if level != due:
        raise ValueError(
            f"Hasil berikutnya untuk tingkat {due}, bukan {level}. / "
            f"The next outcome is for the {due} round, not {level}."
        )
    if outcome == FORWARDED and next_level(level) is None:
        raise ValueError(
            "Musrenbang kabupaten adalah tingkat terakhir. / "
            "The kabupaten round is the last: nothing to forward to."
        )
    if has_script(reason):
        raise ValueError("Teks tidak boleh berisi tag script. / The text may not contain script tags.")
    if outcome == REJECTED and not reason.strip():
        raise ValueError("Alasan penolakan wajib diisi. / A reason for the rejection is required.")
    if len(reason) > REASON_MAX:
        raise ValueError(
            f"Alasan paling banyak {REASON_MAX} karakter. / "
            f"The reason may have at most {REASON_MAX} characters."
        )
    if outcome == FUNDED and (amount is None or not 0 < amount <= AMOUNT_MAX):
        raise ValueError("Jumlah dana (rupiah) wajib dan positif. / A positive amount (rupiah) is required.")
    if outcome != FUNDED and amount is not None:
        raise ValueError(
            "Jumlah dana hanya untuk usulan yang didanai. / An amount belongs only to a funded outcome."
        )
