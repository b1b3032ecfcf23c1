"""FHIR measurements in: capability and area checks before anything is saved, the e-PPGBM import's
own checks after, idempotence, and every entry reported."""

from __future__ import annotations

import copy
import json
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from django.core.management import CommandError, call_command

from satuanak.audit.models import AuditAction, AuditEvent
from satuanak.core.nik import Nik
from satuanak.imports.models import ImportBatch
from satuanak.imports.services import staged_records
from satuanak.interop.fhir.ingest import observation_bundle_import
from satuanak.interop.fhir.mapping import ADMINISTRATIVE_CODE_URL, NIK_SYSTEM, FhirInputError
from satuanak.regions.models import Desa

NIK = Nik.build(kecamatan_code="61.07.01", birth_date=date(2022, 1, 5), sex="P", serial=3)
SUNGAI_DURI = "6107012001"


def _bundle(village: str | None = SUNGAI_DURI, *, weight: float | None = 9.15) -> dict[str, Any]:
    patient: dict[str, Any] = {
        "resourceType": "Patient",
        "id": "p1",
        "identifier": [{"system": NIK_SYSTEM, "value": NIK}],
        "name": [{"text": "NUR AINI"}],
        "gender": "female",
        "birthDate": "2022-01-05",
    }
    if village:
        patient["address"] = [
            {
                "extension": [
                    {"url": ADMINISTRATIVE_CODE_URL, "extension": [{"url": "village", "valueCode": village}]}
                ]
            }
        ]

    def obs(code: str, value: float, unit: str) -> dict[str, Any]:
        return {
            "resource": {
                "resourceType": "Observation",
                "status": "final",
                "code": {"coding": [{"system": "http://loinc.org", "code": code}]},
                "subject": {"reference": "Patient/p1"},
                "effectiveDateTime": "2023-05-02T09:00:00+07:00",
                "valueQuantity": {"value": value, "unit": unit},
            }
        }

    entries = [{"fullUrl": "https://emr.example.id/fhir/Patient/p1", "resource": patient}]
    if weight is not None:
        entries.append(obs("29463-7", weight, "kg"))
    entries += [
        obs("8306-3", 76.2, "cm"),
        obs("56072-2", 13.5, "cm"),
        {"resource": {"resourceType": "Encounter", "status": "finished", "class": {"code": "AMB"}}},
    ]
    return {"resourceType": "Bundle", "id": "kiriman-1", "type": "transaction", "entry": entries}


def _staged() -> pl.DataFrame:
    frame = staged_records("eppgbm")
    return pl.DataFrame() if frame is None else frame.collect()


def test_cadre_imports_a_foreign_bundle(reference_data: None, personas: dict[str, Any]) -> None:
    result = observation_bundle_import(user=personas["kader_sungai_duri"], data=_bundle())
    assert (result.entries_total, result.rows) == (5, 1)
    assert [(s.index, s.resource_type, s.code) for s in result.skipped] == [
        (4, "Encounter", "unsupported_resource")
    ]
    [batch] = result.batches
    assert (batch.adapter, batch.status, batch.rows_in, batch.accepted, batch.rejected) == (
        "eppgbm",
        ImportBatch.Status.DONE,
        1,
        1,
        0,
    )
    assert batch.uploaded_by == personas["kader_sungai_duri"]
    row = _staged().row(0, named=True)
    assert (
        row["nik"],
        row["sex"],
        row["birth_date"],
        row["measurement_date"],
        row["weight_kg"],
        row["height_cm"],
        row["position"],
        row["muac_cm"],
        row["desa_code"],
    ) == (NIK, "P", date(2022, 1, 5), date(2023, 5, 2), 9.15, 76.2, "lying", 13.5, "61.07.01.2001")


def test_same_bundle_twice_adds_nothing(reference_data: None, personas: dict[str, Any]) -> None:
    user = personas["kader_sungai_duri"]
    first = observation_bundle_import(user=user, data=_bundle())
    staged = _staged()
    again = observation_bundle_import(user=user, data=copy.deepcopy(_bundle()))
    assert [b.status for b in first.batches] == [ImportBatch.Status.DONE]
    assert [b.status for b in again.batches] == [ImportBatch.Status.DUPLICATE]
    assert _staged().equals(staged)
    assert ImportBatch.objects.filter(status=ImportBatch.Status.DONE).count() == 1


