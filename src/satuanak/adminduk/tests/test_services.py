"""Checks on entry and issuing without a declaration."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest

from satuanak.adminduk.models import BirthDeclaration, IssuedDocuments
from satuanak.adminduk.services import (
    AdmindukPermissionError,
    ChildRegistryData,
    DeclarationError,
    declaration_create,
    documents_issue_for_child,
)
from satuanak.adminduk.tests.conftest import NOW, TZ, birth_input, couples, registered_baby, scans
from satuanak.core.nik import Nik


def _try(user: Any, data: Any, kinds: tuple[str, ...] = ("birth_letter", "mother_id")) -> str:
    with pytest.raises(DeclarationError) as info:
        declaration_create(user=user, data=data, attachments=scans(*kinds), at=NOW)
    assert BirthDeclaration.objects.count() == 0
    return str(info.value)


@pytest.mark.django_db
def test_a_baby_already_in_siak_is_refused(siak: Any, personas: dict[str, Any]) -> None:
    baby = registered_baby()
    data = birth_input(
        couples(1)[0],
        mother_nik=baby["mother_nik"],
        mother_name=baby["mother_name"],
        father_nik="",
        father_name="",
        birth_at=datetime.combine(baby["birth_date"], datetime.min.time(), tzinfo=TZ),
        baby_sex=baby["sex"],
    )
    message = _try(personas["bidan_rsud"], data)
    assert "sudah tercatat di SIAK" in message or "already in SIAK" in message


@pytest.mark.django_db
def test_invalid_entries_are_refused_with_every_reason(siak: Any, personas: dict[str, Any]) -> None:
    bidan, couple = personas["bidan_rsud"], couples(1)[0]
    assert "16 digit" in _try(bidan, birth_input(couple, mother_nik="61070145"))
    assert "perempuan" in _try(bidan, birth_input(couple, mother_nik=couple.father_nik))
    assert "masa depan" in _try(bidan, birth_input(couple, birth_at=NOW + timedelta(hours=2)))
    assert "lebih dari 1 tahun" in _try(bidan, birth_input(couple, birth_at=NOW - timedelta(days=400)))
    message = _try(bidan, birth_input(couple, weight_g=90, length_cm="80"))
    assert "Berat lahir" in message and "Panjang lahir" in message
    # a NIK not in SIAK: refused unless said so; then the name is needed, and the age checked
    outsider = Nik.build(kecamatan_code="61.07.01", birth_date=date(2016, 3, 1), sex="P", serial=9001)
    assert "tidak ditemukan di SIAK" in _try(bidan, birth_input(couple, mother_nik=outsider))
    too_young = birth_input(couple, mother_nik=outsider, mother_not_in_siak=True, desa_code="61.07.01.2001")
    assert "Umur ibu" in _try(bidan, too_young)
    assert "Surat keterangan lahir" in _try(bidan, birth_input(couple), kinds=("mother_id",))
    assert "KTP ibu atau ayah" in _try(bidan, birth_input(couple), kinds=("birth_letter",))


@pytest.mark.django_db
def test_a_young_mother_not_in_siak_is_accepted_with_a_warning(siak: Any, personas: dict[str, Any]) -> None:
    mother = Nik.build(kecamatan_code="61.07.01", birth_date=date(2008, 3, 1), sex="P", serial=9001)
    d = declaration_create(
        user=personas["bidan_rsud"],
        data=birth_input(
            couples(1)[0],
            mother_nik=mother,
            mother_name="Maria",
            mother_not_in_siak=True,
            father_nik="",
            father_name="",
            kk_number="",
            desa_code="61.07.01.2001",
        ),
        attachments=scans("birth_letter", "mother_id"),
        at=NOW,
    )
    assert not d.mother_in_siak and d.kk_number == "" and any("di bawah 18" in w for w in d.warnings)


@pytest.mark.django_db
def test_documents_issue_for_child_without_a_declaration(siak: Any, personas: dict[str, Any]) -> None:
    child = ChildRegistryData(
        name="Rini Handayani",
        sex="P",
        birth_date=date(2013, 7, 8),
        birth_place="Sungai Raya",
        desa_code="61.07.01.2001",
        mother_name="Retno",
    )
    with pytest.raises(AdmindukPermissionError):
        documents_issue_for_child(user=personas["bidan_rsud"], child=child, enqueue=False)
    docs = documents_issue_for_child(user=personas["dukcapil"], child=child, kia=False, enqueue=False)
    again = documents_issue_for_child(user=personas["dukcapil"], child=child, akta=False, enqueue=False)
    assert docs.declaration is None and docs.kia_number == "" and docs.akta_number
    assert again.child_nik != docs.child_nik  # a second child born that day gets the next serial
    assert int(again.child_nik[12:]) == int(docs.child_nik[12:]) + 1
    assert docs.kk_number[:6] == "610701" and IssuedDocuments.objects.count() == 2
