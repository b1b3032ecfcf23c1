"""Our child records as FHIR R4 resources (SATUSEHAT's identifier systems), and back.

Pure: stdlib and fhir.resources only, no Django, no database. Tested in milliseconds.

Out (`child_transaction`, `children_collection`): one transaction Bundle per child —
Patient (+ the mother as RelatedPerson), one Observation per measured quantity, one
Immunization per dose. Every fullUrl is `urn:uuid:<uuid5>` derived from our own record ids,
so exporting the same record twice gives the same ids, and every entry carries an identifier
in our own system with `ifNoneExist` on it: sending the same bundle twice creates nothing new
on a server that honours conditional creates.

In (`parse_observation_bundle`): a Bundle another system made (or we made) is validated with
fhir.resources R4B, then its Patients and body-measurement Observations become e-PPGBM rows
(one row per child and measurement day). Every entry is accounted for: it is either used in a
row or listed as skipped with its index and a reason in Bahasa Indonesia and English. The values
themselves (weights in range, NIK checksum, known desa) are checked by the e-PPGBM adapter the
rows go through, not here: one set of rules wherever a record comes from.

Codes: LOINC for the measurements (29463-7 weight, 8302-2 height, 8306-3 length lying,
56072-2 MUAC), UCUM units (kg, cm), SATUSEHAT's NIK / NIK-ibu / KK identifier systems and its
administrativeCode address extension. Vaccines carry only our own antigen code system: no
verified mapping to KFA or CVX was found (docs/interop/fhir-satusehat.md).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle
from pydantic import ValidationError

Json = dict[str, Any]

# --- code systems and identifier systems -------------------------------------------------------------

NIK_SYSTEM = "https://fhir.kemkes.go.id/id/nik"
# SATUSEHAT's newborn rule: a baby without a NIK yet is identified by the mother's NIK.
NIK_IBU_SYSTEM = "https://fhir.kemkes.go.id/id/nik-ibu"
KK_SYSTEM = "https://fhir.kemkes.go.id/id/kk"
ADMINISTRATIVE_CODE_URL = "https://fhir.kemkes.go.id/r4/StructureDefinition/administrativeCode"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
ROLE_CODE = "http://terminology.hl7.org/CodeSystem/v3-RoleCode"

# Our own systems (we are the authority for these values).
OUR_BASE = "https://satuanak.bengkayang.go.id/fhir"
CHILD_ID_SYSTEM = f"{OUR_BASE}/id/anak"
OBSERVATION_ID_SYSTEM = f"{OUR_BASE}/id/observation"
IMMUNIZATION_ID_SYSTEM = f"{OUR_BASE}/id/immunization"
ANTIGEN_SYSTEM = f"{OUR_BASE}/CodeSystem/antigen"
_UUID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, OUR_BASE)

WEIGHT = "29463-7"  # Body weight
WEIGHT_MEASURED = "3141-9"  # Body weight Measured (read, never written)
HEIGHT = "8302-2"  # Body height
LENGTH_LYING = "8306-3"  # Body height --lying
HEIGHT_STANDING = "8308-9"  # Body height --standing (read, never written)
MUAC = "56072-2"  # Mid upper arm circumference

_DISPLAY = {
    WEIGHT: "Body weight",
    HEIGHT: "Body height",
    LENGTH_LYING: "Body height --lying",
    MUAC: "Mid upper arm circumference",
}

# Antigen names for the Immunization's display (the codes are sources/choices.py's canonical ones).
ANTIGEN_DISPLAY: dict[str, str] = {
    "HB0": "Hepatitis B dosis lahir / birth dose",
    "BCG": "BCG",
    "JE": "Japanese encephalitis",
    **{f"OPV{n}": f"Polio tetes (bOPV) {n}" for n in range(1, 5)},
    **{f"DPT-HB-Hib{n}": f"DPT-HB-Hib (pentavalen) {n}" for n in range(1, 5)},
    **{f"PCV{n}": f"Pneumokokus konyugasi {n}" for n in range(1, 4)},
    **{f"RV{n}": f"Rotavirus {n}" for n in range(1, 4)},
    **{f"IPV{n}": f"Polio suntik (IPV) {n}" for n in range(1, 3)},
    **{f"MR{n}": f"Campak-Rubela {n}" for n in range(1, 3)},
}

# Indonesia's WIB (Pontianak, UTC+7, no daylight saving): a measurement's day is its local day.
_WIB = timezone(timedelta(hours=7))


class FhirInputError(Exception):
    """A bundle (or request) we refuse as a whole; nothing is saved. `code` is stable for clients."""

    def __init__(
        self, code: str, message_id: str, message_en: str, details: list[dict[str, Any]] | None = None
    ) -> None:
        super().__init__(f"{code}: {message_en}")
        self.code = code
        self.message_id = message_id
        self.message_en = message_en
        self.details = details or []

    @property
    def message(self) -> str:
        return f"{self.message_id} / {self.message_en}"


# --- what goes out -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PatientData:
    child_id: int  # our internal id: the Patient's identifier in our own system
    name: str
    sex: str  # "L" | "P" | "" (unknown)
    birth_date: date | None
    nik: str = ""
    mother_nik: str = ""  # sent only for a newborn without a NIK (nik-ibu) and on the mother
    mother_name: str = ""
    desa_code: str = ""  # Kemendagri, dotted: "61.07.01.2001"
    kk_number: str = ""
    desa_name: str = ""
    kecamatan_name: str = ""


@dataclass(frozen=True)
class MeasurementData:
    record_id: str  # stable and unique per measurement, e.g. "<record id>|<date>|<posyandu>"
    date: date
    weight_kg: Decimal | None = None
    height_cm: Decimal | None = None
    position: str = ""  # "lying" | "standing" | ""
    muac_cm: Decimal | None = None
    posyandu: str = ""


@dataclass(frozen=True)
class DoseData:
    record_id: str  # stable and unique per dose, e.g. "<record id>|<antigen>"
    antigen: str  # canonical code, e.g. "DPT-HB-Hib1"
    date: date
    place: str = ""


@dataclass(frozen=True)
class ChildData:
    patient: PatientData
    measurements: Sequence[MeasurementData] = ()
    doses: Sequence[DoseData] = ()


def deterministic_uuid(kind: str, key: str) -> str:
    """The same record always gets the same id (uuid5 in our namespace)."""
    return str(uuid.uuid5(_UUID_NAMESPACE, f"{kind}:{key}"))


def _urn(kind: str, key: str) -> str:
    return f"urn:uuid:{deterministic_uuid(kind, key)}"


def administrative_code(desa_code: str) -> Json | None:
    """SATUSEHAT's address extension: the Kemendagri code without dots, cut per level
    ("61.07.01.2001" -> province 61, city 6107, district 610701, village 6107012001)."""
    digits = desa_code.replace(".", "").strip()
    if not re.fullmatch(r"\d{10}", digits):
        return None
    levels = (("province", 2), ("city", 4), ("district", 6), ("village", 10))
    return {
        "url": ADMINISTRATIVE_CODE_URL,
        "extension": [{"url": name, "valueCode": digits[:n]} for name, n in levels],
    }


def _gender(sex: str) -> str:
    return {"L": "male", "P": "female"}.get(sex, "unknown")


def patient_resource(p: PatientData) -> Json:
    identifiers: list[Json] = [{"use": "secondary", "system": CHILD_ID_SYSTEM, "value": str(p.child_id)}]
    if p.nik:
        identifiers.insert(0, {"use": "official", "system": NIK_SYSTEM, "value": p.nik})
    elif p.mother_nik:
        identifiers.insert(0, {"use": "official", "system": NIK_IBU_SYSTEM, "value": p.mother_nik})
    if p.kk_number:
        identifiers.append({"use": "secondary", "system": KK_SYSTEM, "value": p.kk_number})
    resource: Json = {
        "resourceType": "Patient",
        "identifier": identifiers,
        "active": True,
        "name": [{"use": "official", "text": p.name}],
        "gender": _gender(p.sex),
    }
    if p.birth_date is not None:
        resource["birthDate"] = p.birth_date.isoformat()
    admin = administrative_code(p.desa_code)
    if admin is not None:
        address: Json = {"use": "home", "country": "ID", "extension": [admin]}
        text = ", ".join(
            part
            for part in (
                f"Desa {p.desa_name}" if p.desa_name else "",
                f"Kecamatan {p.kecamatan_name}" if p.kecamatan_name else "",
            )
            if part
        )
        if text:
            address["text"] = text
        resource["address"] = [address]
    return resource


def mother_resource(p: PatientData, patient_url: str) -> Json | None:
    """The mother as RelatedPerson (relationship MTH), as SATUSEHAT's newborn rule has it."""
    if not (p.mother_name or p.mother_nik):
        return None
    resource: Json = {
        "resourceType": "RelatedPerson",
        "active": True,
        "patient": {"reference": patient_url},
        "relationship": [{"coding": [{"system": ROLE_CODE, "code": "MTH", "display": "mother"}]}],
    }
    if p.mother_nik:
        resource["identifier"] = [{"use": "official", "system": NIK_SYSTEM, "value": p.mother_nik}]
    if p.mother_name:
        resource["name"] = [{"use": "official", "text": p.mother_name}]
    return resource


