"""Builds the analyzeResult of the Azure Document Intelligence v4.0 contract from what the
engine found on each page. `content` holds the whole text (plain or markdown); every span
of every element indexes into it, in the string index type the client asked for."""

from __future__ import annotations

import json
import re
import unicodedata
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from docsafe.contract.roles import Paragraph, roles
from docsafe.engines.base import Box, Cell, Line, PageText, Style, Table, center_in
from docsafe.settings import API_VERSION
from docsafe.specs import ResultOptions

STRING_INDEX_TYPES = ("textElements", "unicodeCodePoint", "utf16CodeUnit")
# The models that read tables, selection marks and paragraphs' roles: layout, and the
# field models (Azure's invoice and receipt results carry their tables too).
LAYOUT_MODELS = ("prebuilt-layout", "prebuilt-invoice", "prebuilt-receipt", "prebuilt-idDocument")


def _length_function(string_index_type: str) -> Callable[[str], int]:
    if string_index_type == "utf16CodeUnit":
        return lambda text: len(text.encode("utf-16-le")) // 2
    if string_index_type == "textElements":
        # A text element (grapheme) is approximated as a base character with its
        # combining marks; the standard library has no full grapheme segmentation.
        return lambda text: sum(1 for ch in text if not unicodedata.combining(ch))
    return len


def _round(value: float, unit: str) -> float:
    return float(round(value)) if unit == "pixel" else round(value, 4)


def polygon(box: Box, page: PageText) -> list[float]:
    """The box as a clockwise polygon from its top-left corner, on the page as sent."""
    left, top, right, bottom = box
    points: list[float] = []
    for x, y in ((left, top), (right, top), (right, bottom), (left, bottom)):
        px, py = page.to_page(x, y)
        points += [_round(px, page.unit), _round(py, page.unit)]
    return points


class _Content:
    """Accumulates `content` and hands out spans in the requested index type."""

    def __init__(self, string_index_type: str):
        self._parts: list[str] = []
        self._offset = 0
        self._length = _length_function(string_index_type)

    @property
    def offset(self) -> int:
        return self._offset

    def add(self, text: str) -> dict[str, int]:
        span = {"offset": self._offset, "length": self._length(text)}
        self._parts.append(text)
        self._offset += span["length"]
        return span

    def separate(self, separator: str) -> None:
        """Put `separator` between what came before and what comes next."""
        if self._offset:
            self.add(separator)

    def text(self) -> str:
        return "".join(self._parts)


@dataclass
class _Token:
    """A word or a selection mark as placed in content."""

    text: str
    box: Box
    span: dict[str, int]


_MAX_SLOTS = 1_000_000


def _cell_finder(table: Table) -> Callable[[Box], Cell | None]:
    """Which of `table`'s cells holds a box's centre (the first, in the table's order, as a
    scan of them would say), found on the grid of the cells' edges rather than by trying
    each cell: a sheet's table has thousands."""
    cells = table.cells
    ys = sorted({c.box[1] for c in cells} | {c.box[3] for c in cells})
    xs = sorted({c.box[0] for c in cells} | {c.box[2] for c in cells})
    if len(ys) * len(xs) > _MAX_SLOTS:
        # Edges that cells do not share (each of an engine's cells its own box): a grid of
        # them would be as large as the square of the cells; try each cell instead.
        return lambda box: next((c for c in cells if center_in(box, c.box)), None)
    slots: dict[tuple[int, int], Cell] = {}
    for cell in cells:
        for row in range(bisect_left(ys, cell.box[1]), bisect_left(ys, cell.box[3])):
            for column in range(bisect_left(xs, cell.box[0]), bisect_left(xs, cell.box[2])):
                slots.setdefault((row, column), cell)

    def find(box: Box) -> Cell | None:
        x, y = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
        found = slots.get((bisect_right(ys, y) - 1, bisect_right(xs, x) - 1))
        if found is not None and center_in(box, found.box):
            return found
        return next((c for c in cells if center_in(box, c.box)), None)  # on an edge

    return find


def polygon_around(polygons: Iterable[Sequence[float]]) -> list[float]:
    """The upright rectangle around polygons (x, y, x, y, …), as a polygon of four corners."""
    polygons = list(polygons)
    xs = [x for polygon in polygons for x in polygon[0::2]]
    ys = [y for polygon in polygons for y in polygon[1::2]]
    left, top, right, bottom = min(xs), min(ys), max(xs), max(ys)
    return [left, top, right, top, right, bottom, left, bottom]


