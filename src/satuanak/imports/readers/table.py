"""What every reader returns, and the parts CSV and Excel share: header detection and tidying."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from satuanak.imports.readers.errors import ReadError

ROW = "__row"
HeaderScore = Callable[[Sequence[str]], int]

_WS = re.compile(r"\s+")


@dataclass(frozen=True)
class RawTable:
    """One table as written in the file, every value text.

    `frame`: first column "__row" (Int64, the row number a person sees: CSV physical line of the
    record's first line, XLSX spreadsheet row), then one pl.String column per header cell, values
    stripped, empty -> null.  Fully empty rows are not in it (`blank_rows_skipped` counts them).
    """

    frame: pl.DataFrame
    header_row: int
    encoding: str | None
    delimiter: str | None
    sheet: str | None
    blank_rows_skipped: int

    @property
    def data_rows(self) -> int:
        return self.frame.height


def clean_cell(value: str | None) -> str:
    """A header cell as compared and named: whitespace collapsed, stripped ("" when empty)."""
    if value is None:
        return ""
    return _WS.sub(" ", value).strip()


def choose_header(
    rows: Sequence[Sequence[str | None]],
    header_score: HeaderScore | None,
    max_header_scan: int,
) -> int:
    """Index (into `rows`) of the header row.

    `rows` are the first rows of the file in order (empty ones included; they are skipped here).
    Among the first `max_header_scan` non-empty rows the highest `header_score` wins (ties: the
    earliest); with no scorer, or all scores 0, the first row with >= 2 non-empty cells.
    """
    candidates: list[tuple[int, list[str]]] = []
    for i, row in enumerate(rows):
        cells = [c for c in (clean_cell(v) for v in row) if c]
        if cells:
            candidates.append((i, cells))
            if len(candidates) >= max_header_scan:
                break
    if header_score is not None:
        best, best_score = -1, 0
        for i, cells in candidates:
            score = header_score(cells)
            if score > best_score:
                best, best_score = i, score
        if best >= 0:
            return best
    for i, cells in candidates:
        if len(cells) >= 2:
            return i
    raise ReadError(
        "no_header",
        "Baris judul kolom tidak ditemukan: tidak ada baris dengan dua sel atau lebih. "
        "/ No header row found: no row has two or more cells.",
    )


def column_names(header: Sequence[str | None], width: int) -> list[str]:
    """Unique names for `width` columns: the header cells as written; blanks, duplicates and
    columns beyond the header become "kolom_<1-based position>"."""
    names: list[str] = []
    seen: set[str] = {ROW}
    for i in range(width):
        name = clean_cell(header[i]) if i < len(header) else ""
        if not name or name in seen:
            name = f"kolom_{i + 1}"
            k = 2
            while name in seen:
                name = f"kolom_{i + 1}_{k}"
                k += 1
        seen.add(name)
        names.append(name)
    return names


def finish(
    body: pl.DataFrame,
    header: Sequence[str | None],
    rows: pl.Series,
) -> tuple[pl.DataFrame, int]:
    """Name, tidy and number the data rows below the header.

    `body`: the rows below the header, positional string columns (width >= the header's);
    `rows`: their row numbers.  Returns the frame ("__row" first) and the number of fully empty
    rows dropped.  Columns with a blank header and no value at all (a trailing delimiter, stray
    formatting to the right of the table) are dropped: they carry nothing.
    """
    width = body.width
    names = column_names(header, width)
    body = body.rename(dict(zip(body.columns, names, strict=True)))
    body = body.select(
        pl.col(c).cast(pl.String).str.strip_chars().replace("", None).alias(c) for c in body.columns
    )
    body = body.with_columns(rows.cast(pl.Int64).alias(ROW)).select(ROW, *names)
    if names:
        mask = body.select(pl.any_horizontal(pl.col(n).is_not_null() for n in names)).to_series()
        filled = np.flatnonzero(mask.to_numpy())
        # Empty rows after the last row with data are padding (a trailing newline, a formatted but
        # empty range), not blank rows inside the table.
        blank = int(filled[-1]) + 1 - filled.size if filled.size else 0
        body = body.filter(mask)
    else:
        blank = body.height
        body = body.clear()
    blank_header = [n for i, n in enumerate(names) if not (i < len(header) and clean_cell(header[i]))]
    if blank_header:
        counts = body.select(pl.col(n).null_count() for n in blank_header).row(0) if body.height else None
        drop = [n for j, n in enumerate(blank_header) if counts is None or counts[j] == body.height]
        if drop:
            body = body.drop(drop)
    return body, blank