def _quantity(value: Decimal, unit: str) -> Json:
    return {"value": float(value), "unit": unit, "system": UCUM, "code": unit}


def _observation(
    key: str, code: str, value: Decimal, unit: str, on: date, patient_url: str, category: str
) -> tuple[str, Json]:
    oid = deterministic_uuid("observation", f"{key}:{code}")
    codings = [{"system": LOINC, "code": code, "display": _DISPLAY[code]}]
    if code == LENGTH_LYING:
        # Also the generic body-height code, which the R4 vital-signs profile requires; the
        # lying code first, and a reader takes the position from it.
        codings.append({"system": LOINC, "code": HEIGHT, "display": _DISPLAY[HEIGHT]})
    resource: Json = {
        "resourceType": "Observation",
        "identifier": [{"system": OBSERVATION_ID_SYSTEM, "value": oid}],
        "status": "final",
        "category": [{"coding": [{"system": OBSERVATION_CATEGORY, "code": category}]}],
        "code": {"coding": codings, "text": _DISPLAY[code]},
        "subject": {"reference": patient_url},
        "effectiveDateTime": on.isoformat(),
        "valueQuantity": _quantity(value, unit),
    }
    return f"urn:uuid:{oid}", resource


def observation_resources(m: MeasurementData, patient_url: str) -> list[tuple[str, Json]]:
    """One Observation per measured quantity (fullUrl, resource)."""
    out: list[tuple[str, Json]] = []
    key, on = m.record_id, m.date
    if m.weight_kg is not None:
        out.append(_observation(key, WEIGHT, m.weight_kg, "kg", on, patient_url, "vital-signs"))
    if m.height_cm is not None:
        code = LENGTH_LYING if m.position == "lying" else HEIGHT
        out.append(_observation(key, code, m.height_cm, "cm", on, patient_url, "vital-signs"))
    if m.muac_cm is not None:
        # Not "vital-signs": MUAC is not in the R4 vital-signs profile's code list, and a
        # vital-signs Observation must conform to it. A physical-exam finding instead.
        out.append(_observation(key, MUAC, m.muac_cm, "cm", on, patient_url, "exam"))
    return out


