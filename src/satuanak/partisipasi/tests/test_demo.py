"""The demo: every status, linked children, proposals at every round; twice adds nothing."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from satuanak.partisipasi import states as s
from satuanak.partisipasi.demo import partisipasi_demo_load
from satuanak.partisipasi.models import Proposal, ProposalOutcome, Report
from satuanak.persons.tests.factories import ChildFactory
from satuanak.regions.models import Desa

pytestmark = pytest.mark.django_db


def test_demo_loads_every_state_and_is_idempotent(personas: dict[str, Any]) -> None:
    for code in ("61.07.01", "61.07.02"):
        for desa in Desa.objects.filter(kecamatan__code=code):
            ChildFactory.create(desa=desa)
            ChildFactory.create(desa=desa)
    first = partisipasi_demo_load(reference_date=date(2025, 3, 31))
    assert first["reports_added"] == 20 and first["proposals_added"] == 10
    assert first["children_linked"] >= 4
    assert set(Report.objects.values_list("status", flat=True)) == set(s.STATUSES)
    assert set(Report.objects.values_list("desa__kecamatan__code", flat=True)) == {"61.07.01", "61.07.02"}
    assert set(Report.objects.values_list("reporter__username", flat=True)) == {"publik"}
    handlers = set(Report.objects.values_list("events__by__username", flat=True)) - {"publik"}
    assert handlers == {"dinkes", "disdikbud", "ppa", "dukcapil", "bappeda"}
    for r in Report.objects.exclude(child=None).select_related("child"):
        assert r.child is not None and r.child.desa_id == r.desa_id
    assert set(ProposalOutcome.objects.values_list("level", flat=True)) == set(s.LEVELS)
    assert set(ProposalOutcome.objects.values_list("outcome", flat=True)) == set(s.OUTCOMES)
    counts = (Report.objects.count(), Proposal.objects.count(), ProposalOutcome.objects.count())
    second = partisipasi_demo_load(reference_date=date(2025, 3, 31))
    assert second["reports_added"] == second["proposals_added"] == second["outcomes_added"] == 0
    assert (Report.objects.count(), Proposal.objects.count(), ProposalOutcome.objects.count()) == counts
