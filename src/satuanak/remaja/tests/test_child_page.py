"""A girl found anaemic appears on her own page with her follow-up, for the roles that keep
adolescent health records; the others see nothing of it."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.test import Client

from satuanak.remaja.services import anaemia_screening_record

pytestmark = pytest.mark.django_db


def test_an_anaemic_girl_shows_her_screening_and_follow_up_on_her_page(
    personas: dict[str, Any], girl: Any, smp_sungai_raya: Any
) -> None:
    anaemia_screening_record(
        user=personas["pkm_sungai_duri"],
        child_id=girl.pk,
        school_id=smp_sungai_raya.pk,
        screened_on=date(2024, 9, 2),
        hb_g_dl="10.4",
    )
    page = Client()
    page.force_login(personas["pkm_sungai_duri"])
    html = page.get(f"/anak/{girl.pk}/").content.decode()
    assert "Skrining anemia / anaemia screening: Hb 10.4 g/dL" in html
    # screened 2 Sep, re-screen 12 weeks later (25 Nov), not done by 31 Dec: overdue
    assert "Terlambat / overdue · batas / due 25-11-2024" in html
    assert f"/remaja/anemia/anak/{girl.pk}/" in html
    # the civil registry reads the child but keeps no adolescent health records
    other = Client()
    other.force_login(personas["dukcapil"])
    assert "Skrining anemia" not in other.get(f"/anak/{girl.pk}/").content.decode()