def immunization_resource(d: DoseData, patient_url: str) -> tuple[str, Json]:
    iid = deterministic_uuid("immunization", d.record_id)
    resource: Json = {
        "resourceType": "Immunization",
        "identifier": [{"system": IMMUNIZATION_ID_SYSTEM, "value": iid}],
        "status": "completed",
        "vaccineCode": {
            "coding": [
                {
                    "system": ANTIGEN_SYSTEM,
                    "code": d.antigen,
                    "display": ANTIGEN_DISPLAY.get(d.antigen, d.antigen),
                }
            ],
            "text": d.antigen,
        },
        "patient": {"reference": patient_url},
        "occurrenceDateTime": d.date.isoformat(),
        # Recorded by the programme's register, not reported by a parent.
        "primarySource": True,
    }
    if d.place:
        resource["location"] = {"display": d.place}
    return f"urn:uuid:{iid}", resource


def _entry(full_url: str, resource: Json, if_none_exist: str | None) -> Json:
    request: Json = {"method": "POST", "url": resource["resourceType"]}
    if if_none_exist:
        request["ifNoneExist"] = if_none_exist
    return {"fullUrl": full_url, "resource": resource, "request": request}


def _identifier_query(resource: Json) -> str:
    first = resource["identifier"][0]
    return f"identifier={first['system']}|{first['value']}"


def child_entries(child: ChildData) -> list[Json]:
    """The entries of one child: Patient first, then the mother, measurements and doses."""
    p = child.patient
    patient_url = _urn("patient", str(p.child_id))
    patient = patient_resource(p)
    # Conditional create on the NIK when there is one (the server then links to the person it
    # already knows); on our own id otherwise (the mother's NIK is not unique: siblings, twins).
    nik_query = f"identifier={NIK_SYSTEM}|{p.nik}" if p.nik else f"identifier={CHILD_ID_SYSTEM}|{p.child_id}"
    entries = [_entry(patient_url, patient, nik_query)]
    mother = mother_resource(p, patient_url)
    if mother is not None:
        entries.append(_entry(_urn("mother", str(p.child_id)), mother, None))
    for m in sorted(child.measurements, key=lambda m: (m.date, m.record_id)):
        for full_url, resource in observation_resources(m, patient_url):
            entries.append(_entry(full_url, resource, _identifier_query(resource)))
    for d in sorted(child.doses, key=lambda d: (d.date, d.antigen, d.record_id)):
        full_url, resource = immunization_resource(d, patient_url)
        entries.append(_entry(full_url, resource, _identifier_query(resource)))
    return entries


