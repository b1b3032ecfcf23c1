"""Did it work? The follow-up rule of each kind of intervention and the outcome it reads.

Pure: no Django. The selectors feed it the child's flag history (flags.ChildFlag rows) and the
latest flag run; it says, per intervention, whether the outcome is known and which it is.

Two kinds of check, because the flags are of two kinds (flags/engine.py):
- *growth* flags (stunting, wasting, underweight) keep a row per quarter with a weighing, so the
  child is re-measured: the baseline is the last weighing up to the start, the follow-up the
  first weighing from the follow-up day on. "Improved" means the flag is clear at that
  weighing; the z-score change (follow-up minus baseline) is reported beside it, because a
  child can gain half a standard deviation and still be stunted.
- other flags (incomplete immunisation, no birth certificate, ...) are judged at each run's
  date, so the check is the latest run: the flag gone at a run on or after the start means
  the action worked (a catch-up dose recorded, a certificate issued).

"Covered" and "improved" are separate numbers on purpose: covering a child is activity,
clearing the flag is impact (the seeds' point).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from satuanak.core.periods import period_bounds as period_bounds  # the report's quarter or year
from satuanak.core.periods import quarter_of as quarter_of

GROWTH_CODES = frozenset({"stunting", "wasting", "underweight", "overweight"})

# A weighing up to two weeks after the start still describes the child before the food could
# act; one up to two weeks before the follow-up day counts as the follow-up (posyandu meet once a
# month, so "day 100" is rarely hit exactly).
BASELINE_GRACE_DAYS = 14
EARLY_FOLLOW_UP_DAYS = 14
# Listed as "coming up" this many days before the follow-up day, "overdue" this long after it.
UPCOMING_DAYS = 14
OVERDUE_AFTER_DAYS = 30


@dataclass(frozen=True)
class FollowUpRule:
    kind: str
    days: int  # the outcome is checked this many days after the start
    default_flag: str  # the flag judged when the intervention names none
    what_id: str
    what_en: str


FOLLOW_UP_RULES: dict[str, FollowUpRule] = {
    r.kind: r
    for r in (
        FollowUpRule("pmt", 100, "stunting", "ukur ulang hari ke-100", "re-measure at day 100"),
        FollowUpRule(
            "immunisation_catch_up",
            30,
            "immunisation_incomplete",
            "dosis tercatat dalam 30 hari",
            "dose recorded within 30 days",
        ),
        FollowUpRule(
            "document_service",
            30,
            "no_akta",
            "dokumen terbit dalam 30 hari",
            "document issued within 30 days",
        ),
        FollowUpRule(
            "home_visit", 30, "", "penanda dinilai ulang setelah 30 hari", "flag re-judged after 30 days"
        ),
        FollowUpRule(
            "counselling", 90, "", "penanda dinilai ulang setelah 90 hari", "flag re-judged after 90 days"
        ),
    )
}


class Status:
    NO_RULE = "no_rule"  # no follow-up rule, or no flag to judge: counted as covered only
    PENDING = "pending"
    UPCOMING = "upcoming"
    DUE = "due"
    OVERDUE = "overdue"
    IMPROVED = "improved"
    NOT_IMPROVED = "not_improved"


STATUS_LABELS: dict[str, tuple[str, str]] = {
    Status.NO_RULE: ("tanpa tindak lanjut", "no follow-up"),
    Status.PENDING: ("berjalan", "in progress"),
    Status.UPCOMING: ("segera jatuh tempo", "coming up"),
    Status.DUE: ("jatuh tempo", "due"),
    Status.OVERDUE: ("terlambat", "overdue"),
    Status.IMPROVED: ("membaik (penanda hilang)", "improved (flag cleared)"),
    Status.NOT_IMPROVED: ("belum membaik", "not improved"),
}
WAITING = frozenset({Status.UPCOMING, Status.DUE, Status.OVERDUE})


@dataclass(frozen=True)
class FlagPoint:
    """One judgement of a rule on the child (a ChildFlag row)."""

    code: str
    observed_on: date | None
    status: str  # flagged | clear | not_assessable
    value: float | None = None


@dataclass(frozen=True)
class Outcome:
    status: str
    flag: str
    due_on: date | None = None
    baseline: FlagPoint | None = None
    follow_up: FlagPoint | None = None
    z_change: float | None = None
    observed_on: date | None = None  # when the outcome was seen

    @property
    def known(self) -> bool:
        return self.status in (Status.IMPROVED, Status.NOT_IMPROVED)


def _waiting(due: date, today: date) -> str:
    if today < due - timedelta(days=UPCOMING_DAYS):
        return Status.PENDING
    if today < due:
        return Status.UPCOMING
    if today <= due + timedelta(days=OVERDUE_AFTER_DAYS):
        return Status.DUE
    return Status.OVERDUE


def outcome_of(
    *,
    kind: str,
    start: date,
    answers_flag: str,
    history: Sequence[FlagPoint],
    latest_run_as_of: date | None,
    flagged_in_latest_run: bool,
    today: date,
) -> Outcome:
    """The outcome of one intervention on `today` from the child's flag history."""
    rule = FOLLOW_UP_RULES.get(kind)
    code = answers_flag or (rule.default_flag if rule else "")
    if rule is None or not code:
        return Outcome(status=Status.NO_RULE, flag=code)
    due = start + timedelta(days=rule.days)
    if code in GROWTH_CODES:
        points = sorted(
            (p for p in history if p.code == code and p.observed_on and p.status in ("flagged", "clear")),
            key=lambda p: p.observed_on or date.min,
        )
        baseline = None
        for p in points:
            if p.observed_on and p.observed_on <= start + timedelta(days=BASELINE_GRACE_DAYS):
                baseline = p
        first_day = due - timedelta(days=EARLY_FOLLOW_UP_DAYS)
        follow = next(
            (
                p
                for p in points
                if p.observed_on
                and p.observed_on >= first_day
                and (baseline is None or baseline.observed_on is None or p.observed_on > baseline.observed_on)
            ),
            None,
        )
        if follow is None:
            return Outcome(status=_waiting(due, today), flag=code, due_on=due, baseline=baseline)
        change = None
        if baseline and baseline.value is not None and follow.value is not None:
            change = round(follow.value - baseline.value, 2)
        return Outcome(
            status=Status.IMPROVED if follow.status == "clear" else Status.NOT_IMPROVED,
            flag=code,
            due_on=due,
            baseline=baseline,
            follow_up=follow,
            z_change=change,
            observed_on=follow.observed_on,
        )
    # Flags judged at a run's date: only the latest run says where the child stands now.
    if latest_run_as_of is not None and latest_run_as_of > start:
        if not flagged_in_latest_run:
            return Outcome(status=Status.IMPROVED, flag=code, due_on=due, observed_on=latest_run_as_of)
        if latest_run_as_of >= due:
            return Outcome(status=Status.NOT_IMPROVED, flag=code, due_on=due, observed_on=latest_run_as_of)
    return Outcome(status=_waiting(due, today), flag=code, due_on=due)
