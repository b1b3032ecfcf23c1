"""IKM per service point and quarter (hand-computed), too few respondents, the +15% target;
funding totals per source equal the sum of their entries; cost per child from a hand-built
programme result; the figures for other apps."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from satuanak.kemitraan.models import FundingEntry, ServicePoint
from satuanak.kemitraan.selectors import (
    apsai_rows,
    cost_rows,
    funding_table,
    ikm_scores,
    partnership_figures,
)
from satuanak.kemitraan.services import (
    KemitraanError,
    commitment_create,
    company_create,
    delivery_record,
    funding_entry_record,
    ikm_baseline_set,
    ikm_response_record,
    lists,
)
from satuanak.kemitraan.tests.conftest import answers

pytestmark = pytest.mark.django_db

HAND = [[4] * 9, [3] * 9, [3, 2, 4, 4, 3, 3, 4, 3, 2]]  # 84.26, B (see test_ikm.py)


def _score(code: str, period: str) -> Any:
    return next(s for s in ikm_scores(period=period) if s.point_code == code)


def test_service_points_are_data_plus_every_puskesmas(points: dict[str, ServicePoint]) -> None:
    assert {"disdukcapil", "jempol"} <= set(points)
    assert "hasil" not in points
    assert ServicePoint.objects.filter(kind="puskesmas").count() >= 10
    assert all(p.facility_id for p in points.values() if p.kind == "puskesmas")


def test_platform_agrees_with_the_hand_computed_quarter_and_flags_too_few(
    points: dict[str, ServicePoint],
) -> None:
    point = points["disdukcapil"]
    for i, sheet in enumerate(HAND):
        ikm_response_record(point=point, answers=answers(sheet), answered_on=date(2024, 10, 1 + i))
    # Outside the quarter: must not count.
    ikm_response_record(point=point, answers=answers([1] * 9), answered_on=date(2024, 9, 30))
    s = _score("disdukcapil", "2024Q4")
    assert s.respondents == 3
    assert s.score == Decimal("84.26")
    assert s.category == "B"
    assert s.enough is False  # fewer than 30: the page says "too few respondents"
    assert s.min_respondents == 30
    assert _score("jempol", "2024Q4").score is None


def test_baseline_and_plus_15_percent_target(
    points: dict[str, ServicePoint], personas: dict[str, Any]
) -> None:
    point = points["jempol"]
    # 30 respondents in Q3, all "3" except the first element "4" for 12 of them.
    for i in range(30):
        sheet = [4 if i < 12 else 3] + [3] * 8
        ikm_response_record(point=point, answers=answers(sheet), answered_on=date(2024, 8, 1))
    # U1 NRR = (12*4 + 18*3)/30 = 3.4; others 3; unit = (3.4 + 24)/9 = 3.04444; x25 = 76.111 -> 76.11 (C)
    baseline = ikm_baseline_set(point=point, period="2024Q3", by=personas["bappeda"])
    assert baseline.score == Decimal("76.11")
    assert baseline.respondents == 30
    assert baseline.uplift_pct == 15
    for _ in range(30):
        ikm_response_record(point=point, answers=answers([4] * 9), answered_on=date(2024, 11, 2))
    s = _score("jempol", "2024Q4")
    assert s.baseline_score == Decimal("76.11")
    assert s.target == Decimal("87.53")  # 76.11 x 1.15 = 87.5265 -> 87.53
    assert s.score == Decimal("100.00") and s.enough and s.meets_target is True


def test_baseline_needs_enough_respondents(points: dict[str, ServicePoint], personas: dict[str, Any]) -> None:
    ikm_response_record(point=points["jempol"], answers=answers([4] * 9), answered_on=date(2024, 8, 1))
    with pytest.raises(KemitraanError):
        ikm_baseline_set(point=points["jempol"], period="2024Q3", by=personas["bappeda"])


def _fund(by: Any, programme: str, source: str, kind: str, amount: int, day: date = date(2024, 3, 1)) -> None:
    funding_entry_record(
        programme=programme, source=source, year=2024, kind=kind, amount=amount, entry_date=day, by=by
    )


def test_funding_totals_per_source_equal_the_sum_of_their_entries(personas: dict[str, Any]) -> None:
    by = personas["bappeda"]
    plan = [
        ("GESIT", "APBD", "planned", 450_000_000),
        ("GESIT", "APBD", "spent", 100_000_000),
        ("GESIT", "APBD", "spent", 23_456_789),
        ("PMT", "APBD", "planned", 10_000_000),
        ("PMT", "BOK", "planned", 600_000_000),
        ("PMT", "BOK", "spent", 599_999_999),
        ("GESIT", "CSR", "spent", 5),  # spent without a plan: still counted
        ("PRAP", "DAK_FISIK", "planned", 0),
    ]
    for row in plan:
        _fund(by, *row)
    funding_entry_record(  # another year: not in 2024's totals
        programme="GESIT",
        source="APBD",
        year=2023,
        kind="spent",
        amount=7,
        entry_date=date(2023, 5, 1),
        by=by,
    )
    table = funding_table(year=2024)
    for source in lists().source_codes():
        entries = FundingEntry.objects.filter(year=2024, source=source)
        planned = sum(e.amount for e in entries if e.kind == "planned")
        spent = sum(e.amount for e in entries if e.kind == "spent")
        money = table.by_source.get(source)
        assert (money.planned if money else 0) == planned
        assert (money.spent if money else 0) == spent
    assert table.by_source["APBD"].planned == 460_000_000
    assert table.by_source["APBD"].spent == 123_456_789
    assert table.total.planned == 1_060_000_000
    assert table.total.spent == 123_456_789 + 599_999_999 + 5
    assert sum(m.spent for m in table.by_programme.values()) == table.total.spent
    assert partnership_figures(period="2024Q4")["funding_spent"] == (
        table.total.spent,
        table.total.planned,
        date(2024, 12, 31),
    )


def test_cost_per_child_from_a_hand_built_programme_result(personas: dict[str, Any]) -> None:
    by = personas["bappeda"]
    _fund(by, "GESIT", "APBD", "spent", 600_000)
    _fund(by, "GESIT", "CSR", "spent", 400_000)
    _fund(by, "PRAP", "APBD", "spent", 900_000)
    rows = {
        r.programme: r
        for r in cost_rows(table=funding_table(year=2024), results={"GESIT": (4, 3), "PMT": (0, 0)})
    }
    assert rows["GESIT"].per_covered == 250_000  # 1,000,000 / 4 children covered
    assert rows["GESIT"].per_improved == 333_333  # 1,000,000 / 3 children improved
    assert rows["PMT"].per_covered is None  # nothing to divide by: "—"
    assert rows["PRAP"].covered is None and rows["PRAP"].per_covered is None


@pytest.mark.parametrize("amount", [-1, "-5", "abc", "", "1,5"])
def test_bad_amounts_save_nothing(personas: dict[str, Any], amount: Any) -> None:
    with pytest.raises(KemitraanError):
        funding_entry_record(
            programme="GESIT",
            source="APBD",
            year=2024,
            kind="spent",
            amount=amount,
            entry_date="2024-01-01",
            by=personas["bappeda"],
        )
    assert not FundingEntry.objects.exists()


def test_unknown_programme_or_source_refused(personas: dict[str, Any]) -> None:
    for programme, source in (("NOPE", "APBD"), ("GESIT", "NOPE")):
        with pytest.raises(KemitraanError):
            funding_entry_record(
                programme=programme,
                source=source,
                year=2024,
                kind="spent",
                amount=1,
                entry_date="2024-01-01",
                by=personas["bappeda"],
            )


def test_apsai_share_delivered_caps_over_delivery(personas: dict[str, Any]) -> None:
    by = personas["bappeda"]
    a = company_create(name="PT A", sector="Sawit", joined_on="2024-01-01", contact_person="X", by=by)
    c1 = commitment_create(company=a, kind="baas_slots", quantity=10, year=2024, programme="GESIT", by=by)
    c2 = commitment_create(company=a, kind="play_spaces", quantity=2, year=2024, programme="OTHER", by=by)
    delivery_record(commitment=c1, description="BAAS", delivered_on="2024-05-01", quantity=4, by=by)
    delivery_record(commitment=c1, description="BAAS", delivered_on="2025-01-05", quantity=3, by=by)
    delivery_record(commitment=c2, description="RBRA", delivered_on="2024-06-01", quantity=5, by=by)  # over
    row = next(r for r in apsai_rows(year=2024) if r.company == a)
    assert (row.committed, row.delivered) == (12, 9)  # 7 of 10, 2 of 2 (not 5)
    assert partnership_figures(period="2024Q4")["apsai_delivered"] == (6, 12, date(2024, 12, 31))
    assert partnership_figures(period="2024Q2")["apsai_delivered"] == (6, 12, date(2024, 6, 30))
    assert partnership_figures(period="2024Q1")["apsai_delivered"] == (0, 12, date(2024, 3, 31))


@pytest.mark.parametrize(
    "kwargs",
    [
        {"name": ""},
        {"name": "x" * 151},
        {"sector": "  "},
        {"joined_on": "kemarin"},
        {"contact_person": "y" * 101},
    ],
)
def test_bad_company_input_refused(personas: dict[str, Any], kwargs: dict[str, str]) -> None:
    good = {"name": "PT B", "sector": "Bank", "joined_on": "2024-01-01", "contact_person": "Z"}
    with pytest.raises(KemitraanError):
        company_create(**{**good, **kwargs}, by=personas["bappeda"])


def test_bad_commitment_quantities_refused(personas: dict[str, Any]) -> None:
    by = personas["bappeda"]
    a = company_create(name="PT C", sector="Sawit", joined_on="2024-01-01", contact_person="X", by=by)
    for quantity in (0, -3, "abc", ""):
        with pytest.raises(KemitraanError):
            commitment_create(
                company=a, kind="baas_slots", quantity=quantity, year=2024, programme="GESIT", by=by
            )
    with pytest.raises(KemitraanError):
        commitment_create(company=a, kind="yacht", quantity=1, year=2024, programme="GESIT", by=by)