def child_transaction(child: ChildData) -> Json:
    """One child's transaction Bundle: all of it is created, or none of it."""
    return {
        "resourceType": "Bundle",
        "id": deterministic_uuid("bundle", str(child.patient.child_id)),
        "type": "transaction",
        "entry": child_entries(child),
    }


def children_collection(children: Iterable[ChildData]) -> Json:
    """Many children: a collection Bundle whose entries are each one child's transaction.

    Not one big transaction (one child refused by the server would refuse them all) and not a
    `batch` (entries of a batch may not refer to each other, and a child's Observations refer to
    its Patient). The receiver POSTs each entry's Bundle to its base URL."""
    entries = [
        {"fullUrl": _urn("bundle", str(c.patient.child_id)), "resource": child_transaction(c)}
        for c in children
    ]
    return {"resourceType": "Bundle", "type": "collection", "entry": entries}


def validate_bundle(bundle: Json) -> None:
    """Raise (pydantic ValidationError) if the bundle is not valid FHIR R4: a bug in the export
    must fail loudly, not reach SATUSEHAT."""
    Bundle.model_validate(bundle)


# --- what comes in -----------------------------------------------------------------------------------

_ACCEPTED_TYPES = frozenset({"transaction", "batch", "collection", "searchset"})
# Entries per bundle: a few posyandu days. Larger loads are files (the import page); validating
# a huge bundle whole would hold a request for long.
MAX_ENTRIES = 5000
_USABLE_STATUSES = frozenset({"final", "amended", "corrected"})

# Reasons an entry is not used: code -> (Bahasa Indonesia, English).
REASONS: dict[str, tuple[str, str]] = {
    "no_resource": ("entri tanpa resource", "entry without a resource"),
    "unsupported_resource": (
        "jenis resource {rt} tidak diimpor (hanya Patient, Observation, RelatedPerson ibu)",
        "resource type {rt} is not imported (only Patient, Observation, the mother's RelatedPerson)",
    ),
    "unknown_code": (
        "kode observasi tidak dikenal ({code}); yang diterima: berat 29463-7/3141-9, tinggi 8302-2/8308-9,"
        " panjang 8306-3, LiLA 56072-2 (LOINC)",
        "unknown observation code ({code}); accepted: weight 29463-7/3141-9, height 8302-2/8308-9,"
        " length 8306-3, MUAC 56072-2 (LOINC)",
    ),
    "status": (
        "status observasi '{status}' tidak dipakai (hanya final/amended/corrected)",
        "observation status '{status}' is not used (only final/amended/corrected)",
    ),
    "no_subject": ("observasi tanpa subject (pasien)", "observation without a subject (patient)"),
    "subject_not_patient": ("subject bukan Patient: {ref}", "subject is not a Patient: {ref}"),
    "subject_not_in_bundle": (
        "pasien {ref} tidak ada di bundle ini",
        "patient {ref} is not in this bundle",
    ),
    "no_value": ("observasi tanpa valueQuantity", "observation without a valueQuantity"),
    "bad_unit": (
        "satuan '{unit}' tidak diterima untuk {what} (diterima: {allowed})",
        "unit '{unit}' not accepted for {what} (accepted: {allowed})",
    ),
    "no_date": (
        "observasi tanpa tanggal (effectiveDateTime atau effectivePeriod.start)",
        "observation without a date (effectiveDateTime or effectivePeriod.start)",
    ),
    "partial_date": (
        "tanggal observasi tidak lengkap sampai hari: {value}",
        "observation date not precise to the day: {value}",
    ),
    "duplicate": (
        "{what} yang sama untuk anak dan hari yang sama sudah ada di entri {other}",
        "the same {what} of the same child and day is already in entry {other}",
    ),
    "conflict": (
        "{what} anak yang sama pada hari yang sama berbeda di entri {others}; tidak ada yang dipakai",
        "the same child's {what} on the same day differs between entries {others}; none is used",
    ),
    "no_measurements": (
        "pasien tanpa pengukuran yang dapat dipakai di bundle ini",
        "patient without a usable measurement in this bundle",
    ),
    "not_mother": (
        "RelatedPerson bukan ibu (MTH) dari pasien yang diimpor",
        "RelatedPerson is not the mother (MTH) of an imported patient",
    ),
    "nested_bundle": (
        "bundle di dalam bundle: kirim transaksi tiap anak sendiri-sendiri",
        "bundle inside a bundle: send each child's transaction on its own",
    ),
}

