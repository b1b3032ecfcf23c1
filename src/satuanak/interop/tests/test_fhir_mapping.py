"""The pure FHIR mapping: what goes out (codes, units, identifiers, valid R4) and what comes in
(foreign-shaped bundles, every entry accounted for). No database."""

from __future__ import annotations

import copy
import subprocess
import sys
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle

from satuanak.interop.fhir.mapping import (
    ADMINISTRATIVE_CODE_URL,
    ANTIGEN_SYSTEM,
    CHILD_ID_SYSTEM,
    LOINC,
    NIK_IBU_SYSTEM,
    NIK_SYSTEM,
    UCUM,
    ChildData,
    DoseData,
    FhirInputError,
    MeasurementData,
    ParsedBundle,
    PatientData,
    child_transaction,
    children_collection,
    parse_observation_bundle,
)

NIK = "6107014501220003"
MOTHER_NIK = "6107015003950012"


def _child(**patient: Any) -> ChildData:
    p: dict[str, Any] = {
        "child_id": 41,
        "name": "ANAK UJI",
        "sex": "P",
        "birth_date": date(2022, 1, 5),
        "nik": NIK,
        "mother_name": "IBU UJI",
        "desa_code": "61.07.01.2001",
        "desa_name": "Sungai Duri",
        "kecamatan_name": "Sungai Raya",
    } | patient
    return ChildData(
        patient=PatientData(**p),
        measurements=[
            MeasurementData(
                "eppgbm:k1|2022-07-20|",
                date(2022, 7, 20),
                Decimal("7.9"),
                Decimal("67.5"),
                "lying",
                Decimal("14"),
            ),
            MeasurementData(
                "eppgbm:k1|2024-03-05|", date(2024, 3, 5), Decimal("12.1"), Decimal("87.0"), "standing"
            ),
        ],
        doses=[
            DoseData("imunisasi:k1|BCG", "BCG", date(2022, 1, 20), "Posyandu Mawar"),
            DoseData("imunisasi:k1|DPT-HB-Hib1", "DPT-HB-Hib1", date(2022, 3, 7)),
        ],
    )


def _resources(bundle: dict[str, Any], rt: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == rt]


def _valid_everywhere(bundle: dict[str, Any]) -> None:
    """The Bundle and each entry's resource on its own validate as FHIR R4."""
    Bundle.model_validate(bundle)
    for entry in bundle["entry"]:
        resource = entry["resource"]
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)
        if resource["resourceType"] == "Bundle":
            _valid_everywhere(resource)


# --- out ---------------------------------------------------------------------------------------------


def test_child_bundle_is_valid_r4_with_satusehat_patient() -> None:
    bundle = child_transaction(_child())
    _valid_everywhere(bundle)
    assert bundle["type"] == "transaction"
    patient = _resources(bundle, "Patient")[0]
    assert patient["identifier"][0] == {"use": "official", "system": NIK_SYSTEM, "value": NIK}
    assert {"use": "secondary", "system": CHILD_ID_SYSTEM, "value": "41"} in patient["identifier"]
    assert patient["gender"] == "female"
    assert patient["birthDate"] == "2022-01-05"
    assert patient["name"][0]["text"] == "ANAK UJI"
    admin = patient["address"][0]["extension"][0]
    assert admin["url"] == ADMINISTRATIVE_CODE_URL
    assert {e["url"]: e["valueCode"] for e in admin["extension"]} == {
        "province": "61",
        "city": "6107",
        "district": "610701",
        "village": "6107012001",
    }
    first = bundle["entry"][0]
    assert first["request"] == {
        "method": "POST",
        "url": "Patient",
        "ifNoneExist": f"identifier={NIK_SYSTEM}|{NIK}",
    }
    assert all(e["fullUrl"].startswith("urn:uuid:") for e in bundle["entry"])


