"""Reads of the mobile-unit planner: per-desa document gaps from the flag aggregates, the ranking,
the schedule shown for a quarter (a stored plan or a fresh proposal) and coverage before and
after each visit. Aggregates only: nothing here reads a child's record."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Max, QuerySet

from satuanak.flags.models import FlagAggregate
from satuanak.jempol.models import OutreachPlan, PlannedVisit, Visit
from satuanak.jempol.plan import (
    HOLIDAYS_2025,
    DesaGap,
    PlanError,
    Ranked,
    ScheduledVisit,
    count_text,
    propose_schedule,
    quarter_bounds,
    quarter_of,
    rank_desa,
)
from satuanak.regions.models import Desa

NO_AKTA = "no_akta"  # data/flags/rules.json: no birth certificate
NO_KIA = "no_kia"  # data/flags/rules.json: no child identity card
GAP_CODES = (NO_AKTA, NO_KIA)
HOLIDAYS = HOLIDAYS_2025  # working_days adds the fixed-date holidays of every year


def desa_light() -> QuerySet[Desa]:
    """Every desa with its kecamatan's name, without the boundaries."""
    return (
        Desa.objects.select_related("kecamatan")
        .only("code", "name", "centroid_lat", "centroid_lng", "kecamatan__code", "kecamatan__name")
        .order_by("code")
    )


def latest_period(code: str) -> str | None:
    return (
        FlagAggregate.objects.filter(code=code, level="desa")
        .order_by("-period")
        .values_list("period", flat=True)
        .first()
    )


def desa_gaps(*, today: date) -> tuple[str, list[DesaGap]]:
    """(the aggregates' quarter, every desa's gap and last visit up to `today`)."""
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    periods = []
    for code in GAP_CODES:
        period = latest_period(code)
        if period is None:
            continue
        periods.append(period)
        for area, n in FlagAggregate.objects.filter(code=code, level="desa", period=period).values_list(
            "area_code", "numerator"
        ):
            counts[area][code] = n
    last = dict(
        Visit.objects.filter(date__lte=today)
        .values("desa_id")
        .annotate(last=Max("date"))
        .values_list("desa_id", "last")
    )
    gaps = [
        DesaGap(
            code=d.code,
            name=d.name,
            kecamatan=d.kecamatan.name,
            lat=d.centroid_lat,
            lng=d.centroid_lng,
            no_akta=counts[d.code].get(NO_AKTA, 0),
            no_kia=counts[d.code].get(NO_KIA, 0),
            last_visit=last.get(d.pk),
        )
        for d in desa_light()
    ]
    return max(periods, default=""), gaps


def ranked_desa(*, today: date) -> tuple[str, list[Ranked]]:
    period, gaps = desa_gaps(today=today)
    return period, rank_desa(gaps, today=today)


def schedule_preview(
    *, quarter: str, visit_days: int, desa_per_day: int = 1, today: date
) -> tuple[str, list[ScheduledVisit]]:
    """A fresh proposal (stored nowhere); raises PlanError on bad input or a quarter that is over."""
    first, last = quarter_bounds(quarter)
    if last < today:
        raise PlanError(f"Triwulan {quarter} sudah lewat. / Quarter {quarter} is over.")
    period, ranked = ranked_desa(today=today)
    visits = propose_schedule(
        ranked,
        quarter=quarter,
        visit_days=visit_days,
        desa_per_day=desa_per_day,
        holidays=HOLIDAYS,
        start=today if first <= today else None,
    )
    return period, visits


