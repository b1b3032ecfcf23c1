"""Demo referrals and screenings for the synthetic district, made through the services (so
every step has its event, its audit entry and its checks).

Needs the reference data, the synthetic children and the demo users (demo/services.py
`demo_users_create`). Loads the service units itself. Idempotent: the demo rows carry the
`DEMO_TAG` in their reason / notes; a second call finds them and creates nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from satuanak.access.selectors import children_visible_to
from satuanak.accounts.models import User
from satuanak.persons.models import Child
from satuanak.referrals import transitions as t
from satuanak.referrals.models import DevelopmentScreening, Referral, ReferralEvent
from satuanak.referrals.selectors import sending_units_for
from satuanak.referrals.services import (
    referral_create,
    referral_transition,
    screening_record,
    service_units_load,
)

DEMO_TAG = "[demo]"


@dataclass(frozen=True)
class _Step:
    status: str
    after_days: int  # after the sending date
    by: str  # username
    text: str = ""  # the note, the reason for declining or the outcome


@dataclass(frozen=True)
class _Scenario:
    sender: str
    to_unit: str
    urgency: str
    days_ago: int  # sent this many days before the reference date
    reason: str
    steps: tuple[_Step, ...] = ()
    protection: bool = False


# What happens to each demo referral (relative to the reference date). Receivers: UPTD PPA,
# Dinsos P3A and PUSPAGA answer as "ppa", SAPA ABK as "dinkes", Disdukcapil as "dukcapil";
# RSUD has no demo user who handles referrals, so its referral waits (and is overdue).
SCENARIOS: tuple[_Scenario, ...] = (
    _Scenario(
        "pkm_sungai_duri",
        "uptd-ppa",
        t.EMERGENCY,
        20,
        "Luka memar berulang, anak menyebut dipukul di rumah. / "
        "Repeated bruises; the child says he is hit at home.",
        (
            _Step(t.RECEIVED, 0, "ppa", "Diterima, petugas ke rumah hari ini."),
            _Step(t.IN_SERVICE, 1, "ppa", "Pendampingan psikolog dan rumah aman."),
            _Step(t.COMPLETED, 15, "ppa", "Anak tinggal bersama nenek; pendampingan berlanjut lewat PATBM."),
        ),
        protection=True,
    ),
    _Scenario(
        "pkm_sungai_duri",
        "sapa-abk",
        t.ROUTINE,
        40,
        "Belum dapat duduk pada umur 12 bulan. / Not sitting at 12 months.",
        (
            _Step(t.RECEIVED, 3, "dinkes", "Jadwal asesmen tim SAPA ABK."),
            _Step(t.IN_SERVICE, 10, "dinkes", "Fisioterapi sederhana dua kali seminggu."),
        ),
    ),
    _Scenario(
        "pkm_sungai_duri",
        "disdukcapil",
        t.ROUTINE,
        25,
        "Belum punya akta kelahiran. / No birth certificate.",
        (_Step(t.RECEIVED, 2, "dukcapil", "Berkas orang tua diminta."),),
    ),
    _Scenario(
        "pkm_sungai_duri",
        "puspaga",
        t.URGENT,
        14,
        "Ibu kewalahan mengasuh, anak gizi kurang. / Mother overwhelmed; the child is underweight.",
    ),
    _Scenario(
        "pkm_sungai_duri",
        "rsud-bengkayang",
        t.URGENT,
        12,
        "Curiga kelainan jantung bawaan, perlu dokter spesialis anak. / Suspected congenital heart defect.",
    ),
    _Scenario(
        "kader_sungai_duri",
        "sapa-abk",
        t.URGENT,
        10,
        "Tidak menoleh bila dipanggil. / Does not turn when called.",
        (_Step(t.RECEIVED, 1, "dinkes", "Menunggu jadwal tes daya dengar."),),
    ),
    _Scenario(
        "kader_sungai_duri",
        "disdukcapil",
        t.ROUTINE,
        50,
        "Anak belum punya KIA. / No child ID card.",
        (
            _Step(t.RECEIVED, 5, "dukcapil"),
            _Step(
                t.DECLINED,
                6,
                "dukcapil",
                "KIA sudah terbit bulan lalu; data SIAK belum diperbarui di posyandu.",
            ),
        ),
    ),
    _Scenario(
        "kader_sungai_duri",
        "dinsos-p3a",
        t.ROUTINE,
        60,
        "Keluarga miskin, belum menerima bantuan sosial. / Poor family without social assistance.",
        (
            _Step(t.RECEIVED, 2, "ppa"),
            _Step(t.IN_SERVICE, 7, "ppa", "Didaftarkan ke DTKS."),
            _Step(t.COMPLETED, 30, "ppa", "Menerima PKH mulai bulan ini."),
        ),
    ),
    _Scenario(
        "duta_sekolah",
        "disdukcapil",
        t.ROUTINE,
        5,
        "Siswa tanpa NIK di DAPODIK. / Student without NIK in DAPODIK.",
    ),
    _Scenario(
        "duta_sekolah",
        "uptd-ppa",
        t.URGENT,
        3,
        "Siswa bercerita tentang perundungan oleh orang dewasa. / A student tells of abuse by an adult.",
        (_Step(t.RECEIVED, 1, "ppa", "Konselor UPTD PPA ke sekolah besok."),),
        protection=True,
    ),
)

# KPSP / TDD screenings by the posyandu cadre: (instrument, result, days before the reference
# date, referred to SAPA ABK by the cadre)
SCREENINGS: tuple[tuple[str, str, int, bool], ...] = (
    (t.KPSP, t.APPROPRIATE, 45, False),
    (t.KPSP, t.DOUBTFUL, 40, False),
    (t.KPSP, t.DEVIATION, 30, True),
    (t.KPSP, t.DEVIATION, 8, False),  # not yet referred: the page offers the link
    (t.HEARING, t.SUSPECTED, 20, True),
)


def _children_for(user: User, kecamatan_codes: tuple[str, str]) -> QuerySet[Child]:
    """Children the sender may refer: in the two demo kecamatan if the sender's area holds
    some, otherwise anywhere in the sender's area."""
    mine = children_visible_to(user).filter(birth_date__isnull=False)
    chosen = mine.filter(desa__kecamatan__code__in=kecamatan_codes)
    return (chosen if chosen.exists() else mine).order_by("id")


