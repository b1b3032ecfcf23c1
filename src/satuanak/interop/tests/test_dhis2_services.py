"""dhis2/services.py: the mapping loader and the export from FlagAggregate rows, on a
hand-built quarter of a few desa."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from satuanak.flags.models import FlagAggregate, FlagRule
from satuanak.interop.dhis2.services import Dhis2Error, data_value_set, dhis2_mapping_load
from satuanak.interop.models import Dhis2DataElement, Dhis2OrgUnit
from satuanak.regions.models import Desa

pytestmark = pytest.mark.django_db

# (code, period, level, area, numerator, denominator)
ROWS: list[tuple[str, str, str, str, int, int]] = [
    ("stunting", "2024Q4", "desa", "61.07.01.2001", 3, 41),
    ("stunting", "2024Q4", "desa", "61.07.01.2004", 0, 17),
    ("stunting", "2024Q4", "desa", "61.07.02.2001", 12, 60),
    ("no_akta", "2024Q4", "desa", "61.07.01.2001", 5, 230),
    ("no_akta", "2024Q4", "desa", "61.07.02.2001", 9, 301),
    ("violence_case", "2024Q4", "desa", "61.07.01.2001", 1, 230),
    ("stunting", "2024Q4", "kecamatan", "61.07.01", 3, 58),
    ("stunting", "2024Q4", "district", "61.07", 16, 125),
    ("stunting", "2024Q3", "desa", "61.07.01.2001", 4, 39),
]


@pytest.fixture
def quarter(reference_data: None) -> list[FlagAggregate]:
    for code in ("stunting", "no_akta", "violence_case"):
        FlagRule.objects.create(
            code=code, version=1, valid_from=date(2020, 1, 1), title_id=code, title_en=code
        )
    return [
        FlagAggregate.objects.create(
            code=c,
            period=p,
            level=lv,
            area_code=a,
            numerator=n,
            denominator=d,
            rate=n / d,
            ci_low=None,
            ci_high=None,
        )
        for c, p, lv, a, n, d in ROWS
    ]


@pytest.fixture
def loaded(quarter: list[FlagAggregate]) -> dict[str, Any]:
    return dhis2_mapping_load()


def _values(payload: dict[str, Any]) -> dict[tuple[str, str], str]:
    return {(v["dataElement"], v["orgUnit"]): v["value"] for v in payload["dataValues"]}


# --- loader --------------------------------------------------------------------------------------


def test_loader_writes_every_data_element_and_desa(loaded: dict[str, Any]) -> None:
    desa = Desa.objects.count()
    assert desa == 124
    assert loaded["data_elements"]["created"] == Dhis2DataElement.objects.count() == 26
    assert loaded["org_units"]["created"] == Dhis2OrgUnit.objects.count() == desa
    row = Dhis2OrgUnit.objects.get(area_level="desa", area_code="61.07.01.2001")
    assert row.org_unit == "61.07.01.2001"  # the default: the Kemendagri code
    de = Dhis2DataElement.objects.get(indicator="stunting", measure="numerator")
    assert (de.data_element, de.category_option_combo) == ("SDA_STUNTING_N", "")
    assert not Dhis2DataElement.objects.filter(indicator="violence_case").exists()


def test_loader_is_idempotent(loaded: dict[str, Any]) -> None:
    before = list(Dhis2OrgUnit.objects.values_list("area_level", "area_code", "org_unit", "pk"))
    before_de = list(
        Dhis2DataElement.objects.values_list("indicator", "measure", "data_element", "note", "pk")
    )
    again = dhis2_mapping_load()
    assert again["data_elements"] == {"created": 0, "updated": 0, "kept": 0, "unchanged": 26}
    assert again["org_units"] == {"created": 0, "updated": 0, "kept": 0, "unchanged": 124}
    assert again["kept"] == []
    assert list(Dhis2OrgUnit.objects.values_list("area_level", "area_code", "org_unit", "pk")) == before
    assert (
        list(Dhis2DataElement.objects.values_list("indicator", "measure", "data_element", "note", "pk"))
        == before_de
    )


def test_steward_edits_are_kept_unless_replace(loaded: dict[str, Any]) -> None:
    Dhis2OrgUnit.objects.filter(area_code="61.07.01.2004").update(org_unit="PKM_SUNGAI_JAGA_A")
    Dhis2DataElement.objects.filter(indicator="no_akta", measure="numerator").update(
        data_element="AKTA_BELUM"
    )
    kept = dhis2_mapping_load()
    assert kept["org_units"]["kept"] == 1 and kept["data_elements"]["kept"] == 1
    assert {k["entry"] for k in kept["kept"]} == {"desa 61.07.01.2004", "no_akta.numerator"}
    assert Dhis2OrgUnit.objects.get(area_code="61.07.01.2004").org_unit == "PKM_SUNGAI_JAGA_A"

    replaced = dhis2_mapping_load(replace=True)
    assert replaced["org_units"]["updated"] == 1 and replaced["data_elements"]["updated"] == 1
    assert Dhis2OrgUnit.objects.get(area_code="61.07.01.2004").org_unit == "61.07.01.2004"
    assert (
        Dhis2DataElement.objects.get(indicator="no_akta", measure="numerator").data_element == "SDA_NO_AKTA_N"
    )


def test_loader_overrides_and_other_rules(quarter: list[FlagAggregate], tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    path.write_text(
        json.dumps(
            {
                "version": 2,
                "id_scheme": {"data_element": "CODE", "org_unit": "CODE"},
                "data_set": None,
                "data_elements": [{"indicator": "stunting", "measure": "numerator", "data_element": "ST_N"}],
                "org_units": {"desa": "kemendagri_code_no_dots", "district": "kemendagri_code"},
                "org_unit_overrides": [
                    {"area_level": "desa", "area_code": "61.07.01.2001", "org_unit": "OU_A"}
                ],
            }
        )
    )
    report = dhis2_mapping_load(path)
    assert report["org_units"]["created"] == 125  # 124 desa + the district
    assert Dhis2OrgUnit.objects.get(area_code="61.07.01.2001").org_unit == "OU_A"
    assert Dhis2OrgUnit.objects.get(area_code="61.07.01.2004").org_unit == "6107012004"
    assert Dhis2OrgUnit.objects.get(area_level="district").org_unit == "61.07"


def test_loader_refuses_a_bad_uid_and_writes_nothing(quarter: list[FlagAggregate], tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    path.write_text(
        json.dumps(
            {
                "id_scheme": {"data_element": "UID", "org_unit": "UID"},
                "data_elements": [
                    {"indicator": "stunting", "measure": "numerator", "data_element": "not-a-uid"}
                ],
                "org_unit_overrides": [],
            }
        )
    )
    with pytest.raises(Dhis2Error) as err:
        dhis2_mapping_load(path)
    assert err.value.code == "invalid_identifier" and "stunting.numerator" in err.value.message_en
    assert not Dhis2DataElement.objects.exists()
    with pytest.raises(Dhis2Error) as missing:
        dhis2_mapping_load(tmp_path / "none.json")
    assert missing.value.code == "mapping_file_missing"


# --- export --------------------------------------------------------------------------------------


def test_payload_values_equal_the_aggregates(loaded: dict[str, Any]) -> None:
    payload, report = data_value_set(period="2024Q4")
    expected = {}
    for c, p, lv, a, n, d in ROWS:
        if p == "2024Q4" and lv == "desa" and c != "violence_case":
            expected[(f"SDA_{c.upper()}_N", a)] = str(n)
            expected[(f"SDA_{c.upper()}_D", a)] = str(d)
    assert _values(payload) == expected
    assert len(payload["dataValues"]) == len(expected)  # each figure once
    assert payload["period"] == "2024Q4" and payload["dataSet"] == "SDA_ANAK_TRIWULAN"
    assert {v["period"] for v in payload["dataValues"]} == {"2024Q4"}
    assert report["sent"] == 10 and report["figures"] == 12
    assert report["sent_by_indicator"] == {"no_akta": 4, "stunting": 6}
    assert report["org_units_sent"] == 3
    assert report["figures"] == report["sent"] + report["unmapped"]["count"]


def test_unmapped_indicator_and_area_are_reported(loaded: dict[str, Any]) -> None:
    Dhis2OrgUnit.objects.filter(area_code="61.07.02.2001").delete()
    payload, report = data_value_set(period="2024Q4")
    unmapped = report["unmapped"]
    # violence_case (2 figures) and everything of 61.07.02.2001 (stunting and no_akta: 4 figures)
    assert unmapped["count"] == 6
    assert unmapped["by_indicator"] == [
        {"indicator": "violence_case", "measure": "denominator", "figures": 1},
        {"indicator": "violence_case", "measure": "numerator", "figures": 1},
    ]
    assert unmapped["by_area"] == [{"area_level": "desa", "area_code": "61.07.02.2001", "figures": 4}]
    assert "61.07.02.2001" not in {v["orgUnit"] for v in payload["dataValues"]}
    assert report["figures"] == report["sent"] + unmapped["count"] == 12


def test_report_states_schemes_and_query(loaded: dict[str, Any]) -> None:
    _, report = data_value_set(period="2024Q4")
    assert report["id_scheme"] == {
        "data_element": "CODE",
        "org_unit": "CODE",
        "category_option_combo": "CODE",
        "data_set": "CODE",
    }
    assert report["query"] == (
        "dataElementIdScheme=CODE&orgUnitIdScheme=CODE&categoryOptionComboIdScheme=CODE"
        "&dataSetIdScheme=CODE&importStrategy=CREATE_AND_UPDATE"
    )
    assert report["period"] == "2024Q4" and report["period_type"] == "Quarterly"
    payload, no_set = data_value_set(period="2024Q4", data_set="")
    assert "dataSet" not in payload and "dataSetIdScheme" not in no_set["query"]


def test_indicator_filter_and_other_levels(loaded: dict[str, Any]) -> None:
    payload, _ = data_value_set(period="2024Q4", indicators=["no_akta"])
    assert {v["dataElement"] for v in payload["dataValues"]} == {"SDA_NO_AKTA_N", "SDA_NO_AKTA_D"}
    # kecamatan has no org units by default: reported, not sent
    payload, report = data_value_set(period="2024Q4", level="kecamatan")
    assert payload["dataValues"] == []
    assert report["unmapped"]["by_area"] == [
        {"area_level": "kecamatan", "area_code": "61.07.01", "figures": 2}
    ]
    Dhis2OrgUnit.objects.create(area_level="district", area_code="61.07", org_unit="61.07")
    payload, _ = data_value_set(period="2024Q4", level="district")
    assert _values(payload) == {("SDA_STUNTING_N", "61.07"): "16", ("SDA_STUNTING_D", "61.07"): "125"}


def test_quarterly_and_yearly_periods(loaded: dict[str, Any]) -> None:
    q3, report = data_value_set(period="2024Q3")
    assert report["period_type"] == "Quarterly"
    assert _values(q3) == {
        ("SDA_STUNTING_N", "61.07.01.2001"): "4",
        ("SDA_STUNTING_D", "61.07.01.2001"): "39",
    }
    # Flags are per quarter: a year is exported only when aggregates were stored for it.
    with pytest.raises(Dhis2Error) as err:
        data_value_set(period="2024")
    assert err.value.code == "unknown_period" and "per quarter" in err.value.message_en
    FlagAggregate.objects.create(
        code="stunting",
        period="2024",
        level="desa",
        area_code="61.07.01.2001",
        numerator=6,
        denominator=50,
        rate=0.12,
    )
    yearly, report = data_value_set(period="2024", data_set="")
    assert report["period_type"] == "Yearly" and yearly["period"] == "2024"
    assert _values(yearly) == {
        ("SDA_STUNTING_N", "61.07.01.2001"): "6",
        ("SDA_STUNTING_D", "61.07.01.2001"): "50",
    }


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"period": "2023Q1"}, "unknown_period"),
        ({"period": "2024-12"}, "invalid_period"),
        ({"period": "2024Q4", "level": "provinsi"}, "invalid_level"),
        ({"period": "2024Q4", "indicators": ["stunting", "bogus"]}, "unknown_indicator"),
    ],
)
def test_user_errors_are_clear(loaded: dict[str, Any], kwargs: dict[str, Any], code: str) -> None:
    with pytest.raises(Dhis2Error) as err:
        data_value_set(**kwargs)
    assert err.value.code == code
    assert err.value.message_id and err.value.message_en and err.value.message_id != err.value.message_en


def test_unknown_period_names_the_periods_available(loaded: dict[str, Any]) -> None:
    with pytest.raises(Dhis2Error) as err:
        data_value_set(period="2023Q1")
    assert "Periode tersedia: 2024Q4, 2024Q3" in err.value.message_id


def test_export_without_a_loaded_mapping_says_so(quarter: list[FlagAggregate]) -> None:
    with pytest.raises(Dhis2Error) as err:
        data_value_set(period="2024Q4")
    assert err.value.code == "mapping_empty" and "load-mapping" in err.value.message_id


def test_a_steward_row_that_breaks_the_scheme_stops_the_export(loaded: dict[str, Any]) -> None:
    Dhis2OrgUnit.objects.filter(area_code="61.07.01.2004").update(org_unit=" ")
    with pytest.raises(Dhis2Error) as err:
        data_value_set(period="2024Q4")
    assert err.value.code == "invalid_identifier" and "61.07.01.2004" in err.value.message_en