def test_newborn_without_nik_is_identified_by_the_mothers_nik() -> None:
    bundle = child_transaction(_child(nik="", mother_nik=MOTHER_NIK, sex="L"))
    _valid_everywhere(bundle)
    patient = _resources(bundle, "Patient")[0]
    assert patient["identifier"][0] == {"use": "official", "system": NIK_IBU_SYSTEM, "value": MOTHER_NIK}
    assert NIK_SYSTEM not in {i["system"] for i in patient["identifier"]}
    assert patient["gender"] == "male"
    # The mother's NIK is not unique to one child: the conditional create uses our own id.
    assert bundle["entry"][0]["request"]["ifNoneExist"] == f"identifier={CHILD_ID_SYSTEM}|41"
    mother = _resources(bundle, "RelatedPerson")[0]
    assert mother["relationship"][0]["coding"][0]["code"] == "MTH"
    assert mother["identifier"] == [{"use": "official", "system": NIK_SYSTEM, "value": MOTHER_NIK}]
    assert mother["patient"]["reference"] == bundle["entry"][0]["fullUrl"]


def test_unknown_sex_no_desa_no_records() -> None:
    bundle = child_transaction(ChildData(PatientData(child_id=5, name="X", sex="", birth_date=None)))
    _valid_everywhere(bundle)
    assert [e["resource"]["resourceType"] for e in bundle["entry"]] == ["Patient"]
    patient = bundle["entry"][0]["resource"]
    assert patient["gender"] == "unknown"
    assert "address" not in patient
    assert "birthDate" not in patient


def test_observations_loinc_ucum_and_position() -> None:
    bundle = child_transaction(_child())
    observations = _resources(bundle, "Observation")
    by_day_code = {(o["effectiveDateTime"], o["code"]["coding"][0]["code"]): o for o in observations}
    assert set(by_day_code) == {
        ("2022-07-20", "29463-7"),
        ("2022-07-20", "8306-3"),
        ("2022-07-20", "56072-2"),
        ("2024-03-05", "29463-7"),
        ("2024-03-05", "8302-2"),
    }
    for o in observations:
        assert o["status"] == "final"
        assert all(c["system"] == LOINC for c in o["code"]["coding"])
        assert o["valueQuantity"]["system"] == UCUM
        assert o["subject"]["reference"] == bundle["entry"][0]["fullUrl"]
    weight = by_day_code[("2022-07-20", "29463-7")]
    assert weight["valueQuantity"] == {"value": 7.9, "unit": "kg", "system": UCUM, "code": "kg"}
    assert weight["category"][0]["coding"][0]["code"] == "vital-signs"
    lying = by_day_code[("2022-07-20", "8306-3")]
    assert [c["code"] for c in lying["code"]["coding"]] == ["8306-3", "8302-2"]
    assert lying["valueQuantity"]["code"] == "cm" and lying["valueQuantity"]["value"] == 67.5
    standing = by_day_code[("2024-03-05", "8302-2")]
    assert [c["code"] for c in standing["code"]["coding"]] == ["8302-2"]
    muac = by_day_code[("2022-07-20", "56072-2")]
    assert muac["valueQuantity"]["code"] == "cm"
    assert muac["category"][0]["coding"][0]["code"] == "exam"


def test_immunization_uses_our_antigen_codes_only() -> None:
    bundle = child_transaction(_child())
    doses = _resources(bundle, "Immunization")
    assert [(d["vaccineCode"]["coding"][0]["code"], d["occurrenceDateTime"]) for d in doses] == [
        ("BCG", "2022-01-20"),
        ("DPT-HB-Hib1", "2022-03-07"),
    ]
    for d in doses:
        assert d["status"] == "completed"
        assert [c["system"] for c in d["vaccineCode"]["coding"]] == [ANTIGEN_SYSTEM]
        assert d["patient"]["reference"] == bundle["entry"][0]["fullUrl"]
    assert doses[0]["location"] == {"display": "Posyandu Mawar"}


