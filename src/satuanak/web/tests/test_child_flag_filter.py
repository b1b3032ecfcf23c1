"""The children list filtered by a flag: the flagged children of the rule's latest quarter, and
nothing for a rule whose source the role may not see."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from satuanak.audit.models import AuditAction, AuditEvent
from satuanak.flags.models import ChildFlag
from satuanak.persons.tests.factories import ChildFactory
from satuanak.regions.models import Desa


def _flag(child: Any, period: str, status: str) -> None:
    ChildFlag.objects.create(
        child=child,
        code="stunting",
        rule_version=1,
        period=period,
        status=status,
        reason_id="x",
        reason_en="x",
    )


@pytest.mark.django_db
def test_children_list_by_flag(personas: dict[str, Any], reference_data: None) -> None:
    desa = Desa.objects.get(code="61.07.01.2001")
    stunted = ChildFactory.create(desa=desa, name="ANAK PENDEK")
    recovered = ChildFactory.create(desa=desa, name="ANAK PULIH")
    _flag(stunted, "2024Q4", "flagged")
    _flag(recovered, "2024Q3", "flagged")  # stunted before, not in the latest quarter
    _flag(recovered, "2024Q4", "clear")
    dinkes = Client()
    dinkes.force_login(personas["dinkes"])
    page = dinkes.get("/anak/", {"penanda": "stunting", "desa": desa.code}).content.decode()
    assert "ANAK PENDEK" in page and "ANAK PULIH" not in page
    assert AuditEvent.objects.filter(action=AuditAction.CHILD_LIST_VIEWED, detail__flag="stunting").exists()
    export = dinkes.get(
        "/anak/ekspor.csv", {"penanda": "stunting", "tujuan": "kunjungan rumah"}
    ).content.decode()
    assert "ANAK PENDEK" in export and "ANAK PULIH" not in export
    # an education officer does not see nutrition: the filter gives no one (not everyone)
    edu = Client()
    edu.force_login(personas["disdikbud"])
    page = edu.get("/anak/", {"penanda": "stunting"}).content.decode()
    assert "ANAK PENDEK" not in page and "ANAK PULIH" not in page
    assert '<option value="stunting"' not in page  # nor is it offered