_WHAT = {
    "weight": ("berat badan", "weight"),
    "height": ("tinggi/panjang badan", "height/length"),
    "muac": ("LiLA", "MUAC"),
}


@dataclass(frozen=True)
class SkippedEntry:
    index: int  # the entry's place in Bundle.entry (0-based)
    resource_type: str
    code: str
    message_id: str
    message_en: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "resource_type": self.resource_type,
            "code": self.code,
            "message_id": self.message_id,
            "message_en": self.message_en,
        }


@dataclass(frozen=True)
class MeasurementRow:
    """One e-PPGBM row (a child's measurements of one day) and the entries it came from."""

    patient_index: int
    entry_indexes: tuple[int, ...]  # the Patient, its mother if any, and the Observations
    desa_code: str  # dotted Kemendagri code, "" when the Patient gave none
    fields: dict[str, str]  # e-PPGBM field -> value as text (the adapter types and checks it)


@dataclass(frozen=True)
class ParsedBundle:
    entries_total: int
    rows: list[MeasurementRow]
    skipped: list[SkippedEntry]
    used: frozenset[int] = field(default_factory=frozenset)

    def unaccounted(self) -> list[int]:
        """Entries neither used nor skipped (always empty; a check, not a feature)."""
        seen = set(self.used) | {s.index for s in self.skipped}
        return [i for i in range(self.entries_total) if i not in seen]


def _skip(index: int, resource_type: str, reason: str, **values: object) -> SkippedEntry:
    message_id, message_en = REASONS[reason]
    id_values = {k: (v[0] if isinstance(v, tuple) else v) for k, v in values.items()}
    en_values = {k: (v[1] if isinstance(v, tuple) else v) for k, v in values.items()}
    return SkippedEntry(
        index, resource_type, reason, message_id.format(**id_values), message_en.format(**en_values)
    )


def _validation_details(exc: Exception) -> list[dict[str, Any]]:
    if isinstance(exc, ValidationError):
        return [
            {"location": ".".join(str(p) for p in err.get("loc", ())), "message": str(err.get("msg", ""))}
            for err in exc.errors()[:20]
        ]
    return [{"location": "", "message": str(exc)[:300]}]


def _check_bundle(data: object) -> list[Json]:
    if not isinstance(data, dict) or data.get("resourceType") != "Bundle":
        raise FhirInputError(
            "not_a_bundle",
            "Data bukan FHIR Bundle (resourceType harus 'Bundle')",
            "The data is not a FHIR Bundle (resourceType must be 'Bundle')",
        )
    if data.get("type") not in _ACCEPTED_TYPES:
        raise FhirInputError(
            "bundle_type",
            f"Jenis bundle '{data.get('type')}' tidak diterima (transaction, batch, collection, searchset)",
            f"Bundle type '{data.get('type')}' is not accepted (transaction, batch, collection, searchset)",
        )
    entries = data.get("entry") or []
    if isinstance(entries, list) and len(entries) > MAX_ENTRIES:
        raise FhirInputError(
            "too_large",
            f"Bundle terlalu besar: {len(entries)} entri (paling banyak {MAX_ENTRIES}); kirim sebagai berkas",
            f"Bundle too large: {len(entries)} entries (at most {MAX_ENTRIES}); send it as a file",
        )
    if isinstance(entries, list):
        unknown = sorted(
            {
                str(e["resource"].get("resourceType"))
                for e in entries
                if isinstance(e, dict)
                and isinstance(e.get("resource"), dict)
                and not _is_r4b_resource(e["resource"].get("resourceType"))
            }
        )
        if unknown:
            raise FhirInputError(
                "invalid_fhir",
                f"Bundle tidak sah: jenis resource tidak dikenal di FHIR R4: {', '.join(unknown)}",
                f"Invalid bundle: resource types unknown in FHIR R4: {', '.join(unknown)}",
                [{"location": "entry.resource.resourceType", "message": t} for t in unknown],
            )
    try:
        Bundle.model_validate(data)
    except (ValidationError, ValueError, TypeError, KeyError) as exc:
        raise FhirInputError(
            "invalid_fhir",
            "Bundle tidak sah menurut FHIR R4; lihat rincian",
            "The bundle is not valid FHIR R4; see the details",
            _validation_details(exc),
        ) from exc
    return list(entries)


def _is_r4b_resource(resource_type: object) -> bool:
    """fhir.resources raises a KeyError, not a validation error, on an unknown resource type."""
    if not isinstance(resource_type, str) or not re.fullmatch(r"[A-Z][A-Za-z]{1,60}", resource_type):
        return False
    try:
        get_fhir_model_class(resource_type)
    except (KeyError, ValueError, ImportError, AttributeError):
        return False
    return True


