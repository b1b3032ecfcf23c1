"""Every page: 200 and an audit entry for the roles that hold its capability, 403 for others."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.test import Client

from satuanak.access.policy import Capability, role_can
from satuanak.audit.models import AuditAction, AuditEvent
from satuanak.partisipasi.models import Report
from satuanak.partisipasi.services import proposal_record
from satuanak.regions.models import Desa

pytestmark = pytest.mark.django_db


@pytest.fixture
def objects(personas: dict[str, Any], submit: Callable[..., Report], desa_in: Desa) -> dict[str, int]:
    report = submit("other")  # the planners' queue: the steward sees it too
    proposal = proposal_record(
        user=personas["bappeda"],
        year=2024,
        entry_level="desa",
        title="RBRA",
        description="x",
        forum_anak="FA",
        sector="play_culture",
        desa_code=desa_in.code,
    )
    return {"report": report.pk, "proposal": proposal.pk}


PAGES: list[tuple[str, Capability]] = [
    ("/forum-anak/lapor/", Capability.SUBMIT_2P_REPORTS),
    ("/forum-anak/laporan-saya/", Capability.SUBMIT_2P_REPORTS),
    ("/forum-anak/laporan-saya/{report}/", Capability.SUBMIT_2P_REPORTS),
    ("/forum-anak/antrean/", Capability.HANDLE_2P_REPORTS),
    ("/forum-anak/antrean/{report}/", Capability.HANDLE_2P_REPORTS),
    ("/forum-anak/dasbor/?periode=2024Q4", Capability.HANDLE_2P_REPORTS),
    ("/musrenbang/", Capability.RECORD_MUSRENBANG),
    ("/musrenbang/baru/", Capability.RECORD_MUSRENBANG),
    ("/musrenbang/{proposal}/", Capability.RECORD_MUSRENBANG),
]
# Who gets 200 on an object page: the reporter ("publik") on their report; on the planners'
# queue report, the planner and the steward; a handler of another queue gets 404.
OBJECT_OK = {
    "/forum-anak/laporan-saya/{report}/": {"publik"},
    "/forum-anak/antrean/{report}/": {"bappeda", "steward"},
}


@pytest.mark.parametrize(("template", "capability"), PAGES)
def test_pages_by_role(
    template: str, capability: Capability, personas: dict[str, Any], objects: dict[str, int], settings: Any
) -> None:
    settings.SATUANAK_TODAY = date(2024, 12, 31)
    url = template.format(**objects)
    for username, user in personas.items():
        c = Client()
        c.force_login(user)
        before = AuditEvent.objects.filter(actor=user, action=AuditAction.PARTICIPATION_VIEWED).count()
        status = c.get(url).status_code
        if not role_can(user.role, capability):
            assert status == 403, (username, url)
        elif template in OBJECT_OK and username not in OBJECT_OK[template]:
            assert status == 404, (username, url)
        else:
            assert status == 200, (username, url)
            after = AuditEvent.objects.filter(actor=user, action=AuditAction.PARTICIPATION_VIEWED).count()
            assert after == before + 1, (username, url)


def test_unknown_ids_are_404_with_access_denied(personas: dict[str, Any]) -> None:
    for username, url in (
        ("publik", "/forum-anak/laporan-saya/999999/"),
        ("dinkes", "/forum-anak/antrean/999999/"),
        ("bappeda", "/musrenbang/999999/"),
    ):
        c = Client()
        c.force_login(personas[username])
        assert c.get(url).status_code == 404
        assert AuditEvent.objects.filter(actor=personas[username], action=AuditAction.ACCESS_DENIED).exists()


def test_anonymous_is_sent_away(objects: dict[str, int]) -> None:
    assert Client().get("/forum-anak/lapor/").status_code in (302, 403)


def test_a_bad_period_is_a_400(personas: dict[str, Any]) -> None:
    c = Client()
    c.force_login(personas["bappeda"])
    assert c.get("/forum-anak/dasbor/?periode=2024Q7").status_code == 400
