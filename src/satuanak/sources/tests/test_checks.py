"""Each check on hand-made raw frames."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from satuanak.core.sources import Source
from satuanak.sources import ADAPTERS, HeaderError, ReferenceData, adapters_for, guess_adapter
from satuanak.sources.tests.helpers import DATA_DIR

TODAY = date(2024, 12, 31)
EPPGBM = ADAPTERS["eppgbm"]
REF = ReferenceData.from_data_dir(DATA_DIR)

# A clean e-PPGBM row (header spelling A): a girl born 12-03-2021 in Sungai Duri.
BASE = {
    "NO": "1",
    "NIK": "6107015203210001",
    "NAMA ANAK": "SITI AMINAH",
    "JK": "P",
    "TGL LAHIR": "12-03-2021",
    "NAMA ORTU": "NUR HALIZA",
    "DESA/KEL": "Sungai Duri",
    "POSYANDU": "Posyandu Anggrek Sungai Duri",
    "TGL UKUR": "2024-01-15",
    "BB": "12,5",
    "TB/PB": "90,1",
    "CARA UKUR": "Berdiri",
    "LILA": "14",
}


def raw(*rows: Mapping[str, str | None], base: Mapping[str, str | None] | None = None) -> pl.DataFrame:
    b = dict(BASE if base is None else base)
    data = [{**b, **r} for r in rows]
    df = pl.DataFrame(data, schema={k: pl.String for k in b})
    return df.with_columns(pl.int_range(1, df.height + 1, dtype=pl.Int64).alias("__row"))


def run(df: pl.DataFrame, adapter: str = "eppgbm"):  # type: ignore[no-untyped-def]
    res = ADAPTERS[adapter].validate(df, ref=REF, today=TODAY)
    assert res.accepted.height + res.rejected.height == df.height
    return res


def codes(df: pl.DataFrame, adapter: str = "eppgbm") -> list[str]:
    return run(df, adapter).issues["code"].to_list()


def test_clean_row_accepted_and_typed() -> None:
    res = run(raw({}))
    assert res.issues.height == 0, res.issues
    row = res.accepted.row(0, named=True)
    assert row["birth_date"] == date(2021, 3, 12)
    assert row["weight_kg"] == 12.5  # decimal comma
    assert row["height_cm"] == pytest.approx(90.1)
    assert row["sex"] == "P" and row["position"] == "standing"
    assert row["desa_code"] == "61.07.01.2001"
    assert row["person_key"] == "6107015203210001"
    assert row["natural_key"] == "6107015203210001|2024-01-15|posyandu anggrek sungai duri"


@pytest.mark.parametrize(
    ("nik", "code"),
    [
        ("610701520321000", "length"),
        ("61070152032100O1", "non_digit"),
        ("6.10701E+15", "exponent"),
        ("6107013203210001", "bad_date"),  # month 32
        ("6107015203210000", "serial_zero"),
        ("0107015203210001", "bad_region"),
    ],
)
def test_nik_structure(nik: str, code: str) -> None:
    res = run(raw({"NIK": nik}))
    assert code in res.issues["code"].to_list()
    issue = res.issues.filter(pl.col("code") == code).row(0, named=True)
    assert issue["column"] == "NIK" and issue["severity"] == "error" and issue["value"] == nik
    assert " / " in issue["message"]
    assert res.rejected.height == 1


def test_nik_decorations_accepted() -> None:
    res = run(
        raw(
            {"NIK": "'6107015203210001"},
            {"NIK": " 6107 0152 0321 0001 ", "NO": "2", "TGL UKUR": "2024-02-15"},
        )
    )
    assert res.errors.height == 0
    assert res.accepted["nik"].to_list() == ["6107015203210001"] * 2


def test_nik_region_unknown_is_warning() -> None:
    res = run(raw({"NIK": "6107995203210001"}))
    assert res.issues["code"].to_list() == ["nik_region_unknown"]
    assert res.issues["severity"].to_list() == ["warning"] and res.accepted.height == 1


def test_nik_birth_date_mismatch_names_both() -> None:
    res = run(raw({"TGL LAHIR": "13-03-2021"}))
    issue = res.issues.row(0, named=True)
    assert issue["code"] == "nik_birth_date_mismatch"
    assert "(12-03-2021)" in issue["message"] and "TGL LAHIR (13-03-2021)" in issue["message"]


def test_nik_sex_mismatch() -> None:
    res = run(raw({"JK": "L"}))
    assert res.issues["code"].to_list() == ["nik_sex_mismatch"]
    assert "JK (L)" in res.issues["message"][0]


@pytest.mark.parametrize(
    "text",
    [
        "12/03/2021",
        "12.03.2021",
        "2021/03/12",
        "12-03-21",
        "44267",
        "2021-03-12 00:00:00",
        "12 Maret 2021",
        "12-Mar-2021",
        "20210312",
    ],
)
def test_date_formats(text: str) -> None:
    res = run(raw({"TGL LAHIR": text}))
    assert res.errors.height == 0, res.issues
    assert res.accepted["birth_date"][0] == date(2021, 3, 12)


def test_bad_and_future_dates() -> None:
    res = run(
        raw(
            {"TGL UKUR": "31-02-2024"},
            {"NO": "2", "TGL UKUR": "besok"},
            {"NO": "3", "TGL UKUR": "01-01-2025"},
            {"NO": "4", "TGL UKUR": "01-01-2021"},
        )
    )
    got = dict(zip(res.issues["__row"].to_list(), res.issues["code"].to_list(), strict=True))
    assert got == {1: "bad_date", 2: "bad_date", 3: "future_date", 4: "before_birth"}


def test_birth_before_1900() -> None:
    df = raw(
        {"TGL_LHR": "01-01-1890", "NIK": "6107010101900001"},
        base={"NIK": None, "NAMA_LGKP": "A", "JENIS_KLMIN": "LAKI-LAKI", "TGL_LHR": None},
    )
    assert "too_old" in codes(df, "siak")


def test_numbers() -> None:
    res = run(raw({"BB": "dua belas"}, {"NO": "2", "TGL UKUR": "2024-02-15", "LILA": "99"}))
    assert sorted(res.issues["code"].to_list()) == ["bad_number", "out_of_range"]


def test_implausible_and_over_five() -> None:
    res = run(
        raw(
            {"BB": "125"},  # weight in the wrong unit
            {"NO": "2", "TGL UKUR": "2024-02-15", "TB/PB": "0,91"},  # height in metres
            {"NO": "3", "TGL UKUR": "2024-03-15", "BB": "0"},
            {"NO": "4", "TGL UKUR": "2024-04-15", "TGL LAHIR": "12-03-2018", "NIK": "6107015203180001"},
        )
    )
    by_row = res.issues.group_by("__row").agg(pl.col("code")).sort("__row")
    assert all("implausible_measurement" in c for c in by_row["code"].to_list()[:3])
    assert res.issues.filter(pl.col("__row") == 4)["code"].to_list() == ["over_five"]
    msg = res.issues.filter(pl.col("__row") == 1)["message"][0]
    assert "BB/U" in msg and "weight-for-age" in msg


def test_position_missing_or_variant() -> None:
    res = run(raw({"CARA UKUR": None}, {"NO": "2", "TGL UKUR": "2024-02-15", "CARA UKUR": "h"}))
    assert res.errors.height == 0
    assert res.accepted["position"].to_list() == [None, "standing"]


def test_desa_checks() -> None:
    res = run(
        raw(
            {"DESA/KEL": "Atlantis"},
            {"NO": "2", "TGL UKUR": "2024-02-15", "DESA/KEL": "61.07.01.2001"},
            {"NO": "3", "TGL UKUR": "2024-03-15", "DESA/KEL": "SUNGAI  duri"},
            {"NO": "4", "TGL UKUR": "2024-04-15", "DESA/KEL": "Suka Maju"},
        )
    )
    got = dict(zip(res.issues["__row"].to_list(), res.issues["code"].to_list(), strict=True))
    assert got == {1: "unknown_desa", 4: "ambiguous_desa"}
    assert res.accepted["desa_code"].to_list() == ["61.07.01.2001", "61.07.01.2001", None]


def test_ambiguous_desa_resolved_by_kecamatan() -> None:
    codes_ = [c for c, (n, _k) in REF.desa_by_code.items() if n == "Suka Maju"]
    kec = REF.desa_by_code[codes_[0]][1]
    b = {**BASE, "KECAMATAN": REF.kecamatan_names[kec]}
    res = run(raw({"DESA/KEL": "Suka Maju"}, base=b))
    assert res.issues.height == 0
    assert res.accepted["desa_code"][0] == codes_[0]


def test_unknown_posyandu_school_puskesmas() -> None:
    assert codes(raw({"POSYANDU": "Posyandu Mawar Atlantis"})) == ["unknown_posyandu"]
    assert codes(raw({"POSYANDU": "anggrek sungai duri"})) == []
    dap = {"NISN": "0123456789", "NAMA": "A", "JK": "L", "TANGGAL LAHIR": "2015-01-01", "NPSN": "99000001"}
    assert codes(raw({"NPSN": "12345678"}, base=dap), "dapodik") == ["unknown_school"]
    assert codes(raw({"NISN": "12345"}, base=dap), "dapodik") == ["bad_nisn"]
    kia = {"NAMA IBU": "A", "HPHT": "2024-03-01", "PUSKESMAS": "PKM Atlantis"}
    assert codes(raw({}, base=kia), "kia_kehamilan") == ["unknown_puskesmas"]
    assert codes(raw({"PUSKESMAS": "puskesmas sungai duri"}, base=kia), "kia_kehamilan") == []


def test_choices() -> None:
    res = run(raw({"JK": "X"}))
    issue = res.issues.row(0, named=True)
    assert issue["code"] == "bad_choice" and "L, P" in issue["message"]
    for spelling in ("Perempuan", "PEREMPUAN", "p", "F", "2"):
        assert codes(raw({"JK": spelling})) == []
    imm = {
        "NAMA": "A",
        "TGL LAHIR": "2024-01-01",
        "JK": "L",
        "JENIS VAKSIN": "x",
        "TGL PEMBERIAN": "2024-03-01",
    }
    got = run(
        raw(
            {"JENIS VAKSIN": "DPT-HB-Hib 1"},
            {"JENIS VAKSIN": "DPT-HB-HIB2"},
            {"JENIS VAKSIN": "Polio 1"},
            {"JENIS VAKSIN": "OPV 2"},
            {"JENIS VAKSIN": "Campak Rubela 1"},
            {"JENIS VAKSIN": "MR 2"},
            base=imm,
        ),
        "imunisasi",
    )
    assert got.accepted["vaccine"].to_list() == ["DPT-HB-Hib1", "DPT-HB-Hib2", "OPV1", "OPV2", "MR1", "MR2"]
    kia = {"NAMA IBU": "A", "HPHT": "2024-03-01", "KEK": "ya"}
    assert run(
        raw({}, {"KEK": "Tidak", "NAMA IBU": "B"}, {"KEK": "mungkin", "NAMA IBU": "C"}, base=kia),
        "kia_kehamilan",
    ).issues["code"].to_list() == ["bad_choice"]


def test_empty_row_and_required() -> None:
    empty = {k: None for k in BASE}
    res = run(raw({}, empty, {"NAMA ANAK": None, "NO": "3", "TGL UKUR": "2024-03-15"}))
    got = list(zip(res.issues["__row"].to_list(), res.issues["code"].to_list(), strict=True))
    assert got == [(2, "empty_row"), (3, "required")]
    assert res.rejected["__row"].to_list() == [2, 3]
    assert res.rejected.columns == raw({}).columns  # rejected rows whole, as read


def test_duplicate_row_and_key() -> None:
    res = run(
        raw(
            {},
            {"NO": "2", "TGL LAHIR": "2021-03-12"},  # same content in another spelling, other row number
            {"NO": "3", "BB": "13"},  # same child, date and posyandu, other weight
        )
    )
    got = list(zip(res.issues["__row"].to_list(), res.issues["code"].to_list(), strict=True))
    assert got == [(2, "duplicate_row"), (3, "duplicate_key")]
    assert "baris 1" in res.issues["message"][0] and "row 1" in res.issues["message"][1]
    assert res.accepted["__row"].to_list() == [1]


def test_person_key_without_nik() -> None:
    res = run(raw({"NIK": None, "NAMA ANAK": "Siti  Aminah.", "NAMA ORTU": "Nur-Haliza"}))
    assert res.accepted["person_key"][0] == "n:siti aminah|2021-03-12|nurhaliza"


def test_header_aliases() -> None:
    renamed = {
        "no.": "1",
        "Nik Anak": BASE["NIK"],
        "nama_anak": "SITI",
        "jenis  kelamin": "P",
        "Tgl. Lahir": "12-03-2021",
        "NAMA IBU": "NUR",
        "Desa": "Sungai Duri",
        "posyandu": BASE["POSYANDU"],
        "Tanggal Pengukuran": "15/01/2024",
        "Berat Badan (kg)": "12.5",
        "tb (cm)": "90",
        "Posisi": "standing",
        "Extra Column": "x",
    }
    m = EPPGBM.match_headers(list(renamed))
    assert m.missing == [] and m.unknown == ["Extra Column"]
    res = run(raw({}, base=renamed))
    assert res.issues.height == 0 and res.accepted.height == 1


def test_wrong_source_and_missing_columns() -> None:
    dap_headers = [
        "NO",
        "NISN",
        "NIK",
        "NAMA",
        "JK",
        "TEMPAT LAHIR",
        "TANGGAL LAHIR",
        "NAMA IBU KANDUNG",
        "NPSN",
        "NAMA SEKOLAH",
        "JENJANG",
        "TINGKAT/KELAS",
        "STATUS",
    ]
    df = pl.DataFrame({h: ["x"] for h in dap_headers}).with_columns(pl.lit(1, dtype=pl.Int64).alias("__row"))
    with pytest.raises(HeaderError) as exc:
        EPPGBM.validate(df, ref=REF, today=TODAY)
    assert exc.value.code == "wrong_source" and exc.value.other == "dapodik"
    assert "DAPODIK" in exc.value.message and "e-PPGBM" in exc.value.message
    with pytest.raises(HeaderError) as exc2:
        EPPGBM.validate(raw({}).drop("BB"), ref=REF, today=TODAY)
    assert exc2.value.code == "missing_columns" and exc2.value.missing == ["weight_kg"]
    assert "BB" in exc2.value.message


def test_registry() -> None:
    assert [a.name for a in adapters_for(Source.KIA)] == ["kia_kehamilan", "kia_persalinan"]
    assert guess_adapter(list(BASE)) is EPPGBM
    assert guess_adapter(["foo", "bar"]) is None
    assert EPPGBM.header_score(["", "LAPORAN HASIL PENIMBANGAN BALITA"]) == 0
    assert EPPGBM.header_score(list(BASE)) == 13


@pytest.mark.parametrize("name", sorted(ADAPTERS))
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_random_frames_never_lose_rows(name: str, data: st.DataObject) -> None:
    adapter = ADAPTERS[name]
    n = data.draw(st.integers(0, 12))
    cell = st.one_of(
        st.none(),
        st.text(max_size=12),
        st.sampled_from(["", " ", "0", "12,5", "2024-01-01", "L", "6107015203210001", "Suka Maju", "45322"]),
    )
    cols = {c.label: data.draw(st.lists(cell, min_size=n, max_size=n)) for c in adapter.columns}
    df = pl.DataFrame(cols, schema={k: pl.String for k in cols}).with_columns(
        pl.int_range(1, n + 1, dtype=pl.Int64).alias("__row")
    )
    res = adapter.validate(df, ref=REF, today=TODAY)
    assert res.accepted.height + res.rejected.height == n
    err = set(res.issues.filter(pl.col("severity") == "error")["__row"].to_list())
    assert set(res.rejected["__row"].to_list()) == err
