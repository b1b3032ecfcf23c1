"""Our aggregate figures as a DHIS2 data value set: the body of `POST /api/dataValueSets`. Pure.

The model. A *figure* is one number we computed: a flag's numerator (children flagged) or
denominator (children assessed) for one area (desa, kecamatan or the district, by Kemendagri
code) in one period. DHIS2 stores a *data value* per (data element, category option combo,
org unit, period). A *mapping* says which data element (and category option combo; blank is
DHIS2's default combo) receives each (indicator, measure), and which org unit each
(level, area code) is in the receiving instance. Building the payload is a join of the figures
with the mapping:

- a figure with a data element and an org unit becomes one data value, its count as a string
  (DHIS2's JSON carries every value as a string);
- a figure without either is *not* dropped: it goes into the `unmapped` report, by indicator
  and by area, so that `figures = sent + unmapped` always holds and the steward sees the gap;
- two figures that would land on the same DHIS2 cell are an error (one would silently
  overwrite the other in DHIS2).

Identifiers follow the mapping's id scheme, which is what the POST's `dataElementIdScheme` /
`orgUnitIdScheme` parameters tell DHIS2: "UID" ids are DHIS2's 11-character UIDs (a letter then
ten letters or digits); "CODE" ids are the objects' codes (any non-blank text up to 50
characters, DHIS2's column width). A bad identifier raises Dhis2Error naming the entry, before
anything is built: an import that half-matches is worse than none.

Periods use DHIS2's ISO period format, which for quarters and years is ours: "2024Q4" is
DHIS2's quarterly period, "2024" its yearly one.

No Django here (import-linter keeps it so); services.py reads the tables and calls this.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

IdScheme = Literal["UID", "CODE"]
ID_SCHEMES: tuple[str, ...] = ("UID", "CODE")
LEVELS: tuple[str, ...] = ("desa", "kecamatan", "district")
MEASURES: tuple[str, ...] = ("numerator", "denominator")

# DHIS2's CodeGenerator: 11 characters, the first a letter (so a UID is never a number).
UID_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9]{10}$")
CODE_MAX = 50  # DHIS2's `code` column is varchar(50)
_QUARTER = re.compile(r"^(\d{4})Q([1-4])$")
_YEAR = re.compile(r"^(\d{4})$")

# How a level's org unit can be derived from the area's Kemendagri code, when the receiving
# instance codes its org units that way (to be confirmed with it: see data/interop/README.md).
ORG_UNIT_RULES: dict[str, str] = {
    "kemendagri_code": "the Kemendagri code as written here (61.07.01.2001)",
    "kemendagri_code_no_dots": "the Kemendagri code without dots (6107012001)",
}

# The keys DHIS2 documents for a data value set and for a data value (Web API, "Data values",
# JSON format). We send a subset; a test checks that we never send anything else.
DATA_VALUE_SET_KEYS = frozenset(
    {"dataSet", "completeDate", "period", "orgUnit", "attributeOptionCombo", "dataValues"}
)
DATA_VALUE_KEYS = frozenset(
    {
        "dataElement",
        "period",
        "orgUnit",
        "categoryOptionCombo",
        "attributeOptionCombo",
        "value",
        "storedBy",
        "created",
        "lastUpdated",
        "comment",
        "followup",
    }
)


class Dhis2Error(ValueError):
    """A user-facing error of the DHIS2 export: a stable `code` for the API and messages in
    Bahasa Indonesia and English."""

    def __init__(self, code: str, message_id: str, message_en: str) -> None:
        self.code = code
        self.message_id = message_id
        self.message_en = message_en
        super().__init__(f"{message_id} / {message_en}")


@dataclass(frozen=True)
class Figure:
    """One number to send: e.g. stunting numerator, 2024Q4, desa 61.07.01.2001, 12."""

    indicator: str
    measure: str
    period: str
    area_level: str
    area_code: str
    value: int
    comment: str = ""


@dataclass(frozen=True)
class DataElementTarget:
    data_element: str
    category_option_combo: str = ""  # blank: DHIS2's default category option combo


@dataclass(frozen=True)
class Dhis2Mapping:
    """The identifiers of one receiving instance, resolved per figure and per area."""

    data_elements: Mapping[tuple[str, str], DataElementTarget]  # (indicator, measure) -> target
    org_units: Mapping[tuple[str, str], str]  # (area level, area code) -> org unit
    data_element_scheme: str = "CODE"
    org_unit_scheme: str = "CODE"
    # The category option combo and data set follow the data element's scheme unless set.
    category_option_combo_scheme: str | None = None
    data_set_scheme: str | None = None

    @property
    def coc_scheme(self) -> str:
        return self.category_option_combo_scheme or self.data_element_scheme

    @property
    def ds_scheme(self) -> str:
        return self.data_set_scheme or self.data_element_scheme


@dataclass
class Unmapped:
    """Figures that could not be sent, with why: no data element for the (indicator, measure),
    no org unit for the area, or both. Counted once in `count`, and in each list that applies."""

    count: int = 0
    by_indicator: Counter[tuple[str, str]] = field(default_factory=Counter)
    by_area: Counter[tuple[str, str]] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "by_indicator": [
                {"indicator": i, "measure": m, "figures": n}
                for (i, m), n in sorted(self.by_indicator.items())
            ],
            "by_area": [
                {"area_level": lv, "area_code": c, "figures": n}
                for (lv, c), n in sorted(self.by_area.items())
            ],
        }


# --- periods ------------------------------------------------------------------------------------


def dhis2_period(period: str) -> tuple[str, str]:
    """Our period as DHIS2's ISO period and its period type: "2024Q4" -> ("2024Q4", "Quarterly"),
    "2024" -> ("2024", "Yearly"). Dhis2Error for anything else."""
    text = period.strip() if isinstance(period, str) else ""
    quarter, year = _QUARTER.match(text), _YEAR.match(text)
    match = quarter or year
    if match is None or not 2000 <= int(match.group(1)) <= 2100:
        shown = str(period)[:20]
        raise Dhis2Error(
            "invalid_period",
            f"Periode tidak sah: {shown!r} (triwulan mis. 2024Q4, atau tahun mis. 2024).",
            f"Invalid period: {shown!r} (a quarter such as 2024Q4, or a year such as 2024).",
        )
    return text, ("Quarterly" if quarter else "Yearly")


# --- identifiers --------------------------------------------------------------------------------


def id_scheme_check(scheme: object, *, what: str) -> str:
    """ "UID" or "CODE" (case-insensitive, as DHIS2 accepts them); Dhis2Error otherwise."""
    text = str(scheme).strip().upper() if isinstance(scheme, str) else ""
    if text not in ID_SCHEMES:
        raise Dhis2Error(
            "invalid_id_scheme",
            f"Skema id untuk {what} harus UID atau CODE, bukan {str(scheme)[:20]!r}.",
            f"The id scheme for {what} must be UID or CODE, not {str(scheme)[:20]!r}.",
        )
    return text


def identifier_check(value: object, *, scheme: str, entry: str) -> str:
    """The identifier if it fits the scheme; otherwise Dhis2Error naming the entry (e.g.
    "data element stunting.numerator")."""
    text = value if isinstance(value, str) else ""
    shown = str(value)[:60]
    if scheme == "UID":
        if not UID_PATTERN.match(text):
            raise Dhis2Error(
                "invalid_identifier",
                f"{entry}: {shown!r} bukan UID DHIS2 (11 karakter: huruf, lalu 10 huruf atau angka).",
                f"{entry}: {shown!r} is not a DHIS2 UID "
                "(11 characters: a letter, then 10 letters or digits).",
            )
        return text
    if not text.strip() or text != text.strip() or len(text) > CODE_MAX:
        raise Dhis2Error(
            "invalid_identifier",
            f"{entry}: {shown!r} bukan kode DHIS2 yang sah (tidak kosong, tanpa spasi di tepi, "
            f"paling panjang {CODE_MAX} karakter).",
            f"{entry}: {shown!r} is not a valid DHIS2 code (non-blank, no surrounding spaces, "
            f"at most {CODE_MAX} characters).",
        )
    return text


def mapping_check(mapping: Dhis2Mapping) -> None:
    """Every identifier of the mapping fits its scheme (Dhis2Error naming the first bad one)."""
    for scheme, what in (
        (mapping.data_element_scheme, "data element"),
        (mapping.org_unit_scheme, "org unit"),
        (mapping.coc_scheme, "category option combo"),
        (mapping.ds_scheme, "data set"),
    ):
        id_scheme_check(scheme, what=what)
    for (indicator, measure), target in sorted(mapping.data_elements.items()):
        if measure not in MEASURES:
            raise Dhis2Error(
                "invalid_measure",
                f"data element {indicator}.{measure}: ukuran harus numerator atau denominator.",
                f"data element {indicator}.{measure}: the measure must be numerator or denominator.",
            )
        identifier_check(
            target.data_element,
            scheme=mapping.data_element_scheme,
            entry=f"data element {indicator}.{measure}",
        )
        if target.category_option_combo:
            identifier_check(
                target.category_option_combo,
                scheme=mapping.coc_scheme,
                entry=f"category option combo {indicator}.{measure}",
            )
    for (level, code), org_unit in sorted(mapping.org_units.items()):
        identifier_check(org_unit, scheme=mapping.org_unit_scheme, entry=f"org unit {level} {code}")


def org_unit_from_rule(rule: str, area_code: str) -> str:
    """The org unit a rule derives from an area's Kemendagri code (ORG_UNIT_RULES)."""
    if rule == "kemendagri_code":
        return area_code
    if rule == "kemendagri_code_no_dots":
        return area_code.replace(".", "")
    raise Dhis2Error(
        "invalid_org_unit_rule",
        f"Aturan org unit tidak dikenal: {rule[:40]!r} (pilihan: {', '.join(ORG_UNIT_RULES)}).",
        f"Unknown org unit rule: {rule[:40]!r} (choices: {', '.join(ORG_UNIT_RULES)}).",
    )