def _patient_keys(index: int, entry: Json) -> list[str]:
    """The strings a reference to this Patient may take inside the bundle."""
    keys: list[str] = []
    full_url = str(entry.get("fullUrl") or "")
    resource = entry["resource"]
    if full_url:
        keys.append(full_url)
        tail = re.search(r"(?:^|/)(Patient/[^/]+)(?:/_history/[^/]+)?$", full_url)
        if tail:
            keys.append(tail.group(1))
    if resource.get("id"):
        keys.append(f"Patient/{resource['id']}")
    return keys


def _identifier_values(resource: Json) -> list[tuple[str, str]]:
    return [
        (str(i.get("system") or ""), str(i.get("value") or ""))
        for i in resource.get("identifier") or []
        if isinstance(i, dict) and i.get("value")
    ]


@dataclass
class _Patient:
    index: int
    resource: Json
    mother_name: str = ""
    mother_index: int | None = None


class _Patients:
    def __init__(self) -> None:
        self.by_key: dict[str, _Patient] = {}
        self.by_identifier: dict[tuple[str, str], _Patient] = {}
        self.all: list[_Patient] = []

    def add(self, index: int, entry: Json) -> None:
        patient = _Patient(index, entry["resource"])
        self.all.append(patient)
        for key in _patient_keys(index, entry):
            self.by_key.setdefault(key, patient)
        for ident in _identifier_values(entry["resource"]):
            self.by_identifier.setdefault(ident, patient)

    def resolve(self, reference: Json) -> tuple[_Patient | None, str]:
        """(patient, "" ) or (None, reason code) for a Reference to a Patient."""
        ref = str(reference.get("reference") or "")
        if not ref:
            ident = reference.get("identifier")
            if isinstance(ident, dict) and ident.get("value"):
                found = self.by_identifier.get((str(ident.get("system") or ""), str(ident["value"])))
                return (found, "") if found else (None, "subject_not_in_bundle")
            return None, "no_subject"
        if ref in self.by_key:
            return self.by_key[ref], ""
        conditional = re.fullmatch(r"Patient\?identifier=([^|&]*)\|([^&]+)", ref)
        if conditional:
            found = self.by_identifier.get((conditional.group(1), conditional.group(2)))
            return (found, "") if found else (None, "subject_not_in_bundle")
        tail = re.search(r"(?:^|/)([A-Za-z]+)/([^/?#]+)(?:/_history/[^/]+)?$", ref)
        if tail and tail.group(1) != "Patient":
            return None, "subject_not_patient"
        if tail:
            found = self.by_key.get(f"Patient/{tail.group(2)}")
            return (found, "") if found else (None, "subject_not_in_bundle")
        if ref.startswith("urn:"):
            return None, "subject_not_in_bundle"
        return None, "subject_not_patient"


def _loinc_codes(resource: Json) -> list[str]:
    return [
        str(c.get("code"))
        for c in (resource.get("code") or {}).get("coding") or []
        if isinstance(c, dict) and str(c.get("system") or "").rstrip("/") in (LOINC, "https://loinc.org")
    ]


def _kind(codes: list[str]) -> tuple[str, str] | None:
    """(kind, position) from the LOINC codes; the lying/standing codes win over the generic one."""
    if LENGTH_LYING in codes:
        return "height", "lying"
    if HEIGHT_STANDING in codes or HEIGHT in codes:
        return "height", "standing"
    if WEIGHT in codes or WEIGHT_MEASURED in codes:
        return "weight", ""
    if MUAC in codes:
        return "muac", ""
    return None


# Units accepted per kind: unit (UCUM code, or the text a sender wrote) -> factor to ours.
_UNITS: dict[str, dict[str, Decimal]] = {
    "weight": {"kg": Decimal(1), "kilogram": Decimal(1), "g": Decimal("0.001"), "gram": Decimal("0.001")},
    "height": {"cm": Decimal(1), "centimeter": Decimal(1), "m": Decimal(100), "meter": Decimal(100)},
}
_UNITS["muac"] = _UNITS["height"]


def _plain(value: Decimal) -> str:
    """A decimal as plain text without exponent or trailing zeros (12.500 -> 12.5, 1E+1 -> 10)."""
    return format(value.normalize(), "f")


def _value(kind: str, quantity: Json) -> tuple[Decimal | None, str]:
    """(value in kg/cm, "") or (None, the unit refused)."""
    unit_raw = str(quantity.get("code") or quantity.get("unit") or "").strip()
    factor = _UNITS[kind].get(unit_raw) if unit_raw else None
    if factor is None:
        factor = _UNITS[kind].get(unit_raw.lower())
    if factor is None:
        return None, unit_raw or "-"
    try:
        value = Decimal(str(quantity["value"]))
    except (InvalidOperation, KeyError):
        return None, unit_raw
    return value * factor, ""