def words_by_line(page: dict[str, Any]) -> Iterator[list[dict[str, Any]]]:
    """The words of each line of an analyzeResult page, by their spans, in the line's order
    (a line without words of its own, a markdown table's rule, is left out). The page's
    words are ordered once: a page of 10,000 words costs no more than a sort."""
    words = sorted(page.get("words") or [], key=lambda word: word["span"]["offset"])
    starts = [word["span"]["offset"] for word in words]
    for line in page.get("lines") or []:
        if not line.get("spans"):
            continue
        span = line["spans"][0]
        yield words[
            bisect_left(starts, span["offset"]) : bisect_left(starts, span["offset"] + span["length"])
        ]


def merge_spans(spans: list[dict[str, int]]) -> list[dict[str, int]]:
    """Adjacent or overlapping spans become one (a cell's words, a line's words)."""
    merged: list[dict[str, int]] = []
    for span in sorted(spans, key=lambda s: s["offset"]):
        if merged and span["offset"] <= merged[-1]["offset"] + merged[-1]["length"] + 1:
            last = merged[-1]
            end = max(last["offset"] + last["length"], span["offset"] + span["length"])
            last["length"] = end - last["offset"]
        else:
            merged.append(dict(span))
    return merged


class _PageWriter:
    """Writes one page into content and collects its elements."""

    def __init__(self, builder: _Builder, page_number: int, page: PageText):
        self.b = builder
        self.number = page_number
        self.page = page
        self.words: list[dict[str, Any]] = []
        self.lines: list[dict[str, Any]] = []
        self.tokens: list[_Token] = []
        self._by_height: list[tuple[float, int]] = []  # (centre y, index) of the tokens, sorted
        self._heights: list[float] = []
        self._indexed = 0
        self.start: int | None = None

    def regions(self, box: Box) -> dict[str, Any]:
        """`boundingRegions` of an element on this page (none where the page has no geometry)."""
        if not self.page.located:
            return {}
        return {"boundingRegions": [{"pageNumber": self.number, "polygon": polygon(box, self.page)}]}

    def where(self, box: Box) -> dict[str, Any]:
        """`polygon` of a word, line or mark on this page (none where it has no geometry)."""
        return {"polygon": polygon(box, self.page)} if self.page.located else {}

    def _inside(self, box: Box) -> list[_Token]:
        """The tokens whose centre is in `box`, in content order: found through their
        centres' heights (a sheet's table asks this of each of its thousands of cells)."""
        if self._indexed != len(self.tokens):
            self._by_height = sorted(((t.box[1] + t.box[3]) / 2, i) for i, t in enumerate(self.tokens))
            self._heights = [height for height, _ in self._by_height]
            self._indexed = len(self.tokens)
        low, high = bisect_left(self._heights, box[1]), bisect_right(self._heights, box[3])
        found = sorted(index for _, index in self._by_height[low:high])
        return [self.tokens[i] for i in found if center_in(self.tokens[i].box, box)]

    def _word(self, text: str, box: Box, confidence: float, style: Style | None = None) -> dict[str, int]:
        span = self.b.content.add(text)
        if style is not None and self.b.options.style_font and (told := tuple(style.wire().items())):
            self.b.styled.setdefault(told, []).append(span)
            self.b.style_confidence[told] = min(self.b.style_confidence.get(told, 1.0), style.confidence)
        self.words.append({"content": text, **self.where(box), "confidence": confidence, "span": span})
        self.tokens.append(_Token(text, box, span))
        return span

    def _begin(self) -> None:
        if self.start is None:
            self.start = self.b.content.offset

    def write_line(self, line: Line) -> dict[str, int]:
        self.b.content.separate("\n")
        self._begin()
        start = self.b.content.offset
        for index, word in enumerate(line.words):
            if index:
                self.b.content.add(" ")
            self._word(word.text, word.box, word.confidence, word.style)
        span = {"offset": start, "length": self.b.content.offset - start}
        self._add_line(line, [span])
        return span

    def _add_line(self, line: Line, spans: list[dict[str, int]]) -> None:
        self.lines.append({"content": line.text, **self.where(line.box), "spans": spans})
        if line.handwritten:
            self.b.handwritten.extend(spans)

    def write_markdown_table(self, table: Table, lines: list[Line]) -> None:
        """The table as a markdown pipe table; its words get spans inside it."""
        content = self.b.content
        content.separate("\n\n")
        self._begin()
        words = [w for line in lines for w in line.words]
        word_spans: dict[int, dict[str, int]] = {}
        grid: dict[tuple[int, int], list[int]] = {}
        cell_of = _cell_finder(table)
        for index, word in enumerate(words):
            cell = cell_of(word.box)
            if cell is not None:
                grid.setdefault((cell.row, cell.column), []).append(index)
        for row in range(table.row_count):
            content.add("|")
            for column in range(table.column_count):
                content.add(" ")
                for position, index in enumerate(grid.get((row, column), [])):
                    if position:
                        content.add(" ")
                    word = words[index]
                    word_spans[index] = self._word(word.text, word.box, word.confidence, word.style)
                content.add(" |")
            content.add("\n")
            if row == 0:
                content.add("|" + " --- |" * table.column_count + "\n")
        # Lines cut through by the table keep the spans of their own words.
        position = 0
        for line in lines:
            spans = [word_spans[i] for i in range(position, position + len(line.words)) if i in word_spans]
            position += len(line.words)
            self._add_line(line, merge_spans(spans))

    def write_marks(self) -> None:
        for mark in self.page.selection_marks:
            if self.b.options.markdown:
                token = "☒" if mark.selected else "☐"
            else:
                token = ":selected:" if mark.selected else ":unselected:"
            self.b.content.separate("\n")
            self._begin()
            span = self.b.content.add(token)
            self.tokens.append(_Token(token, mark.box, span))
            self.b.selection_marks.append(
                {
                    "state": "selected" if mark.selected else "unselected",
                    **self.where(mark.box),
                    "confidence": round(mark.confidence, 3),
                    "span": span,
                }
            )

    def write_barcodes(self) -> list[dict[str, Any]]:
        """The page's barcodes, each a `:barcode:` of the content (as Azure writes them)."""
        written = []
        for code in self.page.barcodes:
            self.b.content.separate("\n")
            self._begin()
            span = self.b.content.add(":barcode:")
            written.append(
                {
                    "kind": code.kind,
                    "value": code.value,
                    **(
                        {"polygon": [_round(value, self.page.unit) for value in code.polygon]}
                        if code.polygon
                        else {}
                    ),
                    "span": span,
                    "confidence": round(code.confidence, 3),
                }
            )
        return written

    def element(self, box: Box) -> dict[str, Any]:
        """Content, region and spans of whatever lies inside `box`."""
        inside = self._inside(box)
        return {
            "content": " ".join(t.text for t in inside),
            **self.regions(box),
            "spans": merge_spans([t.span for t in inside]),
        }


