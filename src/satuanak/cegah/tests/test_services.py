"""Recording a session: what is refused (and then nothing is saved), what is derived, the KUA
loader."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from satuanak.access.selectors import AccessDenied
from satuanak.audit.models import AuditAction, AuditEvent
from satuanak.cegah.models import Kua, Session
from satuanak.cegah.services import CegahError, cegah_kua_load, prevention_session_record
from satuanak.cegah.tests.conftest import TODAY, Record
from satuanak.facilities.models import School

pytestmark = pytest.mark.django_db


def _call(user: Any, **over: Any) -> Session:
    kua = Kua.objects.order_by("code").first()
    assert kua is not None
    args: dict[str, Any] = {
        "user": user,
        "kind": "bimwin",
        "date": date(2024, 9, 2),
        "venue_kind": "kua",
        "venue_id": kua.pk,
        "health_module": True,
        "participants_female": "12",
        "participants_male": "12",
        "today": TODAY,
    }
    args.update(over)
    return prevention_session_record(**args)


def test_kua_one_per_kecamatan_and_load_is_idempotent(kua: list[Kua]) -> None:
    assert len(kua) == 17
    assert kua[0].name == "KUA Kecamatan Sungai Raya" and not kua[0].is_verified
    assert len({k.kecamatan_id for k in kua}) == 17
    again = cegah_kua_load()
    assert (again.created, again.updated) == (0, 17)
    assert Kua.objects.count() == 17


def test_record_derives_the_school_year_and_audits(personas: dict[str, Any], kua: list[Kua]) -> None:
    s = _call(personas["disdikbud"], date=date(2025, 6, 30))
    assert s.school_year == "2024/2025" and s.participants == 24 and s.recorded_by == personas["disdikbud"]
    t = _call(personas["disdikbud"], date=date(2024, 7, 1))
    assert t.school_year == "2024/2025"
    assert AuditEvent.objects.filter(
        action=AuditAction.RECORD_CHANGED, subject_type="cegah_session", subject_id=str(s.pk)
    ).exists()


def _smp() -> School:
    found = School.objects.filter(level="SMP").first()
    assert found is not None
    return found


def _sd() -> School:
    found = School.objects.filter(level="SD").first()
    assert found is not None
    return found


@pytest.mark.parametrize(
    ("over", "message"),
    [
        ({"date": TODAY + timedelta(days=1)}, "hari ini"),
        ({"date": date(2019, 12, 31)}, "01-01-2020"),
        ({"participants_female": "-1"}, "negative"),
        ({"participants_male": "5000"}, "below 5000"),
        ({"participants_male": "dua"}, "whole number"),
        ({"participants_female": "0", "participants_male": "0"}, "number of participants"),
        ({"kind": "seminar"}, "Unknown session kind"),
        ({"venue_kind": "school"}, "does not match"),  # a Bimwin at a school
        ({"kind": "mpls"}, "does not match"),  # an MPLS at a KUA
        ({"venue_id": 999_999}, "choose a KUA"),
        ({"notes": "x" * 4001}, "4000"),
    ],
)
def test_refusals_save_nothing(
    personas: dict[str, Any], kua: list[Kua], over: dict[str, Any], message: str
) -> None:
    before = (Session.objects.count(), AuditEvent.objects.count())
    with pytest.raises(CegahError, match=" / ") as caught:
        _call(personas["dinkes"], **over)
    assert message in str(caught.value)
    assert (Session.objects.count(), AuditEvent.objects.count()) == before


def test_mpls_only_at_an_smp(personas: dict[str, Any], kua: list[Kua]) -> None:
    with pytest.raises(CegahError, match="SMP/MTs"):
        _call(personas["disdikbud"], kind="mpls", venue_kind="school", venue_id=_sd().pk)
    with pytest.raises(CegahError, match="does not match"):  # an MPLS pointed at a KUA id
        _call(personas["disdikbud"], kind="mpls", venue_kind="kua")
    s = _call(personas["disdikbud"], kind="mpls", venue_kind="school", venue_id=_smp().pk)
    assert s.school is not None and s.kua is None
    assert Session.objects.count() == 1


def test_a_role_without_the_capability_is_refused(personas: dict[str, Any], kua: list[Kua]) -> None:
    with pytest.raises(AccessDenied):
        _call(personas["kader_sungai_duri"])
    assert not Session.objects.exists()


def test_the_database_refuses_a_venue_of_the_other_kind(record: Record, smp: list[School]) -> None:
    from django.db import IntegrityError, transaction

    s = record(smp[0], date(2024, 7, 15))
    with pytest.raises(IntegrityError), transaction.atomic():
        Session.objects.filter(pk=s.pk).update(kind="bimwin")
