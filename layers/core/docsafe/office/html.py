"""HTML documents: headings, paragraphs, lists and tables, by the standard library's
parser (it expands only HTML's own named character references: no entity can be
declared, nothing is fetched — pictures, styles and scripts it names are left alone)."""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import BinaryIO

from docsafe.failures import InvalidContent
from docsafe.office.blocks import Block, Budget, Grid, GridCell, PageBreak, Text

MAX_HTML_BYTES = 64 * 1024 * 1024
_CHUNK = 256 * 1024
_MAX_SPAN = 1000  # HTML's own limit for colspan
_SKIPPED = frozenset({"head", "script", "style", "template", "noscript", "svg", "math", "object", "iframe"})
_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
)
_BLOCKS = frozenset(
    {
        "address", "article", "aside", "blockquote", "body", "caption", "dd", "details", "dialog",
        "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3",
        "h4", "h5", "h6", "header", "hr", "html", "legend", "li", "main", "nav", "ol", "p", "pre",
        "section", "summary", "ul",
    }
)  # fmt: skip
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.IGNORECASE)


def html_blocks(file: BinaryIO, budget: Budget) -> Iterator[Block | PageBreak]:
    head = file.read(4096)
    encoding = _encoding(head)
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    parser = _Reader(budget)
    total = len(head)
    parser.feed(decoder.decode(head))
    while chunk := file.read(_CHUNK):
        total += len(chunk)
        if total > MAX_HTML_BYTES:
            raise InvalidContent(f"HTML documents can be {MAX_HTML_BYTES // (1024 * 1024)} MB at most.")
        parser.feed(decoder.decode(chunk))
        yield from parser.take()
    parser.feed(decoder.decode(b"", final=True))
    parser.close()
    yield from parser.take()


def _encoding(head: bytes) -> str:
    for bom, name in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if head.startswith(bom):
            return name
    found = _META_CHARSET.search(head)
    if found:
        try:
            codec = codecs.lookup(found.group(1).decode("ascii"))
        except LookupError:
            codec = None
        # (codecs also names transforms — zlib, base64, rot13 — which decode no text)
        if codec is not None and getattr(codec, "_is_text_encoding", True):
            return codec.name
    return "utf-8"


class _Table:
    def __init__(self, budget: Budget) -> None:
        self.budget = budget
        self.cells: list[tuple[int, int, str, int, int, bool, bool]] = []  # … th, in thead
        self.taken: set[tuple[int, int]] = set()
        self.row = -1
        self.column = 0
        self.section = ""
        self.cell: list[str] | None = None
        self.nested = 0  # tables open inside the open cell (read as its text)
        self.caption: list[str] | None = None
        self.cell_shape: tuple[int, int, int, int, bool] | None = None

    def start_row(self) -> None:
        self.row += 1
        self.column = 0

    def start_cell(self, tag: str, attributes: dict[str, str | None], budget: Budget) -> None:
        if self.row < 0:
            self.start_row()
        while (self.row, self.column) in self.taken:
            self.column += 1
        rows = _span(attributes.get("rowspan"))
        columns = _span(attributes.get("colspan"))
        budget.charge_cells(rows * columns)
        for row in range(self.row, self.row + rows):
            for column in range(self.column, self.column + columns):
                self.taken.add((row, column))
        self.cell = []
        self.cell_shape = (self.row, self.column, rows, columns, tag == "th")
        self.column += columns

    def end_cell(self) -> None:
        if self.cell is None or self.cell_shape is None:
            return
        row, column, rows, columns, heading = self.cell_shape
        text = "\n".join(" ".join(part.split()) for part in "".join(self.cell).split("\n") if part.strip())
        self.budget.charge_text(len(text))
        self.cells.append((row, column, text, rows, columns, heading, self.section == "thead"))
        self.cell = None

    def grid(self) -> Grid | None:
        self.end_cell()
        by_row: dict[int, list[bool]] = {}
        for row, _, _, _, _, heading, _ in self.cells:
            by_row.setdefault(row, []).append(heading)
        cells = []
        for row, column, text, rows, columns, heading, in_head in self.cells:
            header = in_head or (heading and all(by_row[row]))
            cells.append(GridCell(row, column, text, rows, columns, header, heading and not header))
        return Grid(tuple(cells)) if cells else None