def test_ids_are_deterministic_and_distinct() -> None:
    a, b = child_transaction(_child()), child_transaction(_child())
    assert a == b
    urls = [e["fullUrl"] for e in a["entry"]]
    assert len(urls) == len(set(urls))
    other = child_transaction(_child(child_id=42))
    assert other["entry"][0]["fullUrl"] != a["entry"][0]["fullUrl"]
    for e in a["entry"][2:]:  # Observations and Immunizations: conditional on our identifier
        ident = e["resource"]["identifier"][0]
        assert e["request"]["ifNoneExist"] == f"identifier={ident['system']}|{ident['value']}"
        assert e["fullUrl"] == f"urn:uuid:{ident['value']}"


def test_many_children_is_a_collection_of_transactions() -> None:
    bundle = children_collection([_child(), _child(child_id=42, nik="", mother_nik=MOTHER_NIK)])
    _valid_everywhere(bundle)
    assert bundle["type"] == "collection"
    assert [e["resource"]["type"] for e in bundle["entry"]] == ["transaction", "transaction"]


def test_mapping_imports_no_django() -> None:
    code = "import sys, satuanak.interop.fhir.mapping; sys.exit(1 if 'django' in sys.modules else 0)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0  # noqa: S603


# --- in ----------------------------------------------------------------------------------------------


def _accounted(parsed: ParsedBundle) -> None:
    used = set(parsed.used)
    skipped = [s.index for s in parsed.skipped]
    assert len(skipped) == len(set(skipped)), "an entry skipped twice"
    assert not used & set(skipped), "an entry both used and skipped"
    assert used | set(skipped) == set(range(parsed.entries_total))
    for s in parsed.skipped:
        assert s.message_id and s.message_en and s.message_id != s.message_en


def test_our_own_bundle_reads_back() -> None:
    parsed = parse_observation_bundle(child_transaction(_child()))
    _accounted(parsed)
    assert [r.fields for r in parsed.rows] == [
        {
            "nik": NIK,
            "name": "ANAK UJI",
            "sex": "P",
            "birth_date": "2022-01-05",
            "mother_name": "IBU UJI",
            "desa": "61.07.01.2001",
            "measurement_date": "2022-07-20",
            "weight_kg": "7.9",
            "height_cm": "67.5",
            "position": "lying",
            "muac_cm": "14",
        },
        {
            "nik": NIK,
            "name": "ANAK UJI",
            "sex": "P",
            "birth_date": "2022-01-05",
            "mother_name": "IBU UJI",
            "desa": "61.07.01.2001",
            "measurement_date": "2024-03-05",
            "weight_kg": "12.1",
            "height_cm": "87",
            "position": "standing",
            "muac_cm": "",
        },
    ]
    assert {s.resource_type for s in parsed.skipped} == {"Immunization"}


def _obs(code: str, value: Any, subject: dict[str, Any] | None, **extra: Any) -> dict[str, Any]:
    o: dict[str, Any] = {
        "resourceType": "Observation",
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": code}]},
    }
    if subject is not None:
        o["subject"] = subject
    if value is not None:
        o["valueQuantity"] = value
    return o | extra