def _day(resource: Json) -> tuple[date | None, str]:
    """(day, "") or (None, reason code) from effectiveDateTime or effectivePeriod.start."""
    raw = resource.get("effectiveDateTime")
    if raw is None:
        raw = (resource.get("effectivePeriod") or {}).get("start")
    if raw is None:
        raw = resource.get("effectiveInstant")
    if raw is None:
        return None, "no_date"
    text = str(raw)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return date.fromisoformat(text), ""
    if re.fullmatch(r"\d{4}(-\d{2})?", text):
        return None, "partial_date"
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    # A time with an offset is a moment: its day is the day in Bengkayang (WIB).
    return (moment.astimezone(_WIB).date() if moment.tzinfo else moment.date()), ""


def _name(resource: Json) -> str:
    names = [n for n in resource.get("name") or [] if isinstance(n, dict)]
    names.sort(key=lambda n: 0 if n.get("use") == "official" else 1)
    for n in names:
        if n.get("text"):
            return str(n["text"]).strip()
        parts = [*(n.get("given") or []), n.get("family") or ""]
        text = " ".join(str(p).strip() for p in parts if p)
        if text:
            return text
    return ""


def _village(resource: Json) -> str:
    """The dotted desa code from the administrativeCode extension of the first address with one."""
    for address in resource.get("address") or []:
        for ext in address.get("extension") or []:
            if str(ext.get("url") or "").lower() != ADMINISTRATIVE_CODE_URL.lower():
                continue
            for sub in ext.get("extension") or []:
                if sub.get("url") == "village":
                    digits = str(sub.get("valueCode") or sub.get("valueString") or "").replace(".", "")
                    if re.fullmatch(r"\d{10}", digits):
                        return f"{digits[:2]}.{digits[2:4]}.{digits[4:6]}.{digits[6:]}"
    return ""


def _is_mother(resource: Json) -> bool:
    for rel in resource.get("relationship") or []:
        for c in rel.get("coding") or []:
            if c.get("code") in ("MTH", "NMTH", "BIRTHMTH"):
                return True
    return False


def _contact_mother(resource: Json) -> str:
    for contact in resource.get("contact") or []:
        rels = contact.get("relationship") or []
        if any(c.get("code") in ("MTH", "NMTH", "BIRTHMTH") for r in rels for c in r.get("coding") or []):
            name = contact.get("name") or {}
            text = name.get("text") or " ".join([*(name.get("given") or []), name.get("family") or ""])
            return str(text).strip()
    return ""


def _patient_fields(patient: _Patient) -> dict[str, str]:
    r = patient.resource
    idents = dict(reversed(_identifier_values(r)))  # the first of each system wins
    return {
        "nik": idents.get(NIK_SYSTEM, ""),
        "name": _name(r),
        "sex": {"male": "L", "female": "P"}.get(str(r.get("gender") or ""), ""),
        "birth_date": str(r.get("birthDate") or ""),
        "mother_name": patient.mother_name or _contact_mother(r),
    }


def _one_per_kind(
    candidates: dict[str, list[tuple[Decimal, str, int]]], skipped: list[SkippedEntry]
) -> dict[str, tuple[Decimal, str, int]]:
    """One value per kind for a child's day. The same value sent twice is kept once; different
    values are all refused: which one is right is not ours to guess (and must not depend on the
    order of the entries). The sender corrects and sends again."""
    slot: dict[str, tuple[Decimal, str, int]] = {}
    for what, values in candidates.items():
        values = sorted(values, key=lambda v: v[2])
        if len({(v[0], v[1]) for v in values}) == 1:
            slot[what] = values[0]
            skipped.extend(
                _skip(v[2], "Observation", "duplicate", what=_WHAT[what], other=values[0][2])
                for v in values[1:]
            )
        else:
            others = ", ".join(str(v[2]) for v in values)
            skipped.extend(
                _skip(v[2], "Observation", "conflict", what=_WHAT[what], others=others) for v in values
            )
    return slot


