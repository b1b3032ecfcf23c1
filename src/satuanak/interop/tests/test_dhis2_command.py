"""`satuanak dhis2 load-mapping | export`: writes the payload, prints the report, and fails with
a Bahasa Indonesia message (and a non-zero exit, no traceback) on user errors."""

from __future__ import annotations

import json
from datetime import date
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from satuanak.flags.models import FlagAggregate, FlagRule
from satuanak.interop.management.commands.dhis2 import Command

pytestmark = pytest.mark.django_db


@pytest.fixture
def quarter(reference_data: None) -> None:
    FlagRule.objects.create(
        code="stunting", version=1, valid_from=date(2020, 1, 1), title_id="s", title_en="s"
    )
    for area, n, d in (("61.07.01.2001", 3, 41), ("61.07.01.2004", 0, 17), ("61.07.99.9999", 2, 9)):
        FlagAggregate.objects.create(
            code="stunting",
            period="2024Q4",
            level="desa",
            area_code=area,
            numerator=n,
            denominator=d,
            rate=n / d,
        )


def _run(*args: str) -> str:
    out = StringIO()
    call_command("dhis2", *args, stdout=out)
    return out.getvalue()


def test_load_then_export_writes_the_file(quarter: None, tmp_path: Path) -> None:
    first = _run("load-mapping")
    assert "org_units: 124 baru / new" in first
    assert "124 sama / unchanged" in _run("load-mapping")  # idempotent
    out = tmp_path / "dvs.json"
    text = _run("export", "--period", "2024Q4", "--out", str(out))
    payload = json.loads(out.read_text(encoding="utf-8"))
    assert payload["period"] == "2024Q4"
    assert {(v["dataElement"], v["orgUnit"], v["value"]) for v in payload["dataValues"]} == {
        ("SDA_STUNTING_N", "61.07.01.2001", "3"),
        ("SDA_STUNTING_D", "61.07.01.2001", "41"),
        ("SDA_STUNTING_N", "61.07.01.2004", "0"),
        ("SDA_STUNTING_D", "61.07.01.2004", "17"),
    }
    assert "4 nilai / data values" in text
    # the area with no org unit is named, not dropped
    assert "tanpa org unit / no org unit: desa 61.07.99.9999 (2)" in text
    assert (
        "POST {dhis2}/api/dataValueSets?dataElementIdScheme=CODE&orgUnitIdScheme=CODE"
        "&categoryOptionComboIdScheme=CODE&dataSetIdScheme=CODE&importStrategy=CREATE_AND_UPDATE"
    ) in text


def test_unknown_period_exits_non_zero_with_a_clear_message(
    quarter: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _run("load-mapping")
    out = tmp_path / "never.json"
    with pytest.raises(SystemExit) as exit_:
        Command().run_from_argv(["satuanak", "dhis2", "export", "--period", "2023Q1", "--out", str(out)])
    assert exit_.value.code != 0
    err = capsys.readouterr().err
    assert "Tidak ada agregat penanda untuk periode 2023Q1" in err
    assert "No flag aggregates for period 2023Q1" in err
    assert "Traceback" not in err
    assert not out.exists()


def test_bad_mapping_file_exits_non_zero(
    quarter: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "m.json"
    bad.write_text(
        '{"id_scheme": {"data_element": "UID"}, "data_elements": '
        '[{"indicator": "stunting", "measure": "numerator", "data_element": "SDA_STUNTING_N"}]}'
    )
    with pytest.raises(SystemExit) as exit_:
        Command().run_from_argv(["satuanak", "dhis2", "load-mapping", "--file", str(bad)])
    assert exit_.value.code != 0
    err = capsys.readouterr().err
    assert "bukan UID DHIS2" in err and "stunting.numerator" in err and "Traceback" not in err