def _at(day: date, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour=hour)))


def _summary(created: bool) -> dict[str, Any]:
    demo = Referral.objects.filter(reason__startswith=DEMO_TAG)
    return {
        "created": created,
        "referrals": demo.count(),
        "events": ReferralEvent.objects.filter(referral__in=demo).count(),
        "by_status": {s: demo.filter(status=s).count() for s in t.STATUSES},
        "screenings": DevelopmentScreening.objects.filter(notes__startswith=DEMO_TAG).count(),
    }


@transaction.atomic
def referrals_demo_load(*, reference_date: date, kecamatan_codes: tuple[str, str]) -> dict[str, Any]:
    """Create the demo referrals (every status, some overdue at `reference_date`) and
    screenings (two deviations, one referred to SAPA ABK); idempotent. Returns counts."""
    service_units_load()
    if Referral.objects.filter(reason__startswith=DEMO_TAG).exists():
        return _summary(created=False)
    names = (
        {s.sender for s in SCENARIOS} | {st.by for s in SCENARIOS for st in s.steps} | {"kader_sungai_duri"}
    )
    users = {u.username: u for u in User.objects.filter(username__in=names)}
    missing = sorted(names - set(users))
    if missing:
        raise ValueError(
            f"Pengguna demo belum ada: {missing}; jalankan demo_users_create. / "
            f"Demo users missing: {missing}; run demo_users_create first."
        )
    now = timezone.now()
    used: dict[str, int] = {}
    for scenario in SCENARIOS:
        sender = users[scenario.sender]
        sent_on = reference_date - timedelta(days=scenario.days_ago)
        pool = _children_for(sender, kecamatan_codes).filter(birth_date__lte=sent_on)
        child = pool[used.get(scenario.sender, 0) : used.get(scenario.sender, 0) + 1].first()
        from_unit = sending_units_for(sender).order_by("code").first()
        if child is None or from_unit is None:
            continue  # the district has no child in this sender's area, or the sender no unit
        used[scenario.sender] = used.get(scenario.sender, 0) + 1
        referral = referral_create(
            user=sender,
            child_id=child.pk,
            from_unit=from_unit.code,
            to_unit=scenario.to_unit,
            reason=f"{DEMO_TAG} {scenario.reason}",
            urgency=scenario.urgency,
            is_protection=scenario.protection,
            sent_on=sent_on,
        )
        for n, step in enumerate(scenario.steps):
            at = _at(sent_on + timedelta(days=step.after_days), 13 + n)
            if at > now:
                break
            referral_transition(
                user=users[step.by],
                referral=referral,
                to_status=step.status,
                note=step.text if step.status not in (t.DECLINED, t.COMPLETED) else "",
                reason=step.text if step.status == t.DECLINED else "",
                outcome=step.text if step.status == t.COMPLETED else "",
                at=at,
            )

    cadre = users["kader_sungai_duri"]
    kpsp_age = _children_for(cadre, kecamatan_codes).filter(
        birth_date__lte=reference_date - timedelta(days=200),
        birth_date__gte=reference_date - timedelta(days=5 * 365),
    )
    cadre_unit = sending_units_for(cadre).order_by("code").first()
    for i, (instrument, result, days_ago, refer) in enumerate(SCREENINGS):
        child = kpsp_age[i + 10 : i + 11].first()  # not the children referred above
        if child is None:
            break
        outcome = screening_record(
            user=cadre,
            child_id=child.pk,
            screened_on=reference_date - timedelta(days=days_ago),
            instrument=instrument,
            result=result,
            notes=f"{DEMO_TAG} skrining di posyandu / screened at the posyandu",
        )
        if refer and outcome.proposal and outcome.proposal.to_unit and cadre_unit:
            referral_create(
                user=cadre,
                child_id=child.pk,
                from_unit=cadre_unit.code,
                to_unit=outcome.proposal.to_unit.code,
                reason=f"{DEMO_TAG} {outcome.proposal.reason}",
                urgency=outcome.proposal.urgency,
                sent_on=outcome.screening.screened_on,
                screening_id=outcome.screening.pk,
            )
    return _summary(created=True)
