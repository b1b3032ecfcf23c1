"""CSV reader: encodings, delimiters, quoting, header search, line numbers, ragged and odd files."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path

import polars as pl
import pytest

from satuanak.imports.readers import ROW, RawTable, ReadError, read_table

KNOWN = {"NIK", "NAMA", "TGL LAHIR", "JK", "NAMA IBU", "DESA", "BB", "TB"}


def score(cells: Sequence[str]) -> int:
    return sum(1 for c in cells if c.upper() in KNOWN)


def write(tmp_path: Path, content: str | bytes, name: str = "data.csv", encoding: str = "utf-8") -> Path:
    p = tmp_path / name
    p.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
    return p


def cells(t: RawTable) -> list[tuple[object, ...]]:
    return t.frame.rows()


@pytest.mark.parametrize("delim", [",", ";", "\t", "|"])
def test_delimiters(tmp_path: Path, delim: str) -> None:
    text = delim.join(["NIK", "NAMA", "JK"]) + "\n"
    text += delim.join(["6107011707140015", "BUDI SANTOSO", "L"]) + "\n"
    text += delim.join(["6107015505150002", "SITI", "P"]) + "\n"
    t = read_table(write(tmp_path, text))
    assert t.delimiter == delim
    assert t.encoding == "utf-8"
    assert t.header_row == 1
    assert t.frame.columns == [ROW, "NIK", "NAMA", "JK"]
    assert t.frame.schema[ROW] == pl.Int64
    assert all(t.frame.schema[c] == pl.String for c in ["NIK", "NAMA", "JK"])
    assert cells(t) == [(2, "6107011707140015", "BUDI SANTOSO", "L"), (3, "6107015505150002", "SITI", "P")]


def test_utf8_bom(tmp_path: Path) -> None:
    p = write(tmp_path, b"\xef\xbb\xbfNIK;NAMA\n1;Ren\xc3\xa9\n")
    t = read_table(p)
    assert t.encoding == "utf-8-sig"
    assert t.frame.columns == [ROW, "NIK", "NAMA"]
    assert cells(t) == [(2, "1", "René")]


def test_cp1252(tmp_path: Path) -> None:
    text = "NIK;NAMA;ALAMAT\n1;José Müller;Jl. Kartini — RT 01\n2;Ã©tude;Dusun Sungai\n"
    t = read_table(write(tmp_path, text, encoding="cp1252"))
    assert t.encoding == "cp1252"
    assert cells(t) == [(2, "1", "José Müller", "Jl. Kartini — RT 01"), (3, "2", "Ã©tude", "Dusun Sungai")]


def test_cp1252_undefined_bytes_do_not_crash(tmp_path: Path) -> None:
    t = read_table(write(tmp_path, b"A;B\n\x81x;\xe9\n"))
    assert t.encoding == "cp1252"
    assert cells(t) == [(2, "\x81x", "é")]


def test_mojibake_in_utf8_stays(tmp_path: Path) -> None:
    t = read_table(write(tmp_path, "A,B\nÃ©,é\n"))
    assert t.encoding == "utf-8"
    assert cells(t) == [(2, "Ã©", "é")]


def test_utf16_excel_unicode_text(tmp_path: Path) -> None:
    p = write(tmp_path, "NIK\tNAMA\r\n1\tAgustina\r\n".encode("utf-16"))
    t = read_table(p)
    assert t.encoding == "utf-16"
    assert t.delimiter == "\t"
    assert cells(t) == [(2, "1", "Agustina")]


def test_crlf(tmp_path: Path) -> None:
    t = read_table(write(tmp_path, "NIK;NAMA\r\n1;A\r\n\r\n2;B\r\n"))
    assert cells(t) == [(2, "1", "A"), (4, "2", "B")]
    assert t.blank_rows_skipped == 1


def test_old_mac_line_ends(tmp_path: Path) -> None:
    t = read_table(write(tmp_path, "NIK;NAMA\r1;A\r2;B\r"))
    assert cells(t) == [(2, "1", "A"), (3, "2", "B")]


def test_quoted_delimiters_and_newlines(tmp_path: Path) -> None:
    text = (
        "NIK,NAMA,ALAMAT\n"
        '1,"SANTOSO, BUDI","Jl. A\nRT 01\nRW 02"\n'
        '2,"SITI ""ITI""",Jl. B\n'
        '3,"X\r\nY",Jl. C\n'
        "4,D,Jl. D\n"
    )
    t = read_table(write(tmp_path, text))
    assert t.delimiter == ","
    assert cells(t) == [
        (2, "1", "SANTOSO, BUDI", "Jl. A\nRT 01\nRW 02"),
        (5, "2", 'SITI "ITI"', "Jl. B"),
        (6, "3", "X\r\nY", "Jl. C"),
        (8, "4", "D", "Jl. D"),
    ]


