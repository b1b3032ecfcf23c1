"""The demo's REMAJA CAKAP picture, entered through the services (each write checked and
audited as a real one would be):

- a PKPR check of all 17 puskesmas a few weeks before the reference date, some meeting the
  standard, the others missing one or two required items;
- one Posyandu Remaja per desa of Sungai Raya (61.07.01) and Samalantan (61.07.02) with
  sessions over the last six months: most active, some that stopped meeting, some meeting
  without two trained cadres, one that started this quarter (inactive → active), some with none;
- counselling counts for the two kecamatan's puskesmas, last three months;
- anaemia screening of adolescent girls of the demo district in those kecamatan (Child, sex P,
  10-19 on the reference date) at an SMP/SMA of their kecamatan, about one in five anaemic,
  with re-screens that resolve some follow-ups, leave others still anaemic or overdue;
- weekly iron tablets (TTD) for three classes of each of those schools over the quarter.

Authors are the demo users "pkm_sungai_duri" (in its own service area) and "dinkes"
(elsewhere). Needs the reference data, the demo users and the platform's today on or after
the reference date (the demo runs with SATUANAK_TODAY set to it). Idempotent-ish: a second
run writes the same rows again (same-day checks and tallies replace, sessions and screenings
already present are skipped), so nothing doubles.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model

from satuanak.facilities.models import School
from satuanak.persons.models import Child
from satuanak.regions.models import Desa
from satuanak.remaja import anaemia as an
from satuanak.remaja import selectors as sel
from satuanak.remaja.models import (
    AGE_GROUPS,
    SEXES,
    TOPICS,
    AnaemiaScreening,
    PosyanduRemaja,
    PosyanduRemajaSession,
)
from satuanak.remaja.periods import monday_of, months_before, quarter_bounds, quarter_of
from satuanak.remaja.services import (
    anaemia_screening_record,
    counselling_tally_record,
    pkpr_assessment_record,
    pkpr_standard_load,
    posyandu_remaja_create,
    posyandu_remaja_session_record,
    ttd_week_record,
)

KECAMATAN = ("61.07.01", "61.07.02")
MEETING = ("Puskesmas Sungai Duri", "Puskesmas Samalantan", "Puskesmas Bengkayang", "Puskesmas Ledo")
MAX_GIRLS = 600  # enough to show every state; the synthetic district has thousands


def _users() -> tuple[Any, Any]:
    users = get_user_model().objects
    return users.get(username="dinkes"), users.get(username="pkm_sungai_duri")


def _author(desa_pk: int, dinkes: Any, pkm: Any) -> Any:
    """The Sungai Duri staff for its own service area, Dinkes elsewhere."""
    own = sel.own_puskesmas(pkm)
    if own is not None and own.service_area.filter(pk=desa_pk).exists():
        return pkm
    return dinkes


def _pkpr(rng: random.Random, reference_date: date, dinkes: Any, pkm: Any) -> int:
    version = pkpr_standard_load()
    items = list(version.items.order_by("order"))
    required = [i.code for i in items if i.required]
    done = 0
    for n, facility in enumerate(sel.puskesmas()):
        met = {i.code: True for i in items}
        if facility.name not in MEETING:
            for code in rng.sample(required, k=1 + n % 2):  # one or two required items missing
                met[code] = False
        for i in items:
            if not i.required:
                met[i.code] = rng.random() < 0.6
        own = sel.own_puskesmas(pkm)
        author = pkm if own is not None and own.pk == facility.pk else dinkes
        pkpr_assessment_record(
            user=author,
            facility_id=facility.pk,
            assessed_on=reference_date - timedelta(days=20 + n),
            met=met,
            notes={c: "" if v else "belum ada / not yet" for c, v in met.items()},
        )
        done += 1
    return done


def _posyandu(rng: random.Random, reference_date: date, dinkes: Any, pkm: Any) -> tuple[int, int]:
    made = sessions = 0
    desa = list(Desa.objects.filter(kecamatan__code__in=KECAMATAN).order_by("code"))
    for n, d in enumerate(desa):
        author = _author(d.pk, dinkes, pkm)
        name = f"Posyandu Remaja {d.name}"
        p = PosyanduRemaja.objects.filter(desa=d, name=name).first()
        if p is None:
            p = posyandu_remaja_create(
                user=author, desa_code=d.code, name=name, cadres=5, trained_cadres=3 if n % 5 else 1
            )
            made += 1
        kind = n % 10
        if kind in (0, 1, 2, 3, 4, 5):  # monthly, with trained cadres: active
            months, trained = range(6), 2 + n % 2
        elif kind == 6:  # met until four months ago: inactive now
            months, trained = range(4, 6), 2
        elif kind == 7:  # meets, but with one trained cadre: inactive
            months, trained = range(3), 1
        elif kind == 8:  # started last month: inactive at the last quarter's end, active now
            months, trained = range(1), 2
        else:  # formed, never met
            months, trained = range(0), 0
        for m in months:
            day = months_before(reference_date, m) - timedelta(days=3 + n % 7)
            # Draw before the existence check so a second run draws the same numbers.
            girls, boys = rng.randint(6, 25), rng.randint(2, 15)
            topics = rng.sample(["anemia", "gizi", "kespro", "jiwa", "pernikahan_dini", "pengukuran"], k=2)
            if PosyanduRemajaSession.objects.filter(posyandu=p, held_on=day).exists():
                continue
            posyandu_remaja_session_record(
                user=author,
                posyandu_id=p.pk,
                held_on=day,
                girls=girls,
                boys=boys,
                trained_cadres_present=trained,
                topics=topics,
            )
            sessions += 1
    return made, sessions


def _counselling(rng: random.Random, reference_date: date, dinkes: Any, pkm: Any) -> int:
    written = 0
    for facility in sel.puskesmas().filter(kecamatan__code__in=KECAMATAN):
        own = sel.own_puskesmas(pkm)
        author = pkm if own is not None and own.pk == facility.pk else dinkes
        for m in range(3):
            month = months_before(reference_date, m).replace(day=1)
            counts = {
                f"{t}|{s}|{a}": rng.randint(0, 6 if t != "nutrition" else 10)
                for t, _ in TOPICS
                for s, _ in SEXES
                for a, _ in AGE_GROUPS
            }
            counselling_tally_record(user=author, facility_id=facility.pk, month=month, counts=counts)
            written += 1
    return written


def _school_for(girl: Child, age: int, schools: dict[tuple[str, str], list[School]]) -> School | None:
    kec = girl.desa.kecamatan.code if girl.desa else ""
    level = School.Level.SMP if age <= 15 else School.Level.SMA
    options = schools.get((kec, level)) or schools.get((kec, School.Level.SMP)) or []
    return options[girl.pk % len(options)] if options else None


def _hb(rng: random.Random, anaemic: bool) -> Decimal:
    value = rng.uniform(9.0, 11.4) if anaemic else rng.uniform(12.1, 14.5)
    return Decimal(str(round(value, 1)))


def _screenings(rng: random.Random, reference_date: date, dinkes: Any) -> tuple[int, int]:
    schools: dict[tuple[str, str], list[School]] = {}
    for s in School.objects.filter(
        kecamatan__code__in=KECAMATAN, level__in=[School.Level.SMP, School.Level.SMA]
    ).select_related("kecamatan"):
        schools.setdefault((s.kecamatan.code, s.level), []).append(s)
    first_round = reference_date - timedelta(days=100)  # its follow-ups are due 16 days before
    late_round = reference_date - timedelta(days=30)  # its follow-ups are still due
    girls = list(
        sel.girls_visible_to(dinkes, on=first_round)
        .filter(desa__kecamatan__code__in=KECAMATAN)
        .select_related("desa__kecamatan")
        .order_by("id")[:MAX_GIRLS]
    )
    made = rescreened = 0
    for n, girl in enumerate(girls):
        if girl.birth_date is None or not sel.is_adolescent_girl(girl, reference_date):
            continue
        day = first_round if n % 4 else late_round
        age = an.age_in_years(girl.birth_date, day)
        school = _school_for(girl, age, schools)
        if school is None:
            continue
        # Every draw happens whether or not the row exists, so a second run draws the same.
        anaemic = rng.random() < 0.2
        hb_first = _hb(rng, anaemic)
        hb_again = _hb(rng, rng.random() < 0.3)
        if not AnaemiaScreening.objects.filter(child=girl, screened_on=day).exists():
            anaemia_screening_record(
                user=dinkes, child_id=girl.pk, school_id=school.pk, screened_on=day, hb_g_dl=hb_first
            )
            made += 1
        # Two in three anaemic girls of the first round are re-screened; most have recovered.
        if day == first_round and anaemic and n % 3:
            again = reference_date - timedelta(days=8)
            if not AnaemiaScreening.objects.filter(child=girl, screened_on=again).exists():
                anaemia_screening_record(
                    user=dinkes, child_id=girl.pk, school_id=school.pk, screened_on=again, hb_g_dl=hb_again
                )
                rescreened += 1
    return made, rescreened


def _ttd(rng: random.Random, reference_date: date, dinkes: Any) -> int:
    first, _ = quarter_bounds(quarter_of(reference_date))
    weeks = []
    week = monday_of(first) if monday_of(first) >= first else monday_of(first) + timedelta(days=7)
    while week <= reference_date:
        weeks.append(week)
        week += timedelta(days=7)
    written = 0
    for school in School.objects.filter(
        kecamatan__code__in=KECAMATAN, level__in=[School.Level.SMP, School.Level.SMA]
    ).order_by("npsn"):
        classes = (
            ("VII-A", "VIII-A", "IX-A") if school.level == School.Level.SMP else ("X-A", "XI-A", "XII-A")
        )
        reach = rng.uniform(0.7, 1.0)  # schools differ: some give the tablet to almost every girl
        for cls in classes:
            enrolled = rng.randint(12, 20)
            for w in weeks:
                given = min(enrolled, round(enrolled * reach * rng.uniform(0.9, 1.05)))
                took = round(given * rng.uniform(0.75, 1.0))
                ttd_week_record(
                    user=dinkes,
                    school_id=school.pk,
                    class_name=cls,
                    week_of=w,
                    girls_enrolled=enrolled,
                    tablets_given=given,
                    girls_took=took,
                )
                written += 1
    return written


def remaja_demo_load(*, reference_date: date) -> dict[str, int]:
    """Load the demo's REMAJA CAKAP data (see the module docstring); counts of what was written."""
    rng = random.Random(13)  # nosec B311 - synthetic demo figures, not security
    dinkes, pkm = _users()
    pkpr = _pkpr(rng, reference_date, dinkes, pkm)
    posyandu, sessions = _posyandu(rng, reference_date, dinkes, pkm)
    tallies = _counselling(rng, reference_date, dinkes, pkm)
    screened, rescreened = _screenings(rng, reference_date, dinkes)
    ttd_weeks = _ttd(rng, reference_date, dinkes)
    return {
        "pkpr_assessments": pkpr,
        "posyandu_remaja": posyandu,
        "sessions": sessions,
        "counselling_months": tallies,
        "screenings": screened,
        "rescreenings": rescreened,
        "ttd_weeks": ttd_weeks,
    }
