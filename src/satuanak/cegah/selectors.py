"""Reads of CEGAH DINI: venues, sessions, coverage per school year and quarter, the desa's
child-marriage flags before and after, and the figures for the KLA report.

Only aggregates and facility lists: no child's personal data. The rules themselves live in
coverage.py (pure); these functions turn database rows into its plain rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Min, QuerySet

from satuanak.cegah import coverage as cov
from satuanak.cegah.models import Kua, Session
from satuanak.facilities.models import School
from satuanak.flags.models import FlagAggregate
from satuanak.regions.models import Desa, Kecamatan

# The MPLS targets. MTs (madrasah under Kemenag) are to be loaded with the same level, see
# data/cegah/README.md.
MPLS_LEVELS = (School.Level.SMP,)
CHILD_MARRIAGE = "child_marriage"


# --- venues and sessions ----------------------------------------------------------------------


def kua_list() -> QuerySet[Kua]:
    return Kua.objects.select_related("kecamatan").order_by("kecamatan__code", "code")


def mpls_schools() -> QuerySet[School]:
    return (
        School.objects.filter(level__in=MPLS_LEVELS)
        .select_related("kecamatan")
        .order_by("kecamatan__code", "name")
    )


def _kua_venues() -> list[cov.Venue]:
    return [cov.Venue(k.pk, k.name, k.kecamatan.code, k.kecamatan.name) for k in kua_list()]


def _school_venues() -> list[cov.Venue]:
    return [cov.Venue(s.pk, s.name, s.kecamatan.code, s.kecamatan.name) for s in mpls_schools()]


def _session_rows(kind: str, start: date, end: date) -> list[cov.SessionRow]:
    venue = "kua_id" if kind == cov.BIMWIN else "school_id"
    return [
        cov.SessionRow(kind, venue_key, day, module)
        for venue_key, day, module in Session.objects.filter(
            kind=kind, date__gte=start, date__lte=end
        ).values_list(venue, "date", "health_module")
    ]


def sessions(*, kind: str = "", school_year: str = "") -> QuerySet[Session]:
    qs = Session.objects.select_related("kua__kecamatan", "school__kecamatan", "recorded_by__agency")
    if kind:
        qs = qs.filter(kind=kind)
    if school_year:
        qs = qs.filter(school_year=school_year)
    return qs.order_by("-date", "-id")


def session_get(session_id: int) -> Session | None:
    return sessions().filter(pk=session_id).first()


def school_years_known(today: date) -> list[str]:
    """This school year and every school year with a session, newest first."""
    stored = set(Session.objects.values_list("school_year", flat=True).distinct())
    return sorted({cov.school_year_of(today), *stored}, reverse=True)


# --- coverage ---------------------------------------------------------------------------------


def mpls_coverage(*, school_year: str, until: date | None = None) -> cov.Coverage:
    """SMP/MTs reached by an MPLS with the health module in the school year (up to `until`)."""
    start, end = cov.school_year_bounds(school_year)
    end = min(end, until) if until else end
    return cov.coverage(
        kind=cov.MPLS,
        venues=_school_venues(),
        sessions=_session_rows(cov.MPLS, start, end),
        start=start,
        end=end,
    )


def bimwin_coverage(*, start: date, end: date) -> cov.Coverage:
    """KUA reached by a Bimwin with the health module between `start` and `end`."""
    return cov.coverage(
        kind=cov.BIMWIN,
        venues=_kua_venues(),
        sessions=_session_rows(cov.BIMWIN, start, end),
        start=start,
        end=end,
    )


@dataclass(frozen=True)
class QuarterRow:
    quarter: str
    bimwin: cov.Coverage  # KUA reached in the quarter
    mpls_to_date: cov.Coverage  # SMP/MTs reached from the school year's start to the quarter's end


@dataclass(frozen=True)
class Overview:
    school_year: str
    quarter: str
    mpls: cov.Coverage  # the whole school year
    bimwin_year: cov.Coverage  # KUA reached in the school year
    bimwin_quarter: cov.Coverage  # KUA reached in the chosen quarter
    quarters: list[QuarterRow]
    before_after: list[cov.KecamatanBeforeAfter]


def cegah_overview(*, school_year: str, quarter: str) -> Overview:
    """Everything the overview page shows; PeriodError for an unreadable year or quarter."""
    sy_start, sy_end = cov.school_year_bounds(school_year)
    q_start, q_end = cov.quarter_bounds(quarter)
    quarters = [
        QuarterRow(
            quarter=q,
            bimwin=bimwin_coverage(start=cov.quarter_bounds(q)[0], end=cov.quarter_bounds(q)[1]),
            mpls_to_date=mpls_coverage(school_year=school_year, until=cov.quarter_bounds(q)[1]),
        )
        for q in cov.quarters_of_school_year(school_year)
    ]
    return Overview(
        school_year=school_year,
        quarter=quarter,
        mpls=mpls_coverage(school_year=school_year),
        bimwin_year=bimwin_coverage(start=sy_start, end=sy_end),
        bimwin_quarter=bimwin_coverage(start=q_start, end=q_end),
        quarters=quarters,
        before_after=child_marriage_before_after(school_year=school_year),
    )


# --- before / after ---------------------------------------------------------------------------


def _first_sessions(school_year: str) -> dict[str, date]:
    """Kecamatan code -> the date of its first session (either kind) in the school year."""
    first: dict[str, date] = {}
    found = Session.objects.filter(school_year=school_year)
    for code, day in [
        *found.filter(kind=cov.BIMWIN)
        .values("kua__kecamatan__code")
        .annotate(d=Min("date"))
        .values_list("kua__kecamatan__code", "d"),
        *found.filter(kind=cov.MPLS)
        .values("school__kecamatan__code")
        .annotate(d=Min("date"))
        .values_list("school__kecamatan__code", "d"),
    ]:
        if code and day and (code not in first or day < first[code]):
            first[code] = day
    return first


def child_marriage_before_after(*, school_year: str) -> list[cov.KecamatanBeforeAfter]:
    """Per kecamatan with a session in the school year, each desa's child-marriage flag rate in
    the quarter before its first session and in the latest quarter after it (coverage.py)."""
    first = _first_sessions(school_year)
    if not first:
        return []
    desa_by_kecamatan: dict[str, list[tuple[str, str]]] = {}
    for code, name, kec in Desa.objects.filter(kecamatan__code__in=first).values_list(
        "code", "name", "kecamatan__code"
    ):
        desa_by_kecamatan.setdefault(kec, []).append((code, name))
    codes = [c for rows in desa_by_kecamatan.values() for c, _ in rows]
    rates = [
        cov.RateRow(area, period, n, d, rate)
        for area, period, n, d, rate in FlagAggregate.objects.filter(
            code=CHILD_MARRIAGE, level="desa", area_code__in=codes
        ).values_list("area_code", "period", "numerator", "denominator", "rate")
    ]
    names = dict(Kecamatan.objects.filter(code__in=first).values_list("code", "name"))
    return cov.before_after(
        first_sessions=first, kecamatan_names=names, desa_by_kecamatan=desa_by_kecamatan, rates=rates
    )


# --- KLA --------------------------------------------------------------------------------------


def kla_figures(*, period: str) -> dict[str, tuple[int, int, date]]:
    """(numerator, denominator, data date) for the KLA scorecard and report:

    - "mpls_coverage": SMP/MTs reached by an MPLS with the health module in the school year that
      contains the period's last day, counting sessions up to that day;
    - "bimwin_coverage": KUA reached by a Bimwin with the health module in the period.

    A figure is absent when no session of its kind was recorded in its window (the programme's
    records are not in the platform, which is not the same as 0%) or there are no venues. The data
    date is the period's last day. PeriodError for an unreadable period."""
    start, end = cov.quarter_bounds(period)
    out: dict[str, tuple[int, int, date]] = {}
    mpls = mpls_coverage(school_year=cov.school_year_of(end), until=end)
    if mpls.district.total and mpls.sessions_counted + mpls.sessions_without_module:
        out["mpls_coverage"] = (mpls.district.covered, mpls.district.total, end)
    bimwin = bimwin_coverage(start=start, end=end)
    if bimwin.district.total and bimwin.sessions_counted + bimwin.sessions_without_module:
        out["bimwin_coverage"] = (bimwin.district.covered, bimwin.district.total, end)
    return out
