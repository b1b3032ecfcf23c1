"""The referral and screening pages: 200 in scope, 400 with a bilingual message for a user's
mistake (nothing written), 403 for a role without the capability, 404 for what is missing or
hidden (the same answer), every look audited."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from satuanak.audit.models import AuditAction, AuditEvent
from satuanak.referrals import transitions as t
from satuanak.referrals.models import DevelopmentScreening, Referral, ReferralEvent
from satuanak.referrals.services import referral_create

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _referral(personas: dict[str, Any], child: Any, **kwargs: Any) -> Referral:
    args: dict[str, Any] = {
        "user": personas["pkm_sungai_duri"],
        "child_id": child.pk,
        "from_unit": "pkm-sungai-duri",
        "to_unit": "sapa-abk",
        "reason": "Belum dapat berjalan",
        "urgency": t.URGENT,
    }
    return referral_create(**(args | kwargs))


def test_the_referrals_page_lists_inbox_outbox_and_overdue(
    units: Any, personas: dict[str, Any], children: dict[str, Any]
) -> None:
    late = _referral(personas, children["here"], sent_on=date(2024, 1, 2))
    dinkes = personas["dinkes"]
    before = AuditEvent.objects.filter(actor=dinkes, action=AuditAction.CHILD_LIST_VIEWED).count()
    page = _client(dinkes).get("/rujukan/")
    assert page.status_code == 200
    body = page.content.decode()
    overdue = body.split('data-testid="referrals-overdue"')[1].split("</section>")[0]
    assert children["here"].name in overdue and "Unit Layanan SAPA ABK" in overdue
    assert f"/rujukan/{late.pk}/" in body
    assert AuditEvent.objects.filter(actor=dinkes, action=AuditAction.CHILD_LIST_VIEWED).count() == before + 1
    sender = _client(personas["pkm_sungai_duri"]).get("/rujukan/").content.decode()
    assert children["here"].name in sender.split('data-testid="referrals-outbox"')[1]
    assert "Tidak ada rujukan masuk" in sender
    assert _client(personas["bappeda"]).get("/rujukan/").status_code == 403
    assert _client(personas["publik"]).get("/rujukan/").status_code == 403
    assert Client().get("/rujukan/").status_code == 302  # to the login


def test_the_new_referral_form(units: Any, personas: dict[str, Any], children: dict[str, Any]) -> None:
    client = _client(personas["pkm_sungai_duri"])
    url = f"/rujukan/baru/{children['here'].pk}/"
    form = client.get(url, {"unit": "sapa_abk"})
    assert form.status_code == 200 and len(form.content) < 50_000
    assert '<option value="sapa-abk" selected>' in form.content.decode()
    assert 'enctype="multipart/form-data"' in form.content.decode()
    good = {"dari": "pkm-sungai-duri", "ke": "sapa-abk", "alasan": "Belum bicara", "urgensi": "routine"}
    bad = client.post(url, good | {"ke": "tidak-ada"})
    assert bad.status_code == 400
    assert 'role="alert"' in bad.content.decode() and "does not receive referrals" in bad.content.decode()
    fake_pdf = client.post(url, good | {"lampiran": SimpleUploadedFile("surat.pdf", b"MZ\x90\x00binary")})
    assert fake_pdf.status_code == 400 and "PDF, PNG atau JPEG" in fake_pdf.content.decode()
    assert not Referral.objects.exists()
    done = client.post(url, good | {"lampiran": SimpleUploadedFile("foto.pdf", PNG)})
    assert done.status_code == 302
    referral = Referral.objects.get()
    assert done["Location"] == f"/rujukan/{referral.pk}/"
    assert referral.attachments.get().content_type == "image/png"
    # a child of another area: the same 404 as a missing one, and denied in the audit log
    assert client.get(f"/rujukan/baru/{children['there'].pk}/").status_code == 404
    assert client.get("/rujukan/baru/999999/").status_code == 404
    assert AuditEvent.objects.filter(
        action=AuditAction.ACCESS_DENIED, subject_id=str(children["there"].pk)
    ).exists()
    assert _client(personas["bappeda"]).post(url, good).status_code == 403
    assert Referral.objects.count() == 1


def test_the_detail_page_and_the_status_buttons(
    units: Any, personas: dict[str, Any], children: dict[str, Any]
) -> None:
    referral = _referral(personas, children["here"])
    url = f"/rujukan/{referral.pk}/"
    receiver = _client(personas["dinkes"])
    page = receiver.get(url)
    assert page.status_code == 200
    body = page.content.decode()
    assert 'value="received"' in body and 'value="declined"' in body and 'value="completed"' not in body
    assert AuditEvent.objects.filter(
        actor=personas["dinkes"], action=AuditAction.CHILD_VIEWED, subject_type="referral"
    ).exists()
    # the sender sees the timeline but no buttons
    sender = _client(personas["pkm_sungai_duri"])
    sent_page = sender.get(url).content.decode()
    assert "pkm_sungai_duri" in sent_page and 'name="status"' not in sent_page
    assert sender.post(f"{url}status/", {"status": "received"}).status_code == 403
    # a decline without a reason: 400, nothing changes
    events = ReferralEvent.objects.count()
    bad = receiver.post(f"{url}status/", {"status": "declined"})
    assert bad.status_code == 400 and 'role="alert"' in bad.content.decode()
    assert ReferralEvent.objects.count() == events
    ok = receiver.post(f"{url}status/", {"status": "received", "catatan": "jadwal Senin"})
    assert ok.status_code == 302 and Referral.objects.get(pk=referral.pk).status == t.RECEIVED
    assert "jadwal Senin" in receiver.get(url).content.decode()
    skip = receiver.post(f"{url}status/", {"status": "completed", "hasil": "selesai"})  # not from received
    assert skip.status_code == 400
    assert receiver.get(f"{url}status/").status_code == 405  # POST only
    # another area's puskesmas and a missing id: the same 404
    other = _client(personas["pkm_samalantan"])
    assert other.get(url).status_code == 404
    assert other.get("/rujukan/999999/").status_code == 404
    assert other.post(f"{url}status/", {"status": "in_service"}).status_code == 404
    assert _client(personas["bappeda"]).get(url).status_code == 403


def test_a_violence_referral_page_is_hidden_from_a_health_officer(
    units: Any, personas: dict[str, Any], children: dict[str, Any]
) -> None:
    referral = _referral(personas, children["here"], to_unit="uptd-ppa", is_protection=True)
    url = f"/rujukan/{referral.pk}/"
    assert _client(personas["dinkes"]).get(url).status_code == 404
    assert _client(personas["steward"]).get(url).status_code == 404
    page = _client(personas["ppa"]).get(url)
    assert page.status_code == 200 and "kekerasan / protection" in page.content.decode()
    assert _client(personas["pkm_sungai_duri"]).get(url).status_code == 200  # its author


def test_attachment_download(units: Any, personas: dict[str, Any], children: dict[str, Any]) -> None:
    referral = _referral(personas, children["here"], attachments=[SimpleUploadedFile("foto.pdf", PNG)])
    item = referral.attachments.get()
    url = f"/rujukan/lampiran/{item.pk}/"
    response = _client(personas["dinkes"]).get(url)
    assert response.status_code == 200
    assert response.getvalue() == PNG
    assert response["Content-Type"] == "image/png" and response["Cache-Control"] == "no-store"
    assert "foto.pdf.png" in response["Content-Disposition"]
    assert AuditEvent.objects.filter(
        actor=personas["dinkes"], action=AuditAction.FILE_DOWNLOADED, subject_id=str(item.pk)
    ).exists()
    assert _client(personas["pkm_samalantan"]).get(url).status_code == 404
    assert _client(personas["dinkes"]).get("/rujukan/lampiran/999999/").status_code == 404
    secret = _referral(
        personas,
        children["here"],
        to_unit="uptd-ppa",
        is_protection=True,
        attachments=[SimpleUploadedFile("v.png", PNG)],
    )
    assert (
        _client(personas["dinkes"]).get(f"/rujukan/lampiran/{secret.attachments.get().pk}/").status_code
        == 404
    )
    assert (
        _client(personas["ppa"]).get(f"/rujukan/lampiran/{secret.attachments.get().pk}/").status_code == 200
    )


def test_the_screening_page_offers_sapa_abk_after_a_deviation(
    units: Any, personas: dict[str, Any], children: dict[str, Any]
) -> None:
    client = _client(personas["kader_sungai_duri"])
    url = f"/anak/{children['here'].pk}/skrining/"
    page = client.get(url)
    assert page.status_code == 200 and "Rujuk ke SAPA ABK" not in page.content.decode()
    bad = client.post(url, {"tanggal": "kemarin", "instrumen": "kpsp", "hasil": "deviation"})
    assert bad.status_code == 400 and "Tanggal tidak sah" in bad.content.decode()
    wrong = client.post(url, {"tanggal": "2024-10-01", "instrumen": "kpsp", "hasil": "suspected"})
    assert wrong.status_code == 400 and 'role="alert"' in wrong.content.decode()
    assert not DevelopmentScreening.objects.exists()
    done = client.post(url, {"tanggal": "2024-10-01", "instrumen": "kpsp", "hasil": "deviation"})
    assert done.status_code == 302
    screening = DevelopmentScreening.objects.get()
    after = client.get(url).content.decode()
    link = f"/rujukan/baru/{children['here'].pk}/?unit=sapa_abk&amp;skrining={screening.pk}"
    assert "Rujuk ke SAPA ABK / refer to SAPA ABK" in after and link in after
    # the link opens the form prefilled; sending it ties the screening to the referral
    form = client.get(link.replace("&amp;", "&")).content.decode()
    assert '<option value="sapa-abk" selected>' in form and "Penyimpangan" in form
    sent = client.post(
        f"/rujukan/baru/{children['here'].pk}/",
        {
            "dari": "posyandu-sungai-duri",
            "ke": "sapa-abk",
            "alasan": "KPSP penyimpangan",
            "urgensi": "routine",
            "skrining": str(screening.pk),
        },
    )
    assert sent.status_code == 302
    assert DevelopmentScreening.objects.get().referral == Referral.objects.get()
    assert "Rujuk ke SAPA ABK" not in client.get(url).content.decode()  # referred now
    assert client.get(f"/anak/{children['there'].pk}/skrining/").status_code == 404
    assert _client(personas["disdikbud"]).get(url).status_code == 403  # no RECORD_INTERVENTIONS
