"""NIK and KK number rules (DOMAIN.md §3)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from satuanak.core.nik import KkNumber, Nik, NikError, build_niks, parse_niks, region_code_known

REF = date(2024, 12, 31)
DATA_DIR = Path(__file__).resolve().parents[4] / "data"


@pytest.mark.parametrize(
    ("text", "region", "born", "sex", "serial"),
    [
        ("6107011201150001", "61.07.01", date(2015, 1, 12), "L", 1),
        ("6107015201150002", "61.07.01", date(2015, 1, 12), "P", 2),  # female: day + 40
        ("6107043112239999", "61.07.04", date(2023, 12, 31), "L", 9999),  # 31-12
        ("6107177112230003", "61.07.17", date(2023, 12, 31), "P", 3),  # female 31-12 -> 71
        ("6172012902200004", "61.72.01", date(2020, 2, 29), "L", 4),  # leap day
        ("6107010101850001", "61.07.01", date(1985, 1, 1), "L", 1),  # 85 is in the future -> 1985
        ("'6107011201150001", "61.07.01", date(2015, 1, 12), "L", 1),  # Excel text apostrophe
        ("6107 0112 0115 0001", "61.07.01", date(2015, 1, 12), "L", 1),  # spaces
        ("61.07.01.120115.0001", "61.07.01", date(2015, 1, 12), "L", 1),  # dots
        ("6107011201150001.0", "61.07.01", date(2015, 1, 12), "L", 1),  # exact float rendering
    ],
)
def test_parse_valid(text: str, region: str, born: date, sex: str, serial: int) -> None:
    nik = Nik.parse(text, reference_date=REF)
    assert (nik.region_code, nik.birth_date, nik.sex, nik.serial) == (region, born, sex, serial)
    assert len(nik.value) == 16


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("610701120115000", "length"),  # 15 digits
        ("61070112011500011", "length"),  # 17 digits
        ("6.10701e+15", "exponent"),
        ("6,107011E+15", "exponent"),
        ("6107011201150000", "serial_zero"),
        ("6107013102150001", "bad_date"),  # 31 February
        ("6107012902230001", "bad_date"),  # 29-02-2023: not a leap year (1923 neither)
        ("6107011213150001", "bad_date"),  # month 13
        ("6107013201150001", "bad_date"),  # day 32 is neither male nor female+40
        ("6107010001150001", "bad_date"),  # day 00
        ("61070112O1150001", "non_digit"),  # letter O
        ("", "empty"),
        ("0107011201150001", "bad_region"),
        ("6100011201150001", "bad_region"),
    ],
)
def test_parse_invalid(text: str, code: str) -> None:
    with pytest.raises(NikError) as err:
        Nik.parse(text, reference_date=REF)
    assert err.value.code == code
    assert "/" in str(err.value)  # Bahasa Indonesia / English


def test_length_message_is_bilingual() -> None:
    with pytest.raises(NikError, match="NIK harus 16 digit / NIK must be 16 digits"):
        Nik.parse("123", reference_date=REF)


@settings(max_examples=300, deadline=None)
@given(
    kec=st.integers(min_value=1, max_value=17),
    born=st.dates(min_value=date(1925, 1, 1), max_value=REF),
    sex=st.sampled_from(["L", "P"]),
    serial=st.integers(min_value=1, max_value=9999),
)
def test_build_parse_round_trip(kec: int, born: date, sex: str, serial: int) -> None:
    code = f"61.07.{kec:02d}"
    text = Nik.build(kecamatan_code=code, birth_date=born, sex=sex, serial=serial)  # type: ignore[arg-type]
    nik = Nik.parse(text, reference_date=REF)
    assert (nik.region_code, nik.birth_date, nik.sex, nik.serial) == (code, born, sex, serial)
    # The vectorised builder and parser agree with the scalar ones.
    vec = build_niks(
        kecamatan_codes=np.array([code]),
        birth_dates=np.array([born], dtype="datetime64[D]"),
        sexes=np.array([sex]),
        serials=np.array([serial]),
    )
    assert vec[0] == text
    parsed = parse_niks(pl.Series([text]), reference_date=REF).row(0, named=True)
    assert parsed["valid"] and parsed["birth_date"] == born and parsed["sex"] == sex
    assert parsed["region_code"] == code


def test_parse_niks_matches_scalar_errors() -> None:
    texts = [
        "6107011201150001",
        "6.10701e+15",
        "610701120115000",
        "6107013102150001",
        "6107011201150000",
        "61070112O1150001",
        None,
    ]
    out = parse_niks(pl.Series(texts, dtype=pl.String), reference_date=REF)
    expected: list[str | None] = []
    for t in texts:
        try:
            Nik.parse(t or "", reference_date=REF)
            expected.append(None)
        except NikError as e:
            expected.append(e.code)
    assert out["error_code"].to_list() == expected
    assert out["valid"].to_list() == [e is None for e in expected]


def test_kk_number_round_trip_and_errors() -> None:
    text = KkNumber.build(kecamatan_code="61.07.08", issued=date(2019, 3, 7), serial=42)
    kk = KkNumber.parse(text, reference_date=REF)
    assert (kk.region_code, kk.issued, kk.serial) == ("61.07.08", date(2019, 3, 7), 42)
    with pytest.raises(NikError) as err:
        KkNumber.parse("6107083102190042", reference_date=REF)
    assert err.value.code == "kk_bad_date"


def test_region_code_known() -> None:
    assert region_code_known("61.07.01", data_dir=DATA_DIR)
    assert region_code_known("617201", data_dir=DATA_DIR)  # Singkawang
    assert not region_code_known("61.07.99", data_dir=DATA_DIR)
