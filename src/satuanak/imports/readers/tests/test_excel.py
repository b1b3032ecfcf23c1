"""Excel reader: title rows, typed cells to text, sheets, damaged and disguised files."""

from __future__ import annotations

import datetime as dt
import zipfile
from collections.abc import Sequence
from pathlib import Path

import openpyxl
import pytest

from satuanak.imports.readers import ROW, ReadError, read_table
from satuanak.imports.readers.excel import HAVE_FASTEXCEL, cell_text, read_excel_table

KNOWN = {"NIK", "NAMA", "TGL LAHIR", "JK", "BB", "TB", "NO"}


def naive(y: int, m: int, d: int, hh: int = 0, mm: int = 0, ss: int = 0) -> dt.datetime:
    return dt.datetime(y, m, d, hh, mm, ss)  # noqa: DTZ001 - Excel cells carry no time zone


def score(cells: Sequence[str]) -> int:
    return sum(1 for c in cells if c.upper() in KNOWN)


def workbook(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Rekap"
    ws["A1"] = "LAPORAN HASIL PENIMBANGAN BALITA"
    ws["A2"] = "PUSKESMAS LEDO — PERIODE JANUARI 2024"
    ws.append(["NO", "NIK", "NAMA", "TGL LAHIR", "BB", "TB", "AKTIF", "JAM", "  NAMA  ", None])
    ws.append(
        [1, 6107011707140015, "  BUDI  ", dt.date(2020, 1, 2), 10.5, 80, True, naive(2024, 1, 2, 8, 30)]
    )
    ws.append([2, "'6107011707140015", "SITI", "02/01/2020", 9.25, 78.0, False, None, "x"])
    ws.append([])
    ws.append([None, None, "   "])
    ws.append([4, 6.10701e15, "AGUS", naive(2019, 5, 6), 1e-7, 1e20])
    ws2 = wb.create_sheet("Persalinan")
    ws2.append(["JUDUL KEDUA"])
    ws2.append(["NIK", "NAMA"])
    ws2.append(["1", "A"])
    wb.save(path)
    return path


ENGINES = ["fastexcel", "calamine"] if HAVE_FASTEXCEL else ["calamine"]


@pytest.mark.parametrize("engine", ENGINES)
def test_title_rows_types_and_row_numbers(tmp_path: Path, engine: str) -> None:
    p = workbook(tmp_path / "gizi.xlsx")
    t = read_excel_table(p, header_score=score, engine=engine)
    assert t.sheet == "Rekap"
    assert t.header_row == 3
    assert t.encoding is None and t.delimiter is None
    assert t.frame.columns == [ROW, "NO", "NIK", "NAMA", "TGL LAHIR", "BB", "TB", "AKTIF", "JAM", "kolom_9"]
    assert t.frame.rows() == [
        (4, "1", "6107011707140015", "BUDI", "2020-01-02", "10.5", "80", "TRUE", "2024-01-02 08:30:00", None),
        (5, "2", "'6107011707140015", "SITI", "02/01/2020", "9.25", "78", "FALSE", None, "x"),
        (
            8,
            "4",
            "6107010000000000",
            "AGUS",
            "2019-05-06",
            "0.0000001",
            "100000000000000000000",
            None,
            None,
            None,
        ),
    ]
    assert t.blank_rows_skipped == 2


def test_default_reader_without_score(tmp_path: Path) -> None:
    t = read_table(workbook(tmp_path / "gizi.xlsx"))
    assert t.header_row == 3  # the title rows have one cell each
    assert t.frame.height == 3


@pytest.mark.parametrize("engine", ENGINES)
def test_named_sheet_case_insensitive(tmp_path: Path, engine: str) -> None:
    p = workbook(tmp_path / "kia.xlsx")
    t = read_excel_table(p, sheet=" persalinan ", engine=engine)
    assert t.sheet == "Persalinan"
    assert t.header_row == 2
    assert t.frame.rows() == [(3, "1", "A")]


def test_unknown_sheet_lists_the_sheets(tmp_path: Path) -> None:
    with pytest.raises(ReadError) as e:
        read_table(workbook(tmp_path / "kia.xlsx"), sheet="IBU HAMIL")
    assert e.value.code == "sheet_not_found"
    assert "'Rekap'" in e.value.message and "'Persalinan'" in e.value.message


def test_header_only_and_leading_blank_area(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws["C4"] = "NIK"
    ws["D4"] = "NAMA"
    wb.save(tmp_path / "h.xlsx")
    t = read_table(tmp_path / "h.xlsx")
    assert t.header_row == 4
    assert t.frame.height == 0
    assert t.frame.columns == [ROW, "NIK", "NAMA"]


def test_empty_sheet_has_no_header(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.save(tmp_path / "e.xlsx")
    with pytest.raises(ReadError) as e:
        read_table(tmp_path / "e.xlsx")
    assert e.value.code == "no_header"


def test_truncated_xlsx(tmp_path: Path) -> None:
    p = workbook(tmp_path / "full.xlsx")
    data = p.read_bytes()
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(ReadError) as e:
        read_table(cut)
    assert e.value.code == "truncated"


def test_corrupt_sheet_xml_is_truncated(tmp_path: Path) -> None:
    src = workbook(tmp_path / "full.xlsx")
    bad = tmp_path / "bad.xlsx"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(bad, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data[: len(data) // 2]
            zout.writestr(item, data)
    with pytest.raises(ReadError) as e:
        read_table(bad)
    assert e.value.code == "truncated"


def test_zip_renamed_xlsx_is_wrong_type(tmp_path: Path) -> None:
    p = tmp_path / "data.xlsx"
    with zipfile.ZipFile(p, "w") as zf:
        zf.writestr("readme.txt", "hello")
        zf.writestr("data.csv", "NIK;NAMA\n1;A\n")
    with pytest.raises(ReadError) as e:
        read_table(p)
    assert e.value.code == "wrong_type"


def test_docx_renamed_xlsx_is_wrong_type(tmp_path: Path) -> None:
    p = tmp_path / "data.xlsx"
    with zipfile.ZipFile(p, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", "<w:document/>")
    with pytest.raises(ReadError) as e:
        read_table(p)
    assert e.value.code == "wrong_type"


def test_garbage_ole2_is_an_error_not_a_crash(tmp_path: Path) -> None:
    p = tmp_path / "data.xls"
    p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600))
    with pytest.raises(ReadError) as e:
        read_table(p)
    assert e.value.code in ("truncated", "wrong_type")


def test_xlsx_content_with_csv_extension(tmp_path: Path) -> None:
    src = workbook(tmp_path / "gizi.xlsx")
    p = tmp_path / "gizi.csv"
    p.write_bytes(src.read_bytes())
    assert read_table(p).sheet == "Rekap"


def test_cell_text() -> None:
    assert cell_text(6107011707140015.0) == "6107011707140015"
    assert cell_text(1.5) == "1.5"
    assert cell_text(1e-7) == "0.0000001"
    assert cell_text(True) == "TRUE"
    assert cell_text("") is None
    assert cell_text(naive(2024, 1, 2)) == "2024-01-02"
    assert cell_text(naive(2024, 1, 2, 3, 4, 5)) == "2024-01-02 03:04:05"
    assert cell_text(dt.time(3, 4, 5)) == "03:04:05"
