"""Reads of REMAJA CAKAP: who may see and enter what, the overview, each page's rows, the
anaemia follow-ups, a girl's screenings for her page and the figures for the KLA scorecard.

Scope (deny by default, on top of the view's capability RECORD_ADOLESCENT_HEALTH):
- Girls: only through `children_visible_to(user)` (the user's area); a girl outside it is as
  missing.
- Posyandu Remaja: those in the desa the user sees (`desa_visible_to`).
- Schools: SMP/SMA/SMK in the kecamatan of the desa the user sees.
- Puskesmas: PKPR checklists are about facilities and every user of these pages may read them;
  only a puskesmas's own staff (user.agency.health_facility) or a Dinkes health officer may
  enter one, and the same goes for counselling tallies. Tallies are read for the puskesmas
  serving the user's area (all of them for district-wide roles).

Every function that reads for a page takes the request and writes one ADOLESCENT_VIEWED audit
entry (`_looked`): a look at these pages is a look at adolescents' health records.
`kla_figures` and `anaemia_for_child` do not audit: the first returns counts only, the second
is called by the child's page, which has audited the look at the child already.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet, Sum
from django.http import HttpRequest

from satuanak.access.policy import Capability, role_can
from satuanak.access.selectors import children_visible_to, desa_visible_to
from satuanak.accounts.roles import Role
from satuanak.audit.models import AuditAction
from satuanak.audit.services import audit_record
from satuanak.common import clock
from satuanak.facilities.models import HealthFacility, School
from satuanak.persons.models import Child
from satuanak.regions.models import Desa, Kecamatan
from satuanak.remaja import anaemia as an
from satuanak.remaja import pkpr, ttd
from satuanak.remaja.activity import ACTIVITY_RULE, SessionFact, is_active
from satuanak.remaja.models import (
    AGE_GROUPS,
    SEXES,
    TOPICS,
    AnaemiaScreening,
    CounsellingTally,
    PkprAssessment,
    PkprAssessmentItem,
    PkprStandardItem,
    PkprStandardVersion,
    PosyanduRemaja,
    PosyanduRemajaSession,
    TtdWeek,
)
from satuanak.remaja.periods import quarter_bounds, quarter_of

SECONDARY = (School.Level.SMP, School.Level.SMA, School.Level.SMK)
ADOLESCENT_AGES = (10, 19)  # completed years, both ends included (WHO's "adolescent")
THRESHOLDS_FILE = "anaemia_thresholds_v1.json"


def _looked(
    user: Any, request: HttpRequest | None, subject_type: str, subject_id: int | str = "", **detail: Any
) -> None:
    audit_record(
        action=AuditAction.ADOLESCENT_VIEWED,
        actor=user,
        request=request,
        subject_type=subject_type,
        subject_id=subject_id,
        detail=detail,
    )


# --- reference data ---------------------------------------------------------------------------


def data_dir() -> Path:
    return Path(settings.SATUANAK_DATA_DIR) / "remaja"


@lru_cache(maxsize=4)
def _thresholds_at(path: str) -> an.Thresholds:
    return an.thresholds_from_dict(json.loads(Path(path).read_text(encoding="utf-8")))


def anaemia_thresholds() -> an.Thresholds:
    """The Hb cut-offs in force (data/remaja/anaemia_thresholds_v1.json), read once."""
    return _thresholds_at(str(data_dir() / THRESHOLDS_FILE))


def pkpr_standard() -> PkprStandardVersion | None:
    """The version new assessments use: the highest number."""
    return PkprStandardVersion.objects.order_by("-number").first()


# --- scope -----------------------------------------------------------------------------------


def puskesmas() -> QuerySet[HealthFacility]:
    return HealthFacility.objects.filter(kind=HealthFacility.Kind.PUSKESMAS).order_by("name")


def own_puskesmas(user: Any) -> HealthFacility | None:
    """The puskesmas a user works at (their agency's facility), if any."""
    agency = getattr(user, "agency", None)
    facility = getattr(agency, "health_facility", None) if agency is not None else None
    if facility is None or facility.kind != HealthFacility.Kind.PUSKESMAS:
        return None
    return facility


def _can(user: Any) -> bool:
    return getattr(user, "is_authenticated", False) and role_can(
        getattr(user, "role", ""), Capability.RECORD_ADOLESCENT_HEALTH
    )


def pkpr_facilities_writable(user: Any) -> QuerySet[HealthFacility]:
    """Puskesmas whose PKPR checklist and counselling tallies the user may enter: a health
    officer (Dinkes) any, puskesmas staff their own, nobody else (a cadre works in the
    community, the data steward runs the platform)."""
    if not _can(user):
        return HealthFacility.objects.none()
    role = getattr(user, "role", "")
    if role == Role.HEALTH_OFFICER:
        return puskesmas()
    own = own_puskesmas(user)
    if role == Role.PUSKESMAS_STAFF and own is not None:
        return puskesmas().filter(pk=own.pk)
    return HealthFacility.objects.none()


def puskesmas_in_area(user: Any) -> QuerySet[HealthFacility]:
    """Puskesmas serving a desa the user sees, plus the user's own."""
    if not _can(user):
        return HealthFacility.objects.none()
    own = own_puskesmas(user)
    return (
        puskesmas().filter(Q(service_area__in=desa_visible_to(user)) | Q(pk=own.pk if own else -1)).distinct()
    )


def posyandu_remaja_visible_to(user: Any) -> QuerySet[PosyanduRemaja]:
    if not _can(user):
        return PosyanduRemaja.objects.none()
    return PosyanduRemaja.objects.filter(desa__in=desa_visible_to(user))


def schools_for_user(user: Any) -> QuerySet[School]:
    """Secondary schools (SMP/SMA/SMK) in the kecamatan of the desa the user sees."""
    if not _can(user):
        return School.objects.none()
    kecamatan = Kecamatan.objects.filter(desa_set__in=desa_visible_to(user)).distinct()
    return (
        School.objects.filter(level__in=SECONDARY, kecamatan__in=kecamatan)
        .select_related("kecamatan")
        .order_by("kecamatan__code", "level", "name")
    )


def _years_before(on: date, years: int) -> date:
    # On 29 February the bound falls back to the 28th: a girl born on 29 February twenty years
    # earlier may then be listed for a day, and the screening service (exact age) refuses her.
    try:
        return on.replace(year=on.year - years)
    except ValueError:
        return on.replace(year=on.year - years, day=28)


def girls_visible_to(user: Any, *, on: date) -> QuerySet[Child]:
    """Adolescent girls (10-19 completed years on `on`) the user may see."""
    low, high = ADOLESCENT_AGES
    return children_visible_to(user).filter(
        sex=Child.Sex.FEMALE,
        birth_date__lte=_years_before(on, low),
        birth_date__gt=_years_before(on, high + 1),
    )


def is_adolescent_girl(child: Child, on: date) -> bool:
    if child.sex != Child.Sex.FEMALE or child.birth_date is None:
        return False
    low, high = ADOLESCENT_AGES
    return low <= an.age_in_years(child.birth_date, on) <= high


# --- PKPR -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PkprRow:
    facility: HealthFacility
    assessment: PkprAssessment | None
    meets: bool
    met_required: int
    required: int
    missing: list[str]


def _pkpr_row(facility: HealthFacility, assessment: PkprAssessment | None) -> PkprRow:
    if assessment is None:
        standard = pkpr_standard()
        required = (
            list(standard.items.filter(required=True).values_list("code", flat=True)) if standard else []
        )
        return PkprRow(facility, None, False, 0, len(required), sorted(required))
    required = list(assessment.version.items.filter(required=True).values_list("code", flat=True))
    answers = [
        pkpr.ItemAnswer(code, req, met)
        for code, req, met in assessment.items.values_list("item__code", "item__required", "met")
    ]
    missing = pkpr.missing_required(required, answers)
    return PkprRow(
        facility,
        assessment,
        pkpr.meets_standard(required, answers),
        len(required) - len(missing),
        len(required),
        missing,
    )


def latest_pkpr_assessment(facility_id: int, *, on: date | None = None) -> PkprAssessment | None:
    qs = PkprAssessment.objects.filter(facility_id=facility_id)
    if on is not None:
        qs = qs.filter(assessed_on__lte=on)
    return qs.select_related("version", "assessed_by").order_by("-assessed_on", "-id").first()


def pkpr_rows(*, on: date | None = None) -> list[PkprRow]:
    """One row per puskesmas: its latest assessment (on or before `on`) and whether it meets the
    standard. Facilities only, no personal data."""
    latest: dict[int, PkprAssessment] = {}
    qs = PkprAssessment.objects.select_related("version", "assessed_by").order_by(
        "facility_id", "-assessed_on", "-id"
    )
    if on is not None:
        qs = qs.filter(assessed_on__lte=on)
    for a in qs:
        latest.setdefault(a.facility_id, a)
    return [_pkpr_row(f, latest.get(f.pk)) for f in puskesmas()]


@dataclass
class PkprPage:
    facility: HealthFacility
    row: PkprRow
    standard: PkprStandardVersion | None
    items: list[PkprStandardItem]
    answers: dict[int, PkprAssessmentItem]  # standard item id -> answer of the latest assessment
    history: list[PkprAssessment]
    can_edit: bool


def pkpr_page(*, user: Any, facility: HealthFacility, request: HttpRequest | None = None) -> PkprPage:
    latest = latest_pkpr_assessment(facility.pk)
    standard = pkpr_standard()
    answers = (
        {a.item_id: a for a in PkprAssessmentItem.objects.filter(assessment=latest).select_related("item")}
        if latest is not None
        else {}
    )
    history = list(
        PkprAssessment.objects.filter(facility=facility)
        .select_related("assessed_by")
        .order_by("-assessed_on")[:12]
    )
    _looked(user, request, "pkpr_facility", facility.pk)
    return PkprPage(
        facility=facility,
        row=_pkpr_row(facility, latest),
        standard=standard,
        items=list(standard.items.order_by("order", "code")) if standard else [],
        answers=answers,
        history=history,
        can_edit=pkpr_facilities_writable(user).filter(pk=facility.pk).exists(),
    )


# --- Posyandu Remaja --------------------------------------------------------------------------


def _sessions_by_posyandu(ids: list[int], *, until: date) -> dict[int, list[SessionFact]]:
    out: dict[int, list[SessionFact]] = defaultdict(list)
    for pid, held_on, trained in PosyanduRemajaSession.objects.filter(
        posyandu_id__in=ids, held_on__lte=until
    ).values_list("posyandu_id", "held_on", "trained_cadres_present"):
        out[pid].append(SessionFact(held_on, trained))
    return out


@dataclass(frozen=True)
class PosyanduRow:
    posyandu: PosyanduRemaja
    active: bool
    was_active: bool  # active at the end of the previous quarter
    last_session: date | None
    sessions_in_quarter: int

    @property
    def transition(self) -> str:
        if self.active == self.was_active:
            return ""
        return "baru aktif / became active" if self.active else "tidak aktif lagi / became inactive"


def posyandu_rows(posyandu: QuerySet[PosyanduRemaja], *, on: date) -> list[PosyanduRow]:
    """Each Posyandu Remaja with its status on `on` and at the previous quarter's end."""
    items = list(posyandu.select_related("desa__kecamatan"))
    first, _ = quarter_bounds(quarter_of(on))
    previous_end = first - timedelta(days=1)
    sessions = _sessions_by_posyandu([p.pk for p in items], until=on)
    rows = []
    for p in items:
        facts = sessions.get(p.pk, [])
        rows.append(
            PosyanduRow(
                posyandu=p,
                active=is_active(facts, on),
                was_active=is_active(facts, previous_end),
                last_session=max((f.held_on for f in facts), default=None),
                sessions_in_quarter=sum(1 for f in facts if first <= f.held_on <= on),
            )
        )
    return rows


@dataclass
class DesaPosyandu:
    desa: Desa
    rows: list[PosyanduRow] = field(default_factory=list)

    @property
    def active(self) -> bool:
        return any(r.active for r in self.rows)


def posyandu_by_desa(*, user: Any, on: date, request: HttpRequest | None = None) -> list[DesaPosyandu]:
    """Every desa the user sees with its Posyandu Remaja (none is a row too: a gap to fill)."""
    out = _posyandu_by_desa(user, on)
    _looked(user, request, "posyandu_remaja_list", desa=len(out), posyandu=sum(len(d.rows) for d in out))
    return out


def _posyandu_by_desa(user: Any, on: date) -> list[DesaPosyandu]:
    rows = posyandu_rows(posyandu_remaja_visible_to(user), on=on)
    by_desa: dict[int, DesaPosyandu] = {
        d.pk: DesaPosyandu(d)
        for d in desa_visible_to(user).select_related("kecamatan").order_by("kecamatan__code", "code")
    }
    for r in rows:
        if r.posyandu.desa_id in by_desa:
            by_desa[r.posyandu.desa_id].rows.append(r)
    return list(by_desa.values())


def posyandu_detail(
    *, user: Any, posyandu: PosyanduRemaja, on: date, request: HttpRequest | None = None
) -> tuple[PosyanduRow, list[PosyanduRemajaSession]]:
    row = posyandu_rows(PosyanduRemaja.objects.filter(pk=posyandu.pk), on=on)[0]
    sessions = list(posyandu.sessions.select_related("recorded_by").order_by("-held_on")[:50])
    _looked(user, request, "posyandu_remaja", posyandu.pk)
    return row, sessions


# --- counselling tallies ----------------------------------------------------------------------


def counselling_summary(
    *, user: Any, months: int = 6, request: HttpRequest | None = None
) -> list[dict[str, Any]]:
    """Visits per puskesmas (in the user's area) and month, by topic, with sex and age-group
    totals; the last `months` months with data."""
    facilities = puskesmas_in_area(user)
    rows = (
        CounsellingTally.objects.filter(facility__in=facilities)
        .values("facility_id", "facility__name", "month", "topic", "sex", "age_group")
        .annotate(n=Sum("visits"))
        .order_by("facility__name", "-month")
    )
    table: dict[tuple[int, date], dict[str, Any]] = {}
    for r in rows:
        key = (r["facility_id"], r["month"])
        cell = table.setdefault(
            key,
            {
                "facility": r["facility__name"],
                "facility_id": r["facility_id"],
                "month": r["month"],
                "topics": defaultdict(int),
                "sex": defaultdict(int),
                "age": defaultdict(int),
                "total": 0,
            },
        )
        cell["topics"][r["topic"]] += r["n"]
        cell["sex"][r["sex"]] += r["n"]
        cell["age"][r["age_group"]] += r["n"]
        cell["total"] += r["n"]
    recent = sorted({m for _, m in table}, reverse=True)[:months]
    out = []
    for (_, m), c in sorted(table.items(), key=lambda kv: (kv[1]["facility"], kv[0][1])):
        if m not in recent:
            continue
        # Lists in the order of the form's columns, for the template.
        c["topic_counts"] = [c["topics"][t] for t, _ in TOPICS]
        c["sex_counts"] = [c["sex"][code] for code, _ in SEXES]
        c["age_counts"] = [c["age"][code] for code, _ in AGE_GROUPS]
        out.append(c)
    _looked(user, request, "pkpr_counselling", rows=len(out))
    return out


def counselling_cells(facility_id: int, month: date) -> dict[str, int]:
    """The stored counts of one puskesmas and month, keyed "topic|sex|age" (to fill the form)."""
    return {
        f"{t}|{s}|{a}": n
        for t, s, a, n in CounsellingTally.objects.filter(facility_id=facility_id, month=month).values_list(
            "topic", "sex", "age_group", "visits"
        )
    }


# --- anaemia and TTD --------------------------------------------------------------------------


def _follow_ups_for(child_ids: list[int], *, today: date) -> dict[int, list[an.FollowUp]]:
    facts: dict[int, list[an.ScreeningFact]] = defaultdict(list)
    for sid, cid, on, anaemic in AnaemiaScreening.objects.filter(child_id__in=child_ids).values_list(
        "id", "child_id", "screened_on", "anaemic"
    ):
        facts[cid].append(an.ScreeningFact(sid, on, anaemic))
    weeks = anaemia_thresholds().follow_up_weeks
    return {cid: an.follow_ups(f, today=today, weeks=weeks) for cid, f in facts.items()}


@dataclass(frozen=True)
class FollowUpRow:
    child: Child
    follow_up: an.FollowUp
    screening: AnaemiaScreening


def _screened_girls(user: Any) -> QuerySet[Child]:
    return children_visible_to(user).filter(anaemia_screenings__anaemic=True).distinct()


def anaemia_follow_ups(
    *, user: Any, today: date, open_only: bool = False, request: HttpRequest | None = None
) -> list[FollowUpRow]:
    """Follow-ups of the anaemic girls the user sees, overdue first, then by due date."""
    children = {c.pk: c for c in _screened_girls(user).select_related("desa")}
    found = _follow_ups_for(list(children), today=today)
    screenings = {
        s.pk: s
        for s in AnaemiaScreening.objects.filter(child_id__in=list(children), anaemic=True).select_related(
            "school"
        )
    }
    rows = [
        FollowUpRow(children[cid], f, screenings[f.screening_id])
        for cid, fs in found.items()
        for f in fs
        if (f.is_open or not open_only) and f.screening_id in screenings
    ]
    order = {an.OVERDUE: 0, an.DUE: 1, an.STILL_ANAEMIC: 2, an.RESOLVED: 3}
    rows.sort(key=lambda r: (order[r.follow_up.status], r.follow_up.due_on, r.child.name))
    _looked(user, request, "anaemia_follow_ups", rows=len(rows), open_only=open_only)
    return rows


def open_follow_up_count(user: Any, *, today: date) -> dict[str, int]:
    """Due and overdue follow-ups among the girls the user sees (no audit: counts only)."""
    found = _follow_ups_for(list(_screened_girls(user).values_list("pk", flat=True)), today=today)
    counts = {an.DUE: 0, an.OVERDUE: 0}
    for fs in found.values():
        for f in fs:
            if f.is_open:
                counts[f.status] += 1
    return counts


@dataclass(frozen=True)
class ScreeningView:
    screening: AnaemiaScreening
    follow_up: an.FollowUp | None

    @property
    def severity_label(self) -> str:
        return an.SEVERITY_LABELS[self.screening.severity]


def anaemia_for_child(user: Any, child: Child) -> list[ScreeningView]:
    """A girl's screenings, oldest first, each with the follow-up it opened (if anaemic), for
    her page's timeline. Empty for a child the user may not see. No audit entry: the child's
    page opened the child through access_child_by_id, which wrote it."""
    if not _can(user) or not children_visible_to(user).filter(pk=child.pk).exists():
        return []
    screenings = list(
        AnaemiaScreening.objects.filter(child_id=child.pk)
        .select_related("school")
        .order_by("screened_on", "id")
    )
    follow = {f.screening_id: f for f in _follow_ups_for([child.pk], today=clock.today()).get(child.pk, [])}
    return [ScreeningView(s, follow.get(s.pk)) for s in screenings]


def anaemia_page_for_child(
    *, user: Any, child: Child, request: HttpRequest | None = None
) -> list[ScreeningView]:
    """A girl's screenings for the anaemia page of her (anaemia_for_child), audited as a look at
    her adolescent-health records."""
    found = anaemia_for_child(user, child)
    _looked(
        user,
        request,
        "child",
        child.pk,
        screenings=len(found),
        desa=child.desa.code if child.desa else "",
    )
    return found


def girls_search(
    *,
    user: Any,
    on: date,
    query: str = "",
    desa_code: str = "",
    limit: int = 50,
    request: HttpRequest | None = None,
) -> list[Child]:
    """Adolescent girls in the user's area matching a name (or NIK) and desa, for picking one
    to screen; at most `limit`."""
    qs = girls_visible_to(user, on=on).select_related("desa")
    if query:
        qs = qs.filter(Q(name__icontains=query) | Q(nik=query))
    if desa_code:
        qs = qs.filter(desa__code=desa_code)
    found = list(qs.order_by("name", "id")[:limit])
    _looked(user, request, "adolescent_girls", query=query[:40], desa=desa_code, shown=len(found))
    return found


def recent_screenings(user: Any, *, limit: int = 30) -> list[AnaemiaScreening]:
    return list(
        AnaemiaScreening.objects.filter(child__in=children_visible_to(user))
        .select_related("child__desa", "school")
        .order_by("-screened_on", "-id")[:limit]
    )


@dataclass(frozen=True)
class SchoolTtd:
    school: School
    summary: ttd.TtdSummary
    screened: int
    anaemic: int


def ttd_by_school(*, user: Any, period: str) -> list[SchoolTtd]:
    """Per school the user may see, in the quarter: TTD coverage and adherence, girls screened
    and anaemic (first screening of each girl in the quarter)."""
    first, last = quarter_bounds(period)
    schools = list(schools_for_user(user))
    weeks: dict[int, list[ttd.WeekCount]] = defaultdict(list)
    for sid, e, g, t in TtdWeek.objects.filter(
        school__in=schools, week_start__range=(first, last)
    ).values_list("school_id", "girls_enrolled", "tablets_given", "girls_took"):
        weeks[sid].append(ttd.WeekCount(e, g, t))
    screened: dict[int, tuple[int, int]] = {}
    for f in _first_screenings(first, last, children_visible_to(user)):
        n, a = screened.get(f.school_id, (0, 0))
        screened[f.school_id] = (n + 1, a + int(f.anaemic))
    out = []
    for s in schools:
        if s.pk not in weeks and s.pk not in screened:
            continue
        n, a = screened.get(s.pk, (0, 0))
        out.append(SchoolTtd(s, ttd.summarise(weeks.get(s.pk, [])), n, a))
    return out


def ttd_page(*, user: Any, period: str, request: HttpRequest | None = None) -> list[SchoolTtd]:
    """The TTD page's rows (ttd_by_school), audited."""
    rows = ttd_by_school(user=user, period=period)
    _looked(user, request, "ttd", period=period, schools=len(rows))
    return rows


def ttd_weeks_recent(user: Any, *, limit: int = 40) -> list[TtdWeek]:
    return list(
        TtdWeek.objects.filter(school__in=schools_for_user(user))
        .select_related("school", "recorded_by")
        .order_by("-week_start", "school__name", "class_name")[:limit]
    )


@dataclass(frozen=True)
class _Screened:
    child_id: int
    school_id: int
    screened_on: date
    anaemic: bool


def _first_screenings(first: date, last: date, children: QuerySet[Child] | None = None) -> list[_Screened]:
    """Each girl's first screening in the period: follow-up re-screens do not count twice."""
    qs = AnaemiaScreening.objects.filter(screened_on__range=(first, last))
    if children is not None:
        qs = qs.filter(child__in=children)
    firsts: dict[int, _Screened] = {}
    for cid, sid, on, anaemic in qs.order_by("screened_on", "id").values_list(
        "child_id", "school_id", "screened_on", "anaemic"
    ):
        firsts.setdefault(cid, _Screened(cid, sid, on, anaemic))
    return list(firsts.values())


# --- the overview -----------------------------------------------------------------------------


@dataclass
class Overview:
    period: str
    pkpr: list[PkprRow]
    pkpr_meeting: int
    desa: list[DesaPosyandu]
    desa_active: int
    schools: list[SchoolTtd]
    follow_ups: dict[str, int]
    rule: str


def remaja_overview(*, user: Any, today: date, request: HttpRequest | None = None) -> Overview:
    period = quarter_of(today)
    rows = pkpr_rows(on=today)
    desa = _posyandu_by_desa(user, today)
    overview = Overview(
        period=period,
        pkpr=rows,
        pkpr_meeting=sum(1 for r in rows if r.meets),
        desa=desa,
        desa_active=sum(1 for d in desa if d.active),
        schools=ttd_by_school(user=user, period=period),
        follow_ups=open_follow_up_count(user, today=today),
        rule=ACTIVITY_RULE.describe(),
    )
    _looked(user, request, "remaja_overview", period=period)
    return overview


# --- figures for the KLA scorecard ------------------------------------------------------------


def kla_figures(*, period: str) -> dict[str, tuple[int, int, date]]:
    """District figures of a quarter as (numerator, denominator, data date); a key is absent
    when the platform has no data for it in the period. Counts only, no audit.

    - pkpr_share: puskesmas whose latest PKPR assessment on or before the quarter's last day
      meets the standard / all puskesmas; date = the latest such assessment.
    - posyandu_remaja_active: desa with at least one active Posyandu Remaja on the quarter's last
      day (activity.py) / all desa; date = the quarter's last day.
    - ttd_coverage: tablets given / girls enrolled, in girl-weeks, over the weeks starting in
      the quarter (ttd.py); date = the last week's Monday.
    - anaemia_rate: girls anaemic at their first screening in the quarter / girls screened in
      the quarter; date = the last screening.
    """
    first, last = quarter_bounds(period)
    out: dict[str, tuple[int, int, date]] = {}

    assessed = PkprAssessment.objects.filter(assessed_on__lte=last)
    if assessed.exists():
        rows = pkpr_rows(on=last)
        latest = max(r.assessment.assessed_on for r in rows if r.assessment is not None)
        out["pkpr_share"] = (sum(1 for r in rows if r.meets), len(rows), latest)

    if PosyanduRemajaSession.objects.filter(held_on__lte=last).exists():
        rows_p = posyandu_rows(PosyanduRemaja.objects.all(), on=last)
        active_desa = {r.posyandu.desa_id for r in rows_p if r.active}
        out["posyandu_remaja_active"] = (len(active_desa), Desa.objects.count(), last)

    weeks = TtdWeek.objects.filter(week_start__range=(first, last))
    agg = weeks.aggregate(e=Sum("girls_enrolled"), g=Sum("tablets_given"))
    if agg["e"]:
        last_week = weeks.order_by("-week_start").values_list("week_start", flat=True).first() or last
        out["ttd_coverage"] = (int(agg["g"] or 0), int(agg["e"]), last_week)

    screened = _first_screenings(first, last)
    if screened:
        out["anaemia_rate"] = (
            sum(1 for f in screened if f.anaemic),
            len(screened),
            max(f.screened_on for f in screened),
        )
    return out
