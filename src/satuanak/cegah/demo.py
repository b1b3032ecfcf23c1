"""CEGAH DINI in the demo district, recorded through the same service an officer uses.

- The KUA list is loaded (data/cegah/kua.csv, derived and unverified).
- MPLS: in the week after the start of the school year containing the reference date, about 70%
  of the SMP/MTs held an MPLS session; about one in seven of those had no puskesmas facilitator
  (no health module), so MPLS coverage is about 60% and the page has schools to chase.
- Bimwin: sessions at most KUA across the reference date's year; those in the first half-year
  came before the MoU with Kemenag (seed roadmap: MoU in 2024 Q3-Q4) and carry no health module,
  so Bimwin coverage rises from 0% to most KUA in the second half-year.

Recorded by the demo users "disdikbud" (MPLS) and "dinkes" (Bimwin); needs reference data and
the demo users. Which venue gets what follows from a checksum of its code, so a rerun chooses
the same; a session already recorded (same kind, venue and date) is not recorded again, and a
second call returns zeros.
"""

from __future__ import annotations

import zlib
from datetime import date, timedelta

from satuanak.accounts.models import User
from satuanak.cegah.coverage import school_year_bounds, school_year_of
from satuanak.cegah.models import Kua, Session
from satuanak.cegah.selectors import kua_list, mpls_schools
from satuanak.cegah.services import cegah_kua_load, prevention_session_record
from satuanak.facilities.models import HealthFacility, School

MPLS_DAYS_AFTER_START = 14  # MPLS is the first week of lessons, mid-July in Kalimantan Barat
# (month, day) of the Bimwin sessions in the reference date's year, one per quarter.
BIMWIN_DAYS: tuple[tuple[int, int], ...] = ((2, 20), (5, 14), (8, 13), (11, 12))
MOU_MONTH = 7  # sessions from July on carry the health module


def _weekday(day: date) -> date:
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


def _draw(text: str) -> int:
    """0-99 from the venue's code: stable between runs and machines (unlike hash())."""
    return zlib.crc32(text.encode()) % 100


def _puskesmas_name(kecamatan_id: int) -> str:
    found = HealthFacility.objects.filter(
        kind=HealthFacility.Kind.PUSKESMAS, kecamatan_id=kecamatan_id
    ).first()
    return found.name if found is not None else "Puskesmas setempat"


def _exists(kind: str, day: date, *, kua: Kua | None = None, school: School | None = None) -> bool:
    return Session.objects.filter(kind=kind, date=day, kua=kua, school=school).exists()


def cegah_demo_load(*, reference_date: date) -> dict[str, int]:
    """Load the KUA, record the demo's MPLS and Bimwin sessions; return what was added."""
    kua_result = cegah_kua_load()
    counts = {"kua": kua_result.created, "mpls_sessions": 0, "bimwin_sessions": 0}
    disdikbud = User.objects.get(username="disdikbud")
    dinkes = User.objects.get(username="dinkes")

    school_year = school_year_of(reference_date)
    mpls_day = _weekday(school_year_bounds(school_year)[0] + timedelta(days=MPLS_DAYS_AFTER_START))
    if mpls_day <= reference_date:
        for school in mpls_schools():
            draw = _draw(school.npsn)
            if draw >= 70 or _exists(Session.Kind.MPLS, mpls_day, school=school):
                continue
            with_module = draw % 7 != 0
            facilitators = [f"Guru BK - {school.name}"]
            if with_module:
                facilitators.insert(0, f"Bidan dan petugas promkes - {_puskesmas_name(school.kecamatan_id)}")
            new_pupils = 40 + draw * 2
            prevention_session_record(
                user=disdikbud,
                kind=Session.Kind.MPLS,
                date=mpls_day,
                venue_kind="school",
                venue_id=school.pk,
                health_module=with_module,
                participants_female=new_pupils // 2,
                participants_male=new_pupils - new_pupils // 2,
                facilitators="\n".join(facilitators),
                notes="Sesi kesehatan reproduksi dan risiko perkawinan anak saat MPLS (contoh)."
                if with_module
                else "MPLS tanpa narasumber puskesmas (contoh).",
                today=reference_date,
            )
            counts["mpls_sessions"] += 1

    for kua in kua_list():
        draw = _draw(kua.code)
        for month, day_of_month in BIMWIN_DAYS:
            day = _weekday(date(reference_date.year, month, day_of_month))
            # Most KUA hold a Bimwin each quarter; the draw leaves a few quarters out per KUA.
            if day > reference_date or (draw + month) % 6 == 0 or _exists(Session.Kind.BIMWIN, day, kua=kua):
                continue
            with_module = month >= MOU_MONTH
            facilitators = [f"Penyuluh Agama Islam - {kua.name}"]
            if with_module:
                facilitators.insert(0, f"Bidan dan ahli gizi - {_puskesmas_name(kua.kecamatan_id)}")
            couples = 6 + (draw + month) % 15
            prevention_session_record(
                user=dinkes,
                kind=Session.Kind.BIMWIN,
                date=day,
                venue_kind="kua",
                venue_id=kua.pk,
                health_module=with_module,
                participants_female=couples,
                participants_male=couples,
                facilitators="\n".join(facilitators),
                notes="Modul kesehatan reproduksi, gizi pra-konsepsi dan pola asuh (contoh)."
                if with_module
                else "Bimwin sebelum MoU: tanpa modul kesehatan (contoh).",
                today=reference_date,
            )
            counts["bimwin_sessions"] += 1
    return counts
