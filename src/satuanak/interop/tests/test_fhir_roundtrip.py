"""Round trip: a child's measurements, exported as FHIR JSON text, imported into an empty
database, come back as the same e-PPGBM rows.

The child's records are made the way the pipeline makes them: the measurements are imported as
e-PPGBM rows, and the child's records carry the summaries `linkage.summaries.summary_frame` writes
from the staged rows (the linkage run itself is not needed to make one child)."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
from django.conf import settings

from satuanak.core.nik import Nik
from satuanak.imports.models import ImportBatch
from satuanak.imports.services import import_rows_run, staged_records
from satuanak.interop.fhir.export import child_bundle
from satuanak.interop.fhir.ingest import observation_bundle_import
from satuanak.linkage.summaries import summary_frame
from satuanak.persons.models import Child, ChildRecord
from satuanak.persons.tests.factories import ChildFactory, ChildRecordFactory
from satuanak.regions.models import Desa

BIRTH = date(2022, 1, 15)
NIK = Nik.build(kecamatan_code="61.07.01", birth_date=BIRTH, sex="L", serial=41)
COMPARED = [
    "nik",
    "name",
    "sex",
    "birth_date",
    "mother_name",
    "desa_code",
    "measurement_date",
    "weight_kg",
    "height_cm",
    "position",
    "muac_cm",
]


def _staged() -> pl.DataFrame:
    frame = staged_records("eppgbm")
    assert frame is not None
    return frame.collect().select(COMPARED).sort("measurement_date")


def test_measurements_survive_export_and_import_into_an_empty_database(
    reference_data: None, personas: dict[str, Any]
) -> None:
    person = {
        "nik": NIK,
        "name": "BAGAS PRATAMA",
        "sex": "L",
        "birth_date": BIRTH.isoformat(),
        "mother_name": "RATNA SARI",
        "desa": "61.07.01.2001",
    }
    measurements = [
        {
            "measurement_date": "2022-07-20",
            "weight_kg": "7.9",
            "height_cm": "67.5",
            "position": "lying",
            "muac_cm": "14.1",
        },
        {"measurement_date": "2023-01-18", "weight_kg": "9.35", "height_cm": "76.0", "position": "lying"},
        {
            "measurement_date": "2024-03-05",
            "weight_kg": "12.1",
            "height_cm": "87.3",
            "position": "standing",
            "muac_cm": "15",
        },
        {"measurement_date": "2024-09-02", "weight_kg": "13"},
    ]
    [batch] = import_rows_run(
        adapter_name="eppgbm",
        rows=[person | m for m in measurements],
        user=personas["steward"],
        file_name="asal.csv",
    )
    assert (batch.status, batch.accepted) == (ImportBatch.Status.DONE, 4)
    original = _staged()

    child = ChildFactory.create(
        nik=NIK,
        name=person["name"],
        sex="L",
        birth_date=BIRTH,
        mother_name=person["mother_name"],
        desa=Desa.objects.get(code="61.07.01.2001"),
    )
    staged = staged_records("eppgbm")
    assert staged is not None
    rows = staged.collect()
    summaries = summary_frame("eppgbm", rows).join(
        rows.select("__row", "batch_id", "person_key"), on=["__row", "batch_id"]
    )
    for r in summaries.iter_rows(named=True):
        ChildRecordFactory.create(
            child=child,
            source="eppgbm",
            record_id=f"eppgbm:{r['person_key']}",
            batch_id=r["batch_id"],
            row_number=r["__row"],
            observed_on=r["observed_on"],
            summary=json.loads(r["summary"]),
        )
    for antigen, on in (("HB0", date(2022, 1, 15)), ("BCG", date(2022, 2, 1))):
        ChildRecordFactory.create(
            child=child,
            source="imunisasi",
            record_id=f"imunisasi:{NIK}",
            observed_on=on,
            summary={"vaccine": antigen},
        )

    text = json.dumps(child_bundle(user=personas["steward"], child_id=child.pk))

    # A fresh database: no children, records, batches or staged files (reference data stays).
    ChildRecord.objects.all().delete()
    Child.objects.all().delete()
    ImportBatch.objects.all().delete()
    shutil.rmtree(Path(settings.SATUANAK_STAGING_DIR))
    Path(settings.SATUANAK_STAGING_DIR).mkdir()
    assert staged_records("eppgbm") is None

    result = observation_bundle_import(user=personas["steward"], data=json.loads(text))
    assert [(b.status, b.accepted, b.rejected) for b in result.batches] == [(ImportBatch.Status.DONE, 4, 0)]
    assert result.rows == 4
    # What was not read back is said: the two doses (measurements only come in).
    assert [(s.resource_type, s.code) for s in result.skipped] == [
        ("Immunization", "unsupported_resource")
    ] * 2

    back = _staged()
    assert back.equals(original), (original, back)
    assert back["position"].to_list() == ["lying", "lying", "standing", None]
    assert back["muac_cm"].to_list() == [14.1, None, 15.0, None]