@dataclass(frozen=True)
class PlanRow:
    """One row of a schedule as the page and the map show it (no personal data)."""

    order: int
    day: date
    desa_code: str
    desa_name: str
    kecamatan: str
    no_akta: int
    no_kia: int
    distance_km: float | None
    days_since_visit: int | None
    score: float
    priority: int
    reason: str

    @property
    def gap(self) -> int:
        return self.no_akta + self.no_kia

    @property
    def gap_text(self) -> str:
        return count_text(self.gap)

    @property
    def no_akta_text(self) -> str:
        return count_text(self.no_akta)

    @property
    def no_kia_text(self) -> str:
        return count_text(self.no_kia)

    @property
    def last_visit_text(self) -> str:
        if self.days_since_visit is None:
            return "belum pernah / never"
        return f"{self.days_since_visit} hari lalu / days ago"

    @property
    def priority_text(self) -> str:
        return {1: "tinggi / high", 2: "sedang / medium"}.get(self.priority, "rendah / low")

    def as_json(self) -> dict[str, object]:
        return {
            "urutan": self.order,
            "tanggal": self.day.isoformat(),
            "desa_kode": self.desa_code,
            "desa": self.desa_name,
            "kecamatan": self.kecamatan,
            "tanpa_akta": self.no_akta_text,
            "tanpa_kia": self.no_kia_text,
            "kesenjangan": self.gap_text,
            "jarak_km": None if self.distance_km is None else round(self.distance_km, 1),
            "hari_sejak_kunjungan": self.days_since_visit,
            "skor": round(self.score, 1),
            "prioritas": self.priority,
            "alasan": self.reason,
        }


@dataclass
class PlanView:
    quarter: str
    visit_days: int
    desa_per_day: int
    status: str  # "proposal" (not stored), "draft" or "confirmed"
    flags_period: str
    rows: list[PlanRow] = field(default_factory=list)
    plan: OutreachPlan | None = None


def _row_of(v: ScheduledVisit) -> PlanRow:
    r = v.ranked
    return PlanRow(
        order=v.order,
        day=v.day,
        desa_code=r.desa.code,
        desa_name=r.desa.name,
        kecamatan=r.desa.kecamatan,
        no_akta=r.desa.no_akta,
        no_kia=r.desa.no_kia,
        distance_km=r.distance_km,
        days_since_visit=r.days_since_visit,
        score=r.score,
        priority=v.priority,
        reason=r.reason,
    )


def _stored_rows(plan: OutreachPlan) -> list[PlanRow]:
    visits = (
        PlannedVisit.objects.filter(plan=plan)
        .select_related("desa__kecamatan")
        .defer("desa__geometry", "desa__kecamatan__geometry")
    )
    return [
        PlanRow(
            order=p.order,
            day=p.date,
            desa_code=p.desa.code,
            desa_name=p.desa.name,
            kecamatan=p.desa.kecamatan.name,
            no_akta=p.no_akta,
            no_kia=p.no_kia,
            distance_km=p.distance_km,
            days_since_visit=p.days_since_visit,
            score=p.score,
            priority=p.priority,
            reason=p.reason,
        )
        for p in visits.order_by("order")
    ]


def stored_plan(quarter: str) -> OutreachPlan | None:
    """The quarter's confirmed plan, else its latest draft."""
    plans = OutreachPlan.objects.filter(quarter=quarter)
    return (
        plans.filter(status=OutreachPlan.Status.CONFIRMED).first()
        or plans.filter(status=OutreachPlan.Status.DRAFT).order_by("-created_at", "-id").first()
    )


def plan_view(*, quarter: str, visit_days: int | None, desa_per_day: int = 1, today: date) -> PlanView:
    """What the page shows for a quarter: its confirmed plan; its draft unless other visit days
    are asked for; else a fresh proposal (visit_days None: 12). Raises PlanError on bad input."""
    plan = stored_plan(quarter)
    if plan is not None and (
        plan.status == OutreachPlan.Status.CONFIRMED
        or visit_days is None
        or (visit_days == plan.visit_days and desa_per_day == plan.desa_per_day)
    ):
        return PlanView(
            quarter=quarter,
            visit_days=plan.visit_days,
            desa_per_day=plan.desa_per_day,
            status=plan.status,
            flags_period=plan.flags_period,
            rows=_stored_rows(plan),
            plan=plan,
        )
    days = 12 if visit_days is None else visit_days
    period, visits = schedule_preview(
        quarter=quarter, visit_days=days, desa_per_day=desa_per_day, today=today
    )
    return PlanView(
        quarter=quarter,
        visit_days=days,
        desa_per_day=desa_per_day,
        status="proposal",
        flags_period=period,
        rows=[_row_of(v) for v in visits],
    )


