"""FHIR export through the access chokepoints: valid R4 for children with and without NIK,
measurements and doses; only the sources a role may see; NIKs only for roles that may reveal
them; scope and audit as on the pages."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import polars as pl
import pytest
from django.core.management import CommandError, call_command
from django.http import Http404
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle

from satuanak.audit.models import AuditAction, AuditEvent
from satuanak.core.nik import Nik
from satuanak.imports.models import ImportBatch
from satuanak.imports.services import import_rows_run, staged_records
from satuanak.interop.fhir.export import child_bundle, children_bundle
from satuanak.interop.fhir.mapping import CHILD_ID_SYSTEM, NIK_IBU_SYSTEM, NIK_SYSTEM, FhirInputError
from satuanak.persons.models import Child
from satuanak.persons.tests.factories import ChildFactory, ChildRecordFactory
from satuanak.regions.models import Desa

SUNGAI_DURI = "61.07.01.2001"
MOTHER_NIK = Nik.build(kecamatan_code="61.07.01", birth_date=date(1996, 3, 4), sex="P", serial=77)


def _measure(
    child: Child, on: date, weight: float, height: float | None, position: str, muac: float | None
) -> None:
    ChildRecordFactory.create(
        child=child,
        source="eppgbm",
        record_id=f"eppgbm:{child.nik or child.pk}",
        observed_on=on,
        summary={
            "weight_kg": weight,
            "height_cm": height,
            "position": position,
            "muac_cm": muac,
            "posyandu": "Posyandu Mawar",
            "puskesmas": "Puskesmas Sungai Duri",
        },
    )


def _dose(child: Child, antigen: str, on: date) -> None:
    ChildRecordFactory.create(
        child=child,
        source="imunisasi",
        record_id=f"imunisasi:{child.nik or child.pk}",
        observed_on=on,
        summary={"vaccine": antigen, "place": "Posyandu Mawar"},
    )


@pytest.fixture
def children(reference_data: None) -> dict[str, Child]:
    sungai_duri = Desa.objects.get(code=SUNGAI_DURI)
    elsewhere = Desa.objects.filter(kecamatan__code="61.07.02").order_by("code").first()
    full = ChildFactory.create(desa=sungai_duri, sex="L", birth_date=date(2022, 1, 15), name="ANAK LENGKAP")
    _measure(full, date(2022, 7, 20), 7.9, 67.5, "lying", 14.0)
    _measure(full, date(2024, 3, 5), 12.1, 87.0, "standing", None)
    _dose(full, "BCG", date(2022, 1, 20))
    _dose(full, "DPT-HB-Hib1", date(2022, 3, 15))
    ChildRecordFactory.create(child=full, source="siak", record_id=f"siak:{full.nik}", observed_on=None)

    newborn = ChildFactory.create(
        desa=sungai_duri, sex="P", birth_date=date(2024, 5, 2), name="BY NY AMINAH", nik="", kk_number=""
    )
    # The delivery register names the mother's NIK: stage one row and link it to the baby.
    batches = import_rows_run(
        adapter_name="kia_persalinan",
        rows=[
            {
                "mother_nik": MOTHER_NIK,
                "mother_name": "AMINAH",
                "baby_name": "BY NY AMINAH",
                "baby_sex": "P",
                "delivery_date": "2024-05-02",
                "desa": SUNGAI_DURI,
            }
        ],
        file_name="persalinan.csv",
    )
    # A KIA file is read as both registers; the delivery one takes the row.
    assert [(b.adapter, b.status, b.accepted) for b in batches if b.accepted] == [
        ("kia_persalinan", ImportBatch.Status.DONE, 1)
    ]
    staged = staged_records("kia_persalinan")
    assert staged is not None
    row = staged.select("batch_id", "__row", "person_key").collect().row(0)
    ChildRecordFactory.create(
        child=newborn,
        source="kia",
        record_id=f"kia_persalinan:{row[2]}",
        batch_id=row[0],
        row_number=row[1],
        observed_on=date(2024, 5, 2),
        summary={"delivery_place": "Puskesmas"},
    )
    _dose(newborn, "HB0", date(2024, 5, 2))

    bare = ChildFactory.create(
        desa=sungai_duri, name="ANAK TANPA REKAMAN", nik="", kk_number="", mother_name=""
    )
    there = ChildFactory.create(desa=elsewhere, name="ANAK LAIN KECAMATAN")
    _measure(there, date(2023, 1, 1), 10.0, 80.0, "lying", None)
    return {"full": full, "newborn": newborn, "bare": bare, "there": there}


def _valid(bundle: dict[str, Any]) -> None:
    Bundle.model_validate(bundle)
    for entry in bundle.get("entry", []):
        resource = entry["resource"]
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)
        if resource["resourceType"] == "Bundle":
            _valid(resource)


def _of(bundle: dict[str, Any], rt: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == rt]


def _systems(patient: dict[str, Any]) -> dict[str, str]:
    return {i["system"]: i["value"] for i in patient["identifier"]}


def test_full_child_as_health_officer(children: dict[str, Child], personas: dict[str, Any]) -> None:
    full = children["full"]
    bundle = child_bundle(user=personas["dinkes"], child_id=full.pk)
    _valid(bundle)
    patient = _of(bundle, "Patient")[0]
    assert _systems(patient)[NIK_SYSTEM] == full.nik
    assert _systems(patient)[CHILD_ID_SYSTEM] == str(full.pk)
    assert patient["gender"] == "male" and patient["birthDate"] == "2022-01-15"
    codes = sorted(
        (
            o["effectiveDateTime"],
            o["code"]["coding"][0]["code"],
            o["valueQuantity"]["value"],
            o["valueQuantity"]["code"],
        )
        for o in _of(bundle, "Observation")
    )
    assert codes == [
        ("2022-07-20", "29463-7", 7.9, "kg"),
        ("2022-07-20", "56072-2", 14.0, "cm"),
        ("2022-07-20", "8306-3", 67.5, "cm"),
        ("2024-03-05", "29463-7", 12.1, "kg"),
        ("2024-03-05", "8302-2", 87.0, "cm"),
    ]
    assert [i["vaccineCode"]["coding"][0]["code"] for i in _of(bundle, "Immunization")] == [
        "BCG",
        "DPT-HB-Hib1",
    ]
    assert _of(bundle, "RelatedPerson")[0]["name"][0]["text"] == full.mother_name


def test_newborn_gets_the_mothers_nik_from_the_delivery_register(
    children: dict[str, Child], personas: dict[str, Any]
) -> None:
    bundle = child_bundle(user=personas["steward"], child_id=children["newborn"].pk)
    _valid(bundle)
    patient = _of(bundle, "Patient")[0]
    assert _systems(patient)[NIK_IBU_SYSTEM] == MOTHER_NIK
    assert NIK_SYSTEM not in _systems(patient)
    assert _of(bundle, "RelatedPerson")[0]["identifier"][0]["value"] == MOTHER_NIK
    assert _of(bundle, "Observation") == []
    assert [i["vaccineCode"]["coding"][0]["code"] for i in _of(bundle, "Immunization")] == ["HB0"]


def test_child_without_records_or_nik(children: dict[str, Child], personas: dict[str, Any]) -> None:
    bundle = child_bundle(user=personas["steward"], child_id=children["bare"].pk)
    _valid(bundle)
    assert [e["resource"]["resourceType"] for e in bundle["entry"]] == ["Patient"]
    assert set(_systems(bundle["entry"][0]["resource"])) == {CHILD_ID_SYSTEM}


def test_role_without_immunisation_or_nutrition_gets_neither(
    children: dict[str, Child], personas: dict[str, Any]
) -> None:
    # The civil registry sees SIAK only: the Patient, no Observation, no Immunization.
    bundle = child_bundle(user=personas["dukcapil"], child_id=children["full"].pk)
    _valid(bundle)
    assert {e["resource"]["resourceType"] for e in bundle["entry"]} == {"Patient", "RelatedPerson"}
    assert _systems(_of(bundle, "Patient")[0])[NIK_SYSTEM] == children["full"].nik


def test_cadre_gets_measurements_and_doses_but_no_identity_numbers(
    children: dict[str, Child], personas: dict[str, Any]
) -> None:
    bundle = child_bundle(user=personas["kader_sungai_duri"], child_id=children["newborn"].pk)
    _valid(bundle)
    patient = _of(bundle, "Patient")[0]
    assert set(_systems(patient)) == {CHILD_ID_SYSTEM}  # no NIK, no NIK ibu, no KK
    assert _of(bundle, "RelatedPerson") == []
    assert len(_of(bundle, "Immunization")) == 1
    bundle = child_bundle(user=personas["kader_sungai_duri"], child_id=children["full"].pk)
    assert len(_of(bundle, "Observation")) == 5
    assert set(_systems(_of(bundle, "Patient")[0])) == {CHILD_ID_SYSTEM}


def test_out_of_scope_child_is_404_and_audited(children: dict[str, Child], personas: dict[str, Any]) -> None:
    user = personas["pkm_sungai_duri"]
    before = AuditEvent.objects.count()
    with pytest.raises(Http404):
        child_bundle(user=user, child_id=children["there"].pk)
    events = list(AuditEvent.objects.order_by("id")[before:])
    assert [(e.action, e.subject_id) for e in events] == [
        (AuditAction.ACCESS_DENIED, str(children["there"].pk))
    ]
    with pytest.raises(Http404):
        child_bundle(user=user, child_id=10**9)


def test_export_is_audited_as_view_and_export(children: dict[str, Child], personas: dict[str, Any]) -> None:
    user = personas["pkm_sungai_duri"]
    before = AuditEvent.objects.count()
    child_bundle(user=user, child_id=children["full"].pk)
    events = list(AuditEvent.objects.order_by("id")[before:])
    assert [e.action for e in events] == [AuditAction.CHILD_VIEWED, AuditAction.EXPORTED]
    exported = events[1]
    assert (exported.actor_username, exported.subject_id, exported.purpose, exported.desa_code) == (
        "pkm_sungai_duri",
        str(children["full"].pk),
        "FHIR",
        SUNGAI_DURI,
    )
    assert exported.detail["resources"] == {
        "Patient": 1,
        "RelatedPerson": 1,
        "Observation": 5,
        "Immunization": 2,
    }


def test_children_bundle_page_scope_and_one_audit_entry(
    children: dict[str, Child], personas: dict[str, Any]
) -> None:
    user = personas["pkm_sungai_duri"]
    before = AuditEvent.objects.count()
    bundle, total = children_bundle(user=user)
    _valid(bundle)
    ids = {int(_systems(e["resource"]["entry"][0]["resource"])[CHILD_ID_SYSTEM]) for e in bundle["entry"]}
    # Only the puskesmas's service area: not the child in another kecamatan.
    assert ids == {children["full"].pk, children["newborn"].pk, children["bare"].pk}
    assert total == 3
    events = list(AuditEvent.objects.order_by("id")[before:])
    assert [(e.action, e.purpose, e.detail["rows"], e.detail["total"]) for e in events] == [
        (AuditAction.EXPORTED, "FHIR", 3, 3)
    ]

    before = AuditEvent.objects.count()
    page, total = children_bundle(
        user=personas["dinkes"], desa_code=SUNGAI_DURI, limit=2, offset=2, purpose="kirim ke SATUSEHAT"
    )
    [event] = AuditEvent.objects.order_by("id")[before:]
    assert (event.purpose, event.desa_code, event.detail["rows"]) == ("kirim ke SATUSEHAT", SUNGAI_DURI, 1)
    assert total == 3 and len(page["entry"]) == 1
    _valid(page)
    everything, total = children_bundle(user=personas["dinkes"])
    assert total == 4 == len(everything["entry"])
    newborn = next(
        e["resource"]
        for e in everything["entry"]
        if e["resource"]["entry"][0]["resource"]["name"][0]["text"] == "BY NY AMINAH"
    )
    assert _systems(newborn["entry"][0]["resource"])[NIK_IBU_SYSTEM] == MOTHER_NIK


def test_children_bundle_needs_export_capability(
    children: dict[str, Child], personas: dict[str, Any]
) -> None:
    before = AuditEvent.objects.count()
    with pytest.raises(FhirInputError) as info:
        children_bundle(user=personas["kader_sungai_duri"])
    assert info.value.code == "forbidden"
    assert [e.action for e in AuditEvent.objects.order_by("id")[before:]] == [AuditAction.ACCESS_DENIED]
    with pytest.raises(FhirInputError) as info:
        children_bundle(user=personas["dinkes"], limit=0)
    assert info.value.code == "bad_page"


def test_export_command(children: dict[str, Child], personas: dict[str, Any], tmp_path: Any) -> None:
    out = tmp_path / "anak.json"
    call_command("fhir", "export", "--user", "dinkes", "--child", str(children["full"].pk), "--out", str(out))

    _valid(json.loads(out.read_text()))
    call_command("fhir", "export", "--user", "dinkes", "--desa", SUNGAI_DURI, "--out", str(out))
    assert len(json.loads(out.read_text())["entry"]) == 3
    with pytest.raises(CommandError, match="di luar wilayah"):
        call_command("fhir", "export", "--user", "pkm_sungai_duri", "--child", str(children["there"].pk))
    with pytest.raises(CommandError, match="tidak ditemukan"):
        call_command("fhir", "export", "--user", "nobody", "--child", "1")
    with pytest.raises(CommandError, match="tidak boleh mengekspor"):
        call_command("fhir", "export", "--user", "kader_sungai_duri", "--desa", SUNGAI_DURI)


def test_staged_frame_is_what_we_linked(children: dict[str, Child]) -> None:
    """The fixture's delivery row is real staged data (guards the mother-NIK lookup's input)."""
    staged = staged_records("kia_persalinan")
    assert staged is not None
    assert staged.select(pl.col("mother_nik")).collect().to_series().to_list() == [MOTHER_NIK]
