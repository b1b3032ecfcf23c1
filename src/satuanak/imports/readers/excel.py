"""XLSX/XLSM/XLS reader on calamine.

The bulk read goes through fastexcel (calamine, straight into Arrow/polars columns, every cell as
text); python-calamine with a per-cell conversion is the fallback when fastexcel is missing.  Both
give the same text for a cell:

* whole numbers without ".0" (a 16-digit NIK stored as a number comes back as its digits, as far as
  a float holds them), other numbers in positional notation, never exponent notation;
* dates "YYYY-MM-DD", date-times "YYYY-MM-DD HH:MM:SS";
* booleans "TRUE"/"FALSE"; empty cells null.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from satuanak.imports.readers.errors import ReadError
from satuanak.imports.readers.sniff import truncated
from satuanak.imports.readers.table import HeaderScore, RawTable, choose_header, finish

try:  # pragma: no branch
    import fastexcel

    HAVE_FASTEXCEL = True
except ImportError:  # pragma: no cover - fastexcel is in requirements.lock
    HAVE_FASTEXCEL = False


def _sheet_not_found(wanted: str, names: Sequence[str]) -> ReadError:
    listed = ", ".join(f"'{n}'" for n in names) or "-"
    return ReadError(
        "sheet_not_found",
        f"Lembar (sheet) '{wanted}' tidak ada di berkas ini. Lembar yang ada: {listed}. "
        f"/ Sheet '{wanted}' is not in this file. Sheets present: {listed}.",
    )


def pick_sheet(names: Sequence[str], wanted: str | None) -> int:
    if not names:
        raise ReadError("no_header", "Berkas Excel tidak berisi lembar. / The workbook has no sheets.")
    if wanted is None:
        return 0
    key = wanted.strip().casefold()
    for i, n in enumerate(names):
        if n.strip().casefold() == key:
            return i
    raise _sheet_not_found(wanted, names)


# -- fastexcel ---------------------------------------------------------------------------------

_DATE_MIDNIGHT = r"^(\d{4}-\d{2}-\d{2}) 00:00:00(?:\.0+)?$"
_TIME_ONLY = r"^1899-12-3[01] (\d{2}:\d{2}:\d{2})(?:\.0+)?$"


def _fastexcel_cells(e: pl.Expr) -> pl.Expr:
    """fastexcel's text for a typed cell -> the readers' text (see the module docstring)."""
    return (
        e.str.replace(_DATE_MIDNIGHT, "$1")
        .str.replace(_TIME_ONLY, "$1")
        .replace({"true": "TRUE", "false": "FALSE"})
    )


def _read_fastexcel(path: Path, wanted: str | None) -> tuple[pl.DataFrame, str]:
    try:
        reader = fastexcel.read_excel(path)
        names = list(reader.sheet_names)
    except Exception:
        raise truncated() from None
    idx = pick_sheet(names, wanted)
    try:
        sheet = reader.load_sheet(idx, header_row=None, skip_rows=0, dtypes="string")
        frame = sheet.to_polars()
    except Exception:
        raise truncated() from None
    # skip_rows=0 keeps leading empty rows: frame row i is spreadsheet row i + 1.
    frame = frame.select(_fastexcel_cells(pl.col(c).cast(pl.String)).alias(c) for c in frame.columns)
    return frame, names[idx]


# -- python-calamine -----------------------------------------------------------------------------


def cell_text(v: Any) -> str | None:
    """One calamine cell value as text."""
    if v is None or v == "":
        return None
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, float):
        if v.is_integer():
            return str(int(v))
        return str(np.format_float_positional(v, trim="-"))
    if isinstance(v, int):
        return str(v)
    if isinstance(v, dt.datetime):
        if v.time() == dt.time(0):
            return v.date().isoformat()
        return v.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, dt.time):
        return v.strftime("%H:%M:%S")
    return str(v)


def _read_calamine(path: Path, wanted: str | None) -> tuple[pl.DataFrame, str]:
    import python_calamine

    try:
        wb = python_calamine.CalamineWorkbook.from_path(str(path))
        names = list(wb.sheet_names)
    except Exception:
        raise truncated() from None
    idx = pick_sheet(names, wanted)
    try:
        rows = wb.get_sheet_by_index(idx).to_python(skip_empty_area=False)
    except Exception:
        raise truncated() from None
    width = max((len(r) for r in rows), default=0)
    cols = [[cell_text(r[j]) if j < len(r) else None for r in rows] for j in range(width)]
    frame = pl.DataFrame({f"c{j}": pl.Series(c, dtype=pl.String) for j, c in enumerate(cols)})
    return frame, names[idx]


def read_excel_table(
    path: Path,
    *,
    header_score: HeaderScore | None = None,
    sheet: str | None = None,
    max_header_scan: int = 30,
    engine: str = "auto",
) -> RawTable:
    """Read one sheet; `engine` "auto" (fastexcel when installed), "fastexcel" or "calamine"."""
    use_fast = engine == "fastexcel" or (engine == "auto" and HAVE_FASTEXCEL)
    frame, sheet_name = _read_fastexcel(path, sheet) if use_fast else _read_calamine(path, sheet)
    if frame.width == 0 or frame.height == 0:
        raise ReadError(
            "no_header",
            f"Lembar '{sheet_name}' kosong. / Sheet '{sheet_name}' is empty.",
        )
    frame = frame.select(pl.col(c).str.strip_chars().replace("", None) for c in frame.columns)
    non_empty = frame.select(pl.any_horizontal(pl.all().is_not_null())).to_series()
    positions = np.flatnonzero(non_empty.to_numpy())[:max_header_scan]
    if positions.size == 0:
        raise ReadError("no_header", f"Lembar '{sheet_name}' kosong. / Sheet '{sheet_name}' is empty.")
    head_rows = frame.slice(0, int(positions[-1]) + 1).rows()
    h = choose_header(head_rows, header_score, max_header_scan)
    header = head_rows[h]
    rows = pl.int_range(h + 2, frame.height + 1, dtype=pl.Int64, eager=True)
    body, blank = finish(frame.slice(h + 1), header, rows)
    return RawTable(
        frame=body,
        header_row=h + 1,
        encoding=None,
        delimiter=None,
        sheet=sheet_name,
        blank_rows_skipped=blank,
    )
