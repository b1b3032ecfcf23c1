"""The demo: KUA loaded, MPLS at about 70% of the SMP (some without the module), Bimwin at most
KUA over the year, authored by the demo users; a second call adds nothing."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from satuanak.cegah import selectors as sel
from satuanak.cegah.demo import cegah_demo_load
from satuanak.cegah.models import Kua, Session

pytestmark = pytest.mark.django_db
REFERENCE = date(2024, 12, 31)


def test_demo_load(personas: dict[str, Any]) -> None:
    counts = cegah_demo_load(reference_date=REFERENCE)
    assert counts["kua"] == 17 and Kua.objects.count() == 17
    smp = sel.mpls_schools().count()
    mpls = Session.objects.filter(kind="mpls")
    assert counts["mpls_sessions"] == mpls.count()
    assert 0.6 * smp <= mpls.count() <= 0.8 * smp  # about 70% held an MPLS
    assert mpls.filter(health_module=False).exists()  # some without the health module
    assert set(mpls.values_list("school_year", flat=True)) == {"2024/2025"}
    assert set(mpls.values_list("recorded_by__username", flat=True)) == {"disdikbud"}
    bimwin = Session.objects.filter(kind="bimwin")
    assert set(bimwin.values_list("recorded_by__username", flat=True)) == {"dinkes"}
    assert bimwin.filter(date__year=2024).count() == bimwin.count() == counts["bimwin_sessions"]
    assert bimwin.values("kua").distinct().count() >= 14  # most KUA
    assert not Session.objects.filter(date__gt=REFERENCE).exists()

    figures = sel.kla_figures(period="2024Q4")
    covered, total, _ = figures["mpls_coverage"]
    assert total == smp and 0.5 * smp <= covered < mpls.count()
    kua_covered, kua_total, _ = figures["bimwin_coverage"]
    assert kua_total == 17 and kua_covered >= 10
    # Before the MoU (first half-year) no Bimwin carried the health module.
    assert "bimwin_coverage" in sel.kla_figures(period="2024Q1")
    assert sel.kla_figures(period="2024Q1")["bimwin_coverage"][0] == 0

    again = cegah_demo_load(reference_date=REFERENCE)
    assert again == {"kua": 0, "mpls_sessions": 0, "bimwin_sessions": 0}
