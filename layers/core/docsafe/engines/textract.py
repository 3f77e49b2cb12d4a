"""Amazon Textract as an engine: one synchronous call per page DocSafe rendered itself.

Only the synchronous APIs are used (DetectDocumentText for read, AnalyzeDocument with
TABLES and FORMS for layout): Textract keeps nothing, unlike its asynchronous jobs whose
results AWS stores for seven days. Responses are parsed with amazon-textract-response-
parser (`trp`) into the same PageText every engine returns.
"""

from __future__ import annotations

import io
from typing import Any

from docsafe.engines.base import Box, Cell, EngineFailed, KeyValue, Line, PageText, SelectionMark, Table, Word

MAX_BYTES = 10 * 1024 * 1024  # Textract's synchronous document limit


def textract_client() -> Any:
    """The region-pinned client (adaptive retries with backoff on throttling)."""
    from docsafe import aws

    return aws.client("textract")


class TextractEngine:
    name = "textract"

    def __init__(self, client: Any | None = None):
        self._client = client

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = textract_client()
        return self._client

    def read(self, image: Any, layout: bool = False) -> PageText:
        document = {"Bytes": _encode(image)}
        if layout:
            response = self.client.analyze_document(Document=document, FeatureTypes=["TABLES", "FORMS"])
        else:
            response = self.client.detect_document_text(Document=document)
        width, height = image.size
        return page_from_textract(response, width, height)


def _encode(image: Any) -> bytes:
    """PNG, or JPEG when a PNG would pass Textract's 10 MB limit."""
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=False)
    if buffer.tell() <= MAX_BYTES:
        return buffer.getvalue()
    for quality in (90, 75, 60):
        buffer = io.BytesIO()
        image.convert("RGB").save(buffer, format="JPEG", quality=quality)
        if buffer.tell() <= MAX_BYTES:
            return buffer.getvalue()
    raise EngineFailed("the page image is too large for Textract")


def page_from_textract(response: dict[str, Any], width: float, height: float) -> PageText:
    """A Textract response for one page, as DocSafe's PageText in pixels of that page."""
    from trp import Document

    pages = Document(response).pages
    if not pages:
        return PageText(width=width, height=height, unit="pixel")
    page = pages[0]

    def box(geometry: Any) -> Box:
        bounds = geometry.boundingBox
        return (
            bounds.left * width,
            bounds.top * height,
            (bounds.left + bounds.width) * width,
            (bounds.top + bounds.height) * height,
        )

    lines = []
    for index, line in enumerate(page.lines):
        words = tuple(Word(w.text, box(w.geometry), round(w.confidence / 100, 3)) for w in line.words)
        if not words:
            continue
        handwritten = sum(w.textType == "HANDWRITING" for w in line.words) * 2 > len(line.words)
        lines.append(Line(words, box(line.geometry), paragraph=index, handwritten=handwritten))

    def cell(block: Any) -> Cell:
        """A trp cell or merged cell (1-based indices) as a DocSafe cell."""
        return Cell(
            block.rowIndex - 1,
            block.columnIndex - 1,
            box(block.geometry),
            block.rowSpan,
            block.columnSpan,
            header="COLUMN_HEADER" in (block.entityTypes or []),
        )

    tables = []
    for table in page.tables:
        merged = [cell(m) for m in table.merged_cells]

        def covered(row: int, column: int, merged: list[Cell] = merged) -> bool:
            return any(
                m.row <= row < m.row + m.row_span and m.column <= column < m.column + m.column_span
                for m in merged
            )

        cells = [
            cell(c) for row in table.rows for c in row.cells if not covered(c.rowIndex - 1, c.columnIndex - 1)
        ]
        if cells or merged:
            tables.append(
                Table(tuple(sorted(cells + merged, key=lambda c: (c.row, c.column))), box(table.geometry))
            )

    marks = []
    for block in page.blocks:
        if block.get("BlockType") == "SELECTION_ELEMENT":
            bounds = block["Geometry"]["BoundingBox"]
            marks.append(
                SelectionMark(
                    (
                        bounds["Left"] * width,
                        bounds["Top"] * height,
                        (bounds["Left"] + bounds["Width"]) * width,
                        (bounds["Top"] + bounds["Height"]) * height,
                    ),
                    block.get("SelectionStatus") == "SELECTED",
                    round(block.get("Confidence", 0.0) / 100, 3),
                )
            )

    pairs = [
        KeyValue(
            box(field.key.geometry),
            box(field.value.geometry) if field.value is not None else None,
            round(field.confidence / 100, 3),
        )
        for field in page.form.fields
        if field.key is not None
    ]
    return PageText(
        width=width,
        height=height,
        unit="pixel",
        lines=tuple(lines),
        tables=tuple(tables),
        selection_marks=tuple(marks),
        key_values=tuple(pairs),
    )
