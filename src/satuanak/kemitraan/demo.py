"""Partnerships and funding in the demo district, recorded through the same services staff use.

- IKM: anonymous answer sheets at the Disdukcapil counter, the Jempol mobile unit and three
  puskesmas, in the quarter before the reference date's and in its own (2024Q3 and 2024Q4 for a
  December 2024 reference date). Two puskesmas and both Disdukcapil points have enough
  respondents; one puskesmas has too few, so the results page shows the warning. The earlier
  quarter is set as the baseline where it has enough respondents; satisfaction rises a little
  after it, so some points meet the +15% target and some do not.
- APSAI: five member companies (fictional, marked "contoh") with commitments for the reference
  year (BAAS slots, play spaces, scholarships) and partial deliveries.
- Funding: planned and spent entries for the reference year across sources and programmes.

Authored by the demo user "bappeda" (needs the demo users and reference data). Answers follow a
checksum of point, quarter and respondent, so a rerun draws the same; a point and quarter that
already has answers, a company that already exists and a year that already has bappeda's
funding entries are skipped, so a second call adds nothing and returns zeros.
"""

from __future__ import annotations

import zlib
from datetime import date, timedelta

from satuanak.accounts.models import User
from satuanak.facilities.models import HealthFacility
from satuanak.kemitraan.models import (
    Company,
    FundingEntry,
    IkmBaseline,
    IkmResponse,
    ServicePoint,
)
from satuanak.kemitraan.selectors import ikm_result_for
from satuanak.kemitraan.services import (
    KemitraanError,
    commitment_create,
    company_create,
    delivery_record,
    funding_entry_record,
    ikm_baseline_set,
    ikm_response_record,
    ikm_service_points_sync,
    question_set,
)

# (respondents in the earlier quarter, in the later one, share of "4" answers, of "3", percentage
# points more "4" answers in the later quarter) per point: services were meant to improve, some
# enough to meet the +15% target (Jempol, the first puskesmas), others not yet.
IKM_PLAN: dict[str, tuple[int, int, int, int, int]] = {
    "disdukcapil": (40, 46, 30, 45, 12),
    "jempol": (32, 38, 30, 40, 45),
    "pkm:0": (34, 31, 20, 50, 60),
    "pkm:1": (30, 33, 35, 45, 12),
    "pkm:2": (9, 12, 40, 40, 12),  # too few respondents, both quarters
}

COMPANIES: tuple[tuple[str, str, str, str], ...] = (
    ("PT Sawit Lestari Bengkayang (contoh)", "Perkebunan kelapa sawit", "2024-03-12", "Ibu R. Lestari"),
    ("Bank Daerah Cabang Bengkayang (contoh)", "Perbankan", "2024-04-02", "Bpk. Andreas"),
    ("CV Tambang Batu Sebalo (contoh)", "Pertambangan galian C", "2024-05-20", "Bpk. Yohanes"),
    ("Toko Serba Ada Ledo (contoh)", "Perdagangan ritel", "2024-06-15", "Ibu Maria"),
    ("PT Telekomunikasi Perbatasan (contoh)", "Telekomunikasi", "2024-07-01", "Sdr. Kurniawan"),
)
# Per company: (kind, programme, quantity, delivered, description).
COMMITMENTS: tuple[tuple[tuple[str, str, int, int, str], ...], ...] = (
    (
        ("baas_slots", "GESIT", 20, 14, "Bapak asuh untuk balita stunting"),
        ("play_spaces", "OTHER", 2, 1, "RBRA"),
    ),
    (
        ("scholarships", "OTHER", 15, 15, "Beasiswa SMP"),
        ("baas_slots", "GESIT", 10, 4, "Bapak asuh karyawan"),
    ),
    (("play_spaces", "OTHER", 3, 0, "Ruang bermain di desa lingkar tambang"),),
    (("baas_slots", "PMT", 5, 3, "Paket PMT lokal"),),
    (
        ("other", "JEMPOL", 1, 1, "Kuota internet layanan keliling"),
        ("scholarships", "REMAJA_CAKAP", 8, 2, ""),
    ),
)
# (programme, source, planned, spent share in percent of planned), in rupiah.
FUNDING: tuple[tuple[str, str, int, int], ...] = (
    ("GESIT", "APBD", 450_000_000, 82),
    ("GESIT", "CSR", 300_000_000, 64),
    ("PMT", "BOK", 600_000_000, 91),
    ("PMT", "DANA_DESA", 350_000_000, 70),
    ("PRAP", "DAK_FISIK", 1_200_000_000, 55),
    ("PRAP", "DAK_NONFISIK", 250_000_000, 88),
    ("ADMINDUK_3IN1", "APBD", 120_000_000, 95),
    ("JEMPOL", "APBD", 180_000_000, 77),
    ("JEMPOL", "CSR", 40_000_000, 100),
    ("REMAJA_CAKAP", "BOK", 90_000_000, 60),
    ("CEGAH_DINI", "APBD", 60_000_000, 45),
)


def _draw(text: str) -> int:
    """0-99 from text: stable between runs and machines (unlike hash())."""
    return zlib.crc32(text.encode()) % 100


