"""Reads of the measurement-quality and coverage figures: the three stunting rates side by side
with the gap explained, coverage per desa, quality per posyandu (and puskesmas, cadre), the
posyandu that most need attention, and trainings before and after.

Aggregates only: no child's personal data passes here. Posyandu and cadre names are staff in their
role; the cadre level is shown only to roles that read e-PPGBM (web/mutu_views.py).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.cache import cache

from satuanak.flags.models import SurveyFigure
from satuanak.flags.selectors import dashboard_forget
from satuanak.mutu import checks, coverage
from satuanak.mutu.models import CadreTraining, CoverageCell, PrevalenceEstimate, QualityResult, QualityRun
from satuanak.mutu.services import spec
from satuanak.regions.models import Desa, Kecamatan

DISTRICT_CODE = "61.07"
CHECK_ORDER = (
    "completeness",
    "digit_height",
    "digit_weight",
    "age_heaping",
    "biv",
    "sd_haz",
    "sd_waz",
    "sd_whz",
    "position",
    "repeat_height",
    "repeat_weight",
)


def latest_run_id() -> int:
    return QualityRun.objects.filter(status=QualityRun.Status.DONE).values_list("pk", flat=True).first() or 0


def periods() -> list[str]:
    return sorted(set(PrevalenceEstimate.objects.values_list("period", flat=True)))


def latest_period() -> str | None:
    ps = periods()
    return ps[-1] if ps else None


def check_titles() -> dict[str, tuple[str, str]]:
    return {c.code: (c.title_id, c.title_en) for c in spec().checks}


# --- side by side -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Survey:
    value: float
    source: str
    year: int


@dataclass(frozen=True)
class Gap:
    """survey − weighed = coverage + quality + remainder (percentage points, estimates)."""

    total: float
    coverage: float
    quality: float
    remainder: float


@dataclass(frozen=True)
class AreaRates:
    level: str
    code: str
    name: str
    period: str
    known: int
    assessed: int
    stunted: int
    assessed_known: int
    weighed: tuple[float | None, float | None, float | None]  # rate, low, high
    adjusted: tuple[float | None, float | None, float | None]
    adjusted_high: float | None
    quality: tuple[float | None, float | None, float | None]
    children_set_aside: int
    posyandu_set_aside: int
    survey: Survey | None
    coverage: float | None  # weighed in the quarter / known under-fives
    gap: Gap | None = None
    explanation_id: list[str] = field(default_factory=list)
    explanation_en: list[str] = field(default_factory=list)


def _survey(level: str, code: str, period: str) -> Survey | None:
    year = int(period[:4])
    qs = SurveyFigure.objects.filter(indicator="stunting", area_level=level, area_code=code)
    s = qs.filter(year__lte=year).order_by("-year").first() or qs.order_by("year").first()
    return None if s is None else Survey(value=s.value, source=s.source, year=s.year)


def _pp(x: float, comma: bool = True) -> str:
    text = f"{x * 100:+.1f}"
    return text.replace(".", ",") if comma else text


def _pct(x: float | None, comma: bool = True) -> str:
    text = "—" if x is None else f"{x * 100:.1f}%"
    return text.replace(".", ",") if comma else text


def _en(x: float | None) -> str:
    return _pct(x, comma=False)


def _small(n: int, dot: bool = True) -> str:
    """A count of children as published: 1-4 is "<5" (flags/disclosure.py's rule); thousands
    with a dot in Indonesian (23.471), a comma in English."""
    if 0 < n < 5:
        return "<5"
    text = f"{n:,}"
    return text.replace(",", ".") if dot else text


def _explain(a: AreaRates) -> tuple[list[str], list[str]]:
    """Plain sentences for the gap, each stated as an estimate."""
    ids: list[str] = []
    ens: list[str] = []
    w, adj, q = a.weighed[0], a.adjusted[0], a.quality[0]
    if w is None or adj is None:
        return ["Belum ada data penimbangan yang dapat dinilai."], ["No assessable weighing data yet."]
    cov = a.coverage
    rr = float(spec().raw.get("rr_high", 1.5))
    rr_id = f"{rr:g}".replace(".", ",")
    ids.append(
        f"Penimbangan mencakup {_pct(cov)} balita yang dikenal platform ({_small(a.assessed_known)} "
        f"dari {_small(a.known)} dapat dinilai). Jika balita yang tidak ditimbang serupa dengan yang "
        f"ditimbang di desa dan kelompok umur yang sama, angka untuk semua balita diperkirakan {_pct(adj)} "
        f"(selang 95% {_pct(a.adjusted[1])}–{_pct(a.adjusted[2])}); jika mereka {rr_id} kali lebih "
        f"mungkin stunting, {_pct(a.adjusted_high)}."
    )
    ens.append(
        f"Weighing reached {_en(cov)} of the under-fives the platform knows "
        f"({_small(a.assessed_known, False)} of {_small(a.known, False)} assessable). If the unweighed "
        f"resemble the weighed of their desa and age band, the rate for all under-fives is estimated "
        f"at {_en(adj)} "
        f"(95% interval {_en(a.adjusted[1])}–{_en(a.adjusted[2])}); if they were {rr:g} times as "
        f"likely to be stunted, {_en(a.adjusted_high)}."
    )
    if q is not None and a.posyandu_set_aside:
        ids.append(
            f"Data {a.posyandu_set_aside} posyandu gagal pemeriksaan mutu yang memengaruhi TB/U; tanpa "
            f"{_small(a.children_set_aside)} anak yang diukur di posyandu itu, perkiraannya {_pct(q)}."
        )
        ens.append(
            f"The data of {a.posyandu_set_aside} posyandu failed a quality check that bears on HAZ; "
            f"without the {_small(a.children_set_aside, False)} children measured there, the estimate "
            f"is {_en(q)}."
        )
    else:
        ids.append("Tidak ada posyandu yang gagal pemeriksaan mutu yang memengaruhi TB/U pada triwulan ini.")
        ens.append("No posyandu failed a quality check bearing on HAZ this quarter.")
    if a.survey is not None and a.gap is not None:
        g = a.gap
        ids.append(
            f"Selisih dengan {a.survey.source} ({_pct(a.survey.value)}) {_pp(g.total)} poin: cakupan "
            f"{_pp(g.coverage)}, mutu pengukuran {_pp(g.quality)}, sisanya {_pp(g.remainder)} — galat "
            f"sampel survei, perbedaan tahun ({a.survey.year} vs {a.period}), perubahan nyata, dan hal "
            "yang tidak terlihat di data. Semua bagian adalah perkiraan, bukan kepastian."
        )
        ens.append(
            f"The gap to {a.survey.source} ({_en(a.survey.value)}) is {_pp(g.total, False)} points: "
            f"coverage {_pp(g.coverage, False)}, measurement quality {_pp(g.quality, False)}, remainder "
            f"{_pp(g.remainder, False)} — "
            f"the survey's sampling error, the years ({a.survey.year} vs {a.period}), real change, and "
            "what the data cannot show. Every part is an estimate, not a certainty."
        )
    return ids, ens


def _area(
    e: PrevalenceEstimate, names: dict[str, str], cover: dict[tuple[str, str], CoverageCell]
) -> AreaRates:
    dim = "district" if e.level == "district" else "kecamatan"
    cell = cover.get((dim, e.area_code))
    survey = _survey(e.level, e.area_code, e.period)
    a = AreaRates(
        level=e.level,
        code=e.area_code,
        name=names.get(e.area_code, e.area_code),
        period=e.period,
        known=e.known,
        assessed=e.assessed,
        stunted=e.stunted,
        assessed_known=e.assessed_known,
        weighed=(e.rate_weighed, e.weighed_ci_low, e.weighed_ci_high),
        adjusted=(e.rate_adjusted, e.adjusted_ci_low, e.adjusted_ci_high),
        adjusted_high=e.rate_adjusted_high,
        quality=(e.rate_quality, e.quality_ci_low, e.quality_ci_high),
        children_set_aside=e.children_set_aside,
        posyandu_set_aside=e.posyandu_set_aside,
        survey=survey,
        coverage=None if cell is None else cell.coverage,
    )
    gap = None
    if survey is not None and None not in (e.rate_weighed, e.rate_adjusted, e.rate_quality):
        w, adj, q = float(e.rate_weighed or 0), float(e.rate_adjusted or 0), float(e.rate_quality or 0)
        gap = Gap(total=survey.value - w, coverage=adj - w, quality=q - adj, remainder=survey.value - q)
    a = AreaRates(**{**a.__dict__, "gap": gap})
    ids, ens = _explain(a)
    return AreaRates(**{**a.__dict__, "explanation_id": ids, "explanation_en": ens})


def side_by_side(period: str | None = None) -> list[AreaRates]:
    """The district first, then each kecamatan: the three rates, the survey, the gap's parts."""
    period = period or latest_period()
    if period is None:
        return []
    names = {DISTRICT_CODE: "Kabupaten Bengkayang"} | dict(Kecamatan.objects.values_list("code", "name"))
    cover = {
        (c.dimension, c.key): c
        for c in CoverageCell.objects.filter(period=period, dimension__in=("district", "kecamatan"))
    }
    rows = [_area(e, names, cover) for e in PrevalenceEstimate.objects.filter(period=period)]
    return sorted(rows, key=lambda a: (a.level != "district", a.name))


def district_rates_cached() -> AreaRates | None:
    """The district's row of the latest quarter, kept in the cache per run (the dashboard's)."""
    key = f"mutu:district:{latest_run_id()}"
    found = cache.get(key)
    if found is None:
        rows = side_by_side()
        found = rows[0] if rows and rows[0].level == "district" else False
        cache.set(key, found, timeout=None)
    return found or None


def forget_cached() -> None:
    """After a survey figure is entered: the dashboard's cached figures show the survey."""
    cache.delete(f"mutu:district:{latest_run_id()}")
    dashboard_forget()


# --- coverage ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CoverageRow:
    key: str
    name: str
    parent: str
    known: int
    weighed: int
    never_weighed: int
    coverage: float | None
    status: str  # ok | warn | fail | few


def coverage_status(weighed: int, known: int) -> str:
    sp = spec()
    if known < sp.coverage_min_n:
        return checks.FEW
    _low, high = checks.wilson_bounds(weighed, known)
    if high < sp.coverage_fail_below:
        return checks.FAIL
    if weighed / known < sp.coverage_warn_below and high < 1.0:
        return checks.WARN
    return checks.OK


def coverage_rows(period: str, dimension: str) -> list[CoverageRow]:
    if dimension == "desa":
        desa = {c: (n, k) for c, n, k in Desa.objects.values_list("code", "name", "kecamatan__name")}
    elif dimension == "kecamatan":
        desa = {c: (n, "") for c, n in Kecamatan.objects.values_list("code", "name")}
    else:
        desa = {}
    out = []
    for c in CoverageCell.objects.filter(period=period, dimension=dimension):
        name, parent = desa.get(c.key, (c.key, ""))
        out.append(
            CoverageRow(
                key=c.key,
                name=name,
                parent=parent,
                known=c.known,
                weighed=c.weighed,
                never_weighed=c.never_weighed,
                coverage=c.coverage,
                status=coverage_status(c.weighed, c.known),
            )
        )
    if dimension in ("desa", "kecamatan"):
        out.sort(key=lambda r: (r.coverage if r.coverage is not None else 2.0, r.name))
    else:  # bands in their own order, youngest and nearest first
        order = [b[2] for b in coverage.AGE_BANDS] + [b[2] for b in coverage.REMOTENESS_BANDS]
        out.sort(key=lambda r: order.index(r.key) if r.key in order else len(order))
    return out


# --- quality per group -------------------------------------------------------------------------------


@dataclass
class GroupQuality:
    level: str
    key: str
    name: str
    kecamatan: str
    desa: str
    puskesmas: str
    n: int = 0
    results: dict[str, QualityResult] = field(default_factory=dict)

    @property
    def fails(self) -> int:
        return sum(r.status == checks.FAIL for r in self.results.values())

    @property
    def warns(self) -> int:
        return sum(r.status == checks.WARN for r in self.results.values())

    def cells(self) -> list[QualityResult | None]:
        return [self.results.get(c) for c in CHECK_ORDER]


def quality_groups(period: str, level: str) -> list[GroupQuality]:
    groups: dict[str, GroupQuality] = {}
    for r in QualityResult.objects.filter(period=period, level=level):
        g = groups.get(r.key)
        if g is None:
            g = groups[r.key] = GroupQuality(level, r.key, r.name, r.kecamatan, r.desa, r.puskesmas)
        g.results[r.check_code] = r
        if r.check_code == "completeness":
            g.n = r.n
    return sorted(groups.values(), key=lambda g: (-g.fails, -g.warns, g.name))


# --- attention ---------------------------------------------------------------------------------------


@dataclass
class Attention:
    group: GroupQuality
    coverage: CoverageRow | None
    score: int
    readings_id: list[str]
    readings_en: list[str]
    last_training: date | None


def attention_list(period: str, limit: int = 15) -> list[Attention]:
    """Posyandu whose data most need attention: 2 points per failed check, 1 per warning, and the
    same for the coverage of its desa; ties go to the lower coverage. Only posyandu with a
    finding are listed."""
    cover = {r.key: r for r in coverage_rows(period, "desa")}
    trained: dict[str, date] = {}
    for code, day in CadreTraining.objects.values_list("posyandu__code", "held_on"):
        trained[code] = max(day, trained.get(code, day))
    points = {checks.FAIL: 2, checks.WARN: 1}
    out = []
    for g in quality_groups(period, "posyandu"):
        cov = cover.get(g.desa)
        score = 2 * g.fails + g.warns + (points.get(cov.status, 0) if cov else 0)
        if score == 0:
            continue
        bad = sorted(
            (r for r in g.results.values() if r.status in (checks.FAIL, checks.WARN)),
            key=lambda r: checks.STATUS_ORDER[r.status],
        )
        ids = [r.reading_id for r in bad]
        ens = [r.reading_en for r in bad]
        if cov and cov.status in (checks.FAIL, checks.WARN):
            ids.append(f"cakupan penimbangan desa {_pct(cov.coverage)} — cari balita yang tidak datang")
            ens.append(
                f"the desa's weighing coverage is {_pct(cov.coverage)} — find the children who do not come"
            )
        out.append(Attention(g, cov, score, ids, ens, trained.get(g.key)))
    out.sort(
        key=lambda a: (
            -a.score,
            a.coverage.coverage if a.coverage is not None and a.coverage.coverage is not None else 1.0,
        )
    )
    return out[:limit]


# --- trainings --------------------------------------------------------------------------------------


def quarter_of(day: date) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def quarter_shift(period: str, k: int) -> str:
    """2024Q1 shifted by -1 is 2023Q4."""
    n = int(period[:4]) * 4 + int(period[5]) - 1 + k
    return f"{n // 4}Q{n % 4 + 1}"


@dataclass
class BeforeAfter:
    training: CadreTraining
    before_period: str
    after_period: str
    rows: list[dict[str, Any]]  # per check: title, before (value, status), after (value, status)
    fails_before: int | None
    fails_after: int | None


def training_before_after(limit: int = 50) -> list[BeforeAfter]:
    """Each recorded training: its posyandu's checks in the quarter before the training's quarter
    and in the first quarter after it (None where that quarter has no data yet)."""
    titles = check_titles()
    out = []
    for t in CadreTraining.objects.select_related("posyandu", "posyandu__desa")[:limit]:
        held = quarter_of(t.held_on)
        before, after = quarter_shift(held, -1), quarter_shift(held, 1)
        res: dict[str, dict[str, QualityResult]] = defaultdict(dict)
        for r in QualityResult.objects.filter(
            level="posyandu", key=t.posyandu.code, period__in=(before, after)
        ):
            res[r.period][r.check_code] = r
        rows = []
        for code in CHECK_ORDER:
            b, a = res[before].get(code), res[after].get(code)
            rows.append(
                {"code": code, "title_id": titles.get(code, (code, code))[0], "before": b, "after": a}
            )
        fails = {
            p: sum(r.status == checks.FAIL for r in res[p].values()) if res[p] else None
            for p in (before, after)
        }
        out.append(BeforeAfter(t, before, after, rows, fails[before], fails[after]))
    return out
