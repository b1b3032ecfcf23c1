"""The planner through its services: order on the constructed case, drafts and confirmation,
visits (bad input saves nothing), coverage before and after."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from satuanak.access.selectors import AccessDenied
from satuanak.audit.models import AuditAction, AuditEvent
from satuanak.jempol.models import OutreachPlan, PlannedVisit, Visit
from satuanak.jempol.plan import HOLIDAYS_2025
from satuanak.jempol.selectors import coverage_before_after, desa_gaps, plan_view, ranked_desa
from satuanak.jempol.services import JempolError, outreach_plan_confirm, outreach_plan_propose, visit_record
from satuanak.jempol.tests.conftest import EXPECTED_ORDER, aggregate
from satuanak.regions.models import Desa

TODAY = date(2024, 12, 31)
pytestmark = pytest.mark.django_db


def test_gaps_from_the_latest_aggregates(gaps: dict[str, Any]) -> None:
    period, rows = desa_gaps(today=TODAY)
    assert period == "2024Q4"
    by_code = {g.code: g for g in rows}
    assert len(by_code) == Desa.objects.count() == 124
    assert (by_code["61.07.04.1001"].no_akta, by_code["61.07.04.1001"].no_kia) == (40, 20)
    assert by_code["61.07.04.2003"].gap == 0  # the stunting aggregate is not a document gap
    assert by_code["61.07.04.1001"].kecamatan == "Bengkayang"


def test_largest_gaps_first_through_the_service(gaps: dict[str, Any], personas: dict[str, Any]) -> None:
    _period, ranked = ranked_desa(today=TODAY)
    assert [r.desa.code for r in ranked if r.gap > 0] == EXPECTED_ORDER
    jagoi, samalantan = ranked[1], ranked[2]
    assert jagoi.gap == samalantan.gap and jagoi.distance_km > samalantan.distance_km  # type: ignore[operator]
    plan = outreach_plan_propose(user=personas["dukcapil"], quarter="2025Q1", visit_days=12, today=TODAY)
    visits = list(plan.visits.select_related("desa").order_by("order"))
    assert [v.desa.code for v in visits] == EXPECTED_ORDER  # the desa without a gap is left out
    assert [v.date for v in visits] == sorted(v.date for v in visits)
    assert all(v.date.weekday() < 5 and v.date not in HOLIDAYS_2025 for v in visits)
    assert all(date(2025, 1, 1) <= v.date <= date(2025, 3, 31) for v in visits)
    assert visits[0].gap == 60 and visits[0].priority == 1 and "Bumi" not in visits[0].reason
    assert plan.status == OutreachPlan.Status.DRAFT and plan.flags_period == "2024Q4"
    assert AuditEvent.objects.filter(action=AuditAction.RECORD_CHANGED, subject_type="jempol_plan").exists()


def test_a_recent_visit_moves_a_desa_down(gaps: dict[str, Any], personas: dict[str, Any]) -> None:
    visit_record(
        user=personas["dukcapil"],
        desa_code="61.07.04.1001",
        date=TODAY - timedelta(days=10),
        services=["akta"],
        documents={"akta": 12},
        today=TODAY,
    )
    _period, ranked = ranked_desa(today=TODAY)
    order = [r.desa.code for r in ranked if r.gap > 0]
    assert order[0] == "61.07.07.2001"
    assert order.index("61.07.04.1001") > order.index("61.07.02.2001")
    assert ranked[order.index("61.07.04.1001")].days_since_visit == 10


def test_propose_respects_visit_days_and_replaces_the_draft(
    gaps: dict[str, Any], personas: dict[str, Any]
) -> None:
    user = personas["bappeda"]
    first = outreach_plan_propose(user=user, quarter="2025Q1", visit_days=2, today=TODAY)
    assert first.visits.count() == 2
    second = outreach_plan_propose(user=user, quarter="2025Q1", visit_days=3, desa_per_day=1, today=TODAY)
    assert list(OutreachPlan.objects.values_list("pk", flat=True)) == [second.pk]
    assert second.visits.count() == 3
    two_a_day = outreach_plan_propose(user=user, quarter="2025Q1", visit_days=1, desa_per_day=2, today=TODAY)
    assert two_a_day.visits.count() == 2 and len({v.date for v in two_a_day.visits.all()}) == 1


def test_confirm_once_per_quarter(gaps: dict[str, Any], personas: dict[str, Any]) -> None:
    user = personas["dukcapil"]
    plan = outreach_plan_propose(user=user, quarter="2025Q1", visit_days=4, today=TODAY)
    confirmed = outreach_plan_confirm(user=user, plan=plan)
    assert confirmed.status == OutreachPlan.Status.CONFIRMED and confirmed.confirmed_by == user
    with pytest.raises(JempolError, match="sudah ditetapkan"):
        outreach_plan_propose(user=user, quarter="2025Q1", visit_days=4, today=TODAY)
    with pytest.raises(JempolError, match="Hanya draf"):
        outreach_plan_confirm(user=user, plan=plan)
    view = plan_view(quarter="2025Q1", visit_days=30, today=TODAY)  # other days asked: still the plan
    assert view.status == "confirmed" and [r.desa_code for r in view.rows] == EXPECTED_ORDER


@pytest.mark.parametrize(
    ("quarter", "visit_days", "message"),
    [
        ("2024Q3", 5, "sudah lewat"),
        ("2025Q5", 5, "Triwulan tidak sah"),
        ("2025Q1", 0, "minimal 1"),
        ("2025Q1", 80, "hari kerja"),
    ],
)
def test_propose_bad_input_saves_nothing(
    quarter: str, visit_days: int, message: str, gaps: dict[str, Any], personas: dict[str, Any]
) -> None:
    with pytest.raises(JempolError, match=message):
        outreach_plan_propose(user=personas["dukcapil"], quarter=quarter, visit_days=visit_days, today=TODAY)
    assert not OutreachPlan.objects.exists() and not PlannedVisit.objects.exists()


def test_propose_without_flags(reference_data: None, personas: dict[str, Any]) -> None:
    with pytest.raises(JempolError, match="belum dihitung"):
        outreach_plan_propose(user=personas["dukcapil"], quarter="2025Q1", visit_days=5, today=TODAY)
    assert not OutreachPlan.objects.exists()


@pytest.mark.parametrize("persona", ["dinkes", "publik", "disdikbud"])
def test_roles_without_the_capability_are_refused(
    persona: str, gaps: dict[str, Any], personas: dict[str, Any]
) -> None:
    with pytest.raises(AccessDenied):
        outreach_plan_propose(user=personas[persona], quarter="2025Q1", visit_days=5, today=TODAY)
    with pytest.raises(AccessDenied):
        visit_record(
            user=personas[persona], desa_code="61.07.07.2001", date=TODAY, services=["akta"], documents={}
        )
    assert not OutreachPlan.objects.exists() and not Visit.objects.exists()


def test_the_planner_plans_but_does_not_record_visits(gaps: dict[str, Any], personas: dict[str, Any]) -> None:
    with pytest.raises(AccessDenied):
        visit_record(
            user=personas["bappeda"], desa_code="61.07.07.2001", date=TODAY, services=["akta"], documents={}
        )
    assert not Visit.objects.exists()


GOOD: dict[str, Any] = {
    "desa_code": "61.07.07.2001",
    "date": date(2024, 11, 20),
    "services": ["akta", "kia", "kk"],
    "documents": {"akta": 8, "kia": "5", "kk": 3},
}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"desa_code": "61.07.99.9999"}, "Desa tidak dikenal"),
        ({"desa_code": ""}, "Desa tidak dikenal"),
        ({"date": date(2019, 12, 31)}, "Tanggal harus antara"),
        ({"date": TODAY + timedelta(days=1)}, "Tanggal harus antara"),
        ({"documents": {"akta": -1}}, "negatif"),
        ({"documents": {"kia": "lima"}}, "bilangan bulat"),
        ({"documents": {"akta": 10_001}}, "terlalu besar"),
        ({"documents": {"passport": 1}}, "tidak dikenal"),
        ({"services": ["akta", "paspor"]}, "Layanan tidak dikenal"),
        ({"services": []}, "minimal satu layanan"),
        ({"services": ["akta"], "documents": {"akta": 1, "kk": 2}}, "tidak dicentang"),
    ],
)
def test_visit_bad_input_saves_nothing(
    change: dict[str, Any], message: str, gaps: dict[str, Any], personas: dict[str, Any]
) -> None:
    before = AuditEvent.objects.count()
    with pytest.raises(JempolError, match=message):
        visit_record(user=personas["dukcapil"], today=TODAY, **(GOOD | change))
    assert not Visit.objects.exists()
    assert AuditEvent.objects.count() == before


def test_visit_keeps_coverage_before_and_reads_after(gaps: dict[str, Any], personas: dict[str, Any]) -> None:
    user = personas["dukcapil"]
    plan = outreach_plan_propose(user=user, quarter="2024Q4", visit_days=5, today=date(2024, 10, 1))
    outreach_plan_confirm(user=user, plan=plan)
    visit = visit_record(user=user, today=TODAY, team="Tim 1", **GOOD)
    assert (visit.issued_akta, visit.issued_kia, visit.issued_kk, visit.documents_issued) == (8, 5, 3, 16)
    assert visit.services == ["akta", "kia", "kk"]
    assert (visit.before_period, visit.before_no_akta, visit.before_no_akta_of) == ("2024Q4", 20, 300)
    assert (visit.before_no_kia, visit.before_no_kia_of) == (10, 300)
    assert visit.planned_visit is not None and visit.planned_visit.desa.code == "61.07.07.2001"
    assert AuditEvent.objects.filter(subject_type="jempol_visit", desa_code="61.07.07.2001").exists()
    jagoi = Desa.objects.get(code="61.07.07.2001")
    (coverage,) = coverage_before_after(jagoi)
    assert coverage.after is None  # the next quarter's flags are not computed yet
    assert coverage.before is not None and coverage.before.akta_text.startswith("93,3%")
    aggregate("no_akta", "61.07.07.2001", 6, 310, period="2025Q1")
    aggregate("no_kia", "61.07.07.2001", 3, 310, period="2025Q1")
    aggregate("no_akta", "61.07.07.2001", 1, 310, period="2025Q2")  # later still: not "the next"
    (coverage,) = coverage_before_after(jagoi)
    assert coverage.after is not None and coverage.after.period == "2025Q1"
    assert (coverage.after.no_akta, coverage.after.no_kia) == (6, 3)
    assert coverage.after.akta_text.startswith("98,1%") and "<5" in coverage.after.kia_text