def import_query(mapping: Dhis2Mapping, *, with_data_set: bool) -> str:
    """The query string for `POST /api/dataValueSets`: tells DHIS2 which property our ids are
    (its default is UID) and to create or update values. The category option combo's scheme
    is always stated so that a CODE mapping with a combo code is read as a code."""
    params = [
        f"dataElementIdScheme={mapping.data_element_scheme}",
        f"orgUnitIdScheme={mapping.org_unit_scheme}",
        f"categoryOptionComboIdScheme={mapping.coc_scheme}",
    ]
    if with_data_set:
        params.append(f"dataSetIdScheme={mapping.ds_scheme}")
    params.append("importStrategy=CREATE_AND_UPDATE")
    return "&".join(params)


# --- the payload -------------------------------------------------------------------------------


def data_value_set_build(
    *,
    figures: Iterable[Figure],
    mapping: Dhis2Mapping,
    period: str,
    data_set: str | None = None,
    complete_date: date | None = None,
) -> tuple[dict[str, Any], Unmapped]:
    """The dataValueSets payload for one period and the figures it could not place.

    Every figure must be of `period` (one payload is one period: DHIS2 checks each value
    against the data set's period type). Data values are ordered by org unit, data element and
    category option combo, so the same figures always give the same bytes (diffable, testable).
    """
    mapping_check(mapping)
    dhis2_pe, _ = dhis2_period(period)
    if data_set is not None:
        identifier_check(data_set, scheme=mapping.ds_scheme, entry="data set")
    unmapped = Unmapped()
    values: list[dict[str, str]] = []
    cells: dict[tuple[str, str, str], Figure] = {}
    for fig in figures:
        if dhis2_period(fig.period)[0] != dhis2_pe:
            raise Dhis2Error(
                "mixed_periods",
                f"Angka {fig.indicator}.{fig.measure} {fig.area_code} "
                f"berperiode {fig.period}, bukan {period}.",
                f"Figure {fig.indicator}.{fig.measure} {fig.area_code} is of {fig.period}, not {period}.",
            )
        if isinstance(fig.value, bool) or not isinstance(fig.value, int) or fig.value < 0:
            raise Dhis2Error(
                "invalid_value",
                f"Angka {fig.indicator}.{fig.measure} {fig.area_code} bukan hitungan: {fig.value!r}.",
                f"Figure {fig.indicator}.{fig.measure} {fig.area_code} is not a count: {fig.value!r}.",
            )
        target = mapping.data_elements.get((fig.indicator, fig.measure))
        org_unit = mapping.org_units.get((fig.area_level, fig.area_code))
        if target is None or org_unit is None:
            unmapped.count += 1
            if target is None:
                unmapped.by_indicator[(fig.indicator, fig.measure)] += 1
            if org_unit is None:
                unmapped.by_area[(fig.area_level, fig.area_code)] += 1
            continue
        cell = (target.data_element, target.category_option_combo, org_unit)
        if cell in cells:
            other = cells[cell]
            raise Dhis2Error(
                "duplicate_target",
                f"Dua angka ke sel DHIS2 yang sama ({target.data_element}, {org_unit}): "
                f"{other.indicator}.{other.measure} {other.area_code} dan "
                f"{fig.indicator}.{fig.measure} {fig.area_code}. Periksa pemetaan.",
                f"Two figures map to the same DHIS2 cell ({target.data_element}, {org_unit}): "
                f"{other.indicator}.{other.measure} {other.area_code} and "
                f"{fig.indicator}.{fig.measure} {fig.area_code}. Check the mapping.",
            )
        cells[cell] = fig
        value = {"dataElement": target.data_element, "period": dhis2_pe, "orgUnit": org_unit}
        if target.category_option_combo:
            value["categoryOptionCombo"] = target.category_option_combo
        value["value"] = str(fig.value)
        if fig.comment:
            value["comment"] = fig.comment
        values.append(value)
    values.sort(key=lambda v: (v["orgUnit"], v["dataElement"], v.get("categoryOptionCombo", "")))
    payload: dict[str, Any] = {}
    if data_set is not None:
        payload["dataSet"] = data_set
    if complete_date is not None:
        payload["completeDate"] = complete_date.isoformat()
    payload["period"] = dhis2_pe
    payload["dataValues"] = values
    return payload, unmapped


