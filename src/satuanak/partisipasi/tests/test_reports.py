"""2P reports through the services and pages: routing, triage, reroute, answer, what the
reporter sees, linking a child, the violence rule, bad input."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from satuanak.audit.models import AuditAction, AuditEvent
from satuanak.partisipasi import routing
from satuanak.partisipasi import states as s
from satuanak.partisipasi.models import Report, ReportEvent
from satuanak.partisipasi.services import (
    PartisipasiError,
    PartisipasiPermissionError,
    report_act,
    report_link_child,
)
from satuanak.persons.tests.factories import ChildFactory
from satuanak.regions.models import Desa

pytestmark = pytest.mark.django_db

ROUTES = {
    "malnourished": ("dinkes", "health_officer"),
    "not_in_school": ("disdikbud", "education_officer"),
    "child_marriage": ("dinsos_p3a", "protection_officer"),
    "violence": ("dinsos_p3a", "protection_officer"),
    "no_birth_certificate": ("disdukcapil", "civil_registry_officer"),
    "unfriendly_facility": ("bappeda", "planner"),
    "other": ("bappeda", "planner"),
}
HANDLER = {
    "health_officer": "dinkes",
    "education_officer": "disdikbud",
    "protection_officer": "ppa",
    "civil_registry_officer": "dukcapil",
    "planner": "bappeda",
}


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_routing_file_covers_every_type_with_a_handling_role() -> None:
    table = routing.routing_table()
    assert {t: (r.agency_kind, r.role) for t, r in table.items()} == ROUTES


def test_a_routing_table_missing_a_type_or_naming_an_unknown_role_refuses_to_load() -> None:
    good = {"routes": {t: {"agency_kind": k, "role": r} for t, (k, r) in ROUTES.items()}}
    missing = {"routes": {t: v for t, v in good["routes"].items() if t != "violence"}}
    with pytest.raises(routing.RoutingError):
        routing.routing_parse(missing)  # type: ignore[arg-type]
    wrong = {"routes": {**good["routes"], "violence": {"agency_kind": "dinsos_p3a", "role": "cadre"}}}
    with pytest.raises(routing.RoutingError):
        routing.routing_parse(wrong)  # type: ignore[arg-type]
    assert routing.routing_parse(good)["violence"].role == "protection_officer"  # type: ignore[arg-type]


@pytest.mark.parametrize("report_type", sorted(ROUTES))
def test_routing_by_type_puts_the_report_in_that_agencys_queue(
    report_type: str, personas: dict[str, Any], submit: Callable[..., Report]
) -> None:
    from satuanak.partisipasi.selectors import reports_queue

    report = submit(report_type)
    kind, role = ROUTES[report_type]
    assert (report.agency_kind, report.handler_role, report.status) == (kind, role, s.SUBMITTED)
    assert list(reports_queue(personas[HANDLER[role]])) == [report]
    for other_role, username in HANDLER.items():
        if other_role != role:
            assert report not in reports_queue(personas[username])
    assert report in reports_queue(personas["steward"])  # the steward sees every queue


def test_walk_from_submission_to_answer_and_the_reporter_sees_only_their_own(
    personas: dict[str, Any], reporter2: Any, desa_in: Desa
) -> None:
    publik, dinkes = _client(personas["publik"]), _client(personas["dinkes"])
    response = publik.post(
        "/forum-anak/lapor/",
        {
            "jenis": "malnourished",
            "desa": desa_in.code,
            "cerita": "Adik di RT 3 kurus sekali.",
            "nama": "Budi",
        },
    )
    report = Report.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/forum-anak/laporan-saya/{report.pk}/"
    assert report.agency_kind == "dinkes"

    # The health office triages and answers; a child is linked (internal).
    assert dinkes.get(f"/forum-anak/antrean/{report.pk}/").status_code == 200
    assert (
        dinkes.post(f"/forum-anak/antrean/{report.pk}/tindakan/", {"tindakan": "accept"}).status_code == 302
    )
    child = ChildFactory.create(desa=desa_in, name="BUDI SANTOSO")
    assert (
        dinkes.post(f"/forum-anak/antrean/{report.pk}/tautkan-anak/", {"anak": child.pk}).status_code == 302
    )
    dinkes.post(
        f"/forum-anak/antrean/{report.pk}/tindakan/",
        {
            "tindakan": "answer",
            "jawaban": "Bidan desa sudah berkunjung; anak masuk program PMT.",
            "alasan": "",
        },
    )
    report.refresh_from_db()
    assert (report.status, report.child_id) == (s.ANSWERED, child.pk)
    assert report.first_triaged_at is not None and report.answered_at is not None
    ReportEvent.objects.filter(report=report, action="accept").update(reason="INTERNAL-NOTE-XYZ")
    assert [e.action for e in report.events.all()] == ["submit", "accept", "link_child", "answer"]
    assert all(e.by_id for e in report.events.all())

    page = publik.get(f"/forum-anak/laporan-saya/{report.pk}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Bidan desa sudah berkunjung" in html and "Dijawab / answered" in html
    # Never the linked child, the handler's name, or internal notes.
    assert "BUDI SANTOSO" not in html and "INTERNAL-NOTE-XYZ" not in html and "dinkes</" not in html
    assert f"/anak/{child.pk}/" not in html
    assert page.context["report"].pk == report.pk and "events" not in page.context
    assert AuditEvent.objects.filter(
        action=AuditAction.PARTICIPATION_VIEWED, actor=personas["publik"], subject_id=str(report.pk)
    ).exists()

    # A second reporter sees none of it.
    other = _client(reporter2)
    assert other.get(f"/forum-anak/laporan-saya/{report.pk}/").status_code == 404
    assert AuditEvent.objects.filter(action=AuditAction.ACCESS_DENIED, actor=reporter2).exists()
    listing = other.get("/forum-anak/laporan-saya/").content.decode()
    assert f"#{report.pk}<" not in listing and "Belum ada laporan" in listing
    # and the reporter cannot open it through the handlers' page (403: not a handler role).
    assert publik.get(f"/forum-anak/antrean/{report.pk}/").status_code == 403

    dinkes.post(f"/forum-anak/antrean/{report.pk}/tindakan/", {"tindakan": "close"})
    report.refresh_from_db()
    assert report.status == s.CLOSED and report.closed_at is not None


def test_reroute_moves_the_report_to_the_other_queue_with_the_reason_kept(
    personas: dict[str, Any], submit: Callable[..., Report]
) -> None:
    from satuanak.partisipasi.selectors import reports_queue

    report = submit("other", description="Anak tidak sekolah karena bekerja di kebun.")
    with pytest.raises(PartisipasiError):
        report_act(
            user=personas["bappeda"], report=report, action=s.REROUTE, to_agency="disdikbud"
        )  # no reason
    report = report_act(
        user=personas["bappeda"],
        report=report,
        action=s.REROUTE,
        to_agency="disdikbud",
        reason="Ini urusan anak tidak sekolah.",
    )
    assert (report.status, report.agency_kind, report.handler_role) == (
        s.SUBMITTED,
        "disdikbud",
        "education_officer",
    )
    assert report.first_triaged_at is not None
    assert report not in reports_queue(personas["bappeda"])
    assert report in reports_queue(personas["disdikbud"])
    event = report.events.get(action=s.REROUTE)
    assert (event.from_agency_kind, event.to_agency_kind, event.reason) == (
        "bappeda",
        "disdikbud",
        "Ini urusan anak tidak sekolah.",
    )
    # The old queue may no longer act on it.
    with pytest.raises(PartisipasiPermissionError):
        report_act(user=personas["bappeda"], report=report, action=s.ACCEPT)
    report_act(user=personas["disdikbud"], report=report, action=s.ACCEPT)


def test_duplicate_tells_the_reporter_why(personas: dict[str, Any], submit: Callable[..., Report]) -> None:
    report = submit("no_birth_certificate")
    report = report_act(
        user=personas["dukcapil"], report=report, action=s.MARK_DUPLICATE, reason="Sama dengan laporan #1."
    )
    assert report.status == s.DUPLICATE and report.public_answer == "Sama dengan laporan #1."


def test_the_steward_sees_every_queue_but_does_not_triage(
    personas: dict[str, Any], submit: Callable[..., Report]
) -> None:
    report = submit("malnourished")
    with pytest.raises(PartisipasiPermissionError):
        report_act(user=personas["steward"], report=report, action=s.ACCEPT)
    page = _client(personas["steward"]).get(f"/forum-anak/antrean/{report.pk}/")
    assert page.status_code == 200 and page.context["actions"] == []


def test_linking_a_child_only_for_roles_that_see_the_child(
    personas: dict[str, Any], submit: Callable[..., Report], desa_in: Desa, desa_out: Desa
) -> None:
    here = ChildFactory.create(desa=desa_in)
    there = ChildFactory.create(desa=desa_out)
    report = submit("violence", description="Anak sering dipukul.")
    ppa_local = personas["ppa_sungai_raya"]  # protection officer of kecamatan 61.07.01 only
    report_act(user=ppa_local, report=report, action=s.ACCEPT)

    # Out of the officer's area: refused like a missing child, audited, nothing linked.
    with pytest.raises(PartisipasiError):
        report_link_child(user=ppa_local, report=report, child_id=there.pk)
    report.refresh_from_db()
    assert report.child_id is None
    assert AuditEvent.objects.filter(
        action=AuditAction.ACCESS_DENIED, actor=ppa_local, subject_type="child", subject_id=str(there.pk)
    ).exists()
    page = _client(ppa_local).post(f"/forum-anak/antrean/{report.pk}/tautkan-anak/", {"anak": there.pk})
    assert page.status_code == 400

    report_link_child(user=ppa_local, report=report, child_id=here.pk)
    report.refresh_from_db()
    assert report.child_id == here.pk
    assert AuditEvent.objects.filter(
        action=AuditAction.CHILD_VIEWED, actor=ppa_local, subject_type="child", subject_id=str(here.pk)
    ).exists()

    # A planner handles its queue but sees no children: it may not link.
    other = submit("other")
    report_act(user=personas["bappeda"], report=other, action=s.ACCEPT)
    with pytest.raises(PartisipasiPermissionError):
        report_link_child(user=personas["bappeda"], report=other, child_id=here.pk)
    planner_page = _client(personas["bappeda"]).get(f"/forum-anak/antrean/{other.pk}/")
    assert planner_page.context["may_link"] is False and planner_page.context["candidates"] == []


def test_a_kecamatan_officer_sees_only_reports_from_their_area(
    personas: dict[str, Any], submit: Callable[..., Report], desa_out: Desa
) -> None:
    report = submit("child_marriage", desa=desa_out)
    assert _client(personas["ppa_sungai_raya"]).get(f"/forum-anak/antrean/{report.pk}/").status_code == 404
    assert _client(personas["ppa"]).get(f"/forum-anak/antrean/{report.pk}/").status_code == 200


def test_violence_description_hidden_from_non_protection_handlers(
    personas: dict[str, Any], submit: Callable[..., Report]
) -> None:
    secret = "Ayah tiri memukul anak setiap malam."
    report = submit("violence", description=secret, child_name="Rina")
    ppa = _client(personas["ppa"]).get(f"/forum-anak/antrean/{report.pk}/").content.decode()
    assert secret in ppa and "Rina" in ppa
    # Rerouted to the health office (e.g. for a medical check): it handles it without the story.
    report_act(
        user=personas["ppa"], report=report, action=s.REROUTE, to_agency="dinkes", reason="perlu visum"
    )
    dinkes = _client(personas["dinkes"]).get(f"/forum-anak/antrean/{report.pk}/")
    assert dinkes.status_code == 200
    html = dinkes.content.decode()
    assert secret not in html and "Rina" not in html and 'data-testid="report-description-hidden"' in html
    steward = _client(personas["steward"]).get(f"/forum-anak/antrean/{report.pk}/").content.decode()
    assert secret not in steward
    # The reporter still reads what they wrote.
    assert (
        secret in _client(personas["publik"]).get(f"/forum-anak/laporan-saya/{report.pk}/").content.decode()
    )


@pytest.mark.parametrize(
    "post",
    [
        {"jenis": "malnourished", "cerita": ""},
        {"jenis": "malnourished", "cerita": "x" * (s.DESCRIPTION_MAX + 1)},
        {"jenis": "malnourished", "cerita": "<script>alert(1)</script>"},
        {"jenis": "", "cerita": "ada anak"},
        {"jenis": "malnourished", "cerita": "ada anak", "desa": "99.99"},
        {"jenis": "malnourished", "cerita": "ada anak", "umur": "dua"},
        {"jenis": "malnourished", "cerita": "ada anak", "umur": "30"},
    ],
)
def test_bad_input_gives_the_form_again_with_400_and_saves_nothing(
    post: dict[str, str], personas: dict[str, Any], desa_in: Desa
) -> None:
    data = {"desa": desa_in.code, **post}
    response = _client(personas["publik"]).post("/forum-anak/lapor/", data)
    html = response.content.decode()
    assert response.status_code == 400
    assert 'data-testid="form-error"' in html and " / " in response.context["error"]
    assert Report.objects.count() == 0
    assert "<script>alert(1)</script>" not in html
    if "<script>" in post["cerita"]:
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # the text comes back, as text


def test_markup_is_shown_as_text_on_the_handlers_and_the_reporters_page(
    personas: dict[str, Any], submit: Callable[..., Report]
) -> None:
    markup = '<img src=x onerror="alert(1)"><b>tebal</b>'
    report = submit("malnourished", description=markup, child_name="<i>Budi</i>")
    handler = _client(personas["dinkes"])
    for html in (
        handler.get(f"/forum-anak/antrean/{report.pk}/").content.decode(),
        _client(personas["publik"]).get(f"/forum-anak/laporan-saya/{report.pk}/").content.decode(),
    ):
        assert "<img src=x" not in html and "<b>tebal</b>" not in html and "<i>Budi</i>" not in html
        assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&lt;b&gt;tebal&lt;/b&gt;" in html
    # A script in the handler's answer is refused (400), echoed as text, nothing changed.
    handler.post(f"/forum-anak/antrean/{report.pk}/tindakan/", {"tindakan": "accept"})
    response = handler.post(
        f"/forum-anak/antrean/{report.pk}/tindakan/",
        {"tindakan": "answer", "jawaban": "<script>alert(1)</script>"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    report.refresh_from_db()
    assert report.status == s.ACCEPTED and report.public_answer == ""


def test_a_step_the_table_refuses_is_a_400_and_changes_nothing(
    personas: dict[str, Any], submit: Callable[..., Report]
) -> None:
    report = submit("malnourished")
    response = _client(personas["dinkes"]).post(
        f"/forum-anak/antrean/{report.pk}/tindakan/", {"tindakan": "close"}
    )
    assert response.status_code == 400
    report.refresh_from_db()
    assert report.status == s.SUBMITTED and report.events.count() == 1
