"""Adminduk Digital di Genggaman: the public form, the JSON API, the status by tracking code
(state only, throttled per address), and Disdukcapil's steps on an application."""

from __future__ import annotations

import base64
import json
from datetime import date
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from satuanak.applications import services
from satuanak.applications import states as s
from satuanak.applications.models import (
    OnlineApplication,
    OnlineApplicationAttachment,
    OnlineApplicationEvent,
)
from satuanak.applications.services import Decision, application_process
from satuanak.applications.tests.conftest import PDF, PNG
from satuanak.audit.models import AuditAction, AuditEvent
from satuanak.core.nik import Nik

pytestmark = pytest.mark.django_db

DESA = "61.07.01.2001"
BORN = date(2023, 3, 14)
FORM = {
    "applicant_name": "Maria Ulina",
    "applicant_phone": "0812-3456-7890",
    "child_name": "Yohana Ayu",
    "child_sex": "P",
    "child_birth_date": BORN.isoformat(),
    "mother_name": "Maria Ulina",
    "desa_code": DESA,
    "requested": ["akta", "kia"],
}
SECRETS = ("YOHANA AYU", "Maria Ulina", "MARIA ULINA", "081234567890", "Sungai Duri")


def _files() -> dict[str, Any]:
    return {
        "attachment_birth_letter": SimpleUploadedFile("surat-lahir.pdf", PDF),
        "attachment_kk_copy": SimpleUploadedFile("kk.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 16),
    }


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _json(**fields: Any) -> dict[str, Any]:
    body = {k: v for k, v in FORM.items()} | {
        "channel": "whatsapp",
        "attachments": [
            {
                "kind": "birth_letter",
                "filename": "surat.pdf",
                "content_base64": base64.b64encode(PDF).decode(),
            }
        ],
    }
    return body | fields


def test_the_web_form_takes_an_application_and_the_status_page_shows_only_its_state(
    reference_data: None,
) -> None:
    client = Client(enforce_csrf_checks=True)
    form = client.get("/permohonan/baru/")
    assert form.status_code == 200 and 'enctype="multipart/form-data"' in form.content.decode()
    token = form.cookies["csrftoken"].value
    bad = client.post(
        "/permohonan/baru/", FORM | {"applicant_phone": "12345", "csrfmiddlewaretoken": token} | _files()
    )
    assert (
        bad.status_code == 400
        and 'role="alert"' in bad.content.decode()
        and "Nomor HP" in bad.content.decode()
    )
    fake = client.post(
        "/permohonan/baru/",
        FORM
        | {"csrfmiddlewaretoken": token, "attachment_kk_copy": SimpleUploadedFile("kk.pdf", b"MZ\x90\x00")},
    )
    assert fake.status_code == 400 and "PDF, PNG atau JPEG" in fake.content.decode()
    assert not OnlineApplication.objects.exists() and not OnlineApplicationAttachment.objects.exists()
    sent = client.post("/permohonan/baru/", FORM | {"csrfmiddlewaretoken": token} | _files())
    assert sent.status_code == 302
    application = OnlineApplication.objects.get()
    assert application.channel == "web" and application.applicant_phone == "081234567890"
    assert (application.wants_akta, application.wants_kia, application.state) == (True, True, s.RECEIVED)
    assert sorted(application.attachments.values_list("kind", flat=True)) == ["birth_letter", "kk_copy"]
    assert application.attachments.get(kind="kk_copy").content_type == "image/jpeg"
    assert sent["Location"].startswith("/permohonan/status/?kode=ADG-")

    page = client.get(sent["Location"])
    assert page.status_code == 200 and page["Cache-Control"] == "no-store"
    body = page.content.decode()
    assert application.code_display in body and s.label(s.RECEIVED) in body
    assert all(secret not in body for secret in SECRETS), [x for x in SECRETS if x in body]
    # typed however the applicant types it
    assert (
        client.get(
            "/permohonan/status/", {"kode": application.code_display.lower().replace("-", " ")}
        ).status_code
        == 200
    )


def test_the_api_takes_json_and_multipart_and_answers_errors_in_one_shape(reference_data: None) -> None:
    client = Client(enforce_csrf_checks=True)  # JSON clients carry no CSRF cookie
    cases = [
        (b"{not json", "bad_json"),
        (json.dumps(_json(desa_code="99.99.99.9999")).encode(), "bad_desa"),
        (json.dumps(_json(child_birth_date="2099-01-01")).encode(), "bad_date"),
        (json.dumps(_json(child_birth_date="14-03-2023")).encode(), "bad_date"),
        (json.dumps(_json(child_nik="6107015203210001")).encode(), "nik_mismatch"),  # born 12-03-2021
        (json.dumps(_json(child_nik="12345")).encode(), "bad_nik"),
        (json.dumps(_json(requested=["passport"])).encode(), "bad_requested"),
        (json.dumps(_json(channel="web")).encode(), "bad_channel"),
        (json.dumps(_json(attachments=[])).encode(), "no_documents"),
        (
            json.dumps(
                _json(attachments=[{"kind": "kk_copy", "filename": "a.pdf", "content_base64": "%%%"}])
            ).encode(),
            "bad_attachments",
        ),
        (
            json.dumps(
                _json(
                    attachments=[
                        {
                            "kind": "selfie",
                            "filename": "a.png",
                            "content_base64": base64.b64encode(PNG).decode(),
                        }
                    ]
                )
            ).encode(),
            "bad_kind",
        ),
        (json.dumps([1, 2]).encode(), "bad_json"),
    ]
    for body, code in cases:
        response = client.post("/api/v1/permohonan/", body, content_type="application/json")
        assert response.status_code == 400, (code, response.content)
        error = response.json()["error"]
        assert error["code"] == code and error["message_id"] and error["message_en"], error
        assert error["message_id"] != error["message_en"]
    plain = client.post("/api/v1/permohonan/", "x", content_type="text/plain")
    assert plain.status_code == 415 and plain.json()["error"]["code"] == "unsupported_media_type"
    assert client.get("/api/v1/permohonan/").status_code == 405
    assert not OnlineApplication.objects.exists()

    nik = Nik.build(kecamatan_code="61.07.01", birth_date=BORN, sex="P", serial=77)
    made = client.post(
        "/api/v1/permohonan/", json.dumps(_json(child_nik=nik)), content_type="application/json"
    )
    assert made.status_code == 201, made.content
    answer = made.json()
    assert set(answer) == {"tracking_code", "status"} and answer["status"] == s.RECEIVED
    application = OnlineApplication.objects.get()
    assert (application.channel, application.child_nik) == ("whatsapp", nik)
    assert application.code_display == answer["tracking_code"]
    multipart = client.post(
        "/api/v1/permohonan/", FORM | {"channel": "village_website"} | _files()
    )  # a village website's form, posted on
    assert multipart.status_code == 201
    assert OnlineApplication.objects.filter(channel="village_website").count() == 1

    status = client.get(f"/api/v1/permohonan/{answer['tracking_code']}/")
    assert status.status_code == 200
    data = status.json()
    assert data["status"] == s.RECEIVED and data["tracking_code"] == answer["tracking_code"]
    text = json.dumps(data)
    assert all(secret not in text for secret in (*SECRETS, nik, DESA))
    unknown = client.get("/api/v1/permohonan/ADG-22222-22222/")
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "not_found"


def test_guessing_codes_is_throttled_per_address_and_logged(reference_data: None) -> None:
    client = Client()
    known = services.application_create(
        channel="web",
        attachments=[("birth_letter", SimpleUploadedFile("s.pdf", PDF))],
        **{k: v for k, v in FORM.items() if k != "requested"},
        requested=["akta"],
    )
    for i in range(services.LOOKUP_UNKNOWN_LIMIT - 1):
        assert client.get("/permohonan/status/", {"kode": f"ADG-2222{i + 2}-22222"}).status_code == 404
    assert client.get("/api/v1/permohonan/ADG-33333-33333/").status_code == 404  # the API counts too
    assert not AuditEvent.objects.filter(action=AuditAction.ACCESS_DENIED).exists()
    blocked = client.get("/permohonan/status/", {"kode": known.code_display})  # even a good code now
    assert blocked.status_code == 429 and 'role="alert"' in blocked.content.decode()
    assert client.get(f"/api/v1/permohonan/{known.code_display}/").status_code == 429
    assert (
        client.get(f"/api/v1/permohonan/{known.code_display}/").json()["error"]["code"] == "too_many_requests"
    )
    denied = AuditEvent.objects.filter(action=AuditAction.ACCESS_DENIED, subject_type="online_application")
    assert denied.count() == 1 and denied.get().ip == "127.0.0.1"  # once per window, not per request
    other = Client(REMOTE_ADDR="10.0.0.9")  # another address is not blocked
    assert other.get("/permohonan/status/", {"kode": known.code_display}).status_code == 200


def test_creating_is_rate_limited_per_address(reference_data: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(services, "CREATE_LIMIT", 2)
    client = Client()
    for _ in range(2):
        assert (
            client.post(
                "/api/v1/permohonan/", json.dumps(_json()), content_type="application/json"
            ).status_code
            == 201
        )
    refused = client.post("/api/v1/permohonan/", json.dumps(_json()), content_type="application/json")
    assert refused.status_code == 429 and refused.json()["error"]["code"] == "too_many_requests"
    assert client.post("/permohonan/baru/", FORM | _files()).status_code == 429
    assert OnlineApplication.objects.count() == 2
    assert AuditEvent.objects.filter(action=AuditAction.ACCESS_DENIED).count() == 1


def test_disdukcapil_returns_the_applicant_resubmits_and_it_is_done(
    reference_data: None, personas: dict[str, Any]
) -> None:
    application = services.application_create(
        channel="api",
        attachments=[("birth_letter", SimpleUploadedFile("s.pdf", PDF))],
        **{k: v for k, v in FORM.items() if k != "requested"},
        requested=["akta"],
    )
    officer = _client(personas["dukcapil"])
    queue = officer.get("/adminduk/permohonan/")
    assert queue.status_code == 200 and f"/adminduk/permohonan/{application.pk}/" in queue.content.decode()
    url = f"/adminduk/permohonan/{application.pk}/"
    page = officer.get(url)
    assert page.status_code == 200 and "081234567890" in page.content.decode()
    assert AuditEvent.objects.filter(
        actor=personas["dukcapil"], action=AuditAction.CHILD_VIEWED, subject_type="online_application"
    ).exists()
    assert officer.post(url, {"status": s.DONE, "nomor_akta": "X-1"}).status_code == 400  # not verified yet
    note = "Foto KK tidak ada - hubungi ibu Maria"
    returned = officer.post(url, {"status": s.RETURNED, "alasan_kembali": "missing_kk_copy", "catatan": note})
    assert returned.status_code == 302
    for persona in ("duta_sekolah", "dinkes", "publik"):
        assert _client(personas[persona]).get(url).status_code == 403
    assert _client(personas["dukcapil"]).get("/adminduk/permohonan/999999/").status_code == 404

    public = Client()
    status = public.get("/permohonan/status/", {"kode": application.code_display}).content.decode()
    assert s.RETURN_REASONS["missing_kk_copy"] in status and note not in status and "resubmit-form" in status
    wrong = public.post(
        "/permohonan/status/",
        {
            "kode": application.code_display,
            "hp": "081299999999",
            "attachment_kk_copy": SimpleUploadedFile("kk.png", PNG),
        },
    )
    assert wrong.status_code == 400 and "tidak cocok" in wrong.content.decode()
    assert OnlineApplication.objects.get(pk=application.pk).state == s.RETURNED
    right = public.post(
        "/permohonan/status/",
        {
            "kode": application.code_display,
            "hp": "+62 812 3456 7890",
            "attachment_kk_copy": SimpleUploadedFile("kk.png", PNG),
        },
    )
    assert right.status_code == 200 and s.label(s.RESUBMITTED) in right.content.decode()
    assert application.attachments.filter(kind="kk_copy").exists()

    assert officer.post(url, {"status": s.IN_PROCESS}).status_code == 302
    done = officer.post(url, {"status": s.DONE, "nomor_akta": "6107-lt-31122024-0100"})
    assert done.status_code == 302
    application.refresh_from_db()
    assert (application.state, application.akta_number) == (s.DONE, "6107-LT-31122024-0100")
    assert application.registry_batch_id is None  # no NIK known: the next SIAK export brings it
    events = list(OnlineApplicationEvent.objects.filter(application=application).order_by("at", "id"))
    assert [e.to_state for e in events] == [s.RECEIVED, s.RETURNED, s.RESUBMITTED, s.IN_PROCESS, s.DONE]
    assert events[0].by is None and events[2].by is None and events[1].by == personas["dukcapil"]
    attachment = application.attachments.first()
    assert attachment is not None
    assert officer.get(f"/adminduk/permohonan/lampiran/{attachment.pk}/").status_code == 200
    assert (
        _client(personas["duta_sekolah"]).get(f"/adminduk/permohonan/lampiran/{attachment.pk}/").status_code
        == 403
    )
    final = public.get(f"/api/v1/permohonan/{application.code_display}/").json()
    assert final["status"] == s.DONE and "6107-LT" not in json.dumps(final)
    with pytest.raises(services.ApplicationError, match="tidak dapat diubah"):
        application_process(
            user=personas["dukcapil"],
            application_id=application.pk,
            decision=Decision(s.REJECTED, reason_code="other"),
        )