def test_stray_quote_falls_back_to_python_parser(tmp_path: Path) -> None:
    text = 'NIK;NAMA;TB\n1;A;5\'2"\n2;B;6"\n3;C;7\n'
    t = read_table(write(tmp_path, text))
    assert [r[0] for r in cells(t)] == [2, 3, 4]
    assert t.frame["TB"].to_list() == ["5'2\"", '6"', "7"]


def test_title_rows_above_header(tmp_path: Path) -> None:
    text = (
        "LAPORAN HASIL PENIMBANGAN BALITA;;;\n"
        "PUSKESMAS LEDO — PERIODE JANUARI 2024;;;\n"
        ";;;\n"
        "NIK;NAMA;BB;TB\n"
        "1;A;10,5;80\n"
    )
    t = read_table(write(tmp_path, text), header_score=score)
    assert t.header_row == 4
    assert t.delimiter == ";"
    assert cells(t) == [(5, "1", "A", "10,5", "80")]


def test_title_row_with_two_cells_needs_the_score(tmp_path: Path) -> None:
    text = "DATA IMUNISASI;KAB. BENGKAYANG\nKeterangan: data sementara\nNIK;NAMA;DESA\n1;A;Ledo\n"
    assert read_table(write(tmp_path, text)).header_row == 1  # no scorer: first row with >= 2 cells
    t = read_table(write(tmp_path, text), header_score=score)
    assert t.header_row == 3
    assert cells(t) == [(4, "1", "A", "Ledo")]


def test_header_scan_limit(tmp_path: Path) -> None:
    text = "".join(f"judul {i}\n" for i in range(5)) + "NIK;NAMA\n1;A\n"
    with pytest.raises(ReadError) as e:
        read_table(write(tmp_path, text), header_score=score, max_header_scan=5)
    assert e.value.code == "no_header"
    assert read_table(write(tmp_path, text), header_score=score, max_header_scan=6).header_row == 6


def test_ties_go_to_the_earliest(tmp_path: Path) -> None:
    text = "NIK;NAMA\nNIK;NAMA\n1;A\n"
    assert read_table(write(tmp_path, text), header_score=score).header_row == 1


def test_header_names_cleaned_and_unique(tmp_path: Path) -> None:
    text = " NAMA   IBU ;NIK;;NIK;__row;kolom_6;\n1;2;3;4;5;6;\n"
    t = read_table(write(tmp_path, text))
    assert t.frame.columns == [ROW, "NAMA IBU", "NIK", "kolom_3", "kolom_4", "kolom_5", "kolom_6"]
    assert cells(t) == [(2, "1", "2", "3", "4", "5", "6")]  # the empty trailing column is dropped


def test_ragged_rows(tmp_path: Path) -> None:
    text = "NIK;NAMA;JK\n1;A\n2;B;L;extra;more\n3;C;P\n"
    t = read_table(write(tmp_path, text))
    assert t.frame.columns == [ROW, "NIK", "NAMA", "JK", "kolom_4", "kolom_5"]
    assert cells(t) == [
        (2, "1", "A", None, None, None),
        (3, "2", "B", "L", "extra", "more"),
        (4, "3", "C", "P", None, None),
    ]