_CAPTION = re.compile(r"^(table|tab\.)\s*\d", re.IGNORECASE)
_FIGURE_CAPTION = re.compile(r"^(figure|fig\.|chart|photo)\s*\d", re.IGNORECASE)
_FOOTNOTE = re.compile(r"^(\*|†|‡|\d\)|note\b|notes\b|source\b)", re.IGNORECASE)


def _give_row_headers(cells: list[dict[str, Any]]) -> None:
    """A table whose top-left cell is empty above a first column of labels (a stub
    column: the header row names the other columns, the first column names the rows)
    has rowHeader cells down that column, under a stubHead corner. A table that says its
    kinds (Office, HTML, a slide) keeps them."""
    if any(cell.get("kind") == "rowHeader" for cell in cells):
        return
    first = [cell for cell in cells if cell["columnIndex"] == 0]
    rows = {cell["rowIndex"] for cell in cells}
    columns = {cell["columnIndex"] for cell in cells}
    corner = next((cell for cell in first if cell["rowIndex"] == 0), None)
    labels = [cell for cell in first if cell["rowIndex"] > 0 and cell.get("kind") != "columnHeader"]
    if (
        len(rows) >= 3
        and len(columns) >= 2
        and corner is not None
        and corner.get("kind") == "columnHeader"
        and not corner["content"].strip()
        and labels
        and all(cell["content"].strip() for cell in labels)
    ):
        for cell in labels:
            cell["kind"] = "rowHeader"
        corner["kind"] = "stubHead"  # as Azure names the corner over the row headers


