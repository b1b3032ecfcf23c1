"""Reading interventions and their outcomes, always from the children the user may see.

`intervention_outcomes` joins each intervention to the child's flag history and asks
follow_up.py what came of it; `follow_ups_due` is the list a cadre works from;
`programme_report` is the quarterly table per programme and desa: targets (children flagged),
covered, improved, overdue follow-ups, and the mean z-score change for feeding programmes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import QuerySet

from satuanak.access.selectors import children_visible_to, desa_visible_to
from satuanak.common import clock
from satuanak.flags.models import ChildFlag, FlagAggregate, FlagRule, FlagRun
from satuanak.interventions import follow_up
from satuanak.interventions.follow_up import FlagPoint, Outcome, Status
from satuanak.interventions.models import Intervention

NO_PROGRAMME = "(tanpa program)"
# Boundaries and per-field provenance are JSON: decoding them for every intervention row cost
# more than everything else in the report (bench/programmes.py).
_HEAVY = ("child__desa__geometry", "child__field_sources")


def interventions_visible_to(user: Any) -> QuerySet[Intervention]:
    return Intervention.objects.filter(child__in=children_visible_to(user))


def _latest_run_as_of() -> date | None:
    run = FlagRun.objects.filter(status=FlagRun.Status.DONE).order_by("-started_at", "-id").first()
    return run.as_of if run else None


@dataclass(frozen=True)
class _FlagContext:
    history: dict[int, list[FlagPoint]]
    flagged_now: set[tuple[int, str]]  # (child, code) flagged in the latest run (non-growth rules)
    run_as_of: date | None


def _flag_context(child_ids: Iterable[int], codes: Iterable[str]) -> _FlagContext:
    ids, wanted = list(set(child_ids)), sorted(set(codes))
    history: dict[int, list[FlagPoint]] = defaultdict(list)
    flagged_now: set[tuple[int, str]] = set()
    chunk = 900  # SQLite's bound-parameter limit
    for i in range(0, len(ids), chunk):
        rows = ChildFlag.objects.filter(child_id__in=ids[i : i + chunk], code__in=wanted).values_list(
            "child_id", "code", "observed_on", "status", "value"
        )
        for child_id, code, observed_on, status, value in rows:
            history[child_id].append(
                FlagPoint(code=code, observed_on=observed_on, status=status, value=value)
            )
            if status == ChildFlag.Status.FLAGGED and code not in follow_up.GROWTH_CODES:
                flagged_now.add((child_id, code))
    return _FlagContext(history=history, flagged_now=flagged_now, run_as_of=_latest_run_as_of())


def _code_of(item: Intervention) -> str:
    rule = follow_up.FOLLOW_UP_RULES.get(item.kind)
    return item.answers_flag or (rule.default_flag if rule else "")


def _outcomes(items: list[Intervention], *, today: date) -> list[tuple[Intervention, Outcome]]:
    """Outcomes as known on `today`: later weighings and runs are not looked at."""
    ctx = _flag_context((i.child_id for i in items), (_code_of(i) for i in items))
    run_as_of = ctx.run_as_of if ctx.run_as_of and ctx.run_as_of <= today else None
    out = []
    for item in items:
        history = [p for p in ctx.history.get(item.child_id, []) if p.observed_on and p.observed_on <= today]
        out.append(
            (
                item,
                follow_up.outcome_of(
                    kind=item.kind,
                    start=item.start_date,
                    answers_flag=item.answers_flag,
                    history=history,
                    latest_run_as_of=run_as_of,
                    flagged_in_latest_run=(item.child_id, _code_of(item)) in ctx.flagged_now,
                    today=today,
                ),
            )
        )
    return out


def intervention_outcomes(
    *, user: Any, today: date | None = None, child_id: int | None = None
) -> list[tuple[Intervention, Outcome]]:
    today = today or clock.today()
    qs = interventions_visible_to(user).filter(start_date__lte=today)
    if child_id is not None:
        qs = qs.filter(child_id=child_id)
    items = list(qs.select_related("child__desa", "given_by").defer(*_HEAVY).order_by("start_date", "id"))
    return _outcomes(items, today=today)


def follow_ups_due(*, user: Any, today: date | None = None) -> list[tuple[Intervention, Outcome]]:
    """Interventions whose outcome is awaited: coming up, due or overdue (oldest due first)."""
    rows = [(i, o) for i, o in intervention_outcomes(user=user, today=today) if o.status in follow_up.WAITING]
    return sorted(rows, key=lambda r: (r[1].due_on or date.min, r[0].pk))


# --- the programme report -------------------------------------------------------------------------


@dataclass
class ReportRow:
    programme: str
    flag: str
    kecamatan: str
    desa_code: str
    desa_name: str
    target: int | None = None  # children flagged in the desa (latest quarter of the period)
    covered: int = 0
    improved: int = 0
    not_improved: int = 0
    waiting: int = 0  # follow-up coming up or due
    overdue: int = 0
    z_changes: list[float] = field(default_factory=list)

    @property
    def mean_z_change(self) -> float | None:
        return round(sum(self.z_changes) / len(self.z_changes), 2) if self.z_changes else None

    @property
    def coverage(self) -> float | None:
        return self.covered / self.target if self.target else None

    @property
    def coverage_pct(self) -> int | None:
        return round(100 * self.coverage) if self.coverage is not None else None

    @property
    def coverage_bar_px(self) -> int:
        # Covered can exceed the target: children fed earlier may no longer be flagged.
        return min(80, round(80 * (self.coverage or 0)))


@dataclass
class ProgrammeReport:
    period: str
    start: date
    end: date
    as_of: date  # the end of the period, or today for the current one
    rows: list[ReportRow]
    totals: list[ReportRow]
    flag_titles: dict[str, str]


def _programme_of(item: Intervention) -> str:
    return item.programme.strip().upper() or NO_PROGRAMME


def programme_report(*, user: Any, period: str, today: date | None = None) -> ProgrammeReport:
    """Per programme, flag answered and desa: target, covered, improved, overdue follow-ups.

    Counts are distinct children: a child fed by two programmes is covered in both, a child with
    three PMT rounds in one programme is covered once. Covered = an intervention running at some
    point in the period; improved = its outcome (the flag cleared) seen in the period; overdue =
    at the period's end (or today), the follow-up is more than 30 days late."""
    start, end = follow_up.period_bounds(period)
    today = today or clock.today()
    as_of = min(end, today)
    qs = (
        interventions_visible_to(user)
        .filter(start_date__lte=as_of)
        .select_related("child__desa__kecamatan")
        .defer(*_HEAVY, "child__desa__kecamatan__geometry")
    )
    items = [i for i in qs if (i.end_date or i.start_date) >= start]
    outcomes = _outcomes(items, today=as_of)
    rows: dict[tuple[str, str, str], ReportRow] = {}
    seen: dict[tuple[str, str, str, str], set[int]] = defaultdict(set)
    for item, outcome in outcomes:
        desa = item.child.desa
        key = (_programme_of(item), outcome.flag, desa.code if desa else "")
        row = rows.get(key)
        if row is None:
            row = rows[key] = ReportRow(
                programme=key[0],
                flag=key[1],
                kecamatan=desa.kecamatan.name if desa else "",
                desa_code=key[2],
                desa_name=desa.name if desa else "(desa tidak diketahui)",
            )
        child = item.child_id
        if child not in seen[(*key, "covered")]:
            seen[(*key, "covered")].add(child)
            row.covered += 1
        if outcome.status == Status.IMPROVED and outcome.observed_on and outcome.observed_on >= start:
            if child not in seen[(*key, "improved")]:
                seen[(*key, "improved")].add(child)
                row.improved += 1
                if outcome.z_change is not None:
                    row.z_changes.append(outcome.z_change)
        elif outcome.status == Status.NOT_IMPROVED and outcome.observed_on and outcome.observed_on >= start:
            if child not in seen[(*key, "not_improved")]:
                seen[(*key, "not_improved")].add(child)
                row.not_improved += 1
                if outcome.z_change is not None:
                    row.z_changes.append(outcome.z_change)
        elif outcome.status == Status.OVERDUE:
            row.overdue += 1
        elif outcome.status in (Status.UPCOMING, Status.DUE):
            row.waiting += 1
    _fill_targets(rows.values(), user=user, as_of=as_of)
    ordered = sorted(rows.values(), key=lambda r: (r.programme, r.flag, r.kecamatan, r.desa_name))
    return ProgrammeReport(
        period=period.strip().upper(),
        start=start,
        end=end,
        as_of=as_of,
        rows=ordered,
        totals=_totals(ordered),
        flag_titles={r.code: r.title_id for r in FlagRule.objects.order_by("code", "version")},
    )