# --- coverage before and after a visit ------------------------------------------------------------


@dataclass(frozen=True)
class Figures:
    period: str
    no_akta: int | None
    no_akta_of: int | None
    no_kia: int | None
    no_kia_of: int | None

    @staticmethod
    def _coverage(n: int | None, d: int | None) -> str:
        if n is None or not d:
            return "—"
        pct = f"{100 * (d - n) / d:.1f}".replace(".", ",")
        return f"{pct}% ({count_text(n)} belum / without, dari / of {d})"

    @property
    def akta_text(self) -> str:
        return self._coverage(self.no_akta, self.no_akta_of)

    @property
    def kia_text(self) -> str:
        return self._coverage(self.no_kia, self.no_kia_of)


@dataclass(frozen=True)
class Coverage:
    visit: Visit
    before: Figures | None
    after: Figures | None


def _aggregates_for(desa_codes: Iterable[str]) -> dict[tuple[str, str], list[FlagAggregate]]:
    """(desa code, flag code) -> its aggregates, oldest first."""
    out: dict[tuple[str, str], list[FlagAggregate]] = defaultdict(list)
    rows = FlagAggregate.objects.filter(level="desa", code__in=GAP_CODES, area_code__in=set(desa_codes))
    for a in rows.order_by("period"):
        out[(a.area_code, a.code)].append(a)
    return out


def figures_before(desa_code: str) -> Figures | None:
    """The desa's figures in the latest aggregates (what a visit recorded now keeps)."""
    aggs = _aggregates_for([desa_code])
    akta = aggs.get((desa_code, NO_AKTA), [])
    kia = aggs.get((desa_code, NO_KIA), [])
    if not akta and not kia:
        return None
    a, k = (akta[-1] if akta else None), (kia[-1] if kia else None)
    return Figures(
        period=max(x.period for x in (a, k) if x is not None),
        no_akta=a.numerator if a else None,
        no_akta_of=a.denominator if a else None,
        no_kia=k.numerator if k else None,
        no_kia_of=k.denominator if k else None,
    )


def _after(visit: Visit, aggs: dict[tuple[str, str], list[FlagAggregate]], desa_code: str) -> Figures | None:
    """The first aggregates of a quarter after the one the visit kept (or after its own quarter)."""
    since = visit.before_period or quarter_of(visit.date)
    a = next((x for x in aggs.get((desa_code, NO_AKTA), []) if x.period > since), None)
    k = next((x for x in aggs.get((desa_code, NO_KIA), []) if x.period > since), None)
    if a is None and k is None:
        return None
    return Figures(
        period=min(x.period for x in (a, k) if x is not None),
        no_akta=a.numerator if a else None,
        no_akta_of=a.denominator if a else None,
        no_kia=k.numerator if k else None,
        no_kia_of=k.denominator if k else None,
    )


def _coverages(visits: list[Visit]) -> list[Coverage]:
    aggs = _aggregates_for(v.desa.code for v in visits)
    out = []
    for v in visits:
        before = None
        if v.before_period:
            before = Figures(
                period=v.before_period,
                no_akta=v.before_no_akta,
                no_akta_of=v.before_no_akta_of,
                no_kia=v.before_no_kia,
                no_kia_of=v.before_no_kia_of,
            )
        out.append(Coverage(visit=v, before=before, after=_after(v, aggs, v.desa.code)))
    return out


def _visits() -> QuerySet[Visit]:
    return Visit.objects.select_related("desa__kecamatan", "recorded_by").defer(
        "desa__geometry", "desa__kecamatan__geometry"
    )


def coverage_before_after(desa: Desa) -> list[Coverage]:
    """Every visit to the desa, the latest first, with its coverage before and after."""
    return _coverages(list(_visits().filter(desa=desa)))


def visits_with_coverage(*, limit: int = 200) -> list[Coverage]:
    return _coverages(list(_visits()[:limit]))


def default_quarter(today: date) -> str:
    """The quarter after today's: the one to plan."""
    return quarter_of(quarter_bounds(quarter_of(today))[1] + timedelta(days=1))
