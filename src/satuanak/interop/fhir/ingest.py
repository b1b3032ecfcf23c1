"""Measurements in from a FHIR R4 Bundle, through the e-PPGBM import (the path a file takes).

The order of checks, each refusing the whole bundle (nothing saved):
1. the sender's role must hold RECORD_MEASUREMENTS (cadres, puskesmas staff, health officers,
   the steward) — `forbidden`;
2. the bundle must be valid FHIR R4 with at least one entry — `invalid_fhir`, `empty`, ...;
3. every child in it must live in a desa the sender may see; a child without a village code is
   accepted only from a sender who sees the whole district — `out_of_area`.

Then the rows go to `import_rows_run(adapter_name="eppgbm")`: the adapter checks the values
(NIK, dates, ranges, known desa) exactly as it does for an uploaded file, stages the accepted
rows and reports the refused ones; the same bundle sent twice is a duplicate batch that adds
nothing. Entries that gave no row (an Immunization, an unknown code, ...) come back in
`skipped`, each with its index and reason: nothing is dropped silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest

from satuanak.access.policy import Capability, policy_for
from satuanak.access.selectors import desa_visible_to
from satuanak.audit.models import AuditAction
from satuanak.audit.services import audit_record
from satuanak.imports.models import ImportBatch
from satuanak.imports.services import import_rows_run
from satuanak.interop.fhir.mapping import FhirInputError, SkippedEntry, parse_observation_bundle
from satuanak.regions.models import Desa

# FhirInputError is re-exported: callers of the import catch it from here.
__all__ = ["FhirInputError", "IngestResult", "observation_bundle_import"]


@dataclass(frozen=True)
class IngestResult:
    batches: list[ImportBatch]
    entries_total: int
    rows: int  # e-PPGBM rows sent to the import (accepted + rejected in the batches)
    skipped: list[SkippedEntry]


def _deny(user: Any, request: HttpRequest | None, reason: str, **detail: Any) -> None:
    audit_record(
        action=AuditAction.ACCESS_DENIED,
        actor=user,
        request=request,
        subject_type="fhir_bundle",
        detail={"reason": reason, **detail},
    )


def observation_bundle_import(
    *, user: Any, data: dict[str, Any], request: HttpRequest | None = None
) -> IngestResult:
    """Import the measurements of a FHIR Bundle as one e-PPGBM batch. Raises FhirInputError."""
    if Capability.RECORD_MEASUREMENTS not in policy_for(getattr(user, "role", "")).capabilities:
        _deny(user, request, "FHIR import needs record_measurements")
        raise FhirInputError(
            "forbidden",
            "Peran Anda tidak boleh mencatat pengukuran",
            "Your role may not record measurements",
        )
    parsed = parse_observation_bundle(data)
    if parsed.entries_total == 0:
        raise FhirInputError("empty", "Bundle kosong (tanpa entri)", "The bundle is empty (no entries)")
    if not parsed.rows:
        raise FhirInputError(
            "no_measurements",
            "Tidak ada pengukuran yang dapat dipakai di bundle ini; lihat rincian tiap entri",
            "No usable measurement in this bundle; see each entry's details",
            [s.as_dict() for s in parsed.skipped],
        )

    visible = set(desa_visible_to(user).values_list("code", flat=True))
    district_wide = len(visible) >= Desa.objects.count()
    known = set(
        Desa.objects.filter(code__in={r.desa_code for r in parsed.rows}).values_list("code", flat=True)
    )
    outside: list[dict[str, Any]] = []
    for row in parsed.rows:
        if row.desa_code == "" and not district_wide:
            outside.append({"index": row.patient_index, "desa_code": ""})
        # A code we do not know is not "outside": the adapter refuses it as an unknown desa.
        elif row.desa_code in known and row.desa_code not in visible:
            outside.append({"index": row.patient_index, "desa_code": row.desa_code})
    if outside:
        unique = [dict(t) for t in dict.fromkeys(tuple(sorted(o.items())) for o in outside)]
        _deny(user, request, "FHIR import outside the user's area", patients=unique[:50])
        raise FhirInputError(
            "out_of_area",
            "Sebagian anak di luar wilayah Anda (atau tanpa kode desa); tidak ada yang disimpan",
            "Some children are outside your area (or have no village code); nothing was saved",
            unique,
        )

    bundle_id = re.sub(r"[^A-Za-z0-9.-]", "", str(data.get("id") or ""))[:64] or "tanpa-id"
    batches = import_rows_run(
        adapter_name="eppgbm",
        rows=[row.fields for row in parsed.rows],
        user=user,
        file_name=f"fhir-bundle-{bundle_id}.csv",
    )
    return IngestResult(
        batches=batches, entries_total=parsed.entries_total, rows=len(parsed.rows), skipped=parsed.skipped
    )
