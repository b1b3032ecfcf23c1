"""The rules of a referral's life and of a developmental screening's result, as data.

Pure Python (no Django): the services and the models read these tables; the tests check
them without a database.

Statuses
--------
A referral is *sent* by a unit, *received* by the unit it is addressed to, taken *in service*
there and *completed* (with the outcome noted). The receiving unit may *decline* it at any
step before completion, and must say why. Nothing leaves *completed* or *declined*: a
referral that has to go on is a new referral (with its own dates and history).

    sent ──► received ──► in_service ──► completed
      └──────────┴────────────┴──────► declined (reason required)

Deadlines
---------
The receiving unit should have taken the child *in service* within a number of calendar days
that depends on the urgency (`DUE_DAYS`): an emergency (e.g. violence with the child still
at risk) the next day, an urgent referral within a week, a routine one within 30 days
(the SOP between Dinkes and Dinsos P3A the seed report asks for does not exist yet; these
are the platform's defaults, stated here so that a changed SOP changes one table).
"""

from __future__ import annotations

from datetime import date, timedelta

SENT = "sent"
RECEIVED = "received"
IN_SERVICE = "in_service"
COMPLETED = "completed"
DECLINED = "declined"

STATUSES: tuple[str, ...] = (SENT, RECEIVED, IN_SERVICE, COMPLETED, DECLINED)

# status -> the statuses it may move to (in the order the buttons are shown)
TRANSITIONS: dict[str, tuple[str, ...]] = {
    SENT: (RECEIVED, DECLINED),
    RECEIVED: (IN_SERVICE, DECLINED),
    IN_SERVICE: (COMPLETED, DECLINED),
    COMPLETED: (),
    DECLINED: (),
}

FINAL: frozenset[str] = frozenset(s for s, nxt in TRANSITIONS.items() if not nxt)
# Statuses in which the receiving unit has not yet acted on the child: these can be overdue.
WAITING: frozenset[str] = frozenset({SENT, RECEIVED})

EMERGENCY = "emergency"
URGENT = "urgent"
ROUTINE = "routine"
URGENCIES: tuple[str, ...] = (EMERGENCY, URGENT, ROUTINE)

# urgency -> calendar days from sending by which the child should be in service
DUE_DAYS: dict[str, int] = {EMERGENCY: 1, URGENT: 7, ROUTINE: 30}


class TransitionError(ValueError):
    """A move the table does not allow; the message is in Bahasa Indonesia and English."""


def allowed_next(status: str) -> tuple[str, ...]:
    """The statuses a referral in `status` may move to (empty for a final status)."""
    if status not in TRANSITIONS:
        raise TransitionError(f"Status tidak dikenal: {status!r}. / Unknown status: {status!r}.")
    return TRANSITIONS[status]


def transition_check(from_status: str, to_status: str, *, reason: str = "", outcome: str = "") -> None:
    """Raise TransitionError unless `from_status` -> `to_status` is allowed with what is given:
    declining needs a reason, completing needs the outcome."""
    if to_status not in TRANSITIONS:
        raise TransitionError(f"Status tidak dikenal: {to_status!r}. / Unknown status: {to_status!r}.")
    if from_status in FINAL:
        raise TransitionError(
            f"Rujukan sudah {from_status} dan tidak dapat diubah lagi. / "
            f"The referral is {from_status} and cannot change any more."
        )
    if to_status not in allowed_next(from_status):
        raise TransitionError(
            f"Tidak boleh dari {from_status} ke {to_status}. / Not allowed from {from_status} to {to_status}."
        )
    if to_status == DECLINED and not reason.strip():
        raise TransitionError("Alasan penolakan wajib diisi. / A reason for declining is required.")
    if to_status == COMPLETED and not outcome.strip():
        raise TransitionError("Hasil layanan wajib diisi. / The outcome of the service is required.")


def due_on(sent_on: date, urgency: str) -> date:
    """The date by which the child should be in service at the receiving unit."""
    if urgency not in DUE_DAYS:
        raise TransitionError(f"Urgensi tidak dikenal: {urgency!r}. / Unknown urgency: {urgency!r}.")
    return sent_on + timedelta(days=DUE_DAYS[urgency])


def is_overdue(status: str, due: date, today: date) -> bool:
    """Overdue: still waiting (sent or received, not yet in service, completed or declined)
    on a day after its due date. On the due date itself it is not yet overdue."""
    return status in WAITING and today > due


# Developmental screening (SDIDTK: Stimulasi, Deteksi dan Intervensi Dini Tumbuh Kembang).
KPSP = "kpsp"  # Kuesioner Pra Skrining Perkembangan
HEARING = "hearing"  # TDD, Tes Daya Dengar
VISION = "vision"  # TDL, Tes Daya Lihat

APPROPRIATE = "appropriate"  # sesuai
DOUBTFUL = "doubtful"  # meragukan: stimulate, screen again in two weeks
DEVIATION = "deviation"  # penyimpangan: refer
NORMAL = "normal"
SUSPECTED = "suspected"  # curiga gangguan: refer

# instrument -> (the results it gives, the results that call for a referral, ages in months)
SCREENING_RESULTS: dict[str, tuple[str, ...]] = {
    KPSP: (APPROPRIATE, DOUBTFUL, DEVIATION),
    HEARING: (NORMAL, SUSPECTED),
    VISION: (NORMAL, SUSPECTED),
}
REFER_RESULTS: frozenset[str] = frozenset({DEVIATION, SUSPECTED})
# Ages each instrument is made for (SDIDTK guide): KPSP 3-72 months, TDD up to 72 months,
# TDL for preschool children 36-72 months.
SCREENING_AGE_MONTHS: dict[str, tuple[int, int]] = {KPSP: (3, 72), HEARING: (0, 72), VISION: (36, 72)}


def age_in_months(birth: date, on: date) -> int:
    """Completed months between birth and `on` (a child born 31 Jan is 1 month old on 28 Feb
    only once the day is reached: the day of the month counts)."""
    return (on.year - birth.year) * 12 + on.month - birth.month - (on.day < birth.day)


def screening_check(instrument: str, result: str, age_months: int | None) -> None:
    """Raise ValueError (bilingual) unless the result belongs to the instrument and the child's
    age (when known) is one the instrument is made for."""
    if instrument not in SCREENING_RESULTS:
        raise ValueError(f"Instrumen tidak dikenal: {instrument!r}. / Unknown instrument: {instrument!r}.")
    if result not in SCREENING_RESULTS[instrument]:
        raise ValueError(
            f"Hasil {result!r} tidak berlaku untuk {instrument}. / "
            f"Result {result!r} does not belong to {instrument}."
        )
    if age_months is not None:
        low, high = SCREENING_AGE_MONTHS[instrument]
        if not low <= age_months <= high:
            raise ValueError(
                f"{instrument.upper()} untuk umur {low}–{high} bulan; anak berumur {age_months} bulan. / "
                f"{instrument.upper()} is for ages {low}–{high} months; the child is {age_months} months."
            )


def screening_needs_referral(result: str) -> bool:
    """A deviation (KPSP) or a suspected hearing/vision problem calls for a referral (SAPA ABK)."""
    return result in REFER_RESULTS
