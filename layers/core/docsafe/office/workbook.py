"""Excel workbooks (XLSX): each worksheet a page, its used cells a table.

openpyxl reads a sheet a row at a time (read-only mode) with the values Excel last
computed; with defusedxml installed it refuses XML entity declarations. A sheet's
declared size is not trusted (it may claim a million rows): rows are read as they come,
and what they cost is counted as they are read.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any, BinaryIO

from docsafe.failures import InvalidContent
from docsafe.office.blocks import PAGE_BREAK, Block, Budget, Grid, GridCell, PageBreak

MAX_SHEET_AREA = 2_000_000  # rows × columns a sheet's cells span, empty ones included
MAX_SHEETS = 2000


def workbook_blocks(file: BinaryIO, budget: Budget) -> Iterator[Block | PageBreak]:
    import openpyxl

    workbook = openpyxl.load_workbook(file, read_only=True, data_only=True)
    try:
        sheets = workbook.worksheets
        if len(sheets) > MAX_SHEETS:
            raise InvalidContent(f"The workbook has more than {MAX_SHEETS:,} sheets.")
        for sheet in sheets:
            grid = _sheet(sheet, budget)
            if grid is not None:
                yield grid
            yield PAGE_BREAK
    finally:
        workbook.close()


def _sheet(sheet: Any, budget: Budget) -> Grid | None:
    # The sheet's own dimension is a claim: forget it, so that rows are as long as their
    # last cell, not as the claim.
    sheet.reset_dimensions()
    found: list[tuple[int, int, str]] = []
    area = 0
    for row_index, row in enumerate(sheet.iter_rows(values_only=True)):
        area += max(len(row), 1)
        budget.charge_spanned(max(len(row), 1))
        if area > MAX_SHEET_AREA:
            raise InvalidContent(f"A sheet spans more than {MAX_SHEET_AREA:,} cells.")
        for column_index, value in enumerate(row):
            if value is None:
                continue
            text = " ".join(shown(value).split())
            if text:
                budget.charge_cells(1)
                budget.charge_text(len(text))
                found.append((row_index, column_index, text))
    if not found:
        return None
    top = min(row for row, _, _ in found)
    left = min(column for _, column, _ in found)
    return Grid(tuple(GridCell(row - top, column - left, text) for row, column, text in found))


def shown(value: Any) -> str:
    """A cell's value as text: numbers without a needless ".0", dates in ISO form,
    booleans as Excel shows them. (Excel's number formats — currency, thousands — are
    not applied.)"""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time():
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    return str(value)