def test_blank_rows_and_whitespace(tmp_path: Path) -> None:
    text = "NIK , NAMA\n 1 ,  A  \n\n , \n;\n2,\n\n\n"
    t = read_table(write(tmp_path, text))
    assert t.delimiter == ","
    assert t.frame.columns == [ROW, "NIK", "NAMA"]
    # ";" is a value here (the delimiter is ","), so line 5 is not blank
    assert cells(t) == [(2, "1", "A"), (5, ";", None), (6, "2", None)]
    assert t.blank_rows_skipped == 2  # lines 3 and 4; the trailing empty lines are padding


def test_excel_mangled_values_stay_text(tmp_path: Path) -> None:
    t = read_table(write(tmp_path, "NIK;TGL\n6.10701E+15;01/02/2024\n'6107011707140015;2024-02-01\n"))
    assert t.frame["NIK"].to_list() == ["6.10701E+15", "'6107011707140015"]
    assert t.frame["TGL"].to_list() == ["01/02/2024", "2024-02-01"]


def test_literal_na_is_text(tmp_path: Path) -> None:
    t = read_table(write(tmp_path, "A;B\nNA;null\n"))
    assert cells(t) == [(2, "NA", "null")]


def test_header_only(tmp_path: Path) -> None:
    for text in ("NIK;NAMA\n", "NIK;NAMA", "NIK;NAMA\n\n\n"):
        t = read_table(write(tmp_path, text))
        assert t.frame.height == 0
        assert t.frame.columns == [ROW, "NIK", "NAMA"]
        assert t.header_row == 1


def test_no_newline_at_end(tmp_path: Path) -> None:
    assert cells(read_table(write(tmp_path, "A,B\n1,2"))) == [(2, "1", "2")]


def test_empty_file(tmp_path: Path) -> None:
    with pytest.raises(ReadError) as e:
        read_table(write(tmp_path, b""))
    assert e.value.code == "empty_file"
    assert "/" in e.value.message


@pytest.mark.parametrize("text", ["   \n\n", "satu kolom\nsaja\n", "JUDUL\n"])
def test_no_header(tmp_path: Path, text: str) -> None:
    with pytest.raises(ReadError) as e:
        read_table(write(tmp_path, text))
    assert e.value.code == "no_header"


PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
)


@pytest.mark.parametrize(
    "content",
    [PNG, b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", b"\xff\xd8\xff\xe0\x00\x10JFIF", bytes(range(256)) * 4],
)
def test_wrong_type_renamed_csv(tmp_path: Path, content: bytes) -> None:
    with pytest.raises(ReadError) as e:
        read_table(write(tmp_path, content, name="data.csv"))
    assert e.value.code == "wrong_type"


def test_html_saved_as_xls_is_not_a_table(tmp_path: Path) -> None:
    with pytest.raises(ReadError) as e:
        read_table(write(tmp_path, "<html><body><table><tr><td>NIK</td></tr></table></body></html>", "x.xls"))
    assert e.value.code == "not_a_table"


def test_bad_utf8_after_bom(tmp_path: Path) -> None:
    with pytest.raises(ReadError) as e:
        read_table(write(tmp_path, b"\xef\xbb\xbfA;B\n\xe9;1\n"))
    assert e.value.code == "encoding"


def test_content_wins_over_extension(tmp_path: Path) -> None:
    t = read_table(write(tmp_path, "NIK;NAMA\n1;A\n", name="export.xlsx"))
    assert t.delimiter == ";"
    assert t.sheet is None


def test_csv_module_output_quote_all(tmp_path: Path) -> None:
    buf = io.StringIO()
    w = csv.writer(buf, quoting=csv.QUOTE_ALL, delimiter=";")
    w.writerow(["NIK", "NAMA"])
    w.writerow(["1", "A;B"])
    w.writerow(["2", "C\nD"])
    w.writerow(["3", "E"])
    t = read_table(write(tmp_path, buf.getvalue()))
    assert cells(t) == [(2, "1", "A;B"), (3, "2", "C\nD"), (5, "3", "E")]
