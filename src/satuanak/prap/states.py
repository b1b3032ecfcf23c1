"""The rules of a PRAP assessment's life, of item verdicts and of the roadmap, as data.

Pure Python (no Django): the models and services read these tables; the tests check them
without a database.

States
------
A puskesmas fills its checklist in *draft* and *submits* it. A reviewer (Dinkes or the KLA
task force) verifies each item; items not met or needing more evidence send the assessment
back (*returned*); the puskesmas answers them and submits again, as often as needed. When
every required item is met the reviewer *certifies* it (a dated certificate, valid
`VALID_YEARS`). A certification ends by *expiring* (past its validity) or being *revoked*
(with a reason). Nothing leaves expired or revoked: the puskesmas starts a new assessment.

    draft ──► submitted ──► certified ──► expired
                 ▲   │           └──────► revoked (reason required)
                 │   ▼
               returned
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

DRAFT = "draft"
SUBMITTED = "submitted"
RETURNED = "returned"
CERTIFIED = "certified"
EXPIRED = "expired"
REVOKED = "revoked"

STATES: tuple[str, ...] = (DRAFT, SUBMITTED, RETURNED, CERTIFIED, EXPIRED, REVOKED)
# A puskesmas has at most one assessment in one of these states (its live assessment).
LIVE: frozenset[str] = frozenset({DRAFT, SUBMITTED, RETURNED, CERTIFIED})
# The puskesmas may change its answers and evidence.
EDITABLE: frozenset[str] = frozenset({DRAFT, RETURNED})

TRANSITIONS: dict[str, tuple[str, ...]] = {
    DRAFT: (SUBMITTED,),
    SUBMITTED: (RETURNED, CERTIFIED),
    RETURNED: (SUBMITTED,),
    CERTIFIED: (EXPIRED, REVOKED),
    EXPIRED: (),
    REVOKED: (),
}
FINAL: frozenset[str] = frozenset(s for s, nxt in TRANSITIONS.items() if not nxt)

# Item verdicts of the reviewer.
PENDING = "pending"
MET = "met"
NOT_MET = "not_met"
MORE_EVIDENCE = "more_evidence"
VERDICTS: tuple[str, ...] = (PENDING, MET, NOT_MET, MORE_EVIDENCE)
# Verdicts that send an item back to the puskesmas.
RETURNING: frozenset[str] = frozenset({NOT_MET, MORE_EVIDENCE})

# The puskesmas's own answer.
UNANSWERED = ""
YES = "yes"
NO = "no"
ANSWERS: tuple[str, ...] = (UNANSWERED, YES, NO)

VALID_YEARS = 3  # a certificate is valid three years from the date of certification

STATE_LABELS: dict[str, str] = {
    DRAFT: "Draf / draft",
    SUBMITTED: "Diajukan / submitted",
    RETURNED: "Dikembalikan / returned",
    CERTIFIED: "Tersertifikasi / certified",
    EXPIRED: "Kedaluwarsa / expired",
    REVOKED: "Dicabut / revoked",
}
VERDICT_LABELS: dict[str, str] = {
    PENDING: "Belum ditinjau / pending",
    MET: "Terpenuhi / met",
    NOT_MET: "Tidak terpenuhi / not met",
    MORE_EVIDENCE: "Perlu bukti tambahan / needs more evidence",
}


class StateError(ValueError):
    """A move the table does not allow; the message is in Bahasa Indonesia and English."""


def allowed_next(state: str) -> tuple[str, ...]:
    if state not in TRANSITIONS:
        raise StateError(f"Status tidak dikenal: {state!r}. / Unknown state: {state!r}.")
    return TRANSITIONS[state]


@dataclass(frozen=True)
class ItemCheck:
    """What the transition rules need to know of one checklist item."""

    code: str
    required: bool
    answer: str = UNANSWERED
    verdict: str = PENDING


def unmet_required(items: Iterable[ItemCheck]) -> list[str]:
    """Codes of required items whose verdict is not `met`."""
    return [i.code for i in items if i.required and i.verdict != MET]


def transition_check(
    from_state: str, to_state: str, *, items: Sequence[ItemCheck] = (), reason: str = ""
) -> None:
    """Raise StateError unless `from_state` -> `to_state` is allowed with these items:

    - submitting needs every item answered (yes or no);
    - returning needs at least one item not met or needing more evidence;
    - certifying needs every required item met;
    - revoking needs a reason.
    """
    if to_state not in TRANSITIONS:
        raise StateError(f"Status tidak dikenal: {to_state!r}. / Unknown state: {to_state!r}.")
    if to_state not in allowed_next(from_state):
        raise StateError(
            f"Tidak dapat berpindah dari {STATE_LABELS[from_state]} ke {STATE_LABELS[to_state]}. / "
            f"Cannot move from {from_state} to {to_state}."
        )
    if to_state == SUBMITTED:
        open_items = [i.code for i in items if i.answer not in (YES, NO)]
        if open_items:
            codes = ", ".join(open_items[:10])
            raise StateError(
                f"Masih ada butir yang belum dijawab: {codes}. / Some items are not answered yet: {codes}."
            )
    if to_state == RETURNED and not any(i.verdict in RETURNING for i in items):
        raise StateError(
            "Tidak ada butir yang dikembalikan (tidak terpenuhi / perlu bukti). / "
            "No item is marked not met or needing more evidence."
        )
    if to_state == CERTIFIED:
        unmet = unmet_required(items)
        if unmet:
            codes = ", ".join(unmet[:10])
            raise StateError(
                f"Belum dapat disertifikasi: butir wajib belum terpenuhi ({codes}). / "
                f"Cannot certify: required items not met ({codes})."
            )
    if to_state == REVOKED and not reason.strip():
        raise StateError("Alasan pencabutan wajib diisi. / A reason for revoking is required.")


def valid_until(certified_on: date) -> date:
    """The last day a certificate is valid: `VALID_YEARS` later, the day before (29 Feb -> 28 Feb)."""
    try:
        end = certified_on.replace(year=certified_on.year + VALID_YEARS)
    except ValueError:  # 29 February into a non-leap year
        end = certified_on.replace(year=certified_on.year + VALID_YEARS, day=28)
    return date.fromordinal(end.toordinal() - 1)


def is_expired(state: str, until: date | None, today: date) -> bool:
    return state == CERTIFIED and until is not None and today > until


# --- the roadmap (seed report 4.1 and the phases 2024-2026) ------------------------------------

ALL = -1  # "all puskesmas": the count of puskesmas in the district


@dataclass(frozen=True)
class Target:
    label: str
    due: date
    count: int  # ALL for every puskesmas


ROADMAP: tuple[Target, ...] = (
    Target("Q2 2025", date(2025, 6, 30), 4),
    Target("Q4 2025", date(2025, 12, 31), 9),
    Target("Q2 2026", date(2026, 6, 30), 13),
    Target("Q4 2026", date(2026, 12, 31), ALL),
)


@dataclass(frozen=True)
class TargetStatus:
    label: str
    due: date
    target: int
    certified: int  # puskesmas certified at the due date (or today, for a date still ahead)
    past: bool  # the due date has passed
    met: bool


def in_force(spans: Iterable[tuple[date, date | None]], on: date) -> int:
    """How many certifications (certified_on, ended_on or None) were in force on `on`."""
    return sum(1 for start, end in spans if start <= on and (end is None or end > on))


def roadmap_status(
    spans_by_facility: dict[int, list[tuple[date, date | None]]],
    *,
    today: date,
    total: int,
    targets: Sequence[Target] = ROADMAP,
) -> list[TargetStatus]:
    """Each target against the count of puskesmas whose certification was in force on its due
    date (for a date still ahead: today's count, so far)."""
    out = []
    for target in targets:
        wanted = total if target.count == ALL else target.count
        on = min(target.due, today)
        count = sum(1 for spans in spans_by_facility.values() if in_force(spans, on) > 0)
        out.append(TargetStatus(target.label, target.due, wanted, count, target.due < today, count >= wanted))
    return out
