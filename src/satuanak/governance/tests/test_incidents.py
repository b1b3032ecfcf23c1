"""The breach and incident log: recorded by the data steward, its deadline from UU 27/2022 art. 46
(3 x 24 hours from discovery), notifications in time or late, closing only when both are done."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from satuanak.audit.models import AuditAction, AuditEvent
from satuanak.governance.models import Incident
from satuanak.governance.selectors import incident_rows, incidents_overdue

URL = "/tata-kelola/insiden/"


def _local(dt: Any) -> str:
    return timezone.localtime(dt).strftime("%Y-%m-%dT%H:%M")


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.mark.django_db
def test_the_log_from_discovery_to_closing(personas: dict[str, Any]) -> None:
    steward = _client(personas["steward"])
    assert steward.get(URL).status_code == 200
    assert AuditEvent.objects.filter(actor=personas["steward"], action=AuditAction.GOVERNANCE_VIEWED).exists()
    found = timezone.now() - timedelta(hours=80)
    r = steward.post(
        URL,
        {
            "aksi": "catat",
            "diketahui": _local(found),
            "judul": "Laptop puskesmas hilang",
            "uraian": "Laptop berisi ekspor e-PPGBM satu desa hilang di perjalanan.",
            "jenis": ["identity", "health"],
            "sumber": ["eppgbm"],
            "anak": "212",
        },
    )
    assert r.status_code == 302
    incident = Incident.objects.get()
    assert incident.children_affected == 212 and incident.data_kinds == ["health", "identity"]
    assert incident.notify_by == incident.discovered_at + timedelta(hours=72)

    # the institution told 10 hours after discovery: in time; the parents not yet: overdue
    steward.post(
        URL,
        {
            "aksi": "beritahu",
            "insiden": incident.pk,
            "kepada": "authority",
            "waktu": _local(found + timedelta(hours=10)),
        },
    )
    (row,) = incident_rows()
    assert row.authority.in_time is True and not row.authority.overdue
    assert row.subjects.at is None and row.subjects.overdue
    assert incidents_overdue() == 1
    page = steward.get(URL).content.decode()
    assert "belum, lewat batas" in page and "tepat waktu" in page

    # closing needs both notices and what was done
    refused = steward.post(URL, {"aksi": "tutup", "insiden": incident.pk, "penanganan": "Sandi diganti"})
    assert refused.status_code == 400 and "Catat pemberitahuan" in refused.content.decode()
    steward.post(
        URL,
        {
            "aksi": "beritahu",
            "insiden": incident.pk,
            "kepada": "subjects",
            "waktu": _local(found + timedelta(hours=75)),
        },
    )
    (row,) = incident_rows()
    assert row.subjects.in_time is False  # 75 hours: late, and the log says so
    closed = steward.post(
        URL, {"aksi": "tutup", "insiden": incident.pk, "penanganan": "Akun dikunci, sandi diganti"}
    )
    assert closed.status_code == 302
    incident.refresh_from_db()
    assert incident.status == "closed" and incident.closed_at is not None
    assert incidents_overdue() == 0
    assert AuditEvent.objects.filter(action=AuditAction.RECORD_CHANGED, subject_type="incident").count() == 4


@pytest.mark.django_db
def test_bad_input_and_other_roles(personas: dict[str, Any]) -> None:
    steward = _client(personas["steward"])
    future = steward.post(
        URL,
        {
            "aksi": "catat",
            "diketahui": _local(timezone.now() + timedelta(days=1)),
            "judul": "x",
            "uraian": "y",
            "jenis": ["identity"],
            "anak": "1",
        },
    )
    assert future.status_code == 400 and "masa depan" in future.content.decode()
    no_kind = steward.post(
        URL, {"aksi": "catat", "diketahui": _local(timezone.now()), "judul": "x", "uraian": "y", "anak": "1"}
    )
    assert no_kind.status_code == 400 and "jenis data" in no_kind.content.decode()
    assert steward.post(URL, {"aksi": "tutup", "insiden": "999"}).status_code == 400
    assert steward.post(URL, {"aksi": "apa"}).status_code == 400
    assert not Incident.objects.exists()  # nothing half-written
    # the log is the steward's: a health officer is refused, the public sent to log in
    assert _client(personas["dinkes"]).get(URL).status_code == 403
    assert Client().get(URL).status_code == 302