def test_out_of_area_saves_nothing(reference_data: None, personas: dict[str, Any]) -> None:
    elsewhere = Desa.objects.filter(kecamatan__code="61.07.02").order_by("code").first()
    assert elsewhere is not None
    before = (ImportBatch.objects.count(), AuditEvent.objects.count())
    with pytest.raises(FhirInputError) as info:
        observation_bundle_import(
            user=personas["kader_sungai_duri"], data=_bundle(elsewhere.code.replace(".", ""))
        )
    assert info.value.code == "out_of_area"
    assert info.value.details == [{"desa_code": elsewhere.code, "index": 0}]
    assert ImportBatch.objects.count() == before[0]
    assert [e.action for e in AuditEvent.objects.order_by("id")[before[1] :]] == [AuditAction.ACCESS_DENIED]


def test_no_village_only_for_district_wide_senders(reference_data: None, personas: dict[str, Any]) -> None:
    with pytest.raises(FhirInputError) as info:
        observation_bundle_import(user=personas["pkm_sungai_duri"], data=_bundle(None))
    assert info.value.code == "out_of_area"
    assert ImportBatch.objects.count() == 0
    result = observation_bundle_import(user=personas["dinkes"], data=_bundle(None))
    assert [(b.status, b.accepted) for b in result.batches] == [(ImportBatch.Status.DONE, 1)]


def test_role_without_capability_is_refused(reference_data: None, personas: dict[str, Any]) -> None:
    before = AuditEvent.objects.count()
    for username in ("dukcapil", "bappeda", "publik"):
        with pytest.raises(FhirInputError) as info:
            observation_bundle_import(user=personas[username], data=_bundle())
        assert info.value.code == "forbidden"
    assert ImportBatch.objects.count() == 0
    assert [e.action for e in AuditEvent.objects.order_by("id")[before:]] == [AuditAction.ACCESS_DENIED] * 3


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ({"resourceType": "Bundle", "type": "transaction"}, "empty"),
        ({"resourceType": "Bundle", "type": "transaction", "entry": []}, "empty"),
        (
            {
                "resourceType": "Bundle",
                "type": "transaction",
                "entry": [
                    {
                        "resource": {
                            "resourceType": "Encounter",
                            "status": "finished",
                            "class": {"code": "AMB"},
                        }
                    }
                ],
            },
            "no_measurements",
        ),
        (
            {
                "resourceType": "Bundle",
                "type": "transaction",
                "entry": [{"resource": {"resourceType": "Patient", "gender": 5}}],
            },
            "invalid_fhir",
        ),
        ({"resourceType": "Observation"}, "not_a_bundle"),
    ],
)
def test_bundles_refused_whole(reference_data: None, personas: dict[str, Any], data: Any, code: str) -> None:
    with pytest.raises(FhirInputError) as info:
        observation_bundle_import(user=personas["steward"], data=data)
    assert info.value.code == code
    assert ImportBatch.objects.count() == 0


def test_the_adapter_still_checks_the_values(reference_data: None, personas: dict[str, Any]) -> None:
    """A day without a weight becomes a row the e-PPGBM import refuses, with its reason."""
    result = observation_bundle_import(user=personas["steward"], data=_bundle(weight=None))
    [batch] = result.batches
    assert (batch.rows_in, batch.accepted, batch.rejected) == (1, 0, 1)
    assert batch.issues.filter(severity="error", column__icontains="BB").exists()


def test_import_command(reference_data: None, personas: dict[str, Any], tmp_path: Path, capsys: Any) -> None:
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(_bundle()))
    call_command("fhir", "import", str(path), "--user", "kader_sungai_duri")
    out = capsys.readouterr().out
    assert "5 entri / entries -> 1 baris e-PPGBM / rows" in out
    assert "1 diterima / accepted" in out
    assert "entri / entry 4 (Encounter)" in out
    with pytest.raises(CommandError, match="tidak boleh mencatat"):
        call_command("fhir", "import", str(path), "--user", "dukcapil")
    path.write_text("{not json")
    with pytest.raises(CommandError, match="bukan JSON"):
        call_command("fhir", "import", str(path), "--user", "kader_sungai_duri")
    with pytest.raises(CommandError, match="tidak ditemukan"):
        call_command("fhir", "import", str(tmp_path / "missing.json"), "--user", "kader_sungai_duri")
