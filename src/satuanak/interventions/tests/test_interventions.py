"""Recording interventions: within the user's area, validated, audited; follow-ups come due."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from satuanak.audit.models import AuditAction, AuditEvent
from satuanak.interventions.models import Intervention
from satuanak.interventions.selectors import follow_ups_due
from satuanak.interventions.services import InterventionError, intervention_record
from satuanak.persons.tests.factories import ChildFactory
from satuanak.regions.models import Desa


@pytest.fixture
def children(reference_data: None) -> dict[str, Any]:
    sungai_duri = Desa.objects.get(code="61.07.01.2001")
    elsewhere = Desa.objects.filter(kecamatan__code="61.07.02").order_by("code").first()
    return {
        "here": ChildFactory.create(desa=sungai_duri, birth_date=date(2023, 5, 1)),
        "there": ChildFactory.create(desa=elsewhere, birth_date=date(2023, 5, 1)),
    }


@pytest.mark.django_db
def test_a_cadre_records_pmt_for_a_child_of_her_area(
    personas: dict[str, Any], children: dict[str, Any]
) -> None:
    cadre = personas["kader_sungai_duri"]
    start = timezone.localdate() - timedelta(days=120)
    item = intervention_record(
        user=cadre,
        child_id=children["here"].pk,
        kind="pmt",
        start_date=start,
        programme="GESIT",
        answers_flag="stunting",
    )
    assert item.given_by == cadre and item.programme == "GESIT"
    assert AuditEvent.objects.filter(action=AuditAction.RECORD_CHANGED, subject_id=str(item.pk)).exists()
    # PMT is re-measured at day 100: 20 days ago, no weighing since, so it is due
    assert [(i.pk, o.due_on, o.status) for i, o in follow_ups_due(user=cadre)] == [
        (item.pk, start + timedelta(days=100), "due")
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "kind", "start", "end", "message"),
    [
        ("there", "pmt", date(2024, 1, 1), None, "tidak ditemukan di wilayah Anda"),  # another area
        ("here", "magic", date(2024, 1, 1), None, "tidak dikenal"),
        ("here", "pmt", date(2022, 1, 1), None, "sebelum anak lahir"),
        ("here", "pmt", date(2099, 1, 1), None, "masa depan"),
        ("here", "pmt", date(2024, 2, 1), date(2024, 1, 1), "sebelum tanggal mulai"),
    ],
)
def test_bad_input_gets_a_clear_message_and_changes_nothing(
    personas: dict[str, Any],
    children: dict[str, Any],
    who: str,
    kind: str,
    start: date,
    end: date | None,
    message: str,
) -> None:
    with pytest.raises(InterventionError, match=message) as caught:
        intervention_record(
            user=personas["kader_sungai_duri"],
            child_id=children[who].pk,
            kind=kind,
            start_date=start,
            end_date=end,
        )
    assert " / " in str(caught.value)  # Indonesian / English
    assert not Intervention.objects.exists()


@pytest.mark.django_db
def test_a_relink_keeps_a_child_people_worked_on(personas: dict[str, Any], children: dict[str, Any]) -> None:
    """Linkage rebuilds children; one whose records moved elsewhere is deleted, but not when a
    cadre recorded an intervention on it (the work must not vanish with a relink)."""
    import polars as pl

    from satuanak.linkage.services import _store_children
    from satuanak.persons.models import Child

    intervention_record(
        user=personas["kader_sungai_duri"],
        child_id=children["here"].pk,
        kind="home_visit",
        start_date=date(2024, 6, 1),
    )
    from satuanak.referrals.models import DevelopmentScreening

    # Work recorded in another app (a developmental screening) protects a child just the same.
    screened = ChildFactory.create(desa=children["here"].desa, birth_date=date(2023, 1, 1))
    DevelopmentScreening.objects.create(
        child=screened,
        screened_on=date(2024, 6, 1),
        instrument="kpsp",
        result="deviation",
        recorded_by=personas["kader_sungai_duri"],
    )
    empty = pl.DataFrame(schema={"record_id": pl.String, "cluster_id": pl.String})
    golden = pl.DataFrame(schema={"cluster_id": pl.String})
    _store_children(golden, empty)
    assert Child.objects.filter(pk=children["here"].pk, linkage_key=None).exists()
    assert Child.objects.filter(pk=screened.pk, linkage_key=None).exists()
    assert not Child.objects.filter(pk=children["there"].pk).exists()


@pytest.mark.django_db
def test_the_phone_form_records_and_the_child_page_shows_it(
    personas: dict[str, Any], children: dict[str, Any]
) -> None:
    from django.test import Client

    client = Client()
    client.force_login(personas["kader_sungai_duri"])
    url = f"/anak/{children['here'].pk}/intervensi/"
    form = client.get(url)
    assert form.status_code == 200 and len(form.content) < 50_000  # small page for a slow link
    bad = client.post(url, {"jenis": "pmt", "mulai": "kemarin"})
    assert bad.status_code == 400 and "Tanggal tidak sah" in bad.content.decode()
    assert not Intervention.objects.exists()
    done = client.post(
        url, {"jenis": "pmt", "mulai": "2024-06-01", "program": "GESIT", "penanda": "stunting"}
    )
    assert done.status_code == 302
    page = client.get(f"/anak/{children['here'].pk}/").content.decode()
    assert "PMT (pemberian makanan tambahan)" in page and "GESIT" in page
    # a child of another area: the same 404 as a missing one
    assert client.get(f"/anak/{children['there'].pk}/intervensi/").status_code == 404
    # a role that may not record: refused
    edu = Client()
    edu.force_login(personas["disdikbud"])
    assert edu.post(url, {"jenis": "pmt", "mulai": "2024-06-01"}).status_code == 403
    assert Intervention.objects.count() == 1