class _Builder:
    def __init__(self, model_id: str, options: ResultOptions):
        self.model_id = model_id
        self.options = options
        self.layout = model_id in LAYOUT_MODELS
        self.content = _Content(options.string_index_type)
        self.paragraphs: list[dict[str, Any]] = []
        self.tables: list[dict[str, Any]] = []
        self.figures: list[dict[str, Any]] = []
        self.selection_marks: list[dict[str, Any]] = []
        self.key_value_pairs: list[dict[str, Any]] = []
        self.handwritten: list[dict[str, int]] = []
        self.styled: dict[tuple[tuple[str, Any], ...], list[dict[str, int]]] = {}  # look → spans
        self.style_confidence: dict[tuple[tuple[str, Any], ...], float] = {}
        self.elements: list[str] = []
        self._pages_added = 0

    def add_page(self, page_number: int, page: PageText) -> dict[str, Any]:
        """Place the page in content and collect its cross-page elements; returns the
        page as it goes on the wire (nothing later changes it)."""
        writer = _PageWriter(self, page_number, page)
        page_marks_start = len(self.selection_marks)
        first_table = len(self.tables)
        first_paragraph = len(self.paragraphs)
        tables = page.tables if self.layout else ()
        owner: dict[int, int] = {}  # line index → table index
        for t_index, table in enumerate(tables):
            for l_index, line in enumerate(page.lines):
                if l_index not in owner and center_in(line.box, table.box):
                    owner[l_index] = t_index
        written_tables: set[int] = set()
        paragraph_key: int | None = None
        for l_index, line in enumerate(page.lines):
            t_index = owner.get(l_index)
            if t_index is not None:
                paragraph_key = None
                if t_index in written_tables:
                    continue
                written_tables.add(t_index)
                table_lines = [page.lines[i] for i in sorted(i for i, t in owner.items() if t == t_index)]
                if self.options.markdown:
                    writer.write_markdown_table(tables[t_index], table_lines)
                else:
                    for table_line in table_lines:
                        writer.write_line(table_line)
                self.elements.append(f"/tables/{first_table + t_index}")
                continue
            if self.options.markdown and paragraph_key is not None and line.paragraph != paragraph_key:
                self.content.add("\n")  # a blank line between markdown paragraphs
            span = writer.write_line(line)
            if paragraph_key == line.paragraph and self.paragraphs:
                self._extend_paragraph(span, line, page)
            else:
                self.paragraphs.append(
                    {
                        "spans": [dict(span)],
                        **writer.regions(line.box),
                        "_box": line.box,
                        "_role": line.role,
                        "_lines": [line.text],
                        "_heights": [line.box[3] - line.box[1]],
                    }
                )
                self.elements.append(f"/paragraphs/{len(self.paragraphs) - 1}")
            paragraph_key = line.paragraph
        for t_index in range(len(tables)):
            if t_index not in written_tables:  # a table with no text in it
                written_tables.add(t_index)
                self.elements.append(f"/tables/{first_table + t_index}")
        if self.layout:
            writer.write_marks()
            for table in tables:
                self.tables.append(self._table(writer, table))
            if self.options.key_value_pairs:
                for pair in page.key_values:
                    entry: dict[str, Any] = {
                        "key": writer.element(pair.key),
                        "confidence": round(pair.confidence, 3),
                    }
                    if pair.value is not None:
                        entry["value"] = writer.element(pair.value)
                    self.key_value_pairs.append(entry)
        if self.layout:
            self._give_roles(self.paragraphs[first_paragraph:], page)
            for index, table in enumerate(tables):
                self._give_caption(self.tables[first_table + index], table.box, first_paragraph)
            for index, box in enumerate(page.figures):
                self.figures.append(self._figure(writer, f"{page_number}.{index + 1}", box, first_paragraph))
        self._pages_added += 1
        barcodes = writer.write_barcodes() if self.options.barcodes else None
        end = self.content.offset
        wire: dict[str, Any] = {"pageNumber": page_number}
        if page.located:
            wire |= {
                "angle": round(page.angle, 2),
                "width": _round(page.width, page.unit),
                "height": _round(page.height, page.unit),
                "unit": page.unit,
            }
        wire |= {
            "words": writer.words,
            "lines": writer.lines,
            "spans": [] if writer.start is None else [{"offset": writer.start, "length": end - writer.start}],
        }
        if self.layout:
            wire["selectionMarks"] = self.selection_marks[page_marks_start:]
        if barcodes is not None:
            wire["barcodes"] = barcodes
        return wire

    def _table(self, writer: _PageWriter, table: Table) -> dict[str, Any]:
        cells = []
        for cell in sorted(table.cells, key=lambda c: (c.row, c.column)):
            wire: dict[str, Any] = {
                "rowIndex": cell.row,
                "columnIndex": cell.column,
                **writer.element(cell.box),
            }
            if cell.header:
                wire["kind"] = "columnHeader"
            elif cell.row_header:
                wire["kind"] = "rowHeader"
            if cell.row_span > 1:
                wire["rowSpan"] = cell.row_span
            if cell.column_span > 1:
                wire["columnSpan"] = cell.column_span
            cells.append(wire)
        _give_row_headers(cells)
        whole = writer.element(table.box)
        return {
            "rowCount": table.row_count,
            "columnCount": table.column_count,
            "cells": cells,
            **writer.regions(table.box),
            "spans": whole["spans"],
        }

    def _figure(self, writer: _PageWriter, figure_id: str, box: Box, first_paragraph: int) -> dict[str, Any]:
        """A figure: its region, the text inside it (a chart's labels) and the paragraphs
        it holds, and its caption (the paragraph right above or below it that begins
        "Figure 2", "Fig. 2"); its image, with output=figures, is stored by the pipeline."""
        inside = writer.element(box)
        wire: dict[str, Any] = {"id": figure_id, **writer.regions(box), "spans": inside["spans"]}
        elements = [
            f"/paragraphs/{index}"
            for index in range(first_paragraph, len(self.paragraphs))
            if center_in(self.paragraphs[index]["_box"], box)
        ]
        if elements:
            wire["elements"] = elements
        self._give_caption(wire, box, first_paragraph, _FIGURE_CAPTION, footnotes=False)
        return wire

    def _extend_paragraph(self, line_span: dict[str, int], line: Line, page: PageText) -> None:
        box = line.box
        paragraph = self.paragraphs[-1]
        paragraph["_lines"].append(line.text)
        paragraph["_heights"].append(box[3] - box[1])
        span = paragraph["spans"][0]
        span["length"] = line_span["offset"] + line_span["length"] - span["offset"]
        old = paragraph["_box"]
        merged = (min(old[0], box[0]), min(old[1], box[1]), max(old[2], box[2]), max(old[3], box[3]))
        paragraph["_box"] = merged
        if "boundingRegions" in paragraph:
            paragraph["boundingRegions"][0]["polygon"] = polygon(merged, page)

    def _give_caption(
        self,
        wire: dict[str, Any],
        box: Box,
        first_paragraph: int,
        caption: re.Pattern[str] = _CAPTION,
        footnotes: bool = True,
    ) -> None:
        """A table's caption and footnotes: the page's paragraph right above it that begins
        "Table 3" (or "Tab. 3"), and those right below it that begin "*", "Note" or "Source".
        A figure's: its caption `caption`, above or below it, and no footnotes."""
        notes = []
        for index in range(first_paragraph, len(self.paragraphs)):
            paragraph = self.paragraphs[index]
            left, top, right, bottom = paragraph["_box"]
            first_line = paragraph["_lines"][0]
            near = 2.5 * max(paragraph["_heights"])
            if right < box[0] or left > box[2]:
                continue
            element = {
                "content": "\n".join(paragraph["_lines"]),
                **{key: paragraph[key] for key in ("boundingRegions",) if key in paragraph},
                "spans": paragraph["spans"],
                "elements": [f"/paragraphs/{index}"],
            }
            above = 0 <= box[1] - bottom <= near
            below = 0 <= top - box[3] <= near * (1 + len(notes))
            if "caption" not in wire and caption.match(first_line) and (above or (below and not footnotes)):
                wire["caption"] = element
            elif footnotes and below and _FOOTNOTE.match(first_line):
                notes.append(element)
        if notes:
            wire["footnotes"] = notes

    def _give_roles(self, paragraphs: list[dict[str, Any]], page: PageText) -> None:
        if not page.located:  # an Office page: the roles its styles gave
            for paragraph in paragraphs:
                if paragraph["_role"]:
                    paragraph["role"] = paragraph["_role"]
            return
        told = roles(
            [Paragraph(p["_box"], tuple(p["_lines"]), tuple(p["_heights"])) for p in paragraphs],
            page.frame_size[1],
            first_page=not self._pages_added,
        )
        for paragraph, role in zip(paragraphs, told, strict=True):
            if role is not None:
                paragraph["role"] = role

    def head(self) -> dict[str, Any]:
        return {
            "apiVersion": API_VERSION,
            "modelId": self.model_id,
            "stringIndexType": self.options.string_index_type,
        }

    def tail(self) -> dict[str, Any]:
        """Everything but the head and the pages, once every page was added."""
        text = self.content.text()
        offsets = _OffsetMap(text, self.options.string_index_type)
        for paragraph in self.paragraphs:
            for working in ("_box", "_lines", "_heights", "_role"):
                paragraph.pop(working)
            span = paragraph["spans"][0]
            paragraph["content"] = offsets.slice(span["offset"], span["length"])
        result: dict[str, Any] = {
            "content": text,
            "contentFormat": "markdown" if self.options.markdown else "text",
            "paragraphs": self.paragraphs,
            "styles": (
                [{"isHandwritten": True, "spans": merge_spans(self.handwritten), "confidence": 0.9}]
                if self.handwritten
                else []
            )
            + [
                {**dict(told), "spans": merge_spans(spans), "confidence": self.style_confidence[told]}
                for told, spans in self.styled.items()
            ],
        }
        if self.layout:
            result["tables"] = self.tables
            result["figures"] = self.figures
            result["sections"] = (
                [{"spans": [{"offset": 0, "length": self.content.offset}], "elements": self.elements}]
                if self.elements
                else []
            )
            if self.options.key_value_pairs:
                result["keyValuePairs"] = self.key_value_pairs
        return result


