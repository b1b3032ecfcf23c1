"""The quarterly report for the KLA task force: every figure of one quarter, gathered once.

`report_build(quarter="2024Q4")` reads the figures as they stood at the quarter's end — the
KLA scorecard of that period, the flag aggregates and hotspots of that quarter, programme
results with the quarter's end as "today", PRAP certifications in force on that day, the
3-in-1 declarations and referrals in the state their event history gives for that day — so
a report for a past quarter can be made again later with the same numbers (except the nutrition
section: the mutu tables hold only the latest quality run, see `_nutrition`). Aggregates only:
no child is named; counts of children 1-4 are printed as "<5" by the renderers
(report_pdf.py, report_xlsx.py) through `small()`.

Programme results are read district-wide through an unsaved reader of the district (the
programme report is scoped by user; the report is the same for whoever downloads it).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.utils import timezone

from satuanak.flags.disclosure import MIN_COUNT, MIN_DENOMINATOR

QUARTER_HELP = "contoh / e.g. 2024Q4"
# The flags drawn as maps (one page each) and the flags whose district trend is shown.
MAP_FLAGS: tuple[str, ...] = ("stunting", "no_akta", "immunisation_incomplete")
TREND_FLAGS: tuple[str, ...] = (
    "stunting",
    "wasting",
    "underweight",
    "no_akta",
    "no_kia",
    "immunisation_incomplete",
    "out_of_school",
    "child_marriage",
)
TREND_QUARTERS = 4

# The sections in order: (key, heading in Bahasa Indonesia, heading in English). The PDF's table
# of contents and the workbook's sheets follow this list.
SECTIONS: tuple[tuple[str, str, str], ...] = (
    ("scorecard", "Skor KLA", "KLA scorecard"),
    ("roadmap", "Target peta jalan", "Roadmap targets"),
    ("trends", "Tren indikator", "Indicator trends"),
    # Right after the trends: their stunting row is the weighing-based rate, and this section says
    # how far it is from the rate for all under-fives and from the survey, and why, before the maps
    # show the same weighing-based rate per desa.
    (
        "nutrition",
        "Gizi: stunting, cakupan penimbangan dan mutu data",
        "Nutrition: stunting, weighing coverage and data quality",
    ),
    ("maps", "Peta indikator kunci", "Maps of key indicators"),
    ("hotspots", "Desa titik panas", "Hotspot desa"),
    ("programmes", "Hasil program (GESIT, PRAP, adminduk)", "Programme results"),
    ("referrals", "Rujukan terlambat", "Overdue referrals"),
    ("adolescents", "Remaja dan pencegahan perkawinan anak", "Adolescents and child-marriage prevention"),
)

# The platform figures of section 8, in order (kla/selectors.py PLATFORM_COMPUTATIONS).
ADOLESCENT_FIGURES = (
    "child_marriage_rate",
    "pkpr_share",
    "posyandu_remaja_active",
    "anaemia_rate",
    "ttd_coverage",
    "mpls_coverage",
    "bimwin_coverage",
    "halo_answered_24h",
)


class QuarterError(ValueError):
    """A quarter that is not of the form 2024Q4 (the message is bilingual)."""


def quarter_parse(text: str) -> tuple[str, date, date]:
    """ "2024Q4" -> ("2024Q4", first day, last day); QuarterError for anything else."""
    q = (text or "").strip().upper()
    if (
        len(q) != 6
        or not q[:4].isdigit()
        or q[4] != "Q"
        or q[5] not in "1234"
        or not 2000 <= int(q[:4]) <= 2100
    ):
        raise QuarterError(
            f"Triwulan tidak sah: {text!r} (contoh 2024Q4). / Invalid quarter: {text!r} (e.g. 2024Q4)."
        )
    year, n = int(q[:4]), int(q[5])
    start = date(year, 3 * n - 2, 1)
    end = date(year + (n == 4), (3 * n) % 12 + 1, 1) - timedelta(days=1)
    return q, start, end


def quarters_up_to(quarter: str, count: int) -> tuple[str, ...]:
    """The `count` quarters ending with `quarter`, oldest first."""
    year, n = int(quarter[:4]), int(quarter[5])
    out = []
    for _ in range(count):
        out.append(f"{year}Q{n}")
        n -= 1
        if n == 0:
            year, n = year - 1, 4
    return tuple(reversed(out))


def small(n: int | None) -> int | str:
    """A count of children as it may be printed: 1-4 becomes "<5" (disclosure.py's rule)."""
    if n is None:
        return "-"
    return "<5" if 0 < n < MIN_COUNT else n


# --- the data ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FlagPoint:
    period: str
    numerator: int
    denominator: int
    rate: float | None  # None when the denominator is under 10


@dataclass(frozen=True)
class FlagTrend:
    code: str
    title_id: str
    title_en: str
    points: tuple[FlagPoint, ...]  # the report's quarters, oldest first (missing ones left out)

    @property
    def current(self) -> FlagPoint | None:
        return self.points[-1] if self.points else None


@dataclass(frozen=True)
class IndicatorTrend:
    code: str
    title_id: str
    title_en: str
    unit: str
    values: tuple[tuple[str, float | None], ...]


@dataclass(frozen=True)
class MapCell:
    desa_code: str
    desa_name: str
    kecamatan: str
    numerator: int | str  # "<5" or "*" when suppressed
    denominator: int
    rate: float | None  # None: too few data or suppressed
    why: str  # "" | "few" (denominator under 10) | "suppressed"
    klass: int | None  # 0..4 (the five classes) when a rate is shown


@dataclass(frozen=True)
class IndicatorMap:
    code: str
    title_id: str
    title_en: str
    period: str
    district_rate: float | None
    breaks: tuple[float, ...]  # the upper bounds of classes 0..3 (class 4 is above the last)
    cells: tuple[MapCell, ...]


@dataclass(frozen=True)
class HotspotRow:
    desa_code: str
    desa_name: str
    kecamatan: str
    classification: str  # hot | cold
    index: float
    gi_star_z: float


@dataclass(frozen=True)
class ProgrammeRow:
    programme: str
    flag: str
    flag_title: str
    target: int | None
    covered: int
    improved: int
    not_improved: int
    waiting: int
    overdue: int
    mean_z_change: float | None


@dataclass(frozen=True)
class GesitSummary:
    baas: int  # BAAS with an assignment running on some day of the quarter
    assignments_in_quarter: int  # confirmed assignments that ran on some day of the quarter
    running_at_end: int
    completed_in_quarter: int  # ran their 100 days, ending in the quarter
    ended_early_in_quarter: int
    deliveries_in_quarter: int  # PMT deliveries recorded for days of the quarter


@dataclass(frozen=True)
class PrapTarget:
    label: str
    due: date
    target: int
    certified: int
    past: bool
    met: bool


@dataclass(frozen=True)
class PrapSummary:
    total: int  # puskesmas in the district
    certified_at_end: int
    certified_facilities: tuple[tuple[str, date], ...]  # (puskesmas, certified on), in force at the end
    targets: tuple[PrapTarget, ...]


@dataclass(frozen=True)
class AdmindukFacilityRow:
    facility: str  # "" for the district
    facility_births: int
    declared: int
    share: float | None
    issued: int
    median_days: float | None
    within_target: int


@dataclass(frozen=True)
class AdmindukSummary:
    rows: tuple[AdmindukFacilityRow, ...]  # the district first
    overdue_at_end: int  # declarations waiting on Disdukcapil past their due date at the end


@dataclass(frozen=True)
class ReferralRow:
    unit: str
    overdue: int
    oldest_days_late: int


@dataclass(frozen=True)
class AdolescentRow:
    key: str
    label_id: str
    label_en: str
    numerator: int | None
    denominator: int | None
    percent: float | None  # None: no data for the quarter
    data_date: date | None


@dataclass(frozen=True)
class RoadmapRow:
    phase: str
    due: date | None
    name_id: str
    name_en: str
    target: Any
    actual: Any
    unit: str
    met: bool | None
    source: str


@dataclass(frozen=True)
class NutritionRow:
    """One area's stunting rate three ways beside the survey (mutu.selectors.AreaRates): rates as
    fractions, each with its 95% interval as (rate, low, high)."""

    level: str  # district | kecamatan
    code: str
    name: str
    known: int  # under-fives the platform knows
    assessed_known: int  # of them, weighed in the quarter with a valid HAZ
    coverage: float | None  # weighed in the quarter / known
    weighed: tuple[float | None, float | None, float | None]
    adjusted: tuple[float | None, float | None, float | None]
    adjusted_high: float | None  # the sensitivity bound at `rr_high`: not an estimate
    quality: tuple[float | None, float | None, float | None]
    children_set_aside: int  # measured at posyandu that failed a HAZ-relevant check
    survey_value: float | None
    survey_source: str
    survey_year: int | None
    # survey − weighed = coverage + quality + remainder (fractions; None without a survey figure)
    gap_total: float | None
    gap_coverage: float | None
    gap_quality: float | None
    gap_remainder: float | None


@dataclass(frozen=True)
class AttentionRow:
    posyandu: str
    puskesmas: str
    score: int  # 2 per failed check, 1 per warning, the same for its desa's coverage
    readings_id: tuple[str, ...]
    readings_en: tuple[str, ...]
    coverage: float | None  # the weighing coverage of its desa
    last_training: date | None  # the latest refresher training held by the quarter's end


@dataclass(frozen=True)
class TrainingRow:
    posyandu: str
    held_on: date
    topic: str
    participants: int  # cadres (staff), not children
    before_period: str
    after_period: str
    fails_before: int | None  # failed checks in the quarter before; None: no data for it
    fails_after: int | None  # None: no data, or the quarter after is later than the report's


@dataclass(frozen=True)
class NutritionSection:
    period: str
    rows: tuple[NutritionRow, ...]  # the district first, then each kecamatan; () without figures
    explanation_id: tuple[str, ...]  # the district's gap in plain sentences, each an estimate
    explanation_en: tuple[str, ...]
    attention: tuple[AttentionRow, ...]
    trainings: tuple[TrainingRow, ...]  # held by the quarter's end, latest first
    min_stratum: int
    rr_high: float
    set_aside_checks: tuple[tuple[str, str], ...]  # (title_id, title_en) of the HAZ-relevant checks

    @property
    def district(self) -> NutritionRow | None:
        return self.rows[0] if self.rows and self.rows[0].level == "district" else None


@dataclass(frozen=True)
class KlaReport:
    quarter: str
    start: date
    end: date
    data_date: date  # the date every figure holds for (the quarter's end)
    scorecard: Any  # kla.scoring.Scorecard of the quarter
    roadmap: tuple[RoadmapRow, ...]
    indicator_trends: tuple[IndicatorTrend, ...]
    score_trend: tuple[tuple[str, float, str], ...]  # (period, total, category)
    flag_trends: tuple[FlagTrend, ...]
    maps: tuple[IndicatorMap, ...]
    hotspots: tuple[HotspotRow, ...]  # hot first (highest z), then cold
    hotspot_counts: tuple[tuple[str, int], ...]  # (classification, desa)
    programmes: tuple[ProgrammeRow, ...]
    gesit: GesitSummary
    prap: PrapSummary
    adminduk: AdmindukSummary
    referrals: tuple[ReferralRow, ...]
    trend_periods: tuple[str, ...]
    nutrition: NutritionSection
    adolescents: tuple[AdolescentRow, ...] = ()

    def district_rate(self, code: str) -> float | None:
        for t in self.flag_trends:
            if t.code == code and t.current is not None and t.current.period == self.quarter:
                return t.current.rate
        return None


# --- gathering --------------------------------------------------------------------------------------


def _cutoff(end: date) -> datetime:
    """The first moment after the quarter's last day, in the district's time zone."""
    return timezone.make_aware(datetime.combine(end + timedelta(days=1), time.min))


def _flag_titles() -> dict[str, tuple[str, str]]:
    from satuanak.flags.models import FlagRule

    return {r.code: (r.title_id, r.title_en) for r in FlagRule.objects.order_by("code", "version")}


def _flag_trends(periods: Sequence[str], titles: dict[str, tuple[str, str]]) -> tuple[FlagTrend, ...]:
    from satuanak.flags.models import FlagAggregate

    rows = FlagAggregate.objects.filter(level="district", code__in=TREND_FLAGS, period__in=list(periods))
    by_code: dict[str, list[FlagPoint]] = defaultdict(list)
    for r in rows.order_by("code", "period"):
        rate = r.rate if r.denominator >= MIN_DENOMINATOR else None
        by_code[r.code].append(FlagPoint(r.period, r.numerator, r.denominator, rate))
    return tuple(
        FlagTrend(code, *titles.get(code, (code, code)), points=tuple(by_code[code]))
        for code in TREND_FLAGS
        if by_code.get(code)
    )


def _quantile_breaks(rates: list[float]) -> tuple[float, ...]:
    """Upper bounds of the first four of five classes (quintiles of the published rates)."""
    if not rates:
        return ()
    ordered = sorted(rates)
    out = []
    for k in (1, 2, 3, 4):
        out.append(round(ordered[min(len(ordered) - 1, (k * len(ordered)) // 5)], 4))
    return tuple(out)


def _klass(rate: float, breaks: tuple[float, ...]) -> int:
    for i, b in enumerate(breaks):
        if rate < b:
            return i
    return len(breaks)


def _maps(quarter: str, titles: dict[str, tuple[str, str]]) -> tuple[IndicatorMap, ...]:
    import polars as pl

    from satuanak.flags.disclosure import suppress
    from satuanak.flags.models import FlagAggregate
    from satuanak.regions.models import Desa

    desa = {
        d["code"]: (d["name"], d["kecamatan__code"], d["kecamatan__name"])
        for d in Desa.objects.values("code", "name", "kecamatan__code", "kecamatan__name")
    }
    out = []
    for code in MAP_FLAGS:
        rows = list(
            FlagAggregate.objects.filter(code=code, period=quarter, level="desa").values_list(
                "area_code", "numerator", "denominator", "rate"
            )
        )
        district = FlagAggregate.objects.filter(code=code, period=quarter, level="district").first()
        if not rows and district is None:
            continue
        cells: list[MapCell] = []
        if rows:
            df = suppress(
                pl.DataFrame(
                    {
                        "area_code": [r[0] for r in rows],
                        "parent": [desa.get(r[0], ("", "", ""))[1] for r in rows],
                        "numerator": [r[1] for r in rows],
                        "denominator": [r[2] for r in rows],
                        "rate": [r[3] for r in rows],
                    },
                    schema={
                        "area_code": pl.String,
                        "parent": pl.String,
                        "numerator": pl.Int64,
                        "denominator": pl.Int64,
                        "rate": pl.Float64,
                    },
                )
            )
            shown = [r for r in df.iter_rows(named=True) if r["rate_shown"] is not None]
            breaks = _quantile_breaks([r["rate_shown"] for r in shown])
            for r in df.sort("area_code").iter_rows(named=True):
                name, _kec_code, kec = desa.get(r["area_code"], (r["area_code"], "", ""))
                few = r["denominator"] < MIN_DENOMINATOR
                why = "few" if few else ("suppressed" if r["suppressed"] else "")
                rate = r["rate_shown"]
                cells.append(
                    MapCell(
                        desa_code=r["area_code"],
                        desa_name=name,
                        kecamatan=kec,
                        numerator=r["numerator"] if not r["suppressed"] else r["numerator_shown"],
                        denominator=r["denominator"],
                        rate=None if rate is None else round(rate, 6),
                        why=why,
                        klass=None if rate is None else _klass(rate, breaks),
                    )
                )
        else:
            breaks = ()
        d_rate = district.rate if district is not None and district.denominator >= MIN_DENOMINATOR else None
        out.append(
            IndicatorMap(
                code,
                *titles.get(code, (code, code)),
                period=quarter,
                district_rate=d_rate,
                breaks=breaks,
                cells=tuple(cells),
            )
        )
    return tuple(out)


def _hotspots(quarter: str) -> tuple[tuple[HotspotRow, ...], tuple[tuple[str, int], ...]]:
    from satuanak.flags.models import DesaHotspot
    from satuanak.regions.models import Desa

    desa = {
        d["code"]: (d["name"], d["kecamatan__name"])
        for d in Desa.objects.values("code", "name", "kecamatan__name")
    }
    rows = list(DesaHotspot.objects.filter(period=quarter))
    counts: dict[str, int] = defaultdict(int)
    for h in rows:
        counts[h.classification] += 1
    picked = [h for h in rows if h.classification in ("hot", "cold")]
    picked.sort(
        key=lambda h: (
            h.classification != "hot",
            -h.gi_star_z if h.classification == "hot" else h.gi_star_z,
            h.desa_code,
        )
    )
    hot = tuple(
        HotspotRow(
            h.desa_code,
            *desa.get(h.desa_code, (h.desa_code, "")),
            classification=h.classification,
            index=round(h.index, 4),
            gi_star_z=round(h.gi_star_z, 3),
        )
        for h in picked
    )
    return hot, tuple((c, counts.get(c, 0)) for c in ("hot", "cold", "none"))


def district_reader() -> Any:
    """An unsaved district-wide reader: the programme report counts every desa's children."""
    from satuanak.accounts.models import User
    from satuanak.accounts.roles import Role

    return User(
        username="laporan-kla", role=Role.DATA_STEWARD, area_level=User.AreaLevel.DISTRICT, is_active=True
    )


def _programmes(quarter: str, end: date) -> tuple[ProgrammeRow, ...]:
    from satuanak.interventions.selectors import programme_report

    report = programme_report(user=district_reader(), period=quarter, today=end)
    return tuple(
        ProgrammeRow(
            programme=t.programme,
            flag=t.flag,
            flag_title=report.flag_titles.get(t.flag, t.flag),
            target=t.target,
            covered=t.covered,
            improved=t.improved,
            not_improved=t.not_improved,
            waiting=t.waiting,
            overdue=t.overdue,
            mean_z_change=t.mean_z_change,
        )
        for t in report.totals
    )


def _gesit(start: date, end: date) -> GesitSummary:
    """From the programme's own dates (start, planned end, the day an assignment was stopped,
    delivery days): the records' timestamps are when someone typed them, not when they happened.
    Proposed assignments are left out (they have not run)."""
    from satuanak.gesit.models import BaasAssignment, PmtDelivery

    rows = BaasAssignment.objects.filter(
        status__in=[BaasAssignment.Status.CONFIRMED, BaasAssignment.Status.ENDED], start_date__lte=end
    ).values_list("baas_id", "end_date", "ended_on")
    active: set[int] = set()
    in_quarter = running = completed = ended_early = 0
    for baas_id, planned_end, ended_on in rows:
        stopped = ended_on if ended_on is not None and ended_on <= end else None
        last = min(planned_end, stopped) if stopped else planned_end
        if last >= start:
            in_quarter += 1
            active.add(baas_id)
        if last >= end:
            running += 1
        if stopped is not None and stopped < planned_end:
            if start <= stopped <= end:
                ended_early += 1
        elif start <= planned_end <= end:
            completed += 1
    deliveries = PmtDelivery.objects.filter(
        delivered_on__gte=start, delivered_on__lte=end, assignment__status__in=["confirmed", "ended"]
    ).count()
    return GesitSummary(len(active), in_quarter, running, completed, ended_early, deliveries)


def _prap(end: date) -> PrapSummary:
    from satuanak.prap import states as ps
    from satuanak.prap.models import Assessment
    from satuanak.prap.selectors import prap_roadmap

    roadmap = prap_roadmap(end)
    in_force: dict[str, date] = {}
    for a in (
        Assessment.objects.filter(certified_on__isnull=False, certified_on__lte=end)
        .select_related("facility")
        .only("facility__name", "certified_on", "ended_on")
    ):
        if a.certified_on is not None and ps.in_force([(a.certified_on, a.ended_on)], end):
            name = a.facility.name
            in_force[name] = max(in_force.get(name, a.certified_on), a.certified_on)
    return PrapSummary(
        total=roadmap.total,
        certified_at_end=roadmap.current,
        certified_facilities=tuple(sorted(in_force.items())),
        targets=tuple(
            PrapTarget(t.label, t.due, t.target, t.certified, t.past, t.met) for t in roadmap.targets
        ),
    )


def _state_at(events: list[tuple[Any, str]], cutoff: datetime) -> str | None:
    state = None
    for at, to_state in sorted(events, key=lambda e: e[0]):
        if at < cutoff:
            state = to_state
    return state


def _adminduk(start: date, end: date) -> AdmindukSummary:
    from satuanak.adminduk import states as ad
    from satuanak.adminduk.models import DeclarationEvent
    from satuanak.adminduk.selectors import coverage, service_levels

    levels: dict[str, list[Any]] = defaultdict(list)
    for lv in service_levels(start=start, end=end):
        levels[lv.facility].append(lv)
    rows = []
    for c in coverage(start=start, end=end):
        mine = [lv for key, lvs in levels.items() if c.facility == "" or key == c.facility for lv in lvs]
        issued = sum(lv.issued for lv in mine)
        medians = sorted(lv.median_days for lv in mine if lv.median_days is not None)
        rows.append(
            AdmindukFacilityRow(
                facility=c.facility,
                facility_births=c.facility_births,
                declared=c.declared,
                share=None if c.share is None else round(c.share, 4),
                issued=issued,
                # the median of the monthly medians (weighted enough for a quarter's summary)
                median_days=medians[len(medians) // 2] if medians else None,
                within_target=sum(lv.within_target for lv in mine),
            )
        )
    cutoff = _cutoff(end)
    events: dict[int, list[tuple[Any, str]]] = defaultdict(list)
    due: dict[int, date] = {}
    for decl_id, at, to_state, due_on in DeclarationEvent.objects.filter(at__lt=cutoff).values_list(
        "declaration_id", "at", "to_state", "declaration__due_on"
    ):
        events[decl_id].append((at, to_state))
        due[decl_id] = due_on
    overdue = sum(
        1
        for decl_id, evs in events.items()
        if _state_at(evs, cutoff) in ad.WAITING_ON_OFFICER and due[decl_id] is not None and due[decl_id] < end
    )
    return AdmindukSummary(rows=tuple(rows), overdue_at_end=overdue)


def _referrals(end: date) -> tuple[ReferralRow, ...]:
    from satuanak.referrals import transitions as rt
    from satuanak.referrals.models import Referral, ReferralEvent

    cutoff = _cutoff(end)
    events: dict[int, list[tuple[Any, str]]] = defaultdict(list)
    for ref_id, at, to_status in ReferralEvent.objects.filter(at__lt=cutoff).values_list(
        "referral_id", "at", "to_status"
    ):
        events[ref_id].append((at, to_status))
    per_unit: dict[str, list[int]] = defaultdict(list)
    for ref_id, unit, due_on in Referral.objects.filter(sent_on__lte=end).values_list(
        "id", "to_unit__name", "due_on"
    ):
        state = _state_at(events[ref_id], cutoff) if events.get(ref_id) else rt.SENT
        if state in rt.WAITING and end > due_on:
            per_unit[unit].append((end - due_on).days)
    return tuple(
        ReferralRow(unit, len(days), max(days))
        for unit, days in sorted(per_unit.items(), key=lambda kv: kv[0])
    )


def _roadmap(end: date) -> tuple[RoadmapRow, ...]:
    from satuanak.kla.selectors import kla_roadmap

    return tuple(
        RoadmapRow(
            phase=str(k.phase),
            due=k.due,
            name_id=k.name_id,
            name_en=k.name_en,
            target=k.target,
            actual=k.actual,
            unit=k.unit,
            met=k.met,
            source=k.source,
        )
        for k in kla_roadmap(today=end)
    )


def _indicator_trends(
    scorecard: Any, periods: Sequence[str]
) -> tuple[tuple[IndicatorTrend, ...], tuple[tuple[str, float, str], ...]]:
    """Per indicator its value in each period, and the total score per period: one scorecard per
    period (kla_trend would compute every indicator once per indicator and period)."""
    from satuanak.kla.selectors import kla_scorecard

    cards = {
        p: (scorecard if p == scorecard.period else kla_scorecard(period=p, version=scorecard.version))
        for p in periods
    }
    out = []
    for ind in scorecard.indicators:
        values = []
        for p in periods:
            found = next((i for i in cards[p].indicators if i.code == ind.code), None)
            values.append((p, found.value if found is not None else None))
        out.append(IndicatorTrend(ind.code, ind.title_id, ind.title_en, ind.unit, tuple(values)))
    totals = tuple((p, cards[p].total, cards[p].category) for p in periods)
    return tuple(out), totals


def _nutrition(quarter: str, end: date, attention_limit: int = 10) -> NutritionSection:
    """Stunting three ways, weighing coverage and measurement quality from the mutu tables
    (aggregates only). Those tables are replaced whole by each quality run, so unlike the other
    sections a past quarter reads the latest run's figures for it; trainings are the ones held by
    the quarter's end, and a "fails after" that falls after the report's quarter is left empty."""
    from satuanak.mutu import selectors as mutu
    from satuanak.mutu.services import PREVALENCE_CHECKS, spec

    raw = spec().raw
    titles = mutu.check_titles()
    areas = mutu.side_by_side(quarter)
    rows = []
    for a in areas:
        gap, survey = a.gap, a.survey
        rows.append(
            NutritionRow(
                level=a.level,
                code=a.code,
                name=a.name,
                known=a.known,
                assessed_known=a.assessed_known,
                coverage=a.coverage,
                weighed=a.weighed,
                adjusted=a.adjusted,
                adjusted_high=a.adjusted_high,
                quality=a.quality,
                children_set_aside=a.children_set_aside,
                survey_value=None if survey is None else survey.value,
                survey_source="" if survey is None else survey.source,
                survey_year=None if survey is None else survey.year,
                gap_total=None if gap is None else gap.total,
                gap_coverage=None if gap is None else gap.coverage,
                gap_quality=None if gap is None else gap.quality,
                gap_remainder=None if gap is None else gap.remainder,
            )
        )
    district = areas[0] if areas and areas[0].level == "district" else None
    held = [b for b in mutu.training_before_after() if b.training.held_on <= end]
    trainings = tuple(
        TrainingRow(
            posyandu=b.training.posyandu.name,
            held_on=b.training.held_on,
            topic=b.training.topic,
            participants=b.training.participants,
            before_period=b.before_period,
            after_period=b.after_period,
            fails_before=b.fails_before,
            fails_after=b.fails_after if b.after_period <= quarter else None,
        )
        for b in held
    )
    # The selector's last training is the latest ever held; the report keeps to the quarter's end.
    trained: dict[str, date] = {}
    for b in held:
        code = b.training.posyandu.code
        trained[code] = max(b.training.held_on, trained.get(code, b.training.held_on))
    attention = tuple(
        AttentionRow(
            posyandu=t.group.name,
            puskesmas=t.group.puskesmas,
            score=t.score,
            readings_id=tuple(t.readings_id),
            readings_en=tuple(t.readings_en),
            coverage=None if t.coverage is None else t.coverage.coverage,
            last_training=t.last_training
            if t.last_training is not None and t.last_training <= end
            else trained.get(t.group.key),
        )
        for t in (mutu.attention_list(quarter, limit=attention_limit) if rows else [])
    )
    return NutritionSection(
        period=quarter,
        rows=tuple(rows),
        explanation_id=tuple(district.explanation_id) if district else (),
        explanation_en=tuple(district.explanation_en) if district else (),
        attention=attention,
        trainings=trainings,
        min_stratum=int(raw.get("min_stratum", 5)),
        rr_high=float(raw.get("rr_high", 1.5)),
        set_aside_checks=tuple(titles.get(c, (c, c)) for c in PREVALENCE_CHECKS),
    )


def _adolescents(quarter: str) -> tuple[AdolescentRow, ...]:
    """Section 8: REMAJA CAKAP/PKPR, anaemia and iron tablets, CEGAH DINI and Halo Remaja beside
    the child-marriage rate — every row present, "no data" where the programme recorded none."""
    from satuanak.kla.selectors import PLATFORM_LABELS, kla_platform_value

    rows = []
    for key in ADOLESCENT_FIGURES:
        v = kla_platform_value(source=key, period=quarter)
        label_id, label_en = PLATFORM_LABELS[key]
        rows.append(
            AdolescentRow(
                key=key,
                label_id=label_id,
                label_en=label_en,
                numerator=None if v is None else v.numerator,
                denominator=None if v is None else v.denominator,
                percent=None if v is None else v.value,
                data_date=None if v is None else v.data_date,
            )
        )
    return tuple(rows)


def report_build(*, quarter: str, progress: Any = None) -> KlaReport:
    """Every figure of the quarterly report, as of the quarter's end. QuarterError for a bad quarter.

    `progress(stage)` is told each part's name (for the command's progress line)."""
    from satuanak.kla.selectors import kla_scorecard

    q, start, end = quarter_parse(quarter)

    def step(stage: str) -> None:
        if progress is not None:
            progress(stage)

    periods = quarters_up_to(q, TREND_QUARTERS)
    titles = _flag_titles()
    step("skor / scorecard")
    scorecard = kla_scorecard(period=q)
    roadmap = _roadmap(end)
    step("tren / trends")
    indicator_trends, score_trend = _indicator_trends(scorecard, periods)
    flag_trends = _flag_trends(periods, titles)
    nutrition = _nutrition(q, end)
    step("peta / maps")
    maps = _maps(q, titles)
    hotspots, hotspot_counts = _hotspots(q)
    step("program / programmes")
    programmes = _programmes(q, end)
    gesit = _gesit(start, end)
    prap = _prap(end)
    adminduk = _adminduk(start, end)
    step("rujukan / referrals")
    referrals = _referrals(end)
    step("remaja / adolescents")
    adolescents = _adolescents(q)
    return KlaReport(
        quarter=q,
        start=start,
        end=end,
        data_date=end,
        scorecard=scorecard,
        roadmap=roadmap,
        indicator_trends=indicator_trends,
        score_trend=score_trend,
        flag_trends=flag_trends,
        maps=maps,
        hotspots=hotspots,
        hotspot_counts=hotspot_counts,
        programmes=programmes,
        gesit=gesit,
        prap=prap,
        adminduk=adminduk,
        referrals=referrals,
        trend_periods=periods,
        nutrition=nutrition,
        adolescents=adolescents,
    )


def report_filename(quarter: str, fmt: str) -> str:
    return f"laporan-kla-{quarter}.{fmt}"
