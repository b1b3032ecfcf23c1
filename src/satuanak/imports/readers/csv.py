"""CSV/TXT reader: encoding and delimiter detection, header row search, physical line numbers.

The bulk parse is polars' (multi-threaded, all columns as text).  Physical line numbers come from
the bytes: a newline ends a record when an even number of quote characters precede it (RFC 4180:
quotes only open/close fields or come doubled inside them).  polars must then give exactly one row
per such record; when it does not (stray quotes, odd files) the table is parsed again with Python's
csv module, which is slower but numbers every record by the line it starts on.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import polars as pl

from satuanak.imports.readers.errors import ReadError
from satuanak.imports.readers.sniff import looks_binary, wrong_type
from satuanak.imports.readers.table import HeaderScore, RawTable, choose_header, clean_cell, finish

DELIMITERS = (",", ";", "\t", "|")
_SAMPLE_BYTES = 4 * 1024 * 1024
_DELIM_RECORDS = 50
_QUOTE = 34
_NL = 10


def _latin1_fallback(err: UnicodeError) -> tuple[str, int]:
    # The five bytes cp1252 leaves undefined decode as their Latin-1 code points (as browsers do).
    if not isinstance(err, UnicodeDecodeError):
        raise err
    return err.object[err.start : err.end].decode("latin-1"), err.end


codecs.register_error("satuanak_cp1252", _latin1_fallback)


def decode(raw: bytes) -> tuple[bytes, str]:
    """The file as UTF-8 bytes (no BOM) and the encoding it was written in."""
    if raw.startswith(codecs.BOM_UTF8):
        body = raw[len(codecs.BOM_UTF8) :]
        try:
            body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ReadError(
                "encoding",
                f"Berkas bertanda UTF-8 (BOM) tetapi berisi byte yang bukan UTF-8 (posisi {exc.start + 3}). "
                "Simpan ulang sebagai 'CSV UTF-8'. / The file is marked UTF-8 (BOM) but contains bytes that "
                f"are not UTF-8 (offset {exc.start + 3}). Save it again as 'CSV UTF-8'.",
            ) from None
        return body, "utf-8-sig"
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = raw.decode("utf-16")
        except UnicodeDecodeError:
            raise ReadError(
                "encoding",
                "Berkas bertanda UTF-16 tetapi isinya rusak. / The file is marked UTF-16 but its content "
                "is damaged.",
            ) from None
        return text.encode("utf-8"), "utf-16"
    if looks_binary(raw[:65536]):
        raise wrong_type("berkas biner / a binary file")
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="satuanak_cp1252").encode("utf-8"), "cp1252"
    return raw, "utf-8"


def _records(text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """(first physical line, fields) of each record; lines end at "\\n" only."""
    reader = csv.reader(io.StringIO(text, newline="\n"), delimiter=delimiter, quotechar='"')
    line = 0
    for fields in reader:
        yield line + 1, fields
        line = reader.line_num


def _sample(data: bytes, max_header_scan: int) -> tuple[str, bool]:
    """A prefix of the file ending at a line end, big enough for detection; and whether it is all."""
    want_lines = max(200, 4 * max_header_scan + _DELIM_RECORDS)
    end = 0
    for _ in range(want_lines):
        nxt = data.find(b"\n", end, _SAMPLE_BYTES)
        if nxt < 0:
            break
        end = nxt + 1
    complete = data.find(b"\n", end) < 0 and len(data) <= _SAMPLE_BYTES
    if complete:
        end = len(data)
    elif end == 0:  # one giant line: take what fits
        end = min(len(data), _SAMPLE_BYTES)
    return data[:end].decode("utf-8", errors="replace"), complete


def _parse_sample(sample: str, complete: bool, delimiter: str) -> list[tuple[int, list[str]]]:
    recs: list[tuple[int, list[str]]] = []
    try:
        for rec in _records(sample, delimiter):
            recs.append(rec)
    except csv.Error:
        complete = False  # unparseable from here on (e.g. a bare CR in an unquoted field): keep the start
    if not complete and recs:
        recs.pop()  # may be cut inside a quoted field
    return recs


def detect_delimiter(
    sample: str, complete: bool, header_score: HeaderScore | None, max_header_scan: int
) -> str:
    """The candidate under which the most of the first records split into the same number (>= 2) of
    fields; a recognised header (by `header_score`) outweighs that; ties go to more fields."""
    best: tuple[int, int, int, int] | None = None
    chosen = ","
    for rank, d in enumerate(DELIMITERS):
        recs = [f for _, f in _parse_sample(sample, complete, d) if any(x.strip() for x in f)]
        if not recs:
            continue
        counts = Counter(len(f) for f in recs[:_DELIM_RECORDS] if len(f) >= 2)
        if not counts:
            continue
        width, agree = max(counts.items(), key=lambda kv: (kv[1], kv[0]))
        score = 0
        if header_score is not None:
            score = max(
                (header_score([c for c in (clean_cell(x) for x in f) if c]) for f in recs[:max_header_scan]),
                default=0,
            )
        key = (score, agree, width, -rank)
        if best is None or key > best:
            best, chosen = key, d
    return chosen


def _line_offsets(buf: np.ndarray) -> np.ndarray:
    return np.flatnonzero(buf == _NL)


def _record_lines(buf: np.ndarray, nl: np.ndarray) -> np.ndarray:
    """First physical line (1-based) of every record, assuming RFC 4180 quoting."""
    if nl.size == 0:
        return np.ones(1 if buf.size else 0, dtype=np.int64)
    quotes = np.flatnonzero(buf == _QUOTE)
    ends = np.flatnonzero(np.searchsorted(quotes, nl) % 2 == 0)
    if ends.size and nl[ends[-1]] == buf.size - 1:
        ends = ends[:-1]  # the newline that ends the file starts no record
    return np.concatenate([np.ones(1, dtype=np.int64), ends.astype(np.int64) + 2])


def _polars_body(data: bytes, delimiter: str, width: int | None) -> pl.DataFrame:
    """All records of `data` (header first) as positional string columns."""
    if width is not None:
        # polars takes the column count from the first record: lead with a record that wide.
        data = (delimiter * (width - 1) + "\n").encode() + data
    frame = pl.read_csv(
        io.BytesIO(data),
        has_header=False,
        separator=delimiter,
        quote_char='"',
        infer_schema=False,
        encoding="utf8",
        raise_if_empty=False,
        truncate_ragged_lines=False,
    )
    return frame.slice(1) if width is not None else frame


def _python_body(text: str, delimiter: str, header_line: int) -> tuple[pl.DataFrame, np.ndarray]:
    lines: list[int] = []
    rows: list[list[str]] = []
    for line, fields in _records(text, delimiter):
        if line >= header_line:
            lines.append(line)
            rows.append(fields)
    width = max((len(r) for r in rows), default=0)
    cols: list[list[str | None]] = [[] for _ in range(width)]
    for r in rows:
        for j in range(width):
            cols[j].append(r[j] if j < len(r) else None)
    frame = pl.DataFrame({f"column_{j + 1}": pl.Series(c, dtype=pl.String) for j, c in enumerate(cols)})
    return frame, np.asarray(lines, dtype=np.int64)


def _max_fields(text: str, delimiter: str) -> int:
    return max((len(f) for _, f in _records(text, delimiter)), default=0)


def read_csv_table(
    path: Path,
    raw: bytes,
    *,
    header_score: HeaderScore | None = None,
    max_header_scan: int = 30,
) -> RawTable:
    data, encoding = decode(raw)
    del raw
    if b"\n" not in data and b"\r" in data:
        data = data.replace(b"\r", b"\n")  # classic Mac line ends
    head = data[:4096].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html", b"<table", b"<?xml", b"{", b"[")):
        raise ReadError(
            "not_a_table",
            "Berkas ini halaman web/XML/JSON, bukan tabel. Buka di Excel lalu simpan sebagai .xlsx atau "
            "CSV. / This file is a web page/XML/JSON, not a table. Open it in Excel and save it as .xlsx "
            "or CSV.",
        )
    sample, complete = _sample(data, max_header_scan)
    delimiter = detect_delimiter(sample, complete, header_score, max_header_scan)
    recs = _parse_sample(sample, complete, delimiter)
    idx = choose_header([f for _, f in recs], header_score, max_header_scan)
    header_line = recs[idx][0]

    buf = np.frombuffer(data, dtype=np.uint8)
    nl = _line_offsets(buf)
    starts = _record_lines(buf, nl)
    starts = starts[starts >= header_line]
    offset = 0 if header_line == 1 else int(nl[header_line - 2]) + 1
    tail = data[offset:]
    frame: pl.DataFrame | None = None
    try:
        frame = _polars_body(tail, delimiter, None)
    except pl.exceptions.ComputeError as exc:
        if "more fields" in str(exc):
            try:
                frame = _polars_body(tail, delimiter, _max_fields(tail.decode("utf-8"), delimiter))
            except pl.exceptions.PolarsError:
                frame = None
    except pl.exceptions.PolarsError:
        frame = None
    if frame is None or frame.height != starts.size:
        try:
            frame, starts = _python_body(data.decode("utf-8"), delimiter, header_line)
        except csv.Error as exc:
            raise ReadError(
                "not_a_table",
                f"Struktur CSV rusak ({exc}): periksa tanda kutip dan baris baru. "
                f"/ Malformed CSV ({exc}): check quotes and line breaks.",
            ) from None
    if frame.height == 0:
        raise ReadError("no_header", "Baris judul kolom tidak terbaca. / The header row could not be read.")
    header: Sequence[str | None] = frame.row(0)
    body, blank = finish(frame.slice(1), header, pl.Series(starts[1:], dtype=pl.Int64))
    return RawTable(
        frame=body,
        header_row=int(header_line),
        encoding=encoding,
        delimiter=delimiter,
        sheet=None,
        blank_rows_skipped=blank,
    )