# --- the mapping file ---------------------------------------------------------------------------


@dataclass(frozen=True)
class MappingFile:
    """data/interop/dhis2_mapping.json, checked: what the loader writes into the tables and the
    export reads back (the id schemes and data set are not in the tables)."""

    version: int
    data_set: str | None
    mapping: Dhis2Mapping  # data elements and explicit org units (overrides)
    org_unit_rules: Mapping[str, str]  # level -> ORG_UNIT_RULES key
    notes: Mapping[tuple[str, str], str]


def mapping_file_parse(spec: Mapping[str, Any]) -> MappingFile:
    """Check the JSON's shape and every identifier in it; Dhis2Error naming the bad entry."""

    def bad(where: str, id_text: str, en_text: str) -> Dhis2Error:
        return Dhis2Error(
            "invalid_mapping_file",
            f"Berkas pemetaan DHIS2, {where}: {id_text}",
            f"DHIS2 mapping file, {where}: {en_text}",
        )

    if not isinstance(spec, Mapping):
        raise bad("isi", "harus objek JSON.", "must be a JSON object.")
    schemes = spec.get("id_scheme") or {}
    if not isinstance(schemes, Mapping):
        raise bad("id_scheme", "harus objek.", "must be an object.")
    de_scheme = id_scheme_check(schemes.get("data_element", "CODE"), what="data element")
    ou_scheme = id_scheme_check(schemes.get("org_unit", "CODE"), what="org unit")
    coc = schemes.get("category_option_combo")
    ds = schemes.get("data_set")
    coc_scheme = id_scheme_check(coc, what="category option combo") if coc is not None else None
    ds_scheme = id_scheme_check(ds, what="data set") if ds is not None else None

    data_elements: dict[tuple[str, str], DataElementTarget] = {}
    notes: dict[tuple[str, str], str] = {}
    rows = spec.get("data_elements") or []
    if not isinstance(rows, list):
        raise bad("data_elements", "harus daftar.", "must be a list.")
    for n, row in enumerate(rows, start=1):
        if not isinstance(row, Mapping) or not row.get("indicator") or row.get("measure") not in MEASURES:
            raise bad(
                f"data_elements #{n}",
                "perlu indicator dan measure (numerator/denominator).",
                "needs indicator and measure (numerator/denominator).",
            )
        key = (str(row["indicator"]), str(row["measure"]))
        if key in data_elements:
            raise bad(f"data_elements #{n}", f"{key[0]}.{key[1]} ganda.", f"{key[0]}.{key[1]} is repeated.")
        data_elements[key] = DataElementTarget(
            data_element=row.get("data_element", ""),
            category_option_combo=row.get("category_option_combo") or "",
        )
        notes[key] = str(row.get("note") or "")

    rules = spec.get("org_units") or {}
    if not isinstance(rules, Mapping):
        raise bad("org_units", "harus objek {tingkat: aturan}.", "must be an object {level: rule}.")
    for level, rule in rules.items():
        if level not in LEVELS:
            raise bad("org_units", f"tingkat tidak dikenal {level!r}.", f"unknown level {level!r}.")
        org_unit_from_rule(str(rule), "61.07")  # raises on an unknown rule
        if ou_scheme == "UID":
            # A Kemendagri code is never a UID: with UIDs every org unit is listed explicitly.
            raise bad(
                f"org_units.{level}",
                "aturan dari kode Kemendagri tidak berlaku untuk skema UID; daftarkan org_unit_overrides.",
                "a rule from the Kemendagri code cannot give UIDs; list them in org_unit_overrides.",
            )

    org_units: dict[tuple[str, str], str] = {}
    overrides = spec.get("org_unit_overrides") or []
    if not isinstance(overrides, list):
        raise bad("org_unit_overrides", "harus daftar.", "must be a list.")
    for n, row in enumerate(overrides, start=1):
        if not isinstance(row, Mapping) or row.get("area_level") not in LEVELS or not row.get("area_code"):
            raise bad(
                f"org_unit_overrides #{n}",
                "perlu area_level (desa/kecamatan/district), area_code dan org_unit.",
                "needs area_level (desa/kecamatan/district), area_code and org_unit.",
            )
        org_units[(str(row["area_level"]), str(row["area_code"]))] = row.get("org_unit", "")

    data_set = spec.get("data_set") or None
    mapping = Dhis2Mapping(
        data_elements=data_elements,
        org_units=org_units,
        data_element_scheme=de_scheme,
        org_unit_scheme=ou_scheme,
        category_option_combo_scheme=coc_scheme,
        data_set_scheme=ds_scheme,
    )
    mapping_check(mapping)
    if data_set is not None:
        identifier_check(data_set, scheme=mapping.ds_scheme, entry="data set")
    version = spec.get("version", 1)
    if not isinstance(version, int) or isinstance(version, bool):
        raise bad("version", "harus bilangan bulat.", "must be an integer.")
    return MappingFile(
        version=version,
        data_set=data_set,
        mapping=mapping,
        org_unit_rules={str(k): str(v) for k, v in rules.items()},
        notes=notes,
    )
