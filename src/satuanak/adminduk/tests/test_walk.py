"""The Done-when walk of issue 10 part 1: a birth from declaration to issued documents."""

from __future__ import annotations

import io
from typing import Any

import pytest
from pypdf import PdfReader

from satuanak.adminduk import states as s
from satuanak.adminduk.documents import document_pdf
from satuanak.adminduk.models import BirthDeclaration, DeclarationEvent
from satuanak.adminduk.selectors import coverage, service_levels
from satuanak.adminduk.services import (
    DeclarationError,
    declaration_create,
    declaration_issue,
    declaration_resubmit,
    declaration_transition,
)
from satuanak.adminduk.tests.conftest import NOW, REFERENCE, birth_input, couples, scans
from satuanak.core.nik import Nik
from satuanak.flags.models import ChildFlag
from satuanak.flags.services import district_summary, flags_recompute
from satuanak.linkage.services import linkage_run
from satuanak.persons.models import Child


def _no_akta() -> tuple[int, int]:
    row = next(r for r in district_summary() if r["code"] == "no_akta")
    return row["numerator"], row["denominator"]


@pytest.mark.django_db
def test_a_birth_walks_from_declaration_to_issued_documents_and_the_child_has_no_no_akta_flag(
    siak: Any, personas: dict[str, Any]
) -> None:
    bidan, dukcapil = personas["bidan_rsud"], personas["dukcapil"]
    linkage_run(as_of=REFERENCE)
    flags_recompute(as_of=REFERENCE)
    before = _no_akta()
    couple = couples(1)[0]

    # declared with both parents found in SIAK, without the marriage book
    d = declaration_create(
        user=bidan, data=birth_input(couple), attachments=scans("birth_letter", "mother_id"), at=NOW
    )
    assert d.state == s.SUBMITTED and d.mother_in_siak and d.father_in_siak
    assert d.kk_number == couple.kk_number and d.desa.code == couple.desa_code
    assert d.facility == bidan.agency.health_facility
    assert len(d.tracking_code) == 8

    # the officer returns it: the marriage book is missing (a return needs its reasons)
    with pytest.raises(DeclarationError, match="Alasan wajib"):
        declaration_transition(user=dukcapil, declaration=d, to_state=s.RETURNED, reasons="  ")
    declaration_transition(
        user=dukcapil, declaration=d, to_state=s.RETURNED, reasons="Buku nikah belum dilampirkan", at=NOW
    )
    # the operator adds it and resubmits
    declaration_resubmit(
        user=bidan, declaration=d, attachments=scans("marriage_book"), note="buku nikah dilampirkan", at=NOW
    )
    assert set(d.attachments.values_list("kind", flat=True)) == {"birth_letter", "mother_id", "marriage_book"}
    declaration_transition(user=dukcapil, declaration=d, to_state=s.VERIFIED, at=NOW)
    docs = declaration_issue(user=dukcapil, declaration=d, enqueue=False, at=NOW)

    d.refresh_from_db()
    assert d.state == s.ISSUED
    assert list(DeclarationEvent.objects.filter(declaration=d).values_list("to_state", flat=True)) == [
        s.SUBMITTED,
        s.RETURNED,
        s.SUBMITTED,
        s.VERIFIED,
        s.ISSUED,
    ]
    nik = Nik.parse(docs.child_nik, reference_date=REFERENCE)
    assert (nik.birth_date, nik.sex) == (d.birth_date, "P")
    assert nik.region_code == d.desa.kecamatan.code
    assert docs.akta_number.startswith("6107-LT-30122024-") and docs.kia_number == docs.child_nik
    assert docs.kk_number == couple.kk_number and docs.import_batch_id is not None

    for kind, words in (
        ("akta", "KUTIPAN AKTA KELAHIRAN"),
        ("kia", "KARTU IDENTITAS ANAK"),
        ("kk", "KARTU KELUARGA"),
    ):
        text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(document_pdf(docs, kind))).pages)
        assert words in text and "SPECIMEN" in text and docs.child_nik in text

    linkage_run(as_of=REFERENCE)
    flags_recompute(as_of=REFERENCE)
    child = Child.objects.get(nik=docs.child_nik)
    assert child.in_siak and child.desa is not None and child.desa.code == couple.desa_code
    assert not ChildFlag.objects.filter(child=child, code="no_akta", status="flagged").exists()
    after = _no_akta()
    assert after[1] == before[1] + 1 and after[0] == before[0]

    rows = service_levels(start=REFERENCE.replace(month=1, day=1), end=REFERENCE)
    assert [(r.issued, r.within_target) for r in rows] == [(1, 1)]
    total = coverage(start=REFERENCE.replace(month=1, day=1), end=REFERENCE)[0]
    assert total.declared == 1 and total.facility_births > 1 and total.share is not None
    assert total.meets_target is False


@pytest.mark.django_db
def test_the_same_baby_declared_twice_is_refused_and_nothing_is_saved(
    siak: Any, personas: dict[str, Any]
) -> None:
    bidan = personas["bidan_rsud"]
    couple = couples(1)[0]
    declaration_create(
        user=bidan, data=birth_input(couple), attachments=scans("birth_letter", "mother_id"), at=NOW
    )
    with pytest.raises(DeclarationError, match="sudah dilaporkan"):
        declaration_create(
            user=bidan,
            data=birth_input(couple, baby_name="By. Ny. " + couple.mother_name),  # same sex, same day
            attachments=scans("birth_letter", "mother_id"),
            at=NOW,
        )
    # twins: a second baby of the same sex with another name is a new declaration
    declaration_create(
        user=bidan,
        data=birth_input(couple, baby_name="Aurora Putri", multiple_birth=True),
        attachments=scans("birth_letter", "mother_id"),
        at=NOW,
    )
    assert BirthDeclaration.objects.count() == 2