def _quarter(day: date) -> tuple[date, date, str]:
    q = (day.month - 1) // 3
    start = date(day.year, 3 * q + 1, 1)
    next_start = date(day.year + (q == 3), (3 * q + 3) % 12 + 1, 1)
    return start, next_start - timedelta(days=1), f"{day.year}Q{q + 1}"


def _points() -> dict[str, ServicePoint]:
    points = {p.code: p for p in ServicePoint.objects.filter(code__in=["disdukcapil", "jempol"])}
    # Three puskesmas in a stable order (their Kemenkes code), as named in IKM_PLAN.
    pkm = ServicePoint.objects.filter(facility__kind=HealthFacility.Kind.PUSKESMAS).order_by("facility__code")
    for i, p in enumerate(pkm[:3]):
        points[f"pkm:{i}"] = p
    return points


def _ikm_load(reference_date: date, by: User) -> tuple[int, int]:
    qs = question_set()
    this_start, _, _ = _quarter(reference_date)
    earlier_start, earlier_end, earlier = _quarter(this_start - timedelta(days=1))
    responses = baselines = 0
    for key, point in _points().items():
        n_early, n_late, fours, threes, uplift = IKM_PLAN[key]
        for start, end, n, lift in (
            (earlier_start, earlier_end, n_early, 0),
            (this_start, reference_date, n_late, uplift),
        ):
            if IkmResponse.objects.filter(point=point, answered_on__range=(start, end)).exists():
                continue
            span = max((end - start).days, 0)
            for i in range(n):
                answers = {}
                for code in qs.codes:
                    d = _draw(f"{point.code}|{start}|{i}|{code}")
                    answers[code] = (
                        4 if d < fours + lift else 3 if d < fours + lift + threes else 2 if d < 95 else 1
                    )
                ikm_response_record(
                    point=point,
                    answers=answers,
                    comment="Petugas ramah, antrean agak lama (contoh)." if i % 10 == 3 else "",
                    answered_on=start + timedelta(days=(i * 7) % (span + 1)),
                )
                responses += 1
        if not IkmBaseline.objects.filter(point=point).exists():
            result = ikm_result_for(point=point, period=earlier)
            if result is not None and result.enough:
                ikm_baseline_set(point=point, period=earlier, by=by)
                baselines += 1
    return responses, baselines


def _apsai_load(reference_date: date, by: User) -> tuple[int, int, int]:
    companies = commitments = deliveries = 0
    year = reference_date.year
    for (name, sector, joined, contact), plan in zip(COMPANIES, COMMITMENTS, strict=True):
        if Company.objects.filter(name=name).exists():
            continue
        try:
            company = company_create(
                name=name, sector=sector, joined_on=joined, contact_person=contact, by=by
            )
        except KemitraanError:  # a member of that name was added by hand: leave it alone
            continue
        companies += 1
        for j, (kind, programme, quantity, delivered, description) in enumerate(plan):
            commitment = commitment_create(
                company=company,
                kind=kind,
                quantity=quantity,
                year=year,
                programme=programme,
                description=description,
                by=by,
            )
            commitments += 1
            # Delivered in up to two parts, the later one at most a month before the reference date.
            parts = [delivered] if delivered < 2 else [delivered // 2, delivered - delivered // 2]
            for k, part in enumerate(parts):
                if part <= 0:
                    continue
                day = min(reference_date, date(year, 8 + k * 2, 10 + j))
                delivery_record(
                    commitment=commitment,
                    description=description or commitment.get_kind_display(),
                    delivered_on=day,
                    quantity=part,
                    evidence_note="Berita acara serah terima (contoh)",
                    by=by,
                )
                deliveries += 1
    return companies, commitments, deliveries


def _funding_load(reference_date: date, by: User) -> int:
    year = reference_date.year
    if FundingEntry.objects.filter(year=year, entered_by=by).exists():
        return 0
    count = 0
    for programme, source, planned, spent_pct in FUNDING:
        funding_entry_record(
            programme=programme,
            source=source,
            year=year,
            kind=FundingEntry.Kind.PLANNED,
            amount=planned,
            entry_date=date(year, 1, 15),
            note="DPA awal tahun (contoh)",
            by=by,
        )
        spent = planned * spent_pct // 100
        # Spending in two instalments, both on or before the reference date.
        for k, part in enumerate((spent // 2, spent - spent // 2)):
            funding_entry_record(
                programme=programme,
                source=source,
                year=year,
                kind=FundingEntry.Kind.SPENT,
                amount=part,
                entry_date=min(reference_date, date(year, 6 + 5 * k, 28)),
                note=f"Realisasi tahap {k + 1} (contoh)",
                by=by,
            )
        count += 3
    return count


def kemitraan_demo_load(*, reference_date: date) -> dict[str, int]:
    """Service points, IKM answers and baselines, APSAI and funding; what was added."""
    bappeda = User.objects.get(username="bappeda")
    points = ikm_service_points_sync()
    responses, baselines = _ikm_load(reference_date, bappeda)
    companies, commitments, deliveries = _apsai_load(reference_date, bappeda)
    funding = _funding_load(reference_date, bappeda)
    return {
        "service_points": points,
        "ikm_responses": responses,
        "ikm_baselines": baselines,
        "apsai_companies": companies,
        "apsai_commitments": commitments,
        "apsai_deliveries": deliveries,
        "funding_entries": funding,
    }
