"""Property: any table Python's csv module writes (any delimiter, encoding, quoting, line end) reads
back with the same cells and the physical line each record starts on."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from tempfile import TemporaryDirectory

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from satuanak.imports.readers import ROW, read_table

# Text with the characters that make CSV hard, plus Indonesian and non-Latin letters.
CP1252_TEXT = st.text(alphabet=st.sampled_from(list("abcXYZ 019,;|\t\"'\n\r-./éÉüñ€—Ã©")), max_size=12)
ANY_TEXT = st.text(
    alphabet=st.one_of(
        st.sampled_from(list(",;|\t\"'\n\r ")),
        st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufeff"),
    ),
    max_size=12,
)


@st.composite
def tables(draw: st.DrawFn) -> tuple[str, str, str, list[list[str]]]:
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]))
    delimiter = draw(st.sampled_from([",", ";", "\t", "|"]))
    terminator = draw(st.sampled_from(["\n", "\r\n"]))
    width = draw(st.integers(2, 6))
    text = CP1252_TEXT if encoding == "cp1252" else ANY_TEXT
    rows = draw(st.lists(st.lists(text, min_size=width, max_size=width), max_size=15))
    return encoding, delimiter, terminator, rows


def expected_cell(v: str) -> str | None:
    v = v.strip()
    return v or None


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables(), st.booleans())
def test_roundtrip(table: tuple[str, str, str, list[list[str]]], quote_all: bool) -> None:
    encoding, delimiter, terminator, rows = table
    width = len(rows[0]) if rows else 3
    if not quote_all and terminator == "\n":
        # csv.writer leaves a bare CR unquoted then, which no reader (csv's own included) can parse
        assume(not any("\r" in v for r in rows for v in r))
    # A header with a non-ASCII letter so cp1252 files are never valid UTF-8 by accident.
    header = [f"kolom é{i}" if encoding == "cp1252" else f"Kolom {i}" for i in range(width)]
    buf = io.StringIO(newline="")
    if quote_all:
        writer = csv.writer(buf, delimiter=delimiter, lineterminator=terminator, quoting=csv.QUOTE_ALL)
    else:
        writer = csv.writer(buf, delimiter=delimiter, lineterminator=terminator, quoting=csv.QUOTE_MINIMAL)
    writer.writerow(header)
    starts = []
    line = 1
    for r in rows:
        line += 1
        starts.append(line)
        writer.writerow(r)
        line += sum(v.count("\n") for v in r)
    with TemporaryDirectory() as d:
        path = Path(d) / "t.csv"
        path.write_bytes(buf.getvalue().encode(encoding))
        raw = read_table(path, header_score=lambda cells: sum(c in header for c in cells))
    assert raw.header_row == 1
    assert raw.delimiter == delimiter
    assert raw.encoding == encoding
    expected = [
        (s, *(expected_cell(v) for v in r))
        for s, r in zip(starts, rows, strict=True)
        if any(expected_cell(v) for v in r)
    ]
    assert raw.frame.columns == [ROW, *header]
    assert raw.frame.rows() == expected
