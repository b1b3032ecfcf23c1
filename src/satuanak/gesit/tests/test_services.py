"""GESIT services: suggestion, confirmation within capacity, deliveries only for assigned children,
a Prosasa ledger that never goes negative, scope, audit; bad input changes nothing."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from satuanak.access.selectors import AccessDenied
from satuanak.audit.models import AuditAction, AuditEvent
from satuanak.facilities.models import Posyandu
from satuanak.gesit.models import Baas, BaasAssignment, PmtDelivery, ProsasaEntry
from satuanak.gesit.selectors import gesit_for_child, prosasa_ledger, uncovered_by_desa
from satuanak.gesit.services import (
    GesitError,
    assignment_confirm,
    assignment_end,
    assignment_suggest,
    baas_create,
    pmt_delivery_record,
    posyandu_visible_to,
    prosasa_entry_record,
)
from satuanak.gesit.tests.conftest import flag
from satuanak.interventions.models import Intervention
from satuanak.interventions.services import intervention_record
from satuanak.persons.tests.factories import ChildFactory

TODAY = timezone.localdate()


def _counts() -> tuple[int, ...]:
    return (
        Baas.objects.count(),
        BaasAssignment.objects.count(),
        Intervention.objects.count(),
        PmtDelivery.objects.count(),
        ProsasaEntry.objects.count(),
    )


def _baas(
    user: Any, *, desa_code: str = "61.07.01.2001", capacity: int = 10, name: str = "Bapak Asuh Uji"
) -> Baas:
    return baas_create(user=user, kind="person", name=name, desa_code=desa_code, capacity=capacity)


@pytest.mark.django_db
def test_suggestion_takes_stunted_children_of_the_area_nearest_first(
    personas: dict[str, Any], area: dict[str, Any]
) -> None:
    staff = personas["pkm_sungai_duri"]
    baas = _baas(staff)
    got = [c.candidate.child_id for c in assignment_suggest(user=staff, baas=baas)]
    # same desa first (severe before moderate), then the desa 3 km away; not the normal child,
    # not the one stunted only last quarter, not Samalantan's (another area)
    assert got == [area["sd_severe"].pk, area["sd_moderate"].pk, area["jaga_severe"].pk]
    # a district officer sees Samalantan's child too, far away: last
    district = assignment_suggest(user=personas["dinkes"], baas=baas)
    assert [c.candidate.child_id for c in district][-1] == area["samalantan"].pk


@pytest.mark.django_db
def test_confirm_records_the_assignment_and_the_pmt_intervention(
    personas: dict[str, Any], area: dict[str, Any]
) -> None:
    staff = personas["pkm_sungai_duri"]
    baas = _baas(staff)
    start = TODAY - timedelta(days=10)
    made = assignment_confirm(user=staff, baas=baas, child_ids=[area["sd_severe"].pk], start_date=start)
    (a,) = made
    assert a.status == "confirmed" and a.confirmed_by == staff and a.end_date == start + timedelta(days=99)
    i = a.intervention
    assert i is not None and (i.kind, i.programme, i.answers_flag) == ("pmt", "GESIT", "stunting")
    assert (i.start_date, i.end_date, i.place, i.child_id) == (
        start,
        a.end_date,
        baas.name,
        area["sd_severe"].pk,
    )
    assert AuditEvent.objects.filter(
        action=AuditAction.RECORD_CHANGED, subject_type="gesit_assignment", subject_id=str(a.pk)
    ).exists()
    # the child is no longer suggested, and the child's page selector shows it
    assert area["sd_severe"].pk not in [
        c.candidate.child_id for c in assignment_suggest(user=staff, baas=baas)
    ]
    (row,) = gesit_for_child(user=staff, child=area["sd_severe"])
    assert (row.baas_name, row.start_date, row.deliveries) == (baas.name, start, 0)
    assert gesit_for_child(user=personas["pkm_samalantan"], child=area["sd_severe"]) == []


@pytest.mark.django_db
def test_capacity_is_refused_beyond_ten_or_the_baas_own(
    personas: dict[str, Any], area: dict[str, Any]
) -> None:
    staff = personas["pkm_sungai_duri"]
    baas = _baas(staff, capacity=2)
    ids = [area["sd_severe"].pk, area["sd_moderate"].pk, area["jaga_severe"].pk]
    before = _counts()
    with pytest.raises(GesitError, match="Melebihi kapasitas BAAS: 0 dari 2 terisi, 3 ditambahkan"):
        assignment_confirm(user=staff, baas=baas, child_ids=ids, start_date=TODAY)
    assert _counts() == before
    assignment_confirm(user=staff, baas=baas, child_ids=ids[:2], start_date=TODAY)
    with pytest.raises(GesitError, match="Beyond the BAAS's capacity: 2 of 2 taken, 1 added"):
        assignment_confirm(user=staff, baas=baas, child_ids=ids[2:], start_date=TODAY)
    assert BaasAssignment.objects.count() == 2
    # a suggestion respects it as well: nothing left
    assert assignment_suggest(user=staff, baas=baas) == []
    with pytest.raises(GesitError, match="1 sampai 10"):
        _baas(staff, capacity=11)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "start_days_ago", "message"),
    [
        ("sd_normal", 1, "tidak ditandai stunting"),
        ("sd_recovered", 1, "tidak ditandai stunting"),  # stunted only in an earlier quarter
        ("samalantan", 1, "tidak ditemukan di wilayah Anda"),  # another area
        ("sd_severe", -1, "masa depan"),
        ("sd_severe", 1000, "sebelum anak"),  # before the child was born (2023-01-10)
    ],
)
def test_confirm_refuses_bad_children_and_dates(
    personas: dict[str, Any], area: dict[str, Any], who: str, start_days_ago: int, message: str
) -> None:
    staff = personas["pkm_sungai_duri"]
    baas = _baas(staff)
    before = _counts()
    start = (
        max(TODAY - timedelta(days=start_days_ago), date(2022, 1, 1))
        if start_days_ago < 1000
        else date(2022, 6, 1)
    )
    with pytest.raises(GesitError, match=message) as caught:
        assignment_confirm(
            user=staff, baas=baas, child_ids=[area["sd_moderate"].pk, area[who].pk], start_date=start
        )
    assert " / " in str(caught.value)
    assert _counts() == before  # all or nothing: the valid child was not assigned either


@pytest.mark.django_db
def test_a_child_cannot_be_with_two_baas_and_a_cadre_cannot_confirm(
    personas: dict[str, Any], area: dict[str, Any]
) -> None:
    staff = personas["pkm_sungai_duri"]
    first, second = _baas(staff, name="BAAS A"), _baas(staff, name="BAAS B")
    assignment_confirm(user=staff, baas=first, child_ids=[area["sd_severe"].pk], start_date=TODAY)
    with pytest.raises(GesitError, match="sudah diasuh BAAS"):
        assignment_confirm(user=staff, baas=second, child_ids=[area["sd_severe"].pk], start_date=TODAY)
    with pytest.raises(AccessDenied):
        assignment_confirm(
            user=personas["kader_sungai_duri"],
            baas=second,
            child_ids=[area["sd_moderate"].pk],
            start_date=TODAY,
        )
    with pytest.raises(AccessDenied):
        _baas(personas["kader_sungai_duri"])
    # a puskesmas of another area does not see the BAAS at all
    with pytest.raises(GesitError, match="BAAS tidak ditemukan"):
        assignment_confirm(
            user=personas["pkm_samalantan"], baas=second, child_ids=[area["samalantan"].pk], start_date=TODAY
        )
    assert BaasAssignment.objects.count() == 1


@pytest.mark.django_db
def test_deliveries_only_for_an_assigned_child_within_the_100_days(
    personas: dict[str, Any], area: dict[str, Any]
) -> None:
    staff, cadre = personas["pkm_sungai_duri"], personas["kader_sungai_duri"]
    baas = _baas(staff)
    start = TODAY - timedelta(days=20)
    (a,) = assignment_confirm(user=staff, baas=baas, child_ids=[area["sd_severe"].pk], start_date=start)
    before = _counts()
    with pytest.raises(GesitError, match="Delivery log for an unassigned child"):
        pmt_delivery_record(
            user=cadre,
            child_id=area["sd_moderate"].pk,
            delivered_on=TODAY,
            item="telur",
            quantity=7,
            unit="butir",
        )
    with pytest.raises(GesitError, match="Delivery log for an unassigned child"):  # before the start
        pmt_delivery_record(
            user=cadre,
            child_id=area["sd_severe"].pk,
            delivered_on=start - timedelta(days=1),
            item="telur",
            quantity=7,
            unit="butir",
        )
    cases: list[tuple[dict[str, Any], str]] = [
        ({"delivered_on": start - timedelta(days=1)}, "di luar 100 hari"),
        ({"delivered_on": TODAY + timedelta(days=1)}, "masa depan"),
        ({"quantity": 0}, "lebih dari nol"),
        ({"quantity": -3}, "lebih dari nol"),
        ({"quantity": "banyak"}, "harus angka"),
        ({"item": " "}, "wajib diisi"),
    ]
    for kwargs, message in cases:
        args: dict[str, Any] = {
            "delivered_on": TODAY,
            "item": "telur",
            "quantity": 7,
            "unit": "butir",
        } | kwargs
        with pytest.raises(GesitError, match=message):
            pmt_delivery_record(user=cadre, assignment=a, **args)
    # a cadre of another area does not find the assignment
    with pytest.raises(GesitError, match="tidak ditemukan di wilayah Anda"):
        pmt_delivery_record(
            user=personas["kader_samalantan"],
            assignment=a,
            delivered_on=TODAY,
            item="telur",
            quantity=7,
            unit="butir",
        )
    assert _counts() == before
    d = pmt_delivery_record(
        user=cadre,
        child_id=area["sd_severe"].pk,
        delivered_on=TODAY,
        item="telur",
        quantity="7",
        unit="butir",
    )
    assert d.assignment == a and d.delivered_by == cadre
    assert gesit_for_child(user=cadre, child=area["sd_severe"])[0].deliveries == 1


@pytest.mark.django_db
def test_ending_an_assignment_stops_deliveries_and_the_intervention(
    personas: dict[str, Any], area: dict[str, Any]
) -> None:
    staff, cadre = personas["pkm_sungai_duri"], personas["kader_sungai_duri"]
    baas = _baas(staff, capacity=1)
    start = TODAY - timedelta(days=30)
    (a,) = assignment_confirm(user=staff, baas=baas, child_ids=[area["sd_severe"].pk], start_date=start)
    with pytest.raises(GesitError, match="alasan"):
        assignment_end(user=staff, assignment=a, reason="  ")
    assignment_end(
        user=staff, assignment=a, reason="pindah ke luar kabupaten", today=TODAY - timedelta(days=5)
    )
    a.refresh_from_db()
    assert a.status == "ended" and a.ended_by == staff
    assert a.intervention is not None and a.intervention.end_date == TODAY - timedelta(days=5)
    with pytest.raises(GesitError, match="sudah dihentikan"):
        assignment_end(user=staff, assignment=a, reason="lagi")
    # the capacity is free again, and the child may be suggested again
    assert [c.candidate.child_id for c in assignment_suggest(user=staff, baas=baas)] == [area["sd_severe"].pk]
    # a log dated after it stopped: no assignment covers that date
    with pytest.raises(GesitError, match="unassigned child"):
        pmt_delivery_record(
            user=cadre,
            child_id=area["sd_severe"].pk,
            delivered_on=TODAY,
            item="telur",
            quantity=7,
            unit="butir",
        )


def _posyandu(code: str) -> Posyandu:
    return Posyandu.objects.filter(desa__code=code).order_by("code").first()  # type: ignore[return-value]


@pytest.mark.django_db
def test_prosasa_ledger_never_goes_negative_even_back_dated(
    personas: dict[str, Any], reference_data: None
) -> None:
    cadre = personas["kader_sungai_duri"]
    p = _posyandu("61.07.01.2001")

    def entry(day: date, direction: str, eggs: int = 0, money: int = 0) -> ProsasaEntry:
        return prosasa_entry_record(
            user=cadre, posyandu=p, entry_date=day, direction=direction, eggs=eggs, money=money
        )

    entry(date(2024, 3, 5), "in", eggs=40, money=100_000)
    entry(date(2024, 4, 20), "out", eggs=40, money=60_000)  # March's eggs all used in April
    entry(date(2024, 5, 5), "in", eggs=30, money=50_000)
    n = ProsasaEntry.objects.count()
    # plainly too much
    with pytest.raises(GesitError, match="telur menjadi negatif"):
        entry(date(2024, 5, 20), "out", eggs=31)
    with pytest.raises(GesitError, match="money balance would go below zero"):
        entry(date(2024, 5, 20), "out", money=90_001)
    # back-dated: 10 eggs out on 10 April fits April's stock (40), but leaves April 20th at -10
    with pytest.raises(GesitError, match="negatif pada 20-04-2024") as caught:
        entry(date(2024, 4, 10), "out", eggs=10)
    assert "2024-04-20" in str(caught.value)
    assert ProsasaEntry.objects.count() == n
    entry(date(2024, 5, 20), "out", eggs=30, money=90_000)  # exactly to zero: allowed
    cases: list[tuple[dict[str, Any], str]] = [
        ({"eggs": -1}, "tidak boleh negatif"),
        ({"eggs": 0, "money": 0}, "Isi jumlah"),
        ({"direction": "sideways", "eggs": 1}, "Arah tidak dikenal"),
        ({"entry_date": TODAY + timedelta(days=1), "eggs": 1}, "masa depan"),
    ]
    for kwargs, message in cases:
        args: dict[str, Any] = {"entry_date": date(2024, 6, 1), "direction": "in"} | kwargs
        with pytest.raises(GesitError, match=message):
            prosasa_entry_record(user=cadre, posyandu=p, **args)
    # an entry without its author is refused
    with pytest.raises(GesitError, match="needs its author"):
        prosasa_entry_record(user=None, posyandu=p, entry_date=date(2024, 6, 1), direction="in", eggs=5)
    assert ProsasaEntry.objects.count() == n + 1
    assert set(ProsasaEntry.objects.values_list("recorded_by", flat=True)) == {cadre.pk}

    ledger = prosasa_ledger(user=cadre, posyandu=p)
    assert [(m.month, m.eggs_in, m.eggs_out, m.eggs_balance, m.money_balance) for m in ledger.months] == [
        (date(2024, 3, 1), 40, 0, 40, 100_000),
        (date(2024, 4, 1), 0, 40, 0, 40_000),
        (date(2024, 5, 1), 30, 30, 0, 0),
    ]
    assert all(e.recorded_by == cadre for e in ledger.entries) and len(ledger.entries) == 4
    assert prosasa_ledger(user=cadre, posyandu=p, year=2025).months == []
    assert prosasa_ledger(user=cadre, posyandu=p, year=2025).opening_money == 0


@pytest.mark.django_db
def test_prosasa_of_another_area_is_out_of_reach(personas: dict[str, Any], reference_data: None) -> None:
    cadre = personas["kader_sungai_duri"]
    samalantan = _posyandu("61.07.02.2001")
    assert not posyandu_visible_to(cadre).filter(pk=samalantan.pk).exists()
    assert posyandu_visible_to(personas["kader_samalantan"]).filter(pk=samalantan.pk).exists()
    with pytest.raises(GesitError, match="Posyandu tidak ditemukan di wilayah Anda"):
        prosasa_entry_record(
            user=cadre, posyandu=samalantan, entry_date=date(2024, 6, 1), direction="in", eggs=5
        )
    with pytest.raises(GesitError, match="Posyandu tidak ditemukan"):
        prosasa_ledger(user=cadre, posyandu=samalantan)
    with pytest.raises(AccessDenied):  # a role that records nothing
        prosasa_entry_record(
            user=personas["disdikbud"],
            posyandu=samalantan,
            entry_date=date(2024, 6, 1),
            direction="in",
            eggs=5,
        )
    assert not ProsasaEntry.objects.exists()


@pytest.mark.django_db
def test_uncovered_lists_stunted_and_kek_children_no_baas_or_pmt_covers(
    personas: dict[str, Any], area: dict[str, Any]
) -> None:
    staff, cadre = personas["pkm_sungai_duri"], personas["kader_sungai_duri"]
    kek = ChildFactory.create(desa=area["desa"]["jaga"], birth_date=date(2024, 6, 1), name="ANAK IBU KEK")
    flag(kek, haz=None, code="mother_kek", period="2023Q4")
    fed = ChildFactory.create(desa=area["desa"]["jaga"], birth_date=date(2023, 2, 1), name="ANAK SUDAH PMT")
    flag(fed, haz=-2.2)
    intervention_record(user=cadre, child_id=fed.pk, kind="pmt", start_date=TODAY - timedelta(days=3))
    assignment_confirm(user=staff, baas=_baas(staff), child_ids=[area["sd_severe"].pk], start_date=TODAY)

    by_desa = {d.desa_code: d for d in uncovered_by_desa(user=staff)}
    assert set(by_desa) == {"61.07.01.2001", "61.07.01.2004"}  # Samalantan is another area
    sd, jaga = by_desa["61.07.01.2001"], by_desa["61.07.01.2004"]
    assert [c.child_id for c in sd.children or []] == [area["sd_moderate"].pk]  # severe one has a BAAS
    assert (sd.stunted, sd.mother_kek, sd.total) == (1, 0, 1)
    assert sorted(c.child_id for c in jaga.children or []) == sorted([area["jaga_severe"].pk, kek.pk])
    assert (jaga.stunted, jaga.mother_kek, jaga.total) == (1, 1, 2)
    # a cadre does not see the pregnancy register (KIA), so not the KEK finding
    cadre_view = {d.desa_code: d for d in uncovered_by_desa(user=cadre, with_children=False)}
    assert cadre_view["61.07.01.2004"].total == 1 and cadre_view["61.07.01.2004"].children is None
    one = uncovered_by_desa(user=personas["dinkes"], desa_code="61.07.02.2001")
    assert [c.name for d in one for c in d.children or []] == ["ANAK SAMALANTAN STUNTING"]