def _fill_targets(rows: Iterable[ReportRow], *, user: Any, as_of: date) -> None:
    """Target = children the flag marks in the desa in the latest quarter up to `as_of`."""
    rows = list(rows)
    codes = {r.flag for r in rows if r.flag}
    visible = set(desa_visible_to(user).values_list("code", flat=True))
    quarter = follow_up.quarter_of(as_of)
    for code in codes:
        period = (
            FlagAggregate.objects.filter(code=code, level="desa", period__lte=quarter)
            .order_by("-period")
            .values_list("period", flat=True)
            .first()
        )
        if period is None:
            continue
        counts = dict(
            FlagAggregate.objects.filter(code=code, level="desa", period=period).values_list(
                "area_code", "numerator"
            )
        )
        for r in rows:
            if r.flag == code and r.desa_code in visible:
                r.target = counts.get(r.desa_code, 0)


def _totals(rows: list[ReportRow]) -> list[ReportRow]:
    totals: dict[tuple[str, str], ReportRow] = {}
    for r in rows:
        t = totals.setdefault(
            (r.programme, r.flag),
            ReportRow(
                programme=r.programme, flag=r.flag, kecamatan="", desa_code="", desa_name="Jumlah / total"
            ),
        )
        if r.target is not None:
            t.target = (t.target or 0) + r.target
        t.covered += r.covered
        t.improved += r.improved
        t.not_improved += r.not_improved
        t.waiting += r.waiting
        t.overdue += r.overdue
        t.z_changes.extend(r.z_changes)
    return list(totals.values())
