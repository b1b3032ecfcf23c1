"""dhis2/mapping.py: figures + mapping -> dataValueSets payload. Pure: no database."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest

from satuanak.interop.dhis2.mapping import (
    DATA_VALUE_KEYS,
    DATA_VALUE_SET_KEYS,
    DataElementTarget,
    Dhis2Error,
    Dhis2Mapping,
    Figure,
    data_value_set_build,
    dhis2_period,
    identifier_check,
    import_query,
    mapping_file_parse,
    org_unit_from_rule,
)

DESA_A, DESA_B, DESA_C = "61.07.01.2001", "61.07.01.2004", "61.07.02.2001"


def _mapping(**kw: object) -> Dhis2Mapping:
    base: dict[str, object] = {
        "data_elements": {
            ("stunting", "numerator"): DataElementTarget("SDA_STUNTING_N"),
            ("stunting", "denominator"): DataElementTarget("SDA_STUNTING_D"),
            ("no_akta", "numerator"): DataElementTarget("SDA_NO_AKTA_N", "SDA_COC_0_17"),
        },
        "org_units": {("desa", DESA_A): DESA_A, ("desa", DESA_B): DESA_B},
    }
    base.update(kw)
    return Dhis2Mapping(**base)  # type: ignore[arg-type]


def _fig(indicator: str, measure: str, area: str, value: int, period: str = "2024Q4") -> Figure:
    return Figure(indicator, measure, period, "desa", area, value)


FIGURES = [
    _fig("stunting", "numerator", DESA_A, 3),
    _fig("stunting", "denominator", DESA_A, 40),
    _fig("stunting", "numerator", DESA_B, 0),
    _fig("stunting", "denominator", DESA_B, 12),
    _fig("no_akta", "numerator", DESA_A, 7),
    _fig("no_akta", "denominator", DESA_A, 90),  # no data element for no_akta.denominator
    _fig("stunting", "numerator", DESA_C, 1),  # no org unit for DESA_C
    _fig("stunting", "denominator", DESA_C, 5),
    _fig("violence_case", "numerator", DESA_C, 1),  # neither
]


def test_payload_holds_each_mapped_figure_once_with_its_value() -> None:
    payload, unmapped = data_value_set_build(figures=FIGURES, mapping=_mapping(), period="2024Q4")
    got = {
        (v["dataElement"], v["orgUnit"], v.get("categoryOptionCombo", "")): v["value"]
        for v in payload["dataValues"]
    }
    assert len(got) == len(payload["dataValues"]) == 5
    assert got == {
        ("SDA_STUNTING_N", DESA_A, ""): "3",
        ("SDA_STUNTING_D", DESA_A, ""): "40",
        ("SDA_STUNTING_N", DESA_B, ""): "0",  # a zero is a value, sent like any other
        ("SDA_STUNTING_D", DESA_B, ""): "12",
        ("SDA_NO_AKTA_N", DESA_A, "SDA_COC_0_17"): "7",
    }
    assert all(v["period"] == "2024Q4" and isinstance(v["value"], str) for v in payload["dataValues"])
    # nothing silently dropped: figures = sent + unmapped
    assert len(FIGURES) == len(payload["dataValues"]) + unmapped.count


def test_unmapped_figures_are_reported_by_indicator_and_by_area() -> None:
    _, unmapped = data_value_set_build(figures=FIGURES, mapping=_mapping(), period="2024Q4")
    report = unmapped.as_dict()
    assert report["count"] == 4
    assert report["by_indicator"] == [
        {"indicator": "no_akta", "measure": "denominator", "figures": 1},
        {"indicator": "violence_case", "measure": "numerator", "figures": 1},
    ]
    assert report["by_area"] == [{"area_level": "desa", "area_code": DESA_C, "figures": 3}]


def test_order_is_deterministic_whatever_the_input_order() -> None:
    a, _ = data_value_set_build(figures=FIGURES, mapping=_mapping(), period="2024Q4")
    b, _ = data_value_set_build(figures=list(reversed(FIGURES)), mapping=_mapping(), period="2024Q4")
    assert json.dumps(a) == json.dumps(b)
    keys = [(v["orgUnit"], v["dataElement"]) for v in a["dataValues"]]
    assert keys == sorted(keys)


def test_payload_uses_only_keys_dhis2_documents() -> None:
    figures = [*FIGURES[:2], Figure("stunting", "numerator", "2024Q4", "desa", DESA_B, 2, comment="rule v1")]
    payload, _ = data_value_set_build(
        figures=figures,
        mapping=_mapping(),
        period="2024Q4",
        data_set="SDA_ANAK_TRIWULAN",
        complete_date=date(2025, 1, 15),
    )
    assert set(payload) == {"dataSet", "completeDate", "period", "dataValues"}
    assert set(payload) <= DATA_VALUE_SET_KEYS
    for value in payload["dataValues"]:
        assert set(value) <= DATA_VALUE_KEYS
        assert {"dataElement", "period", "orgUnit", "value"} <= set(value)
    assert payload["completeDate"] == "2025-01-15"
    assert any(v.get("comment") == "rule v1" for v in payload["dataValues"])
    # optional keys are left out rather than sent empty
    bare, _ = data_value_set_build(figures=FIGURES[:1], mapping=_mapping(), period="2024Q4")
    assert set(bare) == {"period", "dataValues"}
    assert set(bare["dataValues"][0]) == {"dataElement", "period", "orgUnit", "value"}


@pytest.mark.parametrize(
    ("ours", "theirs", "kind"),
    [("2024Q4", "2024Q4", "Quarterly"), ("2024Q1", "2024Q1", "Quarterly"), ("2024", "2024", "Yearly")],
)
def test_periods_quarterly_and_yearly(ours: str, theirs: str, kind: str) -> None:
    assert dhis2_period(ours) == (theirs, kind)


@pytest.mark.parametrize("bad", ["2024Q5", "2024-10", "24Q4", "Q4 2024", "", "1899", "2024q4x"])
def test_bad_periods_are_refused(bad: str) -> None:
    with pytest.raises(Dhis2Error) as err:
        dhis2_period(bad)
    assert err.value.code == "invalid_period"
    assert "Periode tidak sah" in err.value.message_id and "Invalid period" in err.value.message_en


def test_yearly_payload() -> None:
    figures = [_fig("stunting", "numerator", DESA_A, 9, period="2024")]
    payload, _ = data_value_set_build(figures=figures, mapping=_mapping(), period="2024")
    assert payload["period"] == "2024"
    assert payload["dataValues"][0]["period"] == "2024"


def test_a_figure_of_another_period_is_refused() -> None:
    with pytest.raises(Dhis2Error) as err:
        data_value_set_build(
            figures=[_fig("stunting", "numerator", DESA_A, 1, "2024Q3")], mapping=_mapping(), period="2024Q4"
        )
    assert err.value.code == "mixed_periods"


@pytest.mark.parametrize("value", [-1, 1.5, True, "3"])
def test_only_counts_are_sent(value: object) -> None:
    fig = Figure("stunting", "numerator", "2024Q4", "desa", DESA_A, value)  # type: ignore[arg-type]
    with pytest.raises(Dhis2Error) as err:
        data_value_set_build(figures=[fig], mapping=_mapping(), period="2024Q4")
    assert err.value.code == "invalid_value"


def test_two_figures_on_one_dhis2_cell_are_an_error() -> None:
    mapping = _mapping(
        data_elements={
            ("stunting", "numerator"): DataElementTarget("SDA_X"),
            ("wasting", "numerator"): DataElementTarget("SDA_X"),
        }
    )
    figures = [_fig("stunting", "numerator", DESA_A, 1), _fig("wasting", "numerator", DESA_A, 2)]
    with pytest.raises(Dhis2Error) as err:
        data_value_set_build(figures=figures, mapping=mapping, period="2024Q4")
    assert err.value.code == "duplicate_target"
    assert "stunting.numerator" in err.value.message_en and "wasting.numerator" in err.value.message_en


# --- identifiers -----------------------------------------------------------------------------------


@pytest.mark.parametrize("uid", ["fbfJHSPpUQD", "a1234567890", "Zzzzzzzzzzz"])
def test_valid_uids(uid: str) -> None:
    assert identifier_check(uid, scheme="UID", entry="x") == uid


@pytest.mark.parametrize(
    "bad", ["1bfJHSPpUQD", "fbfJHSPpUQ", "fbfJHSPpUQDx", "fbfJHSP-UQD", "", "SDA_STUNTING_N"]
)
def test_bad_uids(bad: str) -> None:
    with pytest.raises(Dhis2Error):
        identifier_check(bad, scheme="UID", entry="x")


def test_uid_scheme_names_the_bad_entry() -> None:
    mapping = _mapping(
        data_elements={
            ("stunting", "numerator"): DataElementTarget("fbfJHSPpUQD"),
            ("stunting", "denominator"): DataElementTarget("SDA_STUNTING_D"),  # a code, not a UID
        },
        org_units={("desa", DESA_A): "DiszpKrYNg8"},
        data_element_scheme="UID",
        org_unit_scheme="UID",
    )
    with pytest.raises(Dhis2Error) as err:
        data_value_set_build(figures=FIGURES[:1], mapping=mapping, period="2024Q4")
    assert err.value.code == "invalid_identifier"
    assert "stunting.denominator" in err.value.message_en and "SDA_STUNTING_D" in err.value.message_en
    assert "stunting.denominator" in err.value.message_id


def test_uid_scheme_checks_org_units_and_combos_too() -> None:
    good_de = {("stunting", "numerator"): DataElementTarget("fbfJHSPpUQD", "bad combo")}
    with pytest.raises(Dhis2Error, match=r"category option combo stunting\.numerator"):
        data_value_set_build(
            figures=[], mapping=_mapping(data_elements=good_de, data_element_scheme="UID"), period="2024Q4"
        )
    with pytest.raises(Dhis2Error, match=re.escape(f"org unit desa {DESA_A}")):
        data_value_set_build(figures=[], mapping=_mapping(org_unit_scheme="UID"), period="2024Q4")


def test_uid_payload_builds_and_query_names_the_schemes() -> None:
    mapping = _mapping(
        data_elements={("stunting", "numerator"): DataElementTarget("fbfJHSPpUQD")},
        org_units={("desa", DESA_A): "DiszpKrYNg8"},
        data_element_scheme="UID",
        org_unit_scheme="UID",
    )
    payload, _ = data_value_set_build(
        figures=FIGURES[:1], mapping=mapping, period="2024Q4", data_set="BfMAe6Itzgt"
    )
    assert payload["dataValues"] == [
        {"dataElement": "fbfJHSPpUQD", "period": "2024Q4", "orgUnit": "DiszpKrYNg8", "value": "3"}
    ]
    assert import_query(mapping, with_data_set=True) == (
        "dataElementIdScheme=UID&orgUnitIdScheme=UID&categoryOptionComboIdScheme=UID"
        "&dataSetIdScheme=UID&importStrategy=CREATE_AND_UPDATE"
    )
    assert import_query(_mapping(), with_data_set=False) == (
        "dataElementIdScheme=CODE&orgUnitIdScheme=CODE&categoryOptionComboIdScheme=CODE"
        "&importStrategy=CREATE_AND_UPDATE"
    )


@pytest.mark.parametrize("bad", ["", "  ", " SDA", "x" * 51])
def test_codes_must_be_non_blank_and_at_most_50(bad: str) -> None:
    with pytest.raises(Dhis2Error):
        identifier_check(bad, scheme="CODE", entry="x")
    assert identifier_check("x" * 50, scheme="CODE", entry="x") == "x" * 50
    assert identifier_check("61.07.01.2001", scheme="CODE", entry="x") == "61.07.01.2001"


def test_org_unit_rules() -> None:
    assert org_unit_from_rule("kemendagri_code", DESA_A) == DESA_A
    assert org_unit_from_rule("kemendagri_code_no_dots", DESA_A) == "6107012001"
    with pytest.raises(Dhis2Error):
        org_unit_from_rule("bps_code", DESA_A)


# --- the mapping file ---------------------------------------------------------------------------------


def test_shipped_mapping_file_is_valid_and_covers_every_rule(data_dir: Path) -> None:
    spec = mapping_file_parse(json.loads((data_dir / "interop" / "dhis2_mapping.json").read_text()))
    rules = {r["code"] for r in json.loads((data_dir / "flags" / "rules.json").read_text())["rules"]}
    mapped = {i for i, _ in spec.mapping.data_elements}
    # violence_case is left out on purpose (data/interop/README.md): it shows as unmapped.
    assert mapped == rules - {"violence_case"}
    assert all((i, m) in spec.mapping.data_elements for i in mapped for m in ("numerator", "denominator"))
    assert spec.org_unit_rules == {"desa": "kemendagri_code"}
    assert spec.mapping.data_element_scheme == "CODE" and spec.mapping.org_unit_scheme == "CODE"
    assert len({t.data_element for t in spec.mapping.data_elements.values()}) == len(
        spec.mapping.data_elements
    )


def test_mapping_file_with_uid_scheme_names_the_bad_entry() -> None:
    spec = {
        "id_scheme": {"data_element": "UID", "org_unit": "UID"},
        "data_elements": [
            {"indicator": "stunting", "measure": "numerator", "data_element": "fbfJHSPpUQD"},
            {"indicator": "stunting", "measure": "denominator", "data_element": "SDA_STUNTING_D"},
        ],
        "org_unit_overrides": [{"area_level": "desa", "area_code": DESA_A, "org_unit": "DiszpKrYNg8"}],
    }
    with pytest.raises(Dhis2Error, match=r"stunting\.denominator: 'SDA_STUNTING_D' is not a DHIS2 UID"):
        mapping_file_parse(spec)
    # a Kemendagri-code rule cannot give UIDs
    spec["data_elements"] = spec["data_elements"][:1]  # type: ignore[index]
    mapping_file_parse(spec)
    with pytest.raises(Dhis2Error, match="org_unit_overrides"):
        mapping_file_parse({**spec, "org_units": {"desa": "kemendagri_code"}})


@pytest.mark.parametrize(
    "spec",
    [
        {"id_scheme": {"data_element": "NAME"}},
        {"data_elements": [{"indicator": "stunting", "measure": "rate", "data_element": "X"}]},
        {
            "data_elements": [
                {"indicator": "stunting", "measure": "numerator", "data_element": "A"},
                {"indicator": "stunting", "measure": "numerator", "data_element": "B"},
            ]
        },
        {"org_units": {"provinsi": "kemendagri_code"}},
        {"org_units": {"desa": "bps"}},
        {"org_unit_overrides": [{"area_level": "desa", "org_unit": "X"}]},
        {"version": "1"},
    ],
)
def test_malformed_mapping_files_are_refused(spec: dict[str, object]) -> None:
    with pytest.raises(Dhis2Error):
        mapping_file_parse(spec)
