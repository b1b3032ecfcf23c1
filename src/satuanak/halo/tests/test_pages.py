"""The Halo Remaja pages end to end: anonymous start, counsellors on and off duty, escalation,
consent and handover, bad input, throttling, escaping, roles and their audit entries."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client

from satuanak.audit.models import AuditAction, AuditEvent
from satuanak.halo import states as s
from satuanak.halo.models import Conversation, ConversationEvent, Handover, Message, Shift
from satuanak.halo.selectors import now
from satuanak.halo.services import START_LIMIT, WRONG_CODE_LIMIT
from satuanak.halo.tests.helpers import start

pytestmark = pytest.mark.django_db

SUBJECT = "halo_conversation"


def _conversation() -> Conversation:
    return Conversation.objects.get()


def _open_with_code(code: str, **extra: str) -> Any:
    return Client().post("/halo/percakapan/", {"kode": code, "aksi": "lihat", **extra})


def test_from_anonymous_start_to_escalation_while_a_counsellor_off_duty_cannot_read_it(
    personas: dict[str, Any], put_on_duty: Callable[..., Shift], client_for: Callable[[str], Client]
) -> None:
    put_on_duty("pkm_sungai_duri")
    # pkm_samalantan counsels too, but their shift ended an hour ago.
    put_on_duty("pkm_samalantan", hours_before=5, hours_after=-1)
    code = start(Client(), topic=s.MENTAL_HEALTH, message="Aku merasa sendirian di sekolah.")
    conversation = _conversation()
    assert conversation.status == s.OPEN

    on_duty = client_for("pkm_sungai_duri")
    queue = on_duty.get("/halo/konselor/")
    assert queue.status_code == 200
    assert f"/halo/konselor/{conversation.pk}/" in queue.content.decode()
    page = on_duty.get(f"/halo/konselor/{conversation.pk}/")
    assert page.status_code == 200 and "Aku merasa sendirian di sekolah." in page.content.decode()
    answered = on_duty.post(
        f"/halo/konselor/{conversation.pk}/", {"aksi": s.ANSWER, "pesan": "Terima kasih sudah bercerita."}
    )
    assert answered.status_code == 302
    conversation.refresh_from_db()
    assert conversation.status == s.ANSWERED and conversation.first_answered_at is not None
    answer = Message.objects.get(sender=s.COUNSELLOR)
    assert answer.author == personas["pkm_sungai_duri"]  # attributed

    # The adolescent reads the answer (the counsellor unnamed) and replies.
    seen = _open_with_code(code.lower().replace("-", " "))
    assert seen.status_code == 200
    assert "Terima kasih sudah bercerita." in seen.content.decode()
    assert "pkm_sungai_duri" not in seen.content.decode()
    assert seen["Cache-Control"] == "no-store"
    replied = Client().post(
        "/halo/percakapan/", {"kode": code, "aksi": "balas", "pesan": "Kadang aku ingin menyakiti diri."}
    )
    assert replied.status_code == 200
    conversation.refresh_from_db()
    assert conversation.status == s.WAITING and conversation.waiting_since is not None

    escalated = on_duty.post(
        f"/halo/konselor/{conversation.pk}/", {"aksi": s.ESCALATE, "alasan": s.SELF_HARM}
    )
    assert escalated.status_code == 302
    conversation.refresh_from_db()
    assert conversation.status == s.ESCALATED and conversation.urgent_reason == s.SELF_HARM
    step = ConversationEvent.objects.get(action=s.ESCALATE)
    assert step.by == personas["pkm_sungai_duri"] and step.from_status == s.WAITING

    # The counsellor off duty: not in their queue, and the page is a 404 with an audit entry.
    off_duty = client_for("pkm_samalantan")
    their_queue = off_duty.get("/halo/konselor/")
    assert their_queue.status_code == 200
    assert f"/halo/konselor/{conversation.pk}/" not in their_queue.content.decode()
    refused = off_duty.get(f"/halo/konselor/{conversation.pk}/")
    assert refused.status_code == 404
    assert "sendirian" not in refused.content.decode()
    denial = AuditEvent.objects.get(
        action=AuditAction.ACCESS_DENIED, actor=personas["pkm_samalantan"], subject_type=SUBJECT
    )
    assert denial.subject_id == str(conversation.pk) and denial.detail["reason"] == "off duty"
    assert (
        off_duty.post(f"/halo/konselor/{conversation.pk}/", {"aksi": s.ANSWER, "pesan": "x"}).status_code
        == 404
    )
    assert not Message.objects.filter(author=personas["pkm_samalantan"]).exists()

    # The supervisor, with no shift, sees it among the escalations.
    supervisor = client_for("dinkes")
    listing = supervisor.get("/halo/supervisor/eskalasi/")
    assert listing.status_code == 200 and f"#{conversation.pk}" in listing.content.decode()
    assert supervisor.get(f"/halo/konselor/{conversation.pk}/").status_code == 200

    looks = AuditEvent.objects.filter(action=AuditAction.HALO_VIEWED)
    assert looks.filter(
        actor=personas["pkm_sungai_duri"], subject_type=SUBJECT, subject_id=str(conversation.pk)
    ).exists()
    assert looks.filter(actor=personas["pkm_sungai_duri"], subject_type="halo_queue").exists()
    assert looks.filter(actor=personas["dinkes"], subject_type="halo_escalations").exists()
    assert looks.filter(actor=personas["dinkes"], subject_type=SUBJECT).exists()
    # The adolescent's own steps are not in the audit log (it would keep their address).
    assert not AuditEvent.objects.filter(actor__isnull=True, subject_type=SUBJECT).exists()


def test_an_anonymous_start_stores_only_what_the_adolescent_chose_to_give(reference_data: None) -> None:
    audit_before = AuditEvent.objects.count()
    client = Client(REMOTE_ADDR="203.0.113.77", HTTP_USER_AGENT="PhoneBrowser/1.0 (SM-A105F)")
    response = client.post(
        "/halo/",
        {"topik": s.NUTRITION, "pesan": "Apa itu anemia?", "umur": "13-15", "kecamatan": "61.07.04"},
    )
    assert response.status_code == 200
    code = response.content.decode().split('data-testid="halo-code"><strong', 1)[1].split(">", 1)[1][:19]
    conversation = _conversation()

    # Exactly these columns exist; a new one must be added here on purpose.
    columns = {f.attname for f in Conversation._meta.concrete_fields}
    assert columns == {
        "id",
        "topic",
        "age_band",
        "kecamatan_id",
        "code_hash",
        "status",
        "created_at",
        "waiting_since",
        "first_answered_at",
        "escalated_at",
        "urgent_reason",
        "consent_given",
        "consent_at",
        "contact",
        "closed_at",
    }
    stored = {f.attname: getattr(conversation, f.attname) for f in Conversation._meta.concrete_fields}
    assert stored["topic"] == s.NUTRITION and stored["age_band"] == "13-15"
    assert conversation.kecamatan is not None and conversation.kecamatan.code == "61.07.04"
    assert stored["contact"] == "" and stored["consent_given"] is False and stored["consent_at"] is None
    assert (
        stored["escalated_at"] is None and stored["closed_at"] is None and stored["first_answered_at"] is None
    )
    # The code: only its keyed hash, never the code in any form.
    normalised = code.replace("-", "")
    from satuanak.halo.services import code_hash

    assert stored["code_hash"] == code_hash(normalised) and len(stored["code_hash"]) == 64
    import hashlib

    assert stored["code_hash"] != hashlib.sha256(normalised.encode()).hexdigest()  # keyed, not a bare hash
    text = (
        repr(stored) + repr(list(Message.objects.values())) + repr(list(ConversationEvent.objects.values()))
    )
    for secret in (code, normalised, "203.0.113.77", "PhoneBrowser", "SM-A105F"):
        assert secret not in text

    message = Message.objects.get()
    assert {f.attname for f in Message._meta.concrete_fields} == {
        "id",
        "conversation_id",
        "sender",
        "author_id",
        "body",
        "at",
    }
    assert (message.sender, message.author_id, message.body) == (s.ADOLESCENT, None, "Apa itu anemia?")
    event = ConversationEvent.objects.get()
    assert (event.action, event.actor, event.by_id, event.to_status) == (s.START, s.ADOLESCENT, None, s.OPEN)

    # Nothing in the audit log, no address anywhere in it; no cookie but Django's CSRF token.
    assert AuditEvent.objects.count() == audit_before
    assert not AuditEvent.objects.filter(ip="203.0.113.77").exists()
    assert set(response.cookies) <= {"csrftoken"}
    assert response["Cache-Control"] == "no-store"


def test_the_right_code_opens_a_wrong_one_is_404_and_too_many_wrong_ones_are_throttled(
    reference_data: None,
) -> None:
    code = start(Client())
    assert _open_with_code(code).status_code == 200
    assert Client().get("/halo/percakapan/").status_code == 200  # the code form; the code never in a URL
    wrong = "ABCD-EFGH-JKMN-PQRS" if code != "ABCD-EFGH-JKMN-PQRS" else "SRQP-NMKJ-HGFE-DCBA"
    attacker = Client(REMOTE_ADDR="198.51.100.9")
    for _ in range(WRONG_CODE_LIMIT):
        response = attacker.post("/halo/percakapan/", {"kode": wrong, "aksi": "lihat"})
        assert response.status_code == 404
        assert (
            "Kode tidak dikenal" in response.content.decode() and "Unknown code" in response.content.decode()
        )
    blocked = attacker.post("/halo/percakapan/", {"kode": code, "aksi": "lihat"})
    assert blocked.status_code == 429  # even the right code: the block must not answer right/wrong
    assert "Aku susah tidur." not in blocked.content.decode()
    attacker.post("/halo/percakapan/", {"kode": wrong, "aksi": "lihat"})
    refusals = AuditEvent.objects.filter(action=AuditAction.ACCESS_DENIED, subject_type=SUBJECT)
    assert refusals.count() == 1  # once per window, not per request
    assert refusals.get().ip is None and refusals.get().path == ""
    # Another address is not blocked.
    assert Client(REMOTE_ADDR="198.51.100.10").post("/halo/percakapan/", {"kode": code}).status_code == 200


def test_starts_are_throttled_per_address(reference_data: None) -> None:
    client = Client(REMOTE_ADDR="198.51.100.20")
    for _ in range(START_LIMIT):
        start(client)
    refused = client.post("/halo/", {"topik": s.OTHER, "pesan": "satu lagi"})
    assert refused.status_code == 429
    assert Conversation.objects.count() == START_LIMIT


@pytest.mark.parametrize(
    ("form", "fragment"),
    [
        ({"topik": s.OTHER, "pesan": "   "}, "wajib diisi"),
        ({"topik": s.OTHER, "pesan": "a" * (s.MAX_MESSAGE + 1)}, "terlalu panjang"),
        ({"topik": "gossip", "pesan": "halo"}, "Pilih topik"),
        ({"topik": s.OTHER, "pesan": "halo", "umur": "99"}, "Kelompok umur"),
        ({"topik": s.OTHER, "pesan": "halo", "kecamatan": "61.07.99"}, "Kecamatan tidak dikenal"),
        ({"topik": s.OTHER, "pesan": "ha\x00lo"}, "tidak sah"),
    ],
)
def test_bad_input_on_start_gets_the_form_again_with_a_400_and_saves_nothing(
    reference_data: None, form: dict[str, str], fragment: str
) -> None:
    response = Client().post("/halo/", form)
    assert response.status_code == 400
    page = response.content.decode()
    assert fragment in page and " / " in page.split('data-testid="halo-error">', 1)[1].split("</p>", 1)[0]
    assert 'data-testid="halo-start-form"' in page
    assert not Conversation.objects.exists() and not Message.objects.exists()


def test_a_bad_reply_is_a_400_and_saves_nothing(reference_data: None) -> None:
    code = start(Client())
    for body in ("", "x" * (s.MAX_MESSAGE + 1)):
        response = Client().post("/halo/percakapan/", {"kode": code, "aksi": "balas", "pesan": body})
        assert response.status_code == 400
    assert Message.objects.count() == 1


def test_a_script_in_a_message_is_shown_as_text(
    personas: dict[str, Any], put_on_duty: Callable[..., Shift], client_for: Callable[[str], Client]
) -> None:
    put_on_duty("pkm_sungai_duri")
    code = start(Client(), message="<script>alert('halo')</script>")
    conversation = _conversation()
    counsellor = client_for("pkm_sungai_duri")
    counsellor.post(
        f"/halo/konselor/{conversation.pk}/", {"aksi": s.ANSWER, "pesan": "<b>tebal</b> <script>x()</script>"}
    )
    for page in (
        _open_with_code(code).content.decode(),
        counsellor.get(f"/halo/konselor/{conversation.pk}/").content.decode(),
    ):
        assert "&lt;script&gt;alert(&#x27;halo&#x27;)&lt;/script&gt;" in page
        assert "<script>alert(" not in page
        assert "&lt;b&gt;tebal&lt;/b&gt;" in page and "<script>x()" not in page


def test_a_handover_needs_the_adolescents_consent_and_carries_only_the_consented_contact(
    personas: dict[str, Any], units: dict[str, int], client_for: Callable[[str], Client]
) -> None:
    code = start(Client(), topic=s.VIOLENCE, message="Aku dipukul di rumah.")
    conversation = _conversation()
    assert conversation.status == s.ESCALATED  # a violence topic goes to the supervisors at once
    assert ConversationEvent.objects.get(action=s.ESCALATE).actor == s.SYSTEM
    supervisor = client_for("dinkes")
    url = f"/halo/supervisor/{conversation.pk}/rujuk/"

    page = supervisor.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert (
        'data-testid="halo-handover-blocked"' in html
        and "belum menyetujui" in html
        and "not consented" in html
    )
    assert "disabled" in html
    refused = supervisor.post(url, {"unit": "uptd-ppa"})
    assert refused.status_code == 400
    assert not Handover.objects.exists()
    conversation.refresh_from_db()
    assert conversation.status == s.ESCALATED and conversation.contact == ""

    # Consent without the box ticked is not consent; a contact left then withdrawn is erased.
    unticked = Client().post("/halo/percakapan/", {"kode": code, "aksi": "setuju", "kontak": "08123"})
    assert unticked.status_code == 400
    conversation.refresh_from_db()
    assert not conversation.consent_given and conversation.contact == ""
    Client().post(
        "/halo/percakapan/", {"kode": code, "aksi": "setuju", "setuju": "1", "kontak": "0812-0000-0000"}
    )
    Client().post("/halo/percakapan/", {"kode": code, "aksi": "tarik"})
    conversation.refresh_from_db()
    assert not conversation.consent_given and conversation.contact == ""

    consented = Client().post(
        "/halo/percakapan/", {"kode": code, "aksi": "setuju", "setuju": "1", "kontak": "lewat guru BK"}
    )
    assert consented.status_code == 200
    conversation.refresh_from_db()
    assert conversation.consent_given and conversation.contact == "lewat guru BK" and conversation.consent_at

    # A counsellor may not hand over (the page needs the supervisor's capability).
    assert client_for("pkm_sungai_duri").post(url, {"unit": "uptd-ppa"}).status_code == 403
    assert supervisor.post(url, {"unit": "no-such-unit"}).status_code == 400
    done = supervisor.post(url, {"unit": "uptd-ppa", "catatan": "Mohon hubungi melalui guru BK."})
    assert done.status_code == 302
    handover = Handover.objects.get()
    assert (handover.unit.code, handover.contact, handover.by) == (
        "uptd-ppa",
        "lewat guru BK",
        personas["dinkes"],
    )
    conversation.refresh_from_db()
    assert conversation.status == s.REFERRED
    refer = ConversationEvent.objects.get(action=s.REFER)
    assert (refer.by, refer.from_status, refer.to_status, refer.note) == (
        personas["dinkes"],
        s.ESCALATED,
        s.REFERRED,
        "uptd-ppa",
    )
    assert AuditEvent.objects.filter(
        action=AuditAction.RECORD_CHANGED,
        actor=personas["dinkes"],
        subject_id=str(conversation.pk),
        detail__halo=s.REFER,
    ).exists()
    # After the handover the adolescent's consent can no longer change, and they are told.
    after = Client().post("/halo/percakapan/", {"kode": code, "aksi": "tarik"})
    assert after.status_code == 400
    assert "sudah meneruskan" in after.content.decode()


def test_only_a_supervisor_closes_an_urgent_conversation(
    personas: dict[str, Any], put_on_duty: Callable[..., Shift], client_for: Callable[[str], Client]
) -> None:
    put_on_duty("pkm_sungai_duri")
    code = start(Client(), topic=s.VIOLENCE)
    conversation = _conversation()
    counsellor = client_for("pkm_sungai_duri")
    page = counsellor.get(f"/halo/konselor/{conversation.pk}/").content.decode()
    assert 'data-testid="halo-close-form"' not in page and 'data-testid="halo-answer-form"' in page
    assert counsellor.post(f"/halo/konselor/{conversation.pk}/", {"aksi": s.CLOSE}).status_code == 400
    assert (
        client_for("dinkes").post(f"/halo/konselor/{conversation.pk}/", {"aksi": s.CLOSE}).status_code == 302
    )
    conversation.refresh_from_db()
    assert conversation.status == s.CLOSED and conversation.closed_at is not None
    # Closed: the adolescent can read but no longer write.
    closed = _open_with_code(code)
    assert closed.status_code == 200 and 'data-testid="halo-reply-form"' not in closed.content.decode()
    late = Client().post("/halo/percakapan/", {"kode": code, "aksi": "balas", "pesan": "halo?"})
    assert late.status_code == 400 and Message.objects.count() == 1


@pytest.mark.parametrize(
    ("url", "counsellor_gets"),
    [
        ("/halo/konselor/", 200),
        ("/halo/supervisor/eskalasi/", 403),
        ("/halo/supervisor/jadwal/", 403),
        ("/halo/supervisor/statistik/", 403),
    ],
)
def test_role_checks_with_their_audit_entries(
    personas: dict[str, Any], client_for: Callable[[str], Client], url: str, counsellor_gets: int
) -> None:
    assert Client().get(url).status_code == 302  # anonymous: to the login page
    for name in ("steward", "ppa", "publik", "bappeda"):  # the steward runs the platform, not the channel
        assert client_for(name).get(url).status_code == 403
        assert AuditEvent.objects.filter(
            action=AuditAction.ACCESS_DENIED, actor=personas[name], path=url
        ).exists()
    assert client_for("pkm_sungai_duri").get(url).status_code == counsellor_gets
    assert client_for("dinkes").get(url).status_code == 200


def test_a_conversation_page_for_roles_without_the_channel_and_for_an_unknown_id(
    personas: dict[str, Any], client_for: Callable[[str], Client]
) -> None:
    start(Client())
    conversation = _conversation()
    assert client_for("steward").get(f"/halo/konselor/{conversation.pk}/").status_code == 403
    assert client_for("dinkes").get(f"/halo/konselor/{conversation.pk + 999}/").status_code == 404
    denied = AuditEvent.objects.get(action=AuditAction.ACCESS_DENIED, actor=personas["dinkes"])
    assert denied.subject_id == str(conversation.pk + 999)
    # A counsellor with no shift at all: 404, audited.
    assert client_for("pkm_samalantan").get(f"/halo/konselor/{conversation.pk}/").status_code == 404
    assert AuditEvent.objects.filter(
        action=AuditAction.ACCESS_DENIED, actor=personas["pkm_samalantan"]
    ).exists()


def test_the_rota_page_puts_a_counsellor_on_duty_and_refuses_bad_shifts(
    personas: dict[str, Any], client_for: Callable[[str], Client]
) -> None:
    start(Client())
    conversation = _conversation()
    counsellor = client_for("pkm_samalantan")
    assert counsellor.get(f"/halo/konselor/{conversation.pk}/").status_code == 404
    supervisor = client_for("dinkes")
    at = now()
    begin = at - timedelta(hours=1)
    # Around midnight this is a night shift (an end before the start is the next day), which
    # still holds `at`; cutting it at 23:59 made it a past shift for the hour after midnight.
    end = at + timedelta(hours=2)
    form = {
        "konselor": "pkm_samalantan",
        "tanggal": begin.date().isoformat(),
        "mulai": f"{begin:%H:%M}",
        "selesai": f"{end:%H:%M}",
    }
    assert supervisor.post("/halo/supervisor/jadwal/", form).status_code == 302
    shift = Shift.objects.get(counsellor=personas["pkm_samalantan"])
    assert shift.created_by == personas["dinkes"]
    if shift.starts_at <= at < shift.ends_at:
        assert counsellor.get(f"/halo/konselor/{conversation.pk}/").status_code == 200
    # Not a counsellor, a date that is not one, more than a day: the form again with a 400.
    for bad in ({**form, "konselor": "steward"}, {**form, "tanggal": "31-12-2024"}):
        assert supervisor.post("/halo/supervisor/jadwal/", bad).status_code == 400
    assert Shift.objects.count() == 1
    # Ending the running shift now; a past shift cannot be removed.
    ended = supervisor.post("/halo/supervisor/jadwal/", {"aksi": "batal", "giliran": str(shift.pk)})
    assert ended.status_code == 302
    shift.refresh_from_db()
    assert shift.ends_at <= now() + timedelta(seconds=1)
    assert (
        supervisor.post("/halo/supervisor/jadwal/", {"aksi": "batal", "giliran": str(shift.pk)}).status_code
        == 400
    )
    assert counsellor.get(f"/halo/konselor/{conversation.pk}/").status_code == 404
    assert (
        AuditEvent.objects.filter(action=AuditAction.RECORD_CHANGED, subject_type="halo_shift").count() == 2
    )
    assert supervisor.get("/halo/supervisor/jadwal/").status_code == 200
    assert AuditEvent.objects.filter(action=AuditAction.HALO_VIEWED, subject_type="halo_rota").exists()