FOREIGN_PATIENT = {
    "resourceType": "Patient",
    "id": "123",
    "identifier": [{"system": NIK_SYSTEM, "value": NIK}],
    "name": [{"use": "usual", "given": ["Nur"], "family": "Aini"}],
    "gender": "female",
    "birthDate": "2022-01-05",
    "contact": [
        {
            "relationship": [
                {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-RoleCode", "code": "MTH"}]}
            ],
            "name": {"text": "Siti Aminah"},
        }
    ],
    "address": [
        {
            "extension": [
                {
                    "url": ADMINISTRATIVE_CODE_URL,
                    "extension": [
                        {"url": "province", "valueCode": "61"},
                        {"url": "village", "valueCode": "6107012001"},
                    ],
                }
            ]
        }
    ],
}


def _foreign_bundle() -> dict[str, Any]:
    """As another system might send it: server ids, relative references, unit text only, grams,
    metres, effectivePeriod, times with offsets, and things we do not read."""
    ref = {"reference": "Patient/123"}
    entries: list[dict[str, Any]] = [
        {"fullUrl": "http://puskesmas.example.id/fhir/Patient/123", "resource": FOREIGN_PATIENT},  # 0
        # 1 weight in grams, unit text only, time in UTC late evening = next day in WIB
        {
            "resource": _obs(
                "29463-7", {"value": 9150, "unit": "g"}, ref, effectiveDateTime="2023-05-01T20:00:00Z"
            )
        },
        # 2 length in metres by UCUM code, effectivePeriod.start only
        {
            "resource": _obs(
                "8306-3",
                {"value": 0.762, "system": "http://unitsofmeasure.org", "code": "m"},
                {"reference": "http://puskesmas.example.id/fhir/Patient/123"},
                effectivePeriod={"start": "2023-05-02T09:30:00+07:00"},
            )
        },
        # 3 MUAC, referenced by NIK identifier
        {
            "resource": _obs(
                "56072-2",
                {"value": 13.5, "unit": "cm"},
                {"identifier": {"system": NIK_SYSTEM, "value": NIK}},
                effectiveDateTime="2023-05-02",
            )
        },
        # 4 unknown code
        {"resource": _obs("8867-4", {"value": 120, "unit": "/min"}, ref, effectiveDateTime="2023-05-02")},
        # 5 no subject
        {"resource": _obs("29463-7", {"value": 9.1, "unit": "kg"}, None, effectiveDateTime="2023-05-02")},
        # 6 subject not in the bundle
        {
            "resource": _obs(
                "29463-7",
                {"value": 9.1, "unit": "kg"},
                {"reference": "Patient/999"},
                effectiveDateTime="2023-05-02",
            )
        },
        # 7 unsupported resource
        {"resource": {"resourceType": "Encounter", "status": "finished", "class": {"code": "AMB"}}},
        # 8 bad unit (pounds)
        {
            "resource": _obs(
                "29463-7", {"value": 20, "unit": "lb", "code": "[lb_av]"}, ref, effectiveDateTime="2023-06-01"
            )
        },
        # 9 the same weight of the same day again (in kg this time)
        {"resource": _obs("29463-7", {"value": 9.15, "code": "kg"}, ref, effectiveDateTime="2023-05-02")},
        # 10 only a month
        {"resource": _obs("29463-7", {"value": 9.2, "code": "kg"}, ref, effectiveDateTime="2023-07")},
        # 11 preliminary
        {
            "resource": _obs(
                "29463-7",
                {"value": 9.2, "code": "kg"},
                ref,
                status="preliminary",
                effectiveDateTime="2023-08-01",
            )
        },
        # 12 subject is a Group
        {
            "resource": _obs(
                "29463-7",
                {"value": 9.2, "code": "kg"},
                {"reference": "Group/7"},
                effectiveDateTime="2023-08-01",
            )
        },
        # 13 a second patient with nothing measured
        {
            "fullUrl": "urn:uuid:0b7d1f36-4c41-4d59-8a0e-8f3f3f6c0a01",
            "resource": {"resourceType": "Patient", "gender": "male"},
        },
        # 14 a standing height by the standing code, referenced by urn:uuid of a third patient
        {
            "fullUrl": "urn:uuid:5b0a3a9e-9f5f-4a8e-bb77-5b8b1b1f0c02",
            "resource": {
                "resourceType": "Patient",
                "name": [{"text": "Dua"}],
                "gender": "male",
                "birthDate": "2020-02-02",
            },
        },
        {
            "resource": _obs(
                "8308-9",
                {"value": 101.4, "unit": "cm"},
                {"reference": "urn:uuid:5b0a3a9e-9f5f-4a8e-bb77-5b8b1b1f0c02"},
                effectiveDateTime="2024-01-10",
            )
        },
        # 16 no value
        {"resource": _obs("29463-7", None, ref, effectiveDateTime="2023-09-01")},
        # 17, 18 two different weights of one day: neither is used
        {"resource": _obs("29463-7", {"value": 10.0, "code": "kg"}, ref, effectiveDateTime="2023-10-01")},
        {"resource": _obs("29463-7", {"value": 10.4, "code": "kg"}, ref, effectiveDateTime="2023-10-01")},
    ]
    return {"resourceType": "Bundle", "type": "collection", "entry": entries}


def test_foreign_bundle_every_entry_accounted_for() -> None:
    parsed = parse_observation_bundle(_foreign_bundle())
    _accounted(parsed)
    reasons = {s.index: s.code for s in parsed.skipped}
    assert reasons == {
        4: "unknown_code",
        5: "no_subject",
        6: "subject_not_in_bundle",
        7: "unsupported_resource",
        8: "bad_unit",
        9: "duplicate",
        10: "partial_date",
        11: "status",
        12: "subject_not_patient",
        13: "no_measurements",
        16: "no_value",
        17: "conflict",
        18: "conflict",
    }
    rows = {(r.fields["name"], r.fields["measurement_date"]): r for r in parsed.rows}
    assert set(rows) == {("Nur Aini", "2023-05-02"), ("Dua", "2024-01-10")}
    row = rows[("Nur Aini", "2023-05-02")]
    assert row.fields | {} == {
        "nik": NIK,
        "name": "Nur Aini",
        "sex": "P",
        "birth_date": "2022-01-05",
        "mother_name": "Siti Aminah",
        "desa": "61.07.01.2001",
        "measurement_date": "2023-05-02",
        "weight_kg": "9.15",  # 9150 g, 20:00 UTC on 1 May is 2 May in Bengkayang
        "height_cm": "76.2",  # 0.762 m
        "position": "lying",
        "muac_cm": "13.5",
    }
    assert row.entry_indexes == (0, 1, 2, 3)
    assert row.desa_code == "61.07.01.2001"
    two = rows[("Dua", "2024-01-10")]
    assert (two.fields["position"], two.fields["height_cm"], two.fields["weight_kg"], two.desa_code) == (
        "standing",
        "101.4",
        "",
        "",
    )
    bad_unit = next(s for s in parsed.skipped if s.index == 8)
    assert "[lb_av]" in bad_unit.message_en and "[lb_av]" in bad_unit.message_id


def test_ordering_of_entries_does_not_matter() -> None:
    bundle = _foreign_bundle()
    reordered = copy.deepcopy(bundle)
    reordered["entry"] = list(reversed(reordered["entry"]))
    a, b = parse_observation_bundle(bundle), parse_observation_bundle(reordered)
    _accounted(b)
    assert sorted(tuple(sorted(r.fields.items())) for r in a.rows) == sorted(
        tuple(sorted(r.fields.items())) for r in b.rows
    )


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ([], "not_a_bundle"),
        ({"resourceType": "Patient"}, "not_a_bundle"),
        ({"resourceType": "Bundle", "type": "history"}, "bundle_type"),
        ({"resourceType": "Bundle", "type": "transaction-response"}, "bundle_type"),
        (
            {
                "resourceType": "Bundle",
                "type": "collection",
                "entry": [{"resource": {"resourceType": "Foo"}}],
            },
            "invalid_fhir",
        ),
        (
            {
                "resourceType": "Bundle",
                "type": "collection",
                "entry": [{"resource": {"resourceType": "Patient", "birthDate": "2022-13-01"}}],
            },
            "invalid_fhir",
        ),
        (
            {
                "resourceType": "Bundle",
                "type": "collection",
                "entry": [{"resource": {"resourceType": "Observation", "status": "final"}}],
            },
            "invalid_fhir",
        ),
        ({"resourceType": "Bundle", "type": "collection", "bogus": 1}, "invalid_fhir"),
        ({"resourceType": "Bundle", "type": "batch", "entry": [{}] * 5001}, "too_large"),
    ],
)
def test_malformed_bundles_are_refused_whole(data: Any, code: str) -> None:
    with pytest.raises(FhirInputError) as info:
        parse_observation_bundle(data)
    assert info.value.code == code
    assert info.value.message_id and info.value.message_en
    if code == "invalid_fhir":
        assert info.value.details


def test_empty_bundle_parses_to_nothing() -> None:
    parsed = parse_observation_bundle({"resourceType": "Bundle", "type": "transaction"})
    assert (parsed.entries_total, parsed.rows, parsed.skipped) == (0, [], [])
