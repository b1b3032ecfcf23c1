"""The jobs page (/sistem/tugas/): the steward's view of workers and background work."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from django_tasks.base import TaskResultStatus

from satuanak.accounts.models import User
from satuanak.audit.models import AuditAction, AuditEvent
from satuanak.imports.models import ImportBatch
from satuanak.ops.tests.test_job_history import (
    DEAD,
    make_batch,
    make_flags,
    make_linkage,
    make_task,
    make_worker,
)
from satuanak.persons.tests.factories import ChildFactory

URL = "/sistem/tugas/"
NO_WORKER = "Tidak ada pekerja aktif: unggahan tidak akan diproses."

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _ago(minutes: float) -> Any:
    return timezone.now() - timedelta(minutes=minutes)


@pytest.fixture
def jobs(personas: dict[str, Any]) -> dict[str, Any]:
    """One job of each kind, a failed import and a failed task."""
    done = make_batch(
        created=_ago(50),
        started=_ago(50),
        seconds=42,
        file_name="siak-januari.csv",
        rows_in=3,
        accepted=3,
        uploaded_by=personas["steward"],
    )
    failed = make_batch(
        created=_ago(40),
        started=_ago(40),
        seconds=2,
        file_name="eppgbm-rusak.xlsx",
        adapter="eppgbm",
        source="eppgbm",
        status=ImportBatch.Status.FAILED,
        message="Berkas tidak dapat dibaca / the file cannot be read",
    )
    make_linkage(started=_ago(30), seconds=125, stats={"records": 10, "children": 7})
    make_flags(started=_ago(20), seconds=3, stats={"children": 7})
    make_task(
        enqueued=_ago(10),
        started=_ago(10),
        seconds=1,
        status=TaskResultStatus.FAILED,
        args=[failed.pk],
        exception_class_path="satuanak.imports.errors.UnreadableFile",
        traceback="Traceback (most recent call last): RAHASIA-JEJAK",
    )
    return {"done": done, "failed": failed}


def _rows(body: str) -> list[tuple[str, str]]:
    return re.findall(r'<tr data-kind="(\w+)" data-status="(\w+)"', body)


def test_steward_sees_workers_summary_and_jobs(personas: dict[str, Any], jobs: dict[str, Any]) -> None:
    response = _client(personas["steward"]).get(URL)
    assert response.status_code == 200
    body = response.content.decode()
    assert NO_WORKER in body and "systemctl start satuanak-worker" in body
    assert "No worker alive: uploads will not be processed." in body
    assert _rows(body) == [
        ("task", "failed"),
        ("flags", "done"),
        ("linkage", "done"),
        ("import", "failed"),
        ("import", "done"),
    ]
    # Links to the batches' result pages, the import task's too; durations in words.
    assert f'href="/impor/{jobs["done"].pk}/"' in body
    assert body.count(f'href="/impor/{jobs["failed"].pk}/"') == 2
    assert "42,0 s" in body and "2 mnt 05 s" in body
    # Failures highlighted with their message; the task's exception class.
    assert body.count('class="ops-failed"') == 2
    assert "Berkas tidak dapat dibaca" in body
    assert "satuanak.imports.errors.UnreadableFile" in body
    # The summary: one chart per kind with runs, a red bar for each failure.
    assert body.count('<svg class="ops-chart"') == 4
    assert body.count('class="failed"><title>') == 2
    # SVG lengths with a decimal point whatever the page's locale ("1,5" is not a length).
    lengths = re.findall(r'<rect x="([^"]*)" y="([^"]*)" width="([^"]*)" height="([^"]*)"', body)
    assert len(lengths) == 5
    assert all(re.fullmatch(r"\d+(\.\d+)?", v) for rect in lengths for v in rect), lengths
    assert AuditEvent.objects.filter(
        actor=personas["steward"], action=AuditAction.IMPORT_VIEWED, subject_type="job_history"
    ).exists()


def test_a_live_worker_is_listed_and_the_warning_goes(personas: dict[str, Any]) -> None:
    make_worker("w-live", beat_seconds_ago=3, hostname="app-1", pid=31337, tasks_done=12)
    make_worker("w-killed", beat_seconds_ago=DEAD, hostname="app-1", pid=31000)
    body = _client(personas["steward"]).get(URL).content.decode()
    assert NO_WORKER not in body
    assert "w-live" in body and "31337" in body and "Hidup / alive" in body
    assert "w-killed" in body and "Mati / dead" in body
    assert body.index("w-live") < body.index("w-killed")


def test_a_dead_worker_alone_still_warns_with_the_queue(personas: dict[str, Any]) -> None:
    make_worker("w-killed", beat_seconds_ago=DEAD)
    make_task(enqueued=_ago(1), status=TaskResultStatus.READY)
    body = _client(personas["steward"]).get(URL).content.decode()
    assert NO_WORKER in body and "Mati / dead" in body
    assert "1 tugas menunggu dalam antrean" in body


@pytest.mark.parametrize("persona", ["dinkes", "ppa", "bappeda", "publik", "kader_sungai_duri"])
def test_other_roles_are_refused(personas: dict[str, Any], persona: str) -> None:
    # The protection officer runs imports too, but sees only its own sources' batches.
    assert _client(personas[persona]).get(URL).status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(db: None) -> None:
    response = Client().get(URL)
    assert response.status_code == 302 and "/masuk/" in response["Location"]


def test_filters_by_kind_and_status(personas: dict[str, Any], jobs: dict[str, Any]) -> None:
    client = _client(personas["steward"])
    body = client.get(URL, {"jenis": "import"}).content.decode()
    assert _rows(body) == [("import", "failed"), ("import", "done")]
    assert '<option value="import" selected>' in body
    body = client.get(URL, {"status": "failed"}).content.decode()
    assert _rows(body) == [("task", "failed"), ("import", "failed")]
    body = client.get(URL, {"jenis": "linkage", "status": "failed"}).content.decode()
    assert _rows(body) == [] and "Tidak ada pekerjaan. / No jobs." in body


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"jenis": "semua"}, "Jenis tugas tidak dikenal: semua. / Unknown job kind: semua."),
        ({"status": "<b>x</b>"}, "Status tidak dikenal: &lt;b&gt;x&lt;/b&gt;. / Unknown status"),
        ({"jenis": "x" * 5000}, "Unknown job kind: " + "x" * 40 + "."),
    ],
)
def test_bad_filters_get_a_400_with_a_message(
    personas: dict[str, Any], jobs: dict[str, Any], params: dict[str, str], message: str
) -> None:
    response = _client(personas["steward"]).get(URL, params)
    assert response.status_code == 400
    body = response.content.decode()
    assert message in body
    assert len(_rows(body)) == 5  # the bad filter is dropped, the page still useful


@pytest.mark.parametrize("page", ["abc", "-3", "999999999999999999999", "0"])
def test_bad_page_numbers_fall_back(personas: dict[str, Any], jobs: dict[str, Any], page: str) -> None:
    response = _client(personas["steward"]).get(URL, {"hal": page})
    assert response.status_code == 200


def test_pages_of_fifty(personas: dict[str, Any]) -> None:
    for i in range(55):
        make_flags(started=_ago(i + 1), seconds=1)
    client = _client(personas["steward"])
    first = client.get(URL).content.decode()
    assert len(_rows(first)) == 50 and "hal=2" in first
    second = client.get(URL, {"hal": "2"}).content.decode()
    assert len(_rows(second)) == 5 and "hal=1" in second and "hal=3" not in second


def test_the_traceback_is_for_superusers_only(personas: dict[str, Any], jobs: dict[str, Any]) -> None:
    assert personas["steward"].is_superuser  # the demo steward is the first account: a superuser
    body = _client(personas["steward"]).get(URL).content.decode()
    assert "RAHASIA-JEJAK" in body
    plain = User.objects.create_user(username="steward2", password="unused-123", role="data_steward")
    body = _client(plain).get(URL).content.decode()
    assert "RAHASIA-JEJAK" not in body
    assert "satuanak.imports.errors.UnreadableFile" in body


def test_no_child_is_named(personas: dict[str, Any], jobs: dict[str, Any]) -> None:
    child = ChildFactory.create(name="ANAK RAHASIA OPS")
    body = _client(personas["steward"]).get(URL).content.decode()
    assert child.name not in body and child.nik not in body


def test_the_menu_links_the_page_for_the_steward_only(personas: dict[str, Any]) -> None:
    assert 'href="/sistem/tugas/"' in _client(personas["steward"]).get("/anak/").content.decode()
    assert 'href="/sistem/tugas/"' not in _client(personas["dinkes"]).get("/anak/").content.decode()
