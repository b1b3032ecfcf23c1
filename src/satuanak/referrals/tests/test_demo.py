"""The demo loader: every status, some overdue at the reference date, screenings leading to a
SAPA ABK referral, all through the services; a second run adds nothing."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from satuanak.persons.tests.factories import ChildFactory
from satuanak.referrals import transitions as t
from satuanak.referrals.demo import DEMO_TAG, referrals_demo_load
from satuanak.referrals.models import DevelopmentScreening, Referral, ReferralEvent
from satuanak.regions.models import Desa

REFERENCE = date(2024, 12, 31)


@pytest.mark.django_db
def test_demo_referrals_cover_every_status_and_load_once(personas: dict[str, Any]) -> None:
    for kecamatan, n in (("61.07.01", 20), ("61.07.04", 4)):
        desa = list(Desa.objects.filter(kecamatan__code=kecamatan).order_by("code")[:3])
        for i in range(n):
            ChildFactory.create(
                desa=desa[i % len(desa)], birth_date=date(2021, 1, 1) + timedelta(days=40 * i)
            )
    first = referrals_demo_load(reference_date=REFERENCE, kecamatan_codes=("61.07.01", "61.07.04"))
    assert first["created"] is True
    assert all(first["by_status"][s] > 0 for s in t.STATUSES), first["by_status"]
    demo = Referral.objects.filter(reason__startswith=DEMO_TAG)
    overdue = [r for r in demo if r.is_overdue_on(REFERENCE)]
    assert len(overdue) >= 2
    assert demo.filter(is_protection=True).count() == 2
    assert {r.created_by.username for r in demo} == {"pkm_sungai_duri", "kader_sungai_duri", "duta_sekolah"}
    # every step through the services: one event per status reached, each with who and when
    for referral in demo:
        events = list(referral.events.order_by("at", "id"))
        assert events[0].to_status == t.SENT and events[-1].to_status == referral.status
        assert all(e.by_id and e.at for e in events)
    screenings = DevelopmentScreening.objects.filter(notes__startswith=DEMO_TAG)
    assert screenings.filter(result=t.DEVIATION).count() == 2
    referred = screenings.exclude(referral=None)
    assert referred.count() == 2 and all(s.referral.to_unit.code == "sapa-abk" for s in referred)  # type: ignore[union-attr]
    counts = (Referral.objects.count(), ReferralEvent.objects.count(), DevelopmentScreening.objects.count())
    again = referrals_demo_load(reference_date=REFERENCE, kecamatan_codes=("61.07.01", "61.07.04"))
    assert again["created"] is False and again["referrals"] == first["referrals"]
    assert (
        Referral.objects.count(),
        ReferralEvent.objects.count(),
        DevelopmentScreening.objects.count(),
    ) == counts
