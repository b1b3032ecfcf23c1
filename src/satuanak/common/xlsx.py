"""Writing small XLSX workbooks (reports, templates) for people to open in Excel or LibreOffice.

Reports are a few hundred rows, so openpyxl's in-memory workbook is the simple choice; the
generator's million-row files use xlsxwriter instead (synth/writers.py).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

_HEADER_FILL = PatternFill("solid", fgColor="DCE8F2")


@dataclass
class Sheet:
    title: str
    header: Sequence[str]
    rows: Sequence[Sequence[Any]] = ()
    notes: Sequence[str] = ()  # lines above the table (title, period, definitions)
    # column header -> allowed values (a drop-down in the sheet; typing something else warns)
    choices: dict[str, Sequence[str]] = field(default_factory=dict)
    widths: dict[str, int] = field(default_factory=dict)


def xlsx_bytes(sheets: Sequence[Sheet]) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    for spec in sheets:
        ws = wb.create_sheet(spec.title[:31])
        for line in spec.notes:
            ws.append([line])
        if spec.notes:
            ws["A1"].font = Font(bold=True, size=12)
            ws.append([])
        header_row = ws.max_row + 1 if spec.notes else 1
        ws.append(list(spec.header))
        for cell in ws[header_row]:
            cell.font = Font(bold=True)
            cell.fill = _HEADER_FILL
        for row in spec.rows:
            ws.append(list(row))
        ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
        for i, name in enumerate(spec.header, start=1):
            ws.column_dimensions[get_column_letter(i)].width = spec.widths.get(name, max(12, len(name) + 2))
        for name, values in spec.choices.items():
            col = get_column_letter(list(spec.header).index(name) + 1)
            # A list longer than 255 characters must live in cells; ours are short codes.
            dv = DataValidation(type="list", formula1='"' + ",".join(values) + '"', allow_blank=True)
            dv.error = "Pilih dari daftar / choose from the list"
            dv.showErrorMessage = False  # warn in the importer, do not block typing
            ws.add_data_validation(dv)
            dv.add(f"{col}{header_row + 1}:{col}{header_row + 2000}")
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
