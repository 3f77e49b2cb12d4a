"""What an Office or HTML document holds, in reading order, and how it becomes pages.

Each reader turns its format into blocks (paragraphs, tables, pictures, page breaks); the
blocks are cut into pages and each page is laid out as a PageText the result builder
takes like any engine's. The layout is a flow of our own, not the document's geometry (it
has none before an application paginates it): it places every word inside its line,
paragraph and table cell, and `located=False` keeps it off the wire.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from docsafe.engines.base import Barcode, Box, Cell, Line, PageText, Style, Table, Word, union
from docsafe.failures import InvalidContent

# Azure counts a page of a Word or HTML document as up to 3,000 characters; DocSafe cuts
# such a document into pages of that size (and at its page breaks).
PAGE_CHARACTERS = 3000
# A picture is read by the OCR engine: it counts as this many characters of a page, so
# that a page holds a few pictures at most (each costs seconds of a reading function).
PICTURE_CHARACTERS = 600
MAX_CHARACTERS = 2000 * PAGE_CHARACTERS  # a whole document's text: 2,000 pages' worth
MAX_TABLE_CELLS = 500_000  # in a whole document (a cell is a few hundred bytes of result)
MAX_PICTURES_PER_PAGE = 10  # a slide or a sheet cannot be cut: more pictures are refused
MAX_PICTURE_BYTES = 20 * 1024 * 1024  # a larger embedded picture is not read
# Pictures are stored with their pages' blocks (a picture shown on many pages once a page):
# what a document's pages hold of them in all.
MAX_PICTURES_BYTES = 256 * 1024 * 1024
MAX_TABLE_AREA = 1_000_000  # rows × columns of one table, empty cells included
MAX_SPANNED = 4_000_000  # sheets' rows × columns read in a whole workbook, empty ones included


@dataclass(frozen=True)
class Text:
    """A paragraph: its text (a "\\n" where the document breaks a line) and its role."""

    text: str
    role: str | None = None
    word_styles: tuple[Style | None, ...] = ()  # each word's, where the document says them


@dataclass(frozen=True)
class GridCell:
    row: int
    column: int
    text: str
    row_span: int = 1
    column_span: int = 1
    header: bool = False  # a column header
    row_header: bool = False


@dataclass(frozen=True)
class Grid:
    """A table: its cells by row and column (cells no text fills may be left out)."""

    cells: tuple[GridCell, ...]

    @property
    def characters(self) -> int:
        return sum(len(cell.text) for cell in self.cells)

    @property
    def area(self) -> int:
        """Rows × columns, empty cells included."""
        rows = max(cell.row + cell.row_span for cell in self.cells)
        columns = max(cell.column + cell.column_span for cell in self.cells)
        return rows * columns


@dataclass(frozen=True)
class Picture:
    """An embedded image, read by the OCR engine when its page is read."""

    data: bytes


class PageBreak:
    """Where the document itself starts a new page (a sheet, a slide, a page break)."""


PAGE_BREAK = PageBreak()
Block = Text | Grid | Picture


@dataclass
class Budget:
    """What a whole document may hold; a reader charges it as it goes and stops at once
    (before memory holds the rest) when a limit is passed."""

    characters: int = 0
    cells: int = 0
    spanned: int = 0

    def charge_text(self, count: int) -> None:
        self.characters += count
        if self.characters > MAX_CHARACTERS:
            raise InvalidContent(
                f"The document has more than {MAX_CHARACTERS:,} characters of text "
                f"({MAX_CHARACTERS // PAGE_CHARACTERS:,} pages of {PAGE_CHARACTERS:,})."
            )

    def charge_spanned(self, count: int) -> None:
        self.spanned += count
        if self.spanned > MAX_SPANNED:
            raise InvalidContent(f"The workbook's sheets span more than {MAX_SPANNED:,} cells in all.")

    def charge_cells(self, count: int) -> None:
        self.cells += count
        if self.cells > MAX_TABLE_CELLS:
            raise InvalidContent(f"The document's tables have more than {MAX_TABLE_CELLS:,} cells.")


def paginate(blocks: Iterable[Block | PageBreak], cut: bool) -> list[list[Block]]:
    """The blocks as pages: a new page at each page break and, where `cut` (a Word or HTML
    document: no pages of its own), before a block that would take a page past
    PAGE_CHARACTERS. A page with nothing on it is dropped."""
    pages: list[list[Block]] = [[]]
    size = pictures = 0
    for block in blocks:
        if isinstance(block, Picture):
            if len(block.data) > MAX_PICTURE_BYTES:
                continue
            pictures += len(block.data)
            if pictures > MAX_PICTURES_BYTES:
                raise InvalidContent(
                    f"The document's pictures take more than {MAX_PICTURES_BYTES // (1024 * 1024)} MB in all."
                )
        if isinstance(block, PageBreak):
            if pages[-1]:
                pages.append([])
            size = 0
            continue
        weight = _weight(block)
        if cut and pages[-1] and size + weight > PAGE_CHARACTERS:
            pages.append([])
            size = 0
        pages[-1].append(block)
        size += weight
    for page in pages:
        for block in page:
            if isinstance(block, Grid) and block.cells and block.area > MAX_TABLE_AREA:
                raise InvalidContent(f"A table spans more than {MAX_TABLE_AREA:,} cells (rows × columns).")
        if sum(isinstance(block, Picture) for block in page) > MAX_PICTURES_PER_PAGE:
            raise InvalidContent(
                f"A slide or sheet holds more than {MAX_PICTURES_PER_PAGE} pictures to read."
            )
    return [page for page in pages if page] or [[]]


def _weight(block: Block) -> int:
    if isinstance(block, Text):
        return len(block.text)
    if isinstance(block, Grid):
        return block.characters
    return PICTURE_CHARACTERS


# The flow's measures, in inches (never sent): a line, the gap after a paragraph, a column.
_LINE = 0.2
_GAP = 0.1
_WIDTH = 6.5
_COLUMN = 1.0

ReadPicture = Callable[[bytes], PageText | None]


@dataclass
class _Flow:
    lines: list[Line] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    barcodes: list[Barcode] = field(default_factory=list)
    top: float = 0.0
    paragraph: int = 0

    def line(self, text: str, box: Box, role: str | None, styles: Sequence[Style | None] = ()) -> None:
        words = text.split()
        looks = list(styles) + [None] * (len(words) - len(styles))
        self.place([(word, 1.0, look) for word, look in zip(words, looks, strict=False)], box, role)

    def place(self, words: list[tuple[str, float, Style | None]], box: Box, role: str | None) -> None:
        """A line of (word, confidence, style), each word given an equal part of the box."""
        if not words:
            return
        left, top, right, bottom = box
        step = (right - left) / len(words)
        placed = tuple(
            Word(text, (left + i * step, top, left + (i + 1) * step, bottom), confidence, look)
            for i, (text, confidence, look) in enumerate(words)
        )
        self.lines.append(Line(placed, box, paragraph=self.paragraph, role=role))

    def text(self, block: Text) -> None:
        styles, used = block.word_styles, 0  # an offset: slicing off the rest would be quadratic
        for part in block.text.split("\n"):
            if part.strip():
                count = len(part.split())
                looks = styles[used : used + count]
                self.line(part, (0.0, self.top, _WIDTH, self.top + _LINE), block.role, looks)
                used += count
                self.top += _LINE
        self.paragraph += 1
        self.top += _GAP

    def grid(self, block: Grid) -> None:
        if not block.cells:
            return
        rows = max(cell.row + cell.row_span for cell in block.cells)
        heights = [_LINE] * rows
        for cell in block.cells:
            needed = _LINE * max(1, len([p for p in cell.text.split("\n") if p.strip()]))
            share = needed / cell.row_span
            for row in range(cell.row, cell.row + cell.row_span):
                heights[row] = max(heights[row], share)
        tops = [self.top]
        for height in heights:
            tops.append(tops[-1] + height)
        cells = []
        for cell in block.cells:
            box = (
                cell.column * _COLUMN,
                tops[cell.row],
                (cell.column + cell.column_span) * _COLUMN,
                tops[cell.row + cell.row_span],
            )
            cells.append(
                Cell(
                    cell.row,
                    cell.column,
                    box,
                    cell.row_span,
                    cell.column_span,
                    header=cell.header,
                    row_header=cell.row_header,
                )
            )
            y = box[1]
            for part in cell.text.split("\n"):
                if part.strip():
                    # A little inside the cell, so that every word's centre is in it.
                    self.line(part, (box[0] + 0.05, y, box[2] - 0.05, y + _LINE), None)
                    self.paragraph += 1
                    y += _LINE
        self.tables.append(Table(tuple(cells), union([cell.box for cell in cells])))
        self.top = tops[-1] + _GAP

    def picture(self, read: PageText) -> None:
        """The lines an engine read in a picture, one under another (a picture's own
        layout is not kept: its words are what it adds to the page)."""
        for index, line in enumerate(read.lines):
            words = [(word.text, word.confidence, word.style) for word in line.words]
            self.place(words, (0.0, self.top, _WIDTH, self.top + _LINE), None)
            following = read.lines[index + 1] if index + 1 < len(read.lines) else None
            if following is None or following.paragraph != line.paragraph:
                self.paragraph += 1
            self.top += _LINE
        self.barcodes.extend(replace(code, polygon=()) for code in read.barcodes)
        self.top += _GAP


def lay_out(blocks: Iterable[Block], read_picture: ReadPicture) -> PageText:
    """One page of blocks as a PageText with no geometry on the wire (`located=False`)."""
    flow = _Flow()
    for block in blocks:
        if isinstance(block, Text):
            flow.text(block)
        elif isinstance(block, Grid):
            flow.grid(block)
        else:
            read = read_picture(block.data)
            if read is not None:
                flow.picture(read)
    width = max([_WIDTH] + [table.box[2] for table in flow.tables])
    return PageText(
        width=width,
        height=max(flow.top, _LINE),
        unit="inch",
        lines=tuple(flow.lines),
        tables=tuple(flow.tables),
        barcodes=tuple(flow.barcodes),
        located=False,
    )


def styled_text_block(
    pieces: Sequence[tuple[str, Style | None]], budget: Budget, role: str | None
) -> Iterator[Text]:
    """A paragraph of (text, style) pieces as a block (if it has any text), each word with
    the style of its first character."""
    raw = "".join(text for text, _ in pieces)
    looks: list[Style | None] = []
    for text, look in pieces:
        looks += [look] * len(text)
    text = "\n".join(" ".join(part.split()) for part in raw.split("\n")).strip()
    if text:
        budget.charge_text(len(text))
        yield Text(text, role, tuple(looks[match.start()] for match in re.finditer(r"\S+", raw)))


def text_blocks(paragraphs: Iterable[str], budget: Budget, role: str | None = None) -> Iterator[Text]:
    """Paragraph texts as blocks, charged to `budget`."""
    for text in paragraphs:
        text = "\n".join(" ".join(part.split()) for part in text.split("\n")).strip()
        if text:
            budget.charge_text(len(text))
            yield Text(text, role)


def page_to_json(blocks: Iterable[Block]) -> list[dict[str, object]]:
    """A page's blocks as JSON (the prepare stage stores them: the reading stage does not
    parse the document again for each batch of pages)."""
    out: list[dict[str, object]] = []
    for block in blocks:
        if isinstance(block, Text):
            styles = [look.to_json() if look else None for look in block.word_styles]
            out.append({"text": block.text, "role": block.role, **({"styles": styles} if styles else {})})
        elif isinstance(block, Grid):
            out.append(
                {
                    "cells": [
                        [c.row, c.column, c.text, c.row_span, c.column_span, c.header, c.row_header]
                        for c in block.cells
                    ]
                }
            )
        else:
            out.append({"picture": base64.b64encode(block.data).decode("ascii")})
    return out


def page_from_json(data: list[dict[str, Any]]) -> list[Block]:
    blocks: list[Block] = []
    for item in data:
        if "text" in item:
            looks = tuple(Style(**look) if look else None for look in item.get("styles", []))
            blocks.append(Text(item["text"], item.get("role"), looks))
        elif "cells" in item:
            blocks.append(Grid(tuple(GridCell(*cell) for cell in item["cells"])))
        else:
            blocks.append(Picture(base64.b64decode(item["picture"])))
    return blocks