def _span(value: str | None) -> int:
    try:
        return max(1, min(int(value or "1"), _MAX_SPAN))
    except ValueError:
        return 1


class _Reader(HTMLParser):
    def __init__(self, budget: Budget):
        super().__init__(convert_charrefs=True)
        self._budget = budget
        self._skipping: list[str] = []
        self._text: list[str] = []
        self._role: str | None = None
        self._tables: list[_Table] = []
        self._out: list[Block] = []
        self._seen_title = False

    def take(self) -> list[Block]:
        out, self._out = self._out, []
        return out

    def _flush(self) -> None:
        text = "\n".join(" ".join(part.split()) for part in "".join(self._text).split("\n")).strip()
        self._text.clear()
        if text:
            self._budget.charge_text(len(text))
            self._out.append(Text(text, self._role))
        self._role = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._skipping == ["head"] and (tag in _BLOCKS or tag == "table"):
            self._skipping.clear()  # </head> may be left out: the body ends the head
        if self._skipping:
            if tag not in _VOID:
                self._skipping.append(tag)
            return
        if tag in _SKIPPED:
            self._skipping.append(tag)
            return
        table = self._tables[-1] if self._tables else None
        if table is not None:
            self._start_in_table(table, tag, dict(attrs))
        elif tag == "table":
            self._flush()
            self._tables.append(_Table(self._budget))
        elif tag == "br":
            self._text.append("\n")
        elif tag in _BLOCKS:
            self._flush()
            if tag == "h1" and not self._seen_title:
                self._role, self._seen_title = "title", True
            elif tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
                self._role = "sectionHeading"

    def handle_endtag(self, tag: str) -> None:
        if self._skipping:
            if tag == self._skipping[-1]:
                self._skipping.pop()
            return
        table = self._tables[-1] if self._tables else None
        if table is None:
            if tag in _BLOCKS:
                self._flush()
        elif table.nested:
            if tag == "table":
                table.nested -= 1
            elif tag in ("td", "th", "tr") and table.cell is not None:
                table.cell.append(" ")
        elif tag == "table":
            self._tables.pop()
            if table.caption is not None:
                self._text, self._role = table.caption, None
                self._flush()
            grid = table.grid()
            if grid is not None:
                self._out.append(grid)
        elif tag in ("td", "th", "tr"):
            table.end_cell()
        elif table.cell is not None and tag in _BLOCKS:
            table.cell.append("\n")

    def _start_in_table(self, table: _Table, tag: str, attributes: dict[str, str | None]) -> None:
        if table.nested:
            if tag == "table":
                table.nested += 1
            elif tag in ("td", "th") and table.cell is not None:
                table.cell.append(" ")
            elif (tag in ("tr", "br") or tag in _BLOCKS) and table.cell is not None:
                table.cell.append("\n")
        elif tag == "table":
            if table.cell is None:
                table.cell_shape = None
                table.start_cell("td", {}, self._budget)  # a table loose in a table: a cell of it
            table.nested = 1
            table.cell.append("\n")  # type: ignore[union-attr]
        elif tag in ("thead", "tbody", "tfoot"):
            table.end_cell()
            table.section = tag
        elif tag == "tr":
            table.end_cell()
            table.start_row()
        elif tag in ("td", "th"):
            table.end_cell()
            table.start_cell(tag, attributes, self._budget)
        elif tag == "caption" and table.cell is None:
            table.caption = []
        elif table.cell is not None and (tag == "br" or tag in _BLOCKS):
            table.cell.append("\n")

    def handle_data(self, data: str) -> None:
        if self._skipping:
            return
        table = self._tables[-1] if self._tables else None
        if table is None:
            self._text.append(data)
        elif table.cell is not None:
            table.cell.append(data)
        elif table.caption is not None:
            table.caption.append(data)

    def close(self) -> None:
        super().close()
        while self._tables:
            grid = self._tables.pop().grid()
            if grid is not None:
                self._out.append(grid)
        self._flush()