def build_analyze_result(
    model_id: str,
    pages: Iterable[tuple[int, PageText]],
    options: ResultOptions | None = None,
) -> dict[str, Any]:
    """`pages` are (page number, what the engine found) in reading order."""
    builder = _Builder(model_id, options or ResultOptions())
    wire_pages = [builder.add_page(page_number, page) for page_number, page in pages]
    return in_wire_order({**builder.head(), "pages": wire_pages, **builder.tail()})


DocumentsOf = Callable[[list[dict[str, Any]], str], list[dict[str, Any]]]
LanguagesOf = Callable[[list[dict[str, Any]]], list[dict[str, Any]]]


def stream_analyze_result(
    model_id: str,
    pages: Iterable[tuple[int, PageText]],
    options: ResultOptions | None = None,
    documents: DocumentsOf | None = None,
    languages: LanguagesOf | None = None,
) -> Iterator[str]:
    """The analyzeResult as JSON text, written a page at a time.

    The same result as `build_analyze_result`, with the pages before `content` (which is
    complete only after the last page): memory holds the text and the cross-page
    elements, never every page's words at once. `in_wire_order` restores the usual
    order when the result is read back. `documents(pages, content)`, for a custom model,
    makes `documents[]` from the finished pages (it needs them all: the pages are kept);
    `languages(paragraphs)` makes `languages[]` (features=languages).
    """
    builder = _Builder(model_id, options or ResultOptions())
    kept: list[dict[str, Any]] = []
    yield json.dumps(builder.head(), ensure_ascii=False)[:-1] + ', "pages": ['
    for index, (page_number, page) in enumerate(pages):
        wire = builder.add_page(page_number, page)
        if documents is not None:
            kept.append(wire)
        yield ("," if index else "") + json.dumps(wire, ensure_ascii=False)
    tail = builder.tail()
    if documents is not None:
        tail["documents"] = documents(kept, tail["content"])
    if languages is not None:
        tail["languages"] = languages(tail["paragraphs"])
    yield "]," + json.dumps(tail, ensure_ascii=False)[1:]


