"""The demo loader: a school request with students in several states and online applications
from every channel in several states, all through the services; a second run adds nothing."""

from __future__ import annotations

from typing import Any

import pytest

from satuanak.applications import states as s
from satuanak.applications.demo import DEMO_PHONE_PREFIX, applications_demo_load
from satuanak.applications.models import (
    OnlineApplication,
    OnlineApplicationEvent,
    SchoolRequest,
    SchoolRequestAttachment,
    SchoolRequestEvent,
    SchoolRequestStudent,
)
from satuanak.applications.tests.conftest import REFERENCE
from satuanak.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_the_demo_covers_the_states_and_loads_once(linked: dict[str, Any], personas: dict[str, Any]) -> None:
    duta = personas["duta_sekolah"]  # the demo's ambassador, moved to the school that has students to submit
    duta.agency.school = linked["school"]
    duta.agency.save()
    duta.area_kecamatan_id = linked["kecamatan_id"]
    duta.save()

    first = applications_demo_load(reference_date=REFERENCE)
    assert first["created"] is True
    demo = OnlineApplication.objects.filter(applicant_phone__startswith=DEMO_PHONE_PREFIX)
    assert set(demo.values_list("channel", flat=True)) == {"web", "whatsapp", "village_website", "api"}
    by_state = first["applications_by_state"]
    assert all(by_state[x] == 1 for x in (s.RECEIVED, s.IN_PROCESS, s.RETURNED, s.DONE, s.REJECTED)), by_state
    assert all(a.created_at.date() <= REFERENCE for a in demo)
    assert all(a.attachments.exists() and a.events.exists() for a in demo)

    school_request = SchoolRequest.objects.get(created_by=duta)
    assert school_request.school == linked["school"] and school_request.state == s.REQUEST_SUBMITTED
    states = set(school_request.students.values_list("state", flat=True))
    assert {s.RECEIVED, s.IN_PROCESS, s.RESUBMITTED} <= states, states
    done = school_request.students.filter(state=s.DONE).first()
    if done is not None:  # the school had four students or more
        assert done.registry_batch_id is not None
    assert all(st.attachments.exists() for st in school_request.students.all())

    counts = (
        OnlineApplication.objects.count(),
        OnlineApplicationEvent.objects.count(),
        SchoolRequest.objects.count(),
        SchoolRequestStudent.objects.count(),
        SchoolRequestEvent.objects.count(),
        SchoolRequestAttachment.objects.count(),
        AuditEvent.objects.count(),
    )
    again = applications_demo_load(reference_date=REFERENCE)
    assert again["created"] is False and again["applications"] == first["applications"] == 5
    assert (
        OnlineApplication.objects.count(),
        OnlineApplicationEvent.objects.count(),
        SchoolRequest.objects.count(),
        SchoolRequestStudent.objects.count(),
        SchoolRequestEvent.objects.count(),
        SchoolRequestAttachment.objects.count(),
        AuditEvent.objects.count(),
    ) == counts