def parse_observation_bundle(data: object) -> ParsedBundle:
    """Read a Bundle of Patients and body-measurement Observations into e-PPGBM rows.

    Raises FhirInputError when the bundle as a whole is not one (not a Bundle, not valid FHIR R4,
    a type we do not read). Otherwise every entry ends up used or skipped with a reason."""
    entries = _check_bundle(data)
    skipped: list[SkippedEntry] = []
    used: set[int] = set()
    patients = _Patients()
    observations: list[tuple[int, Json]] = []
    mothers: list[tuple[int, Json]] = []
    for i, entry in enumerate(entries):
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict):
            skipped.append(_skip(i, "", "no_resource"))
            continue
        rt = str(resource.get("resourceType"))
        if rt == "Patient":
            patients.add(i, entry)
        elif rt == "Observation":
            observations.append((i, resource))
        elif rt == "RelatedPerson":
            mothers.append((i, resource))
        elif rt == "Bundle":
            skipped.append(_skip(i, rt, "nested_bundle"))
        else:
            skipped.append(_skip(i, rt, "unsupported_resource", rt=rt))

    for i, resource in mothers:
        patient, _reason = patients.resolve(resource.get("patient") or {})
        name = _name(resource)
        if patient is None or not _is_mother(resource) or patient.mother_index is not None:
            skipped.append(_skip(i, "RelatedPerson", "not_mother"))
            continue
        patient.mother_name, patient.mother_index = name, i

    # (patient index, day) -> kind -> [(value, position, entry index)]
    days: dict[tuple[int, date], dict[str, list[tuple[Decimal, str, int]]]] = {}
    by_index = {p.index: p for p in patients.all}
    for i, resource in observations:
        kind = _kind(_loinc_codes(resource))
        if kind is None:
            codes = [
                f"{c.get('system') or '?'}|{c.get('code') or '?'}"
                for c in (resource.get("code") or {}).get("coding") or []
            ]
            skipped.append(_skip(i, "Observation", "unknown_code", code=", ".join(codes) or "-"))
            continue
        what, position = kind
        status = str(resource.get("status") or "")
        if status not in _USABLE_STATUSES:
            skipped.append(_skip(i, "Observation", "status", status=status))
            continue
        subject = resource.get("subject")
        if not isinstance(subject, dict):
            skipped.append(_skip(i, "Observation", "no_subject"))
            continue
        patient, reason = patients.resolve(subject)
        if patient is None:
            ref = str(subject.get("reference") or subject.get("identifier") or "-")
            skipped.append(_skip(i, "Observation", reason, ref=ref))
            continue
        quantity = resource.get("valueQuantity")
        if not isinstance(quantity, dict) or quantity.get("value") is None:
            skipped.append(_skip(i, "Observation", "no_value"))
            continue
        value, bad_unit = _value(what, quantity)
        if value is None:
            allowed = ", ".join(k for k in _UNITS[what] if len(k) <= 2)
            skipped.append(
                _skip(i, "Observation", "bad_unit", unit=bad_unit, what=_WHAT[what], allowed=allowed)
            )
            continue
        day, reason = _day(resource)
        if day is None:
            skipped.append(_skip(i, "Observation", reason, value=str(resource.get("effectiveDateTime"))))
            continue
        days.setdefault((patient.index, day), {}).setdefault(what, []).append((value, position, i))

    rows: list[MeasurementRow] = []
    for (patient_index, day), candidates in sorted(days.items(), key=lambda kv: (kv[0][0], kv[0][1])):
        slot = _one_per_kind(candidates, skipped)
        if not slot:
            continue
        patient = by_index[patient_index]
        fields = _patient_fields(patient)
        desa_code = _village(patient.resource)
        fields["desa"] = desa_code
        fields["measurement_date"] = day.isoformat()
        fields["weight_kg"] = _plain(slot["weight"][0]) if "weight" in slot else ""
        fields["height_cm"] = _plain(slot["height"][0]) if "height" in slot else ""
        fields["position"] = slot["height"][1] if "height" in slot else ""
        fields["muac_cm"] = _plain(slot["muac"][0]) if "muac" in slot else ""
        obs = tuple(sorted(v[2] for v in slot.values()))
        mother = () if patient.mother_index is None else (patient.mother_index,)
        indexes = (patient_index, *mother, *obs)
        used.update(indexes)
        rows.append(MeasurementRow(patient_index, indexes, desa_code, fields))

    for p in patients.all:
        if p.index not in used:
            skipped.append(_skip(p.index, "Patient", "no_measurements"))
            if p.mother_index is not None:
                skipped.append(_skip(p.mother_index, "RelatedPerson", "not_mother"))

    parsed = ParsedBundle(
        entries_total=len(entries),
        rows=rows,
        skipped=sorted(skipped, key=lambda s: s.index),
        used=frozenset(used),
    )
    missing = parsed.unaccounted()
    if missing:  # a bug here would be a silent drop: refuse rather than import part of a bundle
        raise RuntimeError(f"FHIR entries neither used nor skipped: {missing}")
    return parsed
