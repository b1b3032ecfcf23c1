"""Test helpers: load a generated export into the raw-table shape the readers produce (no readers module)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import polars as pl
import python_calamine as pc

from satuanak.sources import ADAPTERS

DATA_DIR = Path(__file__).resolve().parents[4] / "data"


def _cell(v: object) -> str | None:
    if v is None or v == "":
        return None
    if isinstance(v, dt.datetime):
        return v.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return " ".join(str(v).split())


def frame(rows: Sequence[Sequence[object]]) -> pl.DataFrame:
    """Header row = the row (among the first six) the adapters score best; title rows above are dropped."""

    def score(i: int) -> int:
        return max(a.header_score([str(c) for c in rows[i]]) for a in ADAPTERS.values())

    best = max(range(min(6, len(rows))), key=score)
    header = [" ".join(str(c).split()) for c in rows[best]]
    body = rows[best + 1 :]
    cols = {
        h: pl.Series(h, [_cell(r[i]) if i < len(r) else None for r in body], dtype=pl.String)
        for i, h in enumerate(header)
    }
    df = pl.DataFrame(cols)
    return df.with_columns(pl.int_range(1, df.height + 1, dtype=pl.Int64).alias("__row"))


def read_xlsx(path: Path, sheet: str | None = None) -> pl.DataFrame:
    wb = pc.CalamineWorkbook.from_path(str(path))
    name = sheet or wb.sheet_names[0]
    return frame(wb.get_sheet_by_name(name).to_python())


def read_csv(path: Path, *, separator: str = ",", encoding: str = "utf-8") -> pl.DataFrame:
    text = path.read_bytes().decode(encoding)
    lines: list[list[object]] = [list(ln.split(separator)) for ln in text.splitlines() if ln]
    return frame(lines)
