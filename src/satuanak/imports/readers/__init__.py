"""File readers of the import stage: CSV/TXT, XLSX/XLSM and XLS -> `RawTable` (every value text).

Pure code: no Django, nothing from satuanak but `satuanak.core`.  The only place that may import
the spreadsheet libraries (calamine, fastexcel, openpyxl).

    raw = read_table(path, header_score=adapter.header_score, sheet=None)
    raw.frame        # "__row" (Int64) + one pl.String column per header cell
"""

from __future__ import annotations

from pathlib import Path

from satuanak.imports.readers.csv import read_csv_table
from satuanak.imports.readers.errors import READ_ERROR_CODES, ReadError
from satuanak.imports.readers.excel import read_excel_table
from satuanak.imports.readers.sniff import classify
from satuanak.imports.readers.table import ROW, HeaderScore, RawTable

MAX_FILE_BYTES = 1536 * 1024 * 1024  # 1.5 GiB: a CSV is held in memory (twice, if transcoded)

__all__ = [
    "MAX_FILE_BYTES",
    "READ_ERROR_CODES",
    "ROW",
    "HeaderScore",
    "RawTable",
    "ReadError",
    "read_table",
]


def read_table(
    path: Path,
    *,
    header_score: HeaderScore | None = None,
    sheet: str | None = None,
    max_header_scan: int = 30,
) -> RawTable:
    """Read the table in `path`, whatever its extension says: XLSX/XLSM (zip with xl/workbook.xml),
    XLS (OLE2), else CSV/TXT.  Raises `ReadError` (never a library exception) when it cannot.

    `header_score(cells)` rates a candidate header row (its non-empty cells, whitespace collapsed);
    the best of the first `max_header_scan` non-empty rows is the header.  `sheet` (Excel only,
    case-insensitive) picks a sheet other than the first.
    """
    path = Path(path)
    try:
        size = path.stat().st_size
        if size == 0:
            raise ReadError("empty_file", "Berkas kosong (0 byte). / The file is empty (0 bytes).")
        if size > MAX_FILE_BYTES:
            raise ReadError(
                "too_large",
                f"Berkas terlalu besar ({size / 1024**2:,.0f} MB; batas {MAX_FILE_BYTES // 1024**2:,} MB). "
                "Pecah menjadi beberapa berkas. / The file is too large "
                f"({size / 1024**2:,.0f} MB; limit {MAX_FILE_BYTES // 1024**2:,} MB). Split it into "
                "several files.",
            )
        with path.open("rb") as fh:
            head = fh.read(16)
        kind = classify(path, head, size)
        if kind in ("xlsx", "xls"):
            return read_excel_table(
                path, header_score=header_score, sheet=sheet, max_header_scan=max_header_scan
            )
        return read_csv_table(
            path, path.read_bytes(), header_score=header_score, max_header_scan=max_header_scan
        )
    except ReadError:
        raise
    except MemoryError:
        raise ReadError(
            "too_large",
            "Berkas terlalu besar untuk dibaca. / The file is too large to read.",
        ) from None
    except OSError as exc:
        raise ReadError(
            "truncated",
            f"Berkas tidak dapat dibaca ({exc.strerror or exc}). / The file could not be read.",
        ) from None