_WIRE_ORDER = (
    "apiVersion",
    "modelId",
    "stringIndexType",
    "content",
    "contentFormat",
    "pages",
    "paragraphs",
    "styles",
    "tables",
    "figures",
    "sections",
    "keyValuePairs",
    "documents",
)


def in_wire_order(result: dict[str, Any]) -> dict[str, Any]:
    """The result's fields in the order Azure sends them (readers of raw JSON expect
    `content` near the top)."""
    ordered = {name: result[name] for name in _WIRE_ORDER if name in result}
    return {**ordered, **{name: value for name, value in result.items() if name not in ordered}}


class _OffsetMap:
    """Slices `text` by offsets counted in the result's string index type."""

    def __init__(self, text: str, string_index_type: str):
        self._text = text
        length = _length_function(string_index_type)
        self._starts: array[int] | None = None  # code point index for each unit offset
        if length(text) != len(text):
            # Only text with characters that count as other than one unit needs the map
            # (8 bytes a character, built once).
            self._starts = array("q")
            for position, char in enumerate(text):
                self._starts.extend([position] * length(char))
            self._starts.append(len(text))

    def slice(self, offset: int, length: int) -> str:
        if self._starts is None:
            return self._text[offset : offset + length]
        start = self._starts[offset]
        end = self._starts[min(offset + length, len(self._starts) - 1)]
        return self._text[start:end]
