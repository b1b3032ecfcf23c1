"""Coverage, before/after and the KLA figures read from the database, against hand counts."""

from __future__ import annotations

from datetime import date

import pytest

from satuanak.cegah import selectors as sel
from satuanak.cegah.models import Kua
from satuanak.cegah.tests.conftest import Record
from satuanak.facilities.models import School
from satuanak.flags.models import FlagAggregate
from satuanak.regions.models import Desa

pytestmark = pytest.mark.django_db


def test_mpls_coverage_for_a_school_year(record: Record, smp: list[School]) -> None:
    """By hand: of the district's SMP, three get an MPLS with the module in 2024/2025 (one of them
    twice), a fourth only without it, a fifth on 30 June 2024 (the year before). Covered = 3."""
    total = len(smp)
    assert total > 5
    a, b, c, d, e = smp[:5]
    record(a, date(2024, 7, 15))
    record(a, date(2024, 7, 16))
    record(b, date(2024, 7, 15))
    record(c, date(2025, 6, 30))  # last day of the school year: counts
    record(d, date(2024, 7, 15), module=False)
    record(e, date(2024, 6, 30))
    cov = sel.mpls_coverage(school_year="2024/2025")
    assert (cov.district.covered, cov.district.total) == (3, total)
    assert cov.district.pct == round(100 * 3 / total, 1)
    uncovered = {v.key for v in cov.uncovered}
    assert {a.pk, b.pk, c.pk} & uncovered == set() and {d.pk, e.pk} <= uncovered
    assert len(uncovered) == total - 3
    per_kec = {k.code: (k.covered, k.total) for k in cov.per_kecamatan}
    assert per_kec[a.kecamatan.code][0] >= 1
    assert sum(k.covered for k in cov.per_kecamatan) == 3 and sum(k.total for k in cov.per_kecamatan) == total
    # Until the end of 2024 only a and b count; c's session is in June 2025.
    assert sel.mpls_coverage(school_year="2024/2025", until=date(2024, 12, 31)).district.covered == 2
    assert sel.mpls_coverage(school_year="2023/2024").covered_keys == {e.pk}


def test_bimwin_coverage_in_a_quarter(record: Record, kua: list[Kua]) -> None:
    record(kua[0], date(2024, 10, 3))
    record(kua[1], date(2024, 10, 3), module=False)
    record(kua[2], date(2024, 9, 30))  # the quarter before
    c = sel.bimwin_coverage(start=date(2024, 10, 1), end=date(2024, 12, 31))
    assert (c.district.covered, c.district.total) == (1, 17)
    assert [v.key for v in c.uncovered][:2] == [kua[1].pk, kua[2].pk]


def _rate(desa: str, period: str, n: int, d: int) -> None:
    FlagAggregate.objects.create(
        code="child_marriage",
        period=period,
        level="desa",
        area_code=desa,
        numerator=n,
        denominator=d,
        rate=n / d,
    )


def test_before_after_from_flag_aggregates(record: Record, smp: list[School], kua: list[Kua]) -> None:
    """Kecamatan Sungai Raya (61.07.01): a Bimwin on 5 Aug 2024 and an MPLS on 15 Jul 2024, so its
    first session is 15 Jul (2024Q3): before = 2024Q2, after = 2024Q4 (the latest after 2024Q3)."""
    sungai_raya = next(k for k in kua if k.kecamatan.code == "61.07.01")
    record(sungai_raya, date(2024, 8, 5))
    school = next(s for s in smp if s.kecamatan.code == "61.07.01")
    record(school, date(2024, 7, 15))
    _rate("61.07.01.2001", "2024Q2", 6, 200)
    _rate("61.07.01.2001", "2024Q3", 50, 200)  # the session's quarter: not used
    _rate("61.07.01.2001", "2024Q4", 4, 200)
    _rate("61.07.02.2001", "2024Q2", 9, 100)  # another kecamatan, without sessions: not shown
    FlagAggregate.objects.create(  # another flag: not read
        code="stunting",
        period="2024Q2",
        level="desa",
        area_code="61.07.01.2001",
        numerator=1,
        denominator=2,
        rate=0.5,
    )
    (k,) = sel.child_marriage_before_after(school_year="2024/2025")
    assert (k.kecamatan_code, k.first_session, k.before_period, k.after_period) == (
        "61.07.01",
        date(2024, 7, 15),
        "2024Q2",
        "2024Q4",
    )
    assert len(k.desa) == Desa.objects.filter(kecamatan__code="61.07.01").count()
    duri = next(d for d in k.desa if d.desa_code == "61.07.01.2001")
    assert duri.before is not None and (duri.before.numerator, duri.before.denominator) == (6, 200)
    assert duri.after is not None and duri.after.numerator == 4
    assert duri.change_points == -1.0
    others = [d for d in k.desa if d.desa_code != "61.07.01.2001"]
    assert all(d.before is None and d.after is None for d in others)
    assert sel.child_marriage_before_after(school_year="2023/2024") == []


def test_kla_figures(record: Record, smp: list[School], kua: list[Kua]) -> None:
    assert sel.kla_figures(period="2024Q4") == {}  # no data: absent, not 0%
    record(smp[0], date(2024, 7, 15))
    record(smp[1], date(2024, 7, 15), module=False)
    record(smp[2], date(2025, 1, 20))  # after 2024Q4's end: not in 2024Q4's figure
    record(kua[0], date(2024, 11, 4))
    record(kua[1], date(2024, 11, 4))
    record(kua[2], date(2024, 8, 4))  # 2024Q3
    figures = sel.kla_figures(period="2024Q4")
    assert figures == {
        "mpls_coverage": (1, len(smp), date(2024, 12, 31)),
        "bimwin_coverage": (2, 17, date(2024, 12, 31)),
    }
    # 2025Q1 is in the same school year: the MPLS figure includes January's session.
    assert sel.kla_figures(period="2025Q1")["mpls_coverage"][0] == 2
    assert "bimwin_coverage" not in sel.kla_figures(period="2025Q1")  # no Bimwin recorded in 2025Q1
    # 2025Q3 is the next school year (from 1 July 2025): nothing recorded there yet.
    assert sel.kla_figures(period="2025Q3") == {}
