"""The retention job for people: the steward's page (rules, the dry run, a confirmed run, past
runs) and the civil registry's "left the district" form on a child's page."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.test import Client

from satuanak.audit.models import AuditAction, AuditEvent
from satuanak.persons.models import Child, ChildRecord
from satuanak.persons.tests.factories import ChildFactory, ChildRecordFactory

URL = "/tata-kelola/retensi/"


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.mark.django_db
def test_the_steward_sees_the_dry_run_and_runs_it_only_when_confirmed(
    personas: dict[str, Any], settings: Any
) -> None:
    settings.SATUANAK_TODAY = date(2025, 6, 30)
    # Born 2000: 18 in 2018, so e-PPGBM weighings (kept 0 years after 18) are long past their time.
    adult = ChildFactory.create(name="SUDAH DEWASA", birth_date=date(2000, 3, 1))
    ChildRecordFactory.create(child=adult, source="eppgbm", record_id="eppgbm:x:1", summary={})
    young = ChildFactory.create(name="MASIH BALITA", birth_date=date(2023, 1, 1))
    ChildRecordFactory.create(child=young, source="eppgbm", record_id="eppgbm:x:2", summary={})

    steward = _client(personas["steward"])
    assert _client(personas["dinkes"]).get(URL).status_code == 403
    page = steward.get(URL)
    body = page.content.decode()
    assert page.status_code == 200 and 'data-rule="eppgbm:*"' in body
    assert "SUDAH DEWASA" not in body  # counts only
    dry = page.context["summary"]
    assert dry["records_past"] == 1 and dry["children_anonymised"] == 1

    unconfirmed = steward.post(URL, {})
    assert unconfirmed.status_code == 400 and "konfirmasi" in unconfirmed.content.decode()
    assert ChildRecord.objects.filter(child=adult).exists()

    assert steward.post(URL, {"yakin": "1"}).status_code == 302
    adult.refresh_from_db()
    assert not ChildRecord.objects.filter(child=adult).exists() and adult.anonymised_on is not None
    assert adult.name != "SUDAH DEWASA" and adult.nik == ""
    assert ChildRecord.objects.filter(child=young).exists()
    run = AuditEvent.objects.get(action=AuditAction.RETENTION_RUN)
    assert run.actor == personas["steward"] and run.detail["records_past"] == 1
    after = steward.get(URL).content.decode()
    assert 'data-testid="retention-runs"' in after and "2025Q1</strong> dikunci" in after


@pytest.mark.django_db
def test_the_civil_registry_records_that_a_child_left_the_district(
    personas: dict[str, Any], settings: Any
) -> None:
    settings.SATUANAK_TODAY = date(2025, 6, 30)
    child: Child = ChildFactory.create(name="ANAK PINDAH")
    url = f"/anak/{child.pk}/pindah/"
    dukcapil = _client(personas["dukcapil"])
    assert 'data-testid="left-district"' in dukcapil.get(f"/anak/{child.pk}/").content.decode()
    assert (
        'data-testid="left-district"'
        not in _client(personas["dinkes"]).get(f"/anak/{child.pk}/").content.decode()
    )
    assert _client(personas["dinkes"]).post(url, {"tanggal": "2025-01-31"}).status_code == 403

    assert dukcapil.post(url, {"tanggal": "2025-13-01"}).status_code == 400
    assert dukcapil.post(url, {"tanggal": "2025-07-01"}).status_code == 400  # in the future
    assert dukcapil.post(url, {"tanggal": "2025-01-31"}).status_code == 302
    child.refresh_from_db()
    assert child.left_district_on == date(2025, 1, 31)
    assert AuditEvent.objects.filter(
        action=AuditAction.RECORD_CHANGED, subject_id=str(child.pk), detail__field="left_district_on"
    ).exists()
    assert dukcapil.post(url, {"tanggal": ""}).status_code == 302
    child.refresh_from_db()
    assert child.left_district_on is None
