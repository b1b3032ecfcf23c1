"""Kemitraan pages: the public survey (anonymous, throttled per address, stores no address), the
gated pages (200 and an audit entry for allowed roles, 403 for others), and bad input: the form
again with a bilingual message and a 400, nothing saved, text escaped."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from satuanak.audit.models import AuditAction, AuditEvent
from satuanak.kemitraan.models import Company, FundingEntry, IkmResponse, ServicePoint
from satuanak.web import kemitraan_views

pytestmark = pytest.mark.django_db
GOOD = {f"U{i}": "3" for i in range(1, 10)}
SCRIPT = "<script>alert('x')</script>"


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _survey(point: ServicePoint) -> str:
    return reverse("web:kemitraan-ikm-survey", args=[point.code])


def test_public_survey_saves_an_anonymous_answer(points: dict[str, ServicePoint]) -> None:
    client = Client(REMOTE_ADDR="10.1.2.3")
    assert client.get(reverse("web:kemitraan-ikm-points")).status_code == 200
    assert client.get(_survey(points["jempol"])).status_code == 200
    response = client.post(_survey(points["jempol"]), {**GOOD, "saran": "Bagus"})
    assert response.status_code == 302
    row = IkmResponse.objects.get()
    assert row.answers == {k: 3 for k in GOOD} and row.comment == "Bagus"
    # No address anywhere in the row, and no field that could hold one.
    stored = str([getattr(row, f.attname) for f in IkmResponse._meta.concrete_fields])
    assert "10.1.2.3" not in stored
    assert not any("ip" in f.name.split("_") or "addr" in f.name for f in IkmResponse._meta.fields)


def test_unknown_point_is_404(points: dict[str, ServicePoint]) -> None:
    assert Client().get(reverse("web:kemitraan-ikm-survey", args=["tidak-ada"])).status_code == 404


@pytest.mark.parametrize(
    "change",
    [{"U3": "5"}, {"U3": "0"}, {"U3": ""}, {"U9": "abc"}, {"saran": "x" * 501}],
)
def test_bad_survey_input_is_a_400_and_saves_nothing(
    points: dict[str, ServicePoint], change: dict[str, str]
) -> None:
    response = Client().post(_survey(points["disdukcapil"]), {**GOOD, **change})
    assert response.status_code == 400
    assert "/" in response.context["error"]  # "Bahasa Indonesia / English"
    assert not IkmResponse.objects.exists()


def test_script_in_a_comment_is_stored_and_shown_as_text(points: dict[str, ServicePoint]) -> None:
    # The answer is valid except U1, so the form comes back with the comment in it.
    response = Client().post(_survey(points["disdukcapil"]), {**GOOD, "U1": "9", "saran": SCRIPT})
    assert response.status_code == 400
    body = response.content.decode()
    assert SCRIPT not in body
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in body
    Client().post(_survey(points["disdukcapil"]), {**GOOD, "saran": SCRIPT})
    assert IkmResponse.objects.get().comment == SCRIPT  # kept as typed; templates escape it


def test_survey_is_throttled_per_address(points: dict[str, ServicePoint], settings: Any) -> None:
    client = Client(REMOTE_ADDR="10.9.9.9")
    for _ in range(kemitraan_views.SURVEY_MAX_PER_WINDOW):
        assert client.post(_survey(points["jempol"]), GOOD).status_code == 302
    refused = client.post(_survey(points["jempol"]), GOOD)
    assert refused.status_code == 429
    assert refused["Retry-After"]
    assert IkmResponse.objects.count() == kemitraan_views.SURVEY_MAX_PER_WINDOW
    assert AuditEvent.objects.filter(action=AuditAction.ACCESS_DENIED, subject_type="ikm_survey").exists()
    # Another address is not affected.
    assert Client(REMOTE_ADDR="10.9.9.10").post(_survey(points["jempol"]), GOOD).status_code == 302


GATED = [
    ("web:kemitraan-ikm-results", ["steward", "bappeda", "dinkes", "dukcapil", "publik"]),
    ("web:kemitraan-apsai", ["steward", "bappeda"]),
    ("web:kemitraan-funding", ["steward", "bappeda"]),
]


@pytest.mark.parametrize(("name", "allowed"), GATED)
def test_gated_pages_allowed_roles_get_200_and_an_audit_entry(
    points: dict[str, ServicePoint], personas: dict[str, Any], name: str, allowed: list[str]
) -> None:
    for username in allowed:
        before = AuditEvent.objects.filter(action=AuditAction.PARTNERSHIP_VIEWED).count()
        response = _client(personas[username]).get(reverse(name))
        assert response.status_code == 200, username
        assert AuditEvent.objects.filter(action=AuditAction.PARTNERSHIP_VIEWED).count() == before + 1
        assert (
            AuditEvent.objects.filter(action=AuditAction.PARTNERSHIP_VIEWED).latest("id").actor
            == personas[username]
        )


@pytest.mark.parametrize(
    ("name", "refused"),
    [
        ("web:kemitraan-ikm-results", ["kader_sungai_duri"]),
        ("web:kemitraan-apsai", ["kader_sungai_duri", "dinkes", "publik", "dukcapil"]),
        ("web:kemitraan-funding", ["kader_sungai_duri", "dinkes", "publik", "dukcapil"]),
    ],
)
def test_gated_pages_refuse_other_roles(personas: dict[str, Any], name: str, refused: list[str]) -> None:
    for username in refused:
        assert _client(personas[username]).get(reverse(name)).status_code == 403, username
    assert Client().get(reverse(name)).status_code in (302, 403)  # anonymous: to the login page


def test_company_page_and_script_in_a_company_name(personas: dict[str, Any]) -> None:
    client = _client(personas["bappeda"])
    response = client.post(
        reverse("web:kemitraan-apsai"),
        {"name": SCRIPT, "sector": "Sawit", "joined_on": "2024-02-01", "contact_person": "Ibu A"},
    )
    assert response.status_code == 302
    company = Company.objects.get()
    page = client.get(reverse("web:kemitraan-apsai-company", args=[company.pk]))
    assert page.status_code == 200
    assert SCRIPT not in page.content.decode()
    assert "&lt;script&gt;" in page.content.decode()
    listing = client.get(reverse("web:kemitraan-apsai")).content.decode()
    assert SCRIPT not in listing and "&lt;script&gt;" in listing
    assert (
        _client(personas["kader_sungai_duri"])
        .get(reverse("web:kemitraan-apsai-company", args=[company.pk]))
        .status_code
        == 403
    )
    assert client.get(reverse("web:kemitraan-apsai-company", args=[company.pk + 999])).status_code == 404


def test_commitment_and_delivery_through_the_page(personas: dict[str, Any]) -> None:
    client = _client(personas["steward"])
    client.post(
        reverse("web:kemitraan-apsai"),
        {"name": "PT D", "sector": "Bank", "joined_on": "2024-01-01", "contact_person": "B"},
    )
    company = Company.objects.get()
    url = reverse("web:kemitraan-apsai-company", args=[company.pk])
    ok = client.post(
        url,
        {"form": "commitment", "kind": "baas_slots", "programme": "GESIT", "quantity": "4", "year": "2024"},
    )
    assert ok.status_code == 302
    commitment = company.commitments.get()
    bad = client.post(
        url,
        {
            "form": "delivery",
            "commitment": commitment.pk,
            "description": "x",
            "delivered_on": "2024-05-01",
            "quantity": "-2",
        },
    )
    assert bad.status_code == 400 and "/" in bad.context["error"]
    assert not commitment.deliveries.exists()
    good = client.post(
        url,
        {
            "form": "delivery",
            "commitment": commitment.pk,
            "description": "BAAS",
            "delivered_on": "2024-05-01",
            "quantity": "2",
        },
    )
    assert good.status_code == 302 and commitment.deliveries.count() == 1


@pytest.mark.parametrize(
    "amount",
    ["-1000", "abc", "", "12,5", SCRIPT],
)
def test_bad_funding_amount_is_a_400_and_saves_nothing(personas: dict[str, Any], amount: str) -> None:
    response = _client(personas["bappeda"]).post(
        reverse("web:kemitraan-funding"),
        {
            "programme": "GESIT",
            "source": "APBD",
            "year": "2024",
            "kind": "spent",
            "amount": amount,
            "entry_date": "2024-03-01",
            "note": SCRIPT,
        },
    )
    assert response.status_code == 400
    assert "/" in response.context["error"]
    assert SCRIPT not in response.content.decode()
    assert not FundingEntry.objects.exists()


def test_funding_entry_and_cost_dash(personas: dict[str, Any], points: dict[str, ServicePoint]) -> None:
    client = _client(personas["bappeda"])
    response = client.post(
        reverse("web:kemitraan-funding"),
        {
            "programme": "PRAP",
            "source": "DAK_FISIK",
            "year": "2024",
            "kind": "planned",
            "amount": "1.200.000",
            "entry_date": "2024-01-15",
            "note": "DPA",
        },
    )
    assert response.status_code == 302
    assert FundingEntry.objects.get().amount == 1_200_000
    page = client.get(reverse("web:kemitraan-funding") + "?tahun=2024")
    assert page.status_code == 200
    assert "—" in page.content.decode()
    assert client.get(reverse("web:kemitraan-funding") + "?tahun=abc").status_code == 400


def test_results_bad_period_is_400_and_baseline_needs_manage(
    personas: dict[str, Any], points: dict[str, ServicePoint]
) -> None:
    assert (
        _client(personas["bappeda"]).get(reverse("web:kemitraan-ikm-results") + "?periode=2024Q9").status_code
        == 400
    )
    post = {"titik": "jempol", "periode": "2024Q3"}
    assert _client(personas["dinkes"]).post(reverse("web:kemitraan-ikm-baseline"), post).status_code == 403
    # Too few respondents: refused with a message, nothing stored.
    assert _client(personas["bappeda"]).post(reverse("web:kemitraan-ikm-baseline"), post).status_code == 400
