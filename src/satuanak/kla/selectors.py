"""Reads of the KLA evaluation: indicator values per period, the scorecard, the roadmap's KPIs
and an indicator's trend. Aggregates only: every figure is a count, a share or a score.

Where a value comes from, per indicator of the version in use:
1. the platform, when the indicator names a `platform_source` and the platform has data for the
   period (numerator, denominator and the data date: the last flags run's date within the
   period, else the period's last day);
2. else the latest value an agency entered for the code and period (history kept);
3. else "missing" (no points).
To use entered figures for an indicator the platform feeds, the task force clears its platform
source in a new version of the set.

Platform computations (`kla_platform_values`, keyed by platform source):
- akta_coverage, kia_coverage, immunisation_coverage: 100 * (1 - rate) of the district flag
  aggregate no_akta / no_kia / immunisation_incomplete (numerator = children with the document
  or complete for age, denominator = children assessed);
- stunting_prevalence, child_marriage_rate, out_of_school_rate: 100 * the district rate of the
  flags stunting / child_marriage / out_of_school (lower is better);
- facility_deliveries: deliveries in the period in the KIA delivery register (kia_persalinan)
  whose place is a facility (not "Rumah") over deliveries with a known place;
- prap_share: puskesmas with a PRAP certificate in force on the period's last day over all
  puskesmas;
- disability_served: children with a developmental screening needing referral (KPSP deviation,
  hearing or vision suspected) in the period, of whom those with a referral to a SAPA ABK unit
  completed by the period's last day;
- violence_served: children with a violence case in the period (district aggregate of the flag
  violence_case = denominator), of whom those with a protection referral to UPTD PPA or Dinsos
  P3A completed by the period's last day (numerator, from the flagged children);
- online_share: online applications (Adminduk Digital) over online applications plus 3-in-1
  birth declarations (not rejected) received in the period;
- gesit_kecamatan_share: kecamatan with a confirmed GESIT (BAAS) assignment started by the
  period's last day over all kecamatan;
- adolescents and prevention (issue 13), computed by their apps' `kla_figures`/`halo_figures`:
  pkpr_share, posyandu_remaja_active, ttd_coverage, anaemia_rate (satuanak.remaja),
  mpls_coverage, bimwin_coverage (satuanak.cegah), halo_answered_24h (satuanak.halo);
- participation and partnerships (issue 14): apsai_delivered, funding_spent (satuanak.kemitraan),
  2p_answered_14d, musrenbang_accepted (satuanak.partisipasi).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from importlib import import_module
from typing import Any

import polars as pl
from django.db.models import QuerySet
from django.utils import timezone

from satuanak.kla import scoring
from satuanak.kla.models import EnteredValue, Indicator, IndicatorSet, ValueEvidence
from satuanak.kla.scoring import IndicatorInput, IndicatorScore, Scorecard

_PERIOD = re.compile(r"^(\d{4})Q([1-4])$")


class KlaError(ValueError):
    """Bad input or missing set-up, with a message in Bahasa Indonesia / English."""


# --- periods ----------------------------------------------------------------------------------


def period_bounds(period: str) -> tuple[date, date]:
    """First and last day of "2024Q4"; KlaError for anything else."""
    m = _PERIOD.match(period.strip()) if isinstance(period, str) else None
    if not m or not 2000 <= int(m.group(1)) <= 2100:
        raise KlaError(
            f"Periode tidak sah: {str(period)[:20]!r} (mis. 2024Q4). / "
            f"Invalid period: {str(period)[:20]!r} (e.g. 2024Q4)."
        )
    year, q = int(m.group(1)), int(m.group(2))
    first = date(year, 3 * q - 2, 1)
    after = date(year + 1, 1, 1) if q == 4 else date(year, 3 * q + 1, 1)
    return first, after - timedelta(days=1)


def period_of(day: date) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def previous_period(period: str) -> str:
    first, _ = period_bounds(period)
    return period_of(first - timedelta(days=1))


def periods_back(period: str, n: int) -> list[str]:
    """`n` periods ending with `period`, oldest first."""
    out = [period]
    while len(out) < n:
        out.append(previous_period(out[-1]))
    return list(reversed(out))


# --- values -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class IndicatorValue:
    code: str  # indicator code (or platform source name in kla_platform_values)
    value: float | None
    numerator: int | None
    denominator: int | None
    data_date: date | None
    source: str  # "platform" | "entered" | "missing"
    note: str = ""
    entered_by: str = ""
    entered_value_id: int | None = None
    evidence_count: int = 0


PLATFORM_LABELS: dict[str, tuple[str, str]] = {
    "akta_coverage": ("Cakupan akta kelahiran", "Birth-certificate coverage"),
    "kia_coverage": ("Cakupan Kartu Identitas Anak (KIA)", "Child identity card (KIA) coverage"),
    "immunisation_coverage": ("Imunisasi lengkap sesuai umur", "Immunisation complete for age"),
    "stunting_prevalence": ("Prevalensi stunting", "Stunting prevalence"),
    "child_marriage_rate": ("Perkawinan anak", "Child marriage"),
    "out_of_school_rate": ("Anak tidak sekolah", "Children out of school"),
    "facility_deliveries": ("Persalinan di fasilitas kesehatan", "Deliveries at a facility"),
    "prap_share": ("Puskesmas bersertifikat PRAP", "Puskesmas certified child-friendly"),
    "disability_served": ("Anak disabilitas terlayani (SAPA ABK)", "Children with disabilities served"),
    "violence_served": ("Anak korban kekerasan terlayani", "Child victims of violence served"),
    "online_share": ("Permohonan adminduk daring", "Adminduk requests online"),
    "gesit_kecamatan_share": ("Kecamatan dengan GESIT", "Kecamatan with GESIT"),
    # Adolescents and prevention (issue 13): shown beside the scorecard and in the report's
    # section 8; child marriage (II-07) and PRAP (III-13) stay the scored indicators.
    "pkpr_share": ("Puskesmas memenuhi standar PKPR", "Puskesmas meeting the PKPR standard"),
    "posyandu_remaja_active": ("Desa dengan Posyandu Remaja aktif", "Desa with an active Posyandu Remaja"),
    "ttd_coverage": ("Cakupan tablet tambah darah remaja putri", "Iron tablets: adolescent girls reached"),
    "anaemia_rate": ("Remaja putri anemia (dari yang diskrining)", "Adolescent girls anaemic (of screened)"),
    "mpls_coverage": (
        "SMP/MTs dengan MPLS modul kesehatan",
        "Junior secondary schools with the MPLS health module",
    ),
    "bimwin_coverage": ("KUA dengan Bimwin modul kesehatan", "KUA with Bimwin and the health module"),
    "halo_answered_24h": ("Halo Remaja dijawab dalam 24 jam", "Halo Remaja answered within 24 hours"),
    # Participation and partnerships (issue 14).
    "apsai_delivered": ("Komitmen APSAI terealisasi", "APSAI commitments delivered"),
    "funding_spent": ("Realisasi dana program anak", "Child programme funds spent of planned"),
    "2p_answered_14d": ("Laporan Forum Anak dijawab ≤ 14 hari", "Forum Anak reports answered within 14 days"),
    "musrenbang_accepted": (
        "Usulan Forum Anak diterima Musrenbang",
        "Forum Anak proposals accepted in Musrenbang",
    ),
}


def _flags_date(period_end: date) -> date:
    from satuanak.flags.models import FlagRun

    run = FlagRun.objects.filter(status=FlagRun.Status.DONE).order_by("-as_of", "-id").first()
    return min(run.as_of, period_end) if run is not None else period_end


def _pct(num: int, den: int) -> float:
    return round(100.0 * num / den, 4)


def _flag_value(code: str, period: str, *, complement: bool) -> IndicatorValue | None:
    from satuanak.flags.models import FlagAggregate

    row = FlagAggregate.objects.filter(code=code, period=period, level="district").first()
    if row is None or row.denominator == 0:
        return None
    num = row.denominator - row.numerator if complement else row.numerator
    return IndicatorValue(
        code="",
        value=_pct(num, row.denominator),
        numerator=num,
        denominator=row.denominator,
        data_date=_flags_date(period_bounds(period)[1]),
        source=scoring.SOURCE_PLATFORM,
        note=f"flags:{code} ({'1 - rate' if complement else 'rate'})",
    )


def _facility_deliveries(period: str) -> IndicatorValue | None:
    from satuanak.adminduk.selectors import HOME_BIRTH, KIA_DELIVERIES_ADAPTER
    from satuanak.imports.services import staged_records

    first, last = period_bounds(period)
    rows = staged_records(KIA_DELIVERIES_ADAPTER)
    if rows is None:
        return None
    df = (
        rows.filter(pl.col("delivery_date").is_between(first, last) & pl.col("delivery_place").is_not_null())
        .select(
            pl.len().alias("known"),
            (pl.col("delivery_place").str.to_lowercase().str.strip_chars() != HOME_BIRTH)
            .sum()
            .alias("facility"),
        )
        .collect()
    )
    known, facility = int(df["known"][0]), int(df["facility"][0] or 0)
    if known == 0:
        return None
    return IndicatorValue(
        "", _pct(facility, known), facility, known, last, scoring.SOURCE_PLATFORM, "kia_persalinan"
    )


def prap_certified_on(day: date) -> tuple[int, int]:
    """(puskesmas with a certificate in force on `day`, all puskesmas)."""
    from satuanak.prap import states as prap_states
    from satuanak.prap.models import Assessment
    from satuanak.prap.selectors import puskesmas

    spans: dict[int, list[tuple[date, date | None]]] = {}
    for a in Assessment.objects.filter(certified_on__isnull=False).only(
        "facility_id", "certified_on", "ended_on"
    ):
        if a.certified_on is not None:
            spans.setdefault(a.facility_id, []).append((a.certified_on, a.ended_on))
    certified = sum(1 for fs in spans.values() if prap_states.in_force(fs, day) > 0)
    return certified, puskesmas().count()


def _prap_share(period: str) -> IndicatorValue | None:
    from satuanak.prap.models import Assessment

    last = period_bounds(period)[1]
    certified, total = prap_certified_on(last)
    if total == 0 or not Assessment.objects.exists():  # PRAP not used yet
        return None
    return IndicatorValue("", _pct(certified, total), certified, total, last, scoring.SOURCE_PLATFORM, "prap")


def _completed_children(referrals: QuerySet[Any], day: date) -> set[int]:
    """Children of the referrals completed by `day` (the completion event's local date; a
    completed referral without an event counts)."""
    from satuanak.referrals import transitions as t
    from satuanak.referrals.models import ReferralEvent

    rows = list(referrals.filter(status=t.COMPLETED).values_list("id", "child_id"))
    done: dict[int, datetime] = {}
    for rid, at in ReferralEvent.objects.filter(
        referral_id__in=[r for r, _ in rows], to_status=t.COMPLETED
    ).values_list("referral_id", "at"):
        done[rid] = min(done.get(rid, at), at)
    return {child for rid, child in rows if rid not in done or timezone.localtime(done[rid]).date() <= day}


def _disability_served(period: str) -> IndicatorValue | None:
    from satuanak.referrals import transitions as t
    from satuanak.referrals.models import DevelopmentScreening, Referral, ServiceUnit

    first, last = period_bounds(period)
    children = set(
        DevelopmentScreening.objects.filter(
            screened_on__gte=first, screened_on__lte=last, result__in=sorted(t.REFER_RESULTS)
        ).values_list("child_id", flat=True)
    )
    if not children:
        return None
    served = _completed_children(
        Referral.objects.filter(child_id__in=children, to_unit__kind=ServiceUnit.Kind.SAPA_ABK), last
    )
    return IndicatorValue(
        "",
        _pct(len(served), len(children)),
        len(served),
        len(children),
        last,
        scoring.SOURCE_PLATFORM,
        "referrals",
    )


def _violence_served(period: str) -> IndicatorValue | None:
    from satuanak.flags.models import ChildFlag, FlagAggregate
    from satuanak.referrals.models import Referral
    from satuanak.referrals.services import PROTECTION_UNIT_KINDS

    _first, last = period_bounds(period)
    row = FlagAggregate.objects.filter(code="violence_case", period=period, level="district").first()
    if row is None or row.numerator == 0:
        return None
    flagged = set(
        ChildFlag.objects.filter(
            code="violence_case", period=period, status=ChildFlag.Status.FLAGGED
        ).values_list("child_id", flat=True)
    )
    served = _completed_children(
        Referral.objects.filter(
            child_id__in=flagged, is_protection=True, to_unit__kind__in=sorted(PROTECTION_UNIT_KINDS)
        ),
        last,
    )
    num = min(len(served), row.numerator)
    return IndicatorValue(
        "",
        _pct(num, row.numerator),
        num,
        row.numerator,
        _flags_date(last),
        scoring.SOURCE_PLATFORM,
        "simfoni+referrals",
    )


def _online_share(period: str) -> IndicatorValue | None:
    from satuanak.adminduk import states as adminduk_states
    from satuanak.adminduk.models import BirthDeclaration
    from satuanak.applications.models import OnlineApplication

    first, last = period_bounds(period)
    online = OnlineApplication.objects.filter(created_at__date__gte=first, created_at__date__lte=last).count()
    declared = (
        BirthDeclaration.objects.exclude(state=adminduk_states.REJECTED)
        .filter(created_at__date__gte=first, created_at__date__lte=last)
        .count()
    )
    total = online + declared
    if total == 0:
        return None
    return IndicatorValue(
        "", _pct(online, total), online, total, last, scoring.SOURCE_PLATFORM, "applications"
    )


def gesit_kecamatan_on(day: date) -> tuple[int, int]:
    """(kecamatan with a confirmed GESIT assignment started by `day`, all kecamatan)."""
    from satuanak.gesit.models import BaasAssignment
    from satuanak.regions.models import Kecamatan

    reached = (
        BaasAssignment.objects.filter(
            start_date__lte=day, status__in=[BaasAssignment.Status.CONFIRMED, BaasAssignment.Status.ENDED]
        )
        .exclude(confirmed_at__isnull=True)
        .values_list("baas__kecamatan_id", flat=True)
        .distinct()
    )
    return len(set(reached)), Kecamatan.objects.count()


def _gesit_share(period: str) -> IndicatorValue | None:
    from satuanak.gesit.models import Baas

    last = period_bounds(period)[1]
    reached, total = gesit_kecamatan_on(last)
    if total == 0 or not Baas.objects.exists():  # GESIT not used yet
        return None
    return IndicatorValue("", _pct(reached, total), reached, total, last, scoring.SOURCE_PLATFORM, "gesit")


def _app_figure(module: str, function: str, key: str) -> Callable[[str], IndicatorValue | None]:
    """A share another app computes as (numerator, denominator, data date) for a period."""

    def compute(period: str) -> IndicatorValue | None:
        figures = getattr(import_module(module), function)(period=period)
        if key not in figures:
            return None
        num, den, on = figures[key]
        if den == 0:
            return None
        return IndicatorValue("", _pct(num, den), num, den, on, scoring.SOURCE_PLATFORM, key)

    return compute


PLATFORM_COMPUTATIONS: dict[str, Callable[[str], IndicatorValue | None]] = {
    "akta_coverage": lambda p: _flag_value("no_akta", p, complement=True),
    "kia_coverage": lambda p: _flag_value("no_kia", p, complement=True),
    "immunisation_coverage": lambda p: _flag_value("immunisation_incomplete", p, complement=True),
    "stunting_prevalence": lambda p: _flag_value("stunting", p, complement=False),
    "child_marriage_rate": lambda p: _flag_value("child_marriage", p, complement=False),
    "out_of_school_rate": lambda p: _flag_value("out_of_school", p, complement=False),
    "facility_deliveries": _facility_deliveries,
    "prap_share": _prap_share,
    "disability_served": _disability_served,
    "violence_served": _violence_served,
    "online_share": _online_share,
    "gesit_kecamatan_share": _gesit_share,
    "pkpr_share": _app_figure("satuanak.remaja.selectors", "kla_figures", "pkpr_share"),
    "posyandu_remaja_active": _app_figure(
        "satuanak.remaja.selectors", "kla_figures", "posyandu_remaja_active"
    ),
    "ttd_coverage": _app_figure("satuanak.remaja.selectors", "kla_figures", "ttd_coverage"),
    "anaemia_rate": _app_figure("satuanak.remaja.selectors", "kla_figures", "anaemia_rate"),
    "mpls_coverage": _app_figure("satuanak.cegah.selectors", "kla_figures", "mpls_coverage"),
    "bimwin_coverage": _app_figure("satuanak.cegah.selectors", "kla_figures", "bimwin_coverage"),
    "halo_answered_24h": _app_figure("satuanak.halo.selectors", "halo_figures", "halo_answered_24h"),
    "apsai_delivered": _app_figure("satuanak.kemitraan.selectors", "partnership_figures", "apsai_delivered"),
    "funding_spent": _app_figure("satuanak.kemitraan.selectors", "partnership_figures", "funding_spent"),
    "2p_answered_14d": _app_figure(
        "satuanak.partisipasi.selectors", "participation_figures", "2p_answered_14d"
    ),
    "musrenbang_accepted": _app_figure(
        "satuanak.partisipasi.selectors", "participation_figures", "musrenbang_accepted"
    ),
}


def kla_platform_value(*, source: str, period: str) -> IndicatorValue | None:
    compute = PLATFORM_COMPUTATIONS.get(source)
    if compute is None:
        return None
    found = compute(period)
    if found is None:
        return None
    return IndicatorValue(
        source, found.value, found.numerator, found.denominator, found.data_date, found.source, found.note
    )


def kla_platform_values(*, period: str) -> dict[str, IndicatorValue]:
    """Every platform computation with data for the period, keyed by platform source."""
    period_bounds(period)
    out = {}
    for name in PLATFORM_COMPUTATIONS:
        found = kla_platform_value(source=name, period=period)
        if found is not None:
            out[name] = found
    return out


def latest_entered(*, code: str, period: str) -> EnteredValue | None:
    return (
        EnteredValue.objects.filter(code=code, period=period)
        .select_related("entered_by")
        .order_by("-entered_at", "-id")
        .first()
    )


def entered_history(*, code: str | None = None, period: str | None = None) -> list[EnteredValue]:
    qs = EnteredValue.objects.select_related("entered_by").prefetch_related("evidence")
    if code:
        qs = qs.filter(code=code)
    if period:
        qs = qs.filter(period=period)
    return list(qs.order_by("-entered_at", "-id")[:200])


def _entered_value(code: str, e: EnteredValue) -> IndicatorValue:
    return IndicatorValue(
        code=code,
        value=e.value,
        numerator=e.numerator,
        denominator=e.denominator,
        data_date=e.data_date or period_bounds(e.period)[1],
        source=scoring.SOURCE_ENTERED,
        note=e.note,
        entered_by=getattr(e.entered_by, "username", ""),
        entered_value_id=e.pk,
        evidence_count=ValueEvidence.objects.filter(entered_value=e).count(),
    )


# --- indicator sets ---------------------------------------------------------------------------


def indicator_set_published() -> IndicatorSet | None:
    return IndicatorSet.objects.filter(published=True).order_by("-version").first()


def indicator_set_draft() -> IndicatorSet | None:
    return IndicatorSet.objects.filter(published=False).order_by("-version").first()


def indicator_set(version: int | None = None) -> IndicatorSet:
    """The given version, else the latest published one; KlaError if none."""
    found = (
        IndicatorSet.objects.filter(version=version).first()
        if version is not None
        else indicator_set_published()
    )
    if found is None:
        raise KlaError(
            "Set indikator KLA belum dimuat (satuanak kla load-indicators). / "
            "No KLA indicator set loaded yet (satuanak kla load-indicators)."
            if version is None
            else f"Versi indikator {version} tidak ada. / Indicator version {version} does not exist."
        )
    return found


def indicators_of(s: IndicatorSet) -> list[Indicator]:
    return list(s.indicators.order_by("order", "code"))


def kla_indicator_values(*, period: str, version: int | None = None) -> dict[str, IndicatorValue]:
    """Per indicator code of the version (latest published by default): the platform's value,
    else the latest entered one, else missing."""
    period_bounds(period)
    out: dict[str, IndicatorValue] = {}
    for ind in indicators_of(indicator_set(version)):
        found = kla_platform_value(source=ind.platform_source, period=period) if ind.platform_source else None
        if found is not None:
            out[ind.code] = IndicatorValue(
                ind.code,
                found.value,
                found.numerator,
                found.denominator,
                found.data_date,
                found.source,
                found.note,
            )
            continue
        entered = latest_entered(code=ind.code, period=period)
        if entered is not None:
            out[ind.code] = _entered_value(ind.code, entered)
        else:
            out[ind.code] = IndicatorValue(ind.code, None, None, None, None, scoring.SOURCE_MISSING)
    return out


def indicator_input(ind: Indicator, v: IndicatorValue | None) -> IndicatorInput:
    return IndicatorInput(
        code=ind.code,
        cluster=ind.cluster,
        title_id=ind.title_id,
        title_en=ind.title_en,
        unit=ind.unit,
        target=ind.target,
        weight=ind.weight,
        higher_is_better=ind.higher_is_better,
        verified=ind.verified,
        zero_point=ind.zero_point,
        value=v.value if v else None,
        numerator=v.numerator if v else None,
        denominator=v.denominator if v else None,
        data_date=v.data_date if v else None,
        source=v.source if v else scoring.SOURCE_MISSING,
        order=ind.order,
    )


def kla_scorecard(*, period: str, version: int | None = None) -> Scorecard:
    """The estimated score of a period under a version (latest published by default)."""
    s = indicator_set(version)
    values = kla_indicator_values(period=period, version=s.version)
    inputs = [indicator_input(ind, values.get(ind.code)) for ind in indicators_of(s)]
    try:
        return scoring.score(inputs, period=period, version=s.version)
    except scoring.ScoringError as exc:
        raise KlaError(str(exc)) from exc


def kla_what_moves(scorecard: Scorecard) -> list[IndicatorScore]:
    return scoring.what_moves(scorecard)


def kla_trend(
    *, code: str, periods: Sequence[str], version: int | None = None
) -> list[tuple[str, float | None]]:
    """(period, value) for one indicator code over the periods, in the order given."""
    out = []
    for p in periods:
        v = kla_indicator_values(period=p, version=version).get(code)
        out.append((p, v.value if v else None))
    return out


# --- roadmap ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RoadmapKpi:
    phase: str
    due: date
    name_id: str
    name_en: str
    target: float
    actual: float | None  # on the due date if past, else today
    unit: str
    met: bool | None  # None: no data, or due later and not reached yet
    source: str  # where the actual comes from (or "missing")
    strict: bool = False  # "more than" the target
    seed: str = ""  # which seed report states it

    @property
    def target_text(self) -> str:
        t = f"{self.target:g}{'%' if self.unit == '%' else ''}"
        return f"> {t}" if self.strict else f"≥ {t}"


@dataclass(frozen=True)
class _KpiDef:
    phase: str
    due: date
    name_id: str
    name_en: str
    target: float
    unit: str
    measure: str
    strict: bool = False
    seed: str = "000"


SEED_HEALTH = "000_c002f097f3a50e4f.txt (Tabel 3)"
SEED_DUKCAPIL = "003_7241574e2114e611.txt (5.1, Tabel 1)"

KPIS: tuple[_KpiDef, ...] = (
    _KpiDef(
        "2025 Q1-Q2",
        date(2025, 6, 30),
        "Puskesmas tersertifikasi PRAP",
        "Puskesmas certified PRAP",
        4,
        "jumlah",
        "prap_certified",
        seed=SEED_HEALTH,
    ),
    _KpiDef(
        "2025 Q1-Q2",
        date(2025, 6, 30),
        "GESIT di 25% kecamatan",
        "GESIT in 25% of kecamatan",
        25,
        "%",
        "gesit_kecamatan_share",
        seed=SEED_HEALTH,
    ),
    _KpiDef(
        "2025 Q3-Q4",
        date(2025, 12, 31),
        "Puskesmas tersertifikasi PRAP",
        "Puskesmas certified PRAP",
        9,
        "jumlah",
        "prap_certified",
        seed=SEED_HEALTH,
    ),
    _KpiDef(
        "2025 Q3-Q4",
        date(2025, 12, 31),
        "GESIT di 50% kecamatan",
        "GESIT in 50% of kecamatan",
        50,
        "%",
        "gesit_kecamatan_share",
        seed=SEED_HEALTH,
    ),
    _KpiDef(
        "2025 Q3-Q4",
        date(2025, 12, 31),
        "Posyandu Remaja aktif di lebih dari 80 desa",
        "Youth posyandu active in more than 80 desa",
        80,
        "jumlah",
        "posyandu_remaja",
        strict=True,
        seed=SEED_HEALTH,
    ),
    _KpiDef(
        "2025 Q3-Q4",
        date(2025, 12, 31),
        "Unit SAPA ABK beroperasi",
        "SAPA ABK units operating",
        2,
        "jumlah",
        "sapa_abk_units",
        seed=SEED_HEALTH,
    ),
    _KpiDef(
        "2026 Q1-Q2",
        date(2026, 6, 30),
        "Puskesmas tersertifikasi PRAP",
        "Puskesmas certified PRAP",
        13,
        "jumlah",
        "prap_certified",
        seed=SEED_HEALTH,
    ),
    _KpiDef(
        "2026 Q3-Q4",
        date(2026, 12, 31),
        "Puskesmas tersertifikasi PRAP (100%)",
        "Puskesmas certified PRAP (100%)",
        17,
        "jumlah",
        "prap_certified",
        seed=SEED_HEALTH,
    ),
    _KpiDef(
        "2026 Q3-Q4",
        date(2026, 12, 31),
        "Cakupan akta kelahiran di atas 95%",
        "Birth-certificate coverage above 95%",
        95,
        "%",
        "akta_coverage",
        strict=True,
        seed=SEED_DUKCAPIL,
    ),
    _KpiDef(
        "2026 Q3-Q4",
        date(2026, 12, 31),
        "Cakupan KIA di atas 95%",
        "KIA coverage above 95%",
        95,
        "%",
        "kia_coverage",
        strict=True,
        seed=SEED_DUKCAPIL,
    ),
    _KpiDef(
        "2026 Q3-Q4",
        date(2026, 12, 31),
        "Minimal 30% permohonan adminduk daring",
        "At least 30% of adminduk requests online",
        30,
        "%",
        "online_share",
        seed=SEED_DUKCAPIL,
    ),
    _KpiDef(
        "2026 Q3-Q4",
        date(2026, 12, 31),
        "Skor KLA (perkiraan) minimal 801 - Utama",
        "KLA score (estimate) at least 801 - Utama",
        801,
        "poin",
        "kla_score",
        seed=SEED_DUKCAPIL,
    ),
)


def _latest_flag_period(code: str, on: date) -> str | None:
    from satuanak.flags.models import FlagAggregate

    return (
        FlagAggregate.objects.filter(code=code, level="district", period__lte=period_of(on))
        .order_by("-period")
        .values_list("period", flat=True)
        .first()
    )


def _kpi_actual(measure: str, on: date) -> tuple[float | None, str]:
    from satuanak.referrals.models import ServiceUnit

    if measure == "prap_certified":
        return float(prap_certified_on(on)[0]), "platform: PRAP"
    if measure == "sapa_abk_units":
        n = ServiceUnit.objects.filter(kind=ServiceUnit.Kind.SAPA_ABK, active=True).count()
        return float(n), "platform: unit layanan / service units"
    if measure == "posyandu_remaja":
        return None, scoring.SOURCE_MISSING
    if measure == "gesit_kecamatan_share":
        reached, total = gesit_kecamatan_on(on)
        return (_pct(reached, total) if total else None), "platform: GESIT"
    if measure in ("akta_coverage", "kia_coverage"):
        flag = "no_akta" if measure == "akta_coverage" else "no_kia"
        period = _latest_flag_period(flag, on)
        v = kla_platform_value(source=measure, period=period) if period else None
        return (v.value if v else None), (f"platform: flags {period}" if v else scoring.SOURCE_MISSING)
    if measure == "online_share":
        v = kla_platform_value(source=measure, period=period_of(on))
        return (v.value if v else None), (f"platform: {period_of(on)}" if v else scoring.SOURCE_MISSING)
    if measure == "kla_score":
        try:
            card = kla_scorecard(period=period_of(on))
        except KlaError:
            return None, scoring.SOURCE_MISSING
        return card.total, f"perkiraan / estimate {card.period} v{card.version}"
    raise KlaError(f"Ukuran tidak dikenal / unknown measure: {measure}")


def kla_roadmap(*, today: date) -> list[RoadmapKpi]:
    """The roadmap's KPIs with the actual on the due date (past) or today (ahead)."""
    out = []
    for k in KPIS:
        on = min(k.due, today)
        actual, source = _kpi_actual(k.measure, on)
        if actual is None:
            met: bool | None = None
        else:
            reached = actual > k.target if k.strict else actual >= k.target
            met = True if reached else (False if k.due <= today else None)
        out.append(
            RoadmapKpi(
                k.phase,
                k.due,
                k.name_id,
                k.name_en,
                float(k.target),
                actual,
                k.unit,
                met,
                source,
                k.strict,
                k.seed,
            )
        )
    return out
