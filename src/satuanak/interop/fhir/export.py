"""Children out as FHIR R4 bundles for SATUSEHAT, through the access chokepoints.

Who gets what (access/policy.py decides, nothing here widens it):
- One child (`child_bundle`): opened with `access_child_by_id`, so out-of-area and missing
  look the same (Http404) and the look is audited (CHILD_VIEWED, or ACCESS_DENIED). The bundle
  holds only records of sources the role may see on the child's page: a role without
  "imunisasi" gets no Immunization, a role without "eppgbm" no Observation.
- Many children (`children_bundle`): a download of a list, so it needs EXPORT_CHILDREN like the
  CSV export, and carries only the sources the role may export.
- Identity numbers (the child's NIK and KK, the mother's NIK and name) travel only for roles that
  may reveal a NIK (REVEAL_NIK): SATUSEHAT matches patients by NIK, but a role that sees NIKs
  masked on the pages must not get them unmasked here. Without them the Patient carries our own
  child id only.
- A newborn without a NIK is identified by the mother's NIK (SATUSEHAT's nik-ibu rule), read
  from the child's SIAK or delivery-register (KIA persalinan) staged rows.

Every export writes one EXPORTED audit entry with the purpose "FHIR". Every bundle is validated
with fhir.resources before it is returned: a mapping bug fails loudly instead of shipping
invalid FHIR.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

import polars as pl
from django.http import HttpRequest

from satuanak.access.agreements import policy_of
from satuanak.access.policy import Capability, policy_for
from satuanak.access.selectors import access_child_by_id, child_records_visible_to, children_visible_to
from satuanak.audit.models import AuditAction
from satuanak.audit.services import audit_record
from satuanak.core.sources import Source
from satuanak.imports import staging
from satuanak.imports.models import ImportBatch
from satuanak.interop.fhir.mapping import (
    ChildData,
    DoseData,
    FhirInputError,
    Json,
    MeasurementData,
    PatientData,
    child_transaction,
    children_collection,
    validate_bundle,
)
from satuanak.persons.models import Child, ChildRecord

PURPOSE = "FHIR"
MAX_PAGE = 500  # children per bulk bundle: a page, not the district

# Staged formats whose rows name the mother's NIK (the record id starts with the format).
_MOTHER_NIK_FORMATS = ("siak", "kia_persalinan")


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _measurement(record: ChildRecord) -> MeasurementData | None:
    s = record.summary or {}
    if record.observed_on is None:
        return None
    posyandu = str(s.get("posyandu") or "")
    position = str(s.get("position") or "")
    return MeasurementData(
        # The staged row's natural key (person, date, posyandu): stable across linkage reruns.
        record_id=f"{record.record_id}|{record.observed_on.isoformat()}|{posyandu}",
        date=record.observed_on,
        weight_kg=_decimal(s.get("weight_kg")),
        height_cm=_decimal(s.get("height_cm")),
        position=position if position in ("lying", "standing") else "",
        muac_cm=_decimal(s.get("muac_cm")),
        posyandu=posyandu,
    )


def _dose(record: ChildRecord) -> DoseData | None:
    s = record.summary or {}
    antigen = str(s.get("vaccine") or "")
    if not antigen or record.observed_on is None:
        return None
    return DoseData(
        record_id=f"{record.record_id}|{antigen}",
        antigen=antigen,
        date=record.observed_on,
        place=str(s.get("place") or ""),
    )


def _mother_niks(records: Iterable[ChildRecord]) -> dict[int, str]:
    """child id -> the mother's NIK from the child's SIAK or delivery rows (SIAK first)."""
    wanted: dict[tuple[int, int], tuple[int, int]] = {}  # (batch, row) -> (preference, child)
    for r in records:
        fmt = r.record_id.split(":", 1)[0]
        if fmt in _MOTHER_NIK_FORMATS and r.batch_id is not None and r.row_number is not None:
            wanted[(r.batch_id, r.row_number)] = (_MOTHER_NIK_FORMATS.index(fmt), r.child_id)
    if not wanted:
        return {}
    files = list(
        ImportBatch.objects.filter(pk__in={b for b, _ in wanted}, status=ImportBatch.Status.DONE)
        .exclude(staged_file="")
        .order_by("staged_order")
        .values_list("pk", "staged_file")
    )
    rows = staging.scan_batches(files)
    if rows is None or "mother_nik" not in rows.collect_schema().names():
        return {}
    keys = pl.DataFrame(
        {"batch_id": [b for b, _ in wanted], staging.ROW: [r for _, r in wanted]},
        schema={"batch_id": pl.Int64, staging.ROW: pl.Int64},
    )
    found = (
        rows.select(pl.col("batch_id"), pl.col(staging.ROW).cast(pl.Int64), pl.col("mother_nik"))
        .join(keys.lazy(), on=["batch_id", staging.ROW], how="semi")
        .filter(pl.col("mother_nik").is_not_null() & (pl.col("mother_nik") != ""))
        .collect()
    )
    best: dict[int, tuple[int, str]] = {}
    for batch_id, row, nik in found.iter_rows():
        preference, child_id = wanted[(batch_id, row)]
        if child_id not in best or preference < best[child_id][0]:
            best[child_id] = (preference, str(nik))
    return {child_id: nik for child_id, (_, nik) in best.items()}


def _child_data(
    child: Child, records: Sequence[ChildRecord], *, identity: bool, mother_nik: str = ""
) -> ChildData:
    desa = child.desa
    patient = PatientData(
        child_id=child.pk,
        name=child.name,
        sex=child.sex,
        birth_date=child.birth_date,
        nik=child.nik if identity else "",
        # Only for a child without a NIK: the newborn rule, and minimisation otherwise.
        mother_nik=mother_nik if identity and not child.nik else "",
        mother_name=child.mother_name if identity else "",
        kk_number=child.kk_number if identity else "",
        desa_code=desa.code if desa else "",
        desa_name=desa.name if desa else "",
        kecamatan_name=desa.kecamatan.name if desa else "",
    )
    measurements = [m for r in records if r.source == Source.EPPGBM.value if (m := _measurement(r))]
    doses = [d for r in records if r.source == Source.IMUNISASI.value if (d := _dose(r))]
    return ChildData(patient=patient, measurements=measurements, doses=doses)


def _counts(bundle: Json) -> dict[str, int]:
    counts: dict[str, int] = {}
    for entry in bundle.get("entry", []):
        inner = entry["resource"].get("entry") if entry["resource"]["resourceType"] == "Bundle" else None
        for e in inner if inner is not None else [entry]:
            rt = e["resource"]["resourceType"]
            counts[rt] = counts.get(rt, 0) + 1
    return counts


def child_bundle(
    *, user: Any, child_id: int, request: HttpRequest | None = None, purpose: str = PURPOSE
) -> Json:
    """One child's transaction Bundle (FHIR R4 JSON). Http404 when the child is out of scope.
    `purpose` goes into the EXPORTED audit entry (the caller's stated reason, if it asked one)."""
    child = access_child_by_id(user=user, child_id=child_id, request=request)
    identity = Capability.REVEAL_NIK in policy_for(user.role).capabilities
    records = list(child_records_visible_to(user=user, child=child).order_by("observed_on", "id"))
    mother_nik = _mother_niks(records).get(child.pk, "") if identity and not child.nik else ""
    bundle = child_transaction(_child_data(child, records, identity=identity, mother_nik=mother_nik))
    validate_bundle(bundle)
    audit_record(
        action=AuditAction.EXPORTED,
        actor=user,
        request=request,
        subject_type="child",
        subject_id=child.pk,
        desa_code=child.desa.code if child.desa else "",
        purpose=purpose.strip()[:300] or PURPOSE,
        detail={"format": "fhir-r4", "resources": _counts(bundle), "identity": identity},
    )
    return bundle


def children_bundle(
    *,
    user: Any,
    desa_code: str | None = None,
    limit: int = 100,
    offset: int = 0,
    request: HttpRequest | None = None,
    purpose: str = PURPOSE,
) -> tuple[Json, int]:
    """A page of the user's children (by id), each as its own transaction inside a collection
    Bundle, and the number of children matching (for the next page). Needs EXPORT_CHILDREN."""
    policy = policy_of(user)
    if Capability.EXPORT_CHILDREN not in policy.capabilities:
        audit_record(
            action=AuditAction.ACCESS_DENIED,
            actor=user,
            request=request,
            subject_type="child_list",
            desa_code=desa_code or "",
            detail={"reason": "FHIR export needs export_children"},
        )
        raise FhirInputError(
            "forbidden",
            "Peran Anda tidak boleh mengekspor data anak",
            "Your role may not export children's data",
        )
    if not (1 <= limit <= MAX_PAGE) or offset < 0:
        raise FhirInputError(
            "bad_page",
            f"limit harus 1-{MAX_PAGE} dan offset tidak negatif",
            f"limit must be 1-{MAX_PAGE} and offset not negative",
        )
    qs = children_visible_to(user).select_related("desa__kecamatan")
    if desa_code:
        qs = qs.filter(desa__code=desa_code)
    total = qs.count()
    page = list(qs.order_by("id")[offset : offset + limit])
    # The same rule as child_records_visible_to, narrowed to what the role may export, in one
    # query for the page instead of one per child.
    sources = [s.value for s in policy.sources & policy.export_sources]
    by_child: dict[int, list[ChildRecord]] = {c.pk: [] for c in page}
    for record in ChildRecord.objects.filter(child_id__in=list(by_child), source__in=sources).order_by(
        "observed_on", "id"
    ):
        by_child[record.child_id].append(record)
    identity = Capability.REVEAL_NIK in policy.capabilities
    mothers = _mother_niks(r for c in page if not c.nik for r in by_child[c.pk]) if identity else {}
    bundle = children_collection(
        _child_data(c, by_child[c.pk], identity=identity, mother_nik=mothers.get(c.pk, "")) for c in page
    )
    validate_bundle(bundle)
    audit_record(
        action=AuditAction.EXPORTED,
        actor=user,
        request=request,
        subject_type="child_list",
        desa_code=desa_code or "",
        purpose=purpose.strip()[:300] or PURPOSE,
        detail={
            "format": "fhir-r4",
            "rows": len(page),
            "total": total,
            "offset": offset,
            "limit": limit,
            "child_ids": [c.pk for c in page],
            "resources": _counts(bundle),
            "identity": identity,
        },
    )
    return bundle, total
