"""An items table read from its header row: the row that names at least a description and
an amount or price column; each row under it, up to the totals, is an item whose words
fall under the headers' columns. A row with no amount continues the description above
it (a description on two lines)."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from docsafe.prebuilt import values
from docsafe.prebuilt.labelled import Conventions
from docsafe.prebuilt.reading import FieldWriter, Label, RawJson, Reading, TextLine, Token

ROW_CERTAINTY = 0.9


@dataclass(frozen=True)
class ItemColumns:
    """An item's fields and the headers that name their columns; which are read as money,
    as numbers, as rates (`20%`) and as dates (any other as text)."""

    headers: dict[str, tuple[str, ...]]
    money: tuple[str, ...] = ()
    numbers: tuple[str, ...] = ()
    rates: tuple[str, ...] = ()
    dates: tuple[str, ...] = ()


@dataclass
class Items:
    rows: list[RawJson] = field(default_factory=list)
    lines: list[TextLine] = field(default_factory=list)  # the header and the rows, to leave out of labels


@dataclass
class _Column:
    name: str
    left: float
    right: float


def read_items(
    reading: Reading, columns: ItemColumns, conventions: Conventions, stop_at: Callable[[TextLine], bool]
) -> Items:
    """The items of the first table whose header row names a description and an amount."""
    headers = reading.labels(columns.headers)
    by_line: dict[int, list[Label]] = {}
    for label in headers:
        by_line.setdefault(label.line.index, []).append(label)
    for index, labels in by_line.items():
        names = {label.field for label in labels}
        if (
            "Description" in names
            and names & {"Amount", "UnitPrice", "TotalPrice", "Price"}
            and len(names) >= 2
        ):
            return _rows_under(reading, reading.lines[index], _columns(labels), columns, conventions, stop_at)
    return Items()


def _columns(labels: Sequence[Label]) -> list[_Column]:
    """Each header's column: from half way to the header on its left to half way to the
    one on its right (numbers stand right-aligned under their header, text left)."""
    ordered = sorted(labels, key=lambda label: label.box[0])
    found = []
    for position, label in enumerate(ordered):
        left = 0.0 if position == 0 else (ordered[position - 1].box[2] + label.box[0]) / 2
        right = 1.0 if position == len(ordered) - 1 else (label.box[2] + ordered[position + 1].box[0]) / 2
        found.append(_Column(label.field, left, right))
    return found


def _rows_under(
    reading: Reading,
    header: TextLine,
    layout: list[_Column],
    columns: ItemColumns,
    conventions: Conventions,
    stop_at: Callable[[TextLine], bool],
) -> Items:
    writer = FieldWriter()
    items = Items(lines=[header])
    cells_of_rows: list[dict[str, list[Token]]] = []
    previous = header
    for line in reading.lines[header.index + 1 :]:
        if line.page != header.page or stop_at(line):
            break
        if line.box[1] - previous.box[3] > 3 * max(line.height, previous.height):
            break  # the table ended: its rows stand closer than this
        cells: dict[str, list[Token]] = {}
        for token in line.tokens:
            middle = (token.box[0] + token.box[2]) / 2
            column = next((c for c in layout if c.left <= middle < c.right), layout[-1])
            cells.setdefault(column.name, []).append(token)
        has_amount = any(
            _money(cells.get(name, []), conventions) is not None for name in columns.money if name in cells
        )
        if not has_amount and cells_of_rows and set(cells) <= {"Description"}:
            cells_of_rows[-1].setdefault("Description", []).extend(cells["Description"])
        elif has_amount:
            cells_of_rows.append(cells)
        else:
            break
        items.lines.append(line)
        previous = line
    for cells in cells_of_rows:
        item = _item(writer, cells, columns, conventions)
        if item is not None:
            items.rows.append(item)
    return items


def _item(
    writer: FieldWriter, cells: dict[str, list[Token]], columns: ItemColumns, conventions: Conventions
) -> RawJson | None:
    fields: dict[str, RawJson] = {}
    for name, tokens in cells.items():
        text = " ".join(token.text for token in tokens)
        if name in columns.money:
            money = _money(tokens, conventions)
            if money is not None:
                fields[name] = writer.field(
                    "currency", tokens, {"valueCurrency": money.to_wire()}, ROW_CERTAINTY
                )
        elif name in columns.numbers:
            number = values.parse_number(text)
            if number is not None:
                fields[name] = writer.field("number", tokens, {"valueNumber": number}, ROW_CERTAINTY)
        elif name in columns.rates:
            if re.fullmatch(r"\d{1,2}(?:[.,]\d{1,2})?\s?%", text):
                fields[name] = writer.field(
                    "string", tokens, {"valueString": text.replace(" ", "")}, ROW_CERTAINTY
                )
        elif name in columns.dates:
            day = values.parse_date(text, conventions.day_first)
            if day is not None:
                fields[name] = writer.field("date", tokens, {"valueDate": day.isoformat()}, ROW_CERTAINTY)
        elif tokens:
            fields[name] = writer.field("string", tokens, {"valueString": text}, ROW_CERTAINTY)
    if not fields:
        return None
    every = [token for tokens in cells.values() for token in tokens]
    return writer.object(fields, every, ROW_CERTAINTY)


def _money(tokens: Sequence[Token], conventions: Conventions) -> values.Money | None:
    return (
        values.parse_money(" ".join(token.text for token in tokens), conventions.currency) if tokens else None
    )
