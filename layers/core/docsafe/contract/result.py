"""Builds the analyzeResult of the Azure Document Intelligence v4.0 contract from the text
of each page: `content` holds every line, and every span indexes into it."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from typing import Any

from docsafe.engines.base import Box, PageText
from docsafe.settings import API_VERSION

STRING_INDEX_TYPES = ("textElements", "unicodeCodePoint", "utf16CodeUnit")


def _length_function(string_index_type: str) -> Callable[[str], int]:
    if string_index_type == "utf16CodeUnit":
        return lambda text: len(text.encode("utf-16-le")) // 2
    if string_index_type == "textElements":
        # A text element (grapheme) is approximated as a base character with its
        # combining marks; the standard library has no full grapheme segmentation.
        return lambda text: sum(1 for ch in text if not unicodedata.combining(ch))
    return len


def polygon(box: Box, unit: str) -> list[float]:
    """The box as a clockwise polygon from the top-left corner."""
    left, top, right, bottom = (_round(v, unit) for v in box)
    return [left, top, right, top, right, bottom, left, bottom]


def _round(value: float, unit: str) -> float:
    return float(round(value)) if unit == "pixel" else round(value, 4)


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

    def text(self) -> str:
        return "".join(self._parts)


def build_analyze_result(
    model_id: str,
    pages: Sequence[tuple[int, PageText]],
    string_index_type: str = "textElements",
) -> dict[str, Any]:
    """`pages` are (page number, text) in reading order."""
    content = _Content(string_index_type)
    wire_pages: list[dict[str, Any]] = []
    paragraphs: list[dict[str, Any]] = []
    for page_number, page in pages:
        page_start: int | None = None
        words: list[dict[str, Any]] = []
        lines: list[dict[str, Any]] = []
        paragraph_key: int | None = None
        for line in page.lines:
            if content.offset > 0:
                content.add("\n")
            line_start = content.offset
            if page_start is None:
                page_start = line_start
            for index, word in enumerate(line.words):
                if index:
                    content.add(" ")
                words.append(
                    {
                        "content": word.text,
                        "polygon": polygon(word.box, page.unit),
                        "confidence": word.confidence,
                        "span": content.add(word.text),
                    }
                )
            line_span = {"offset": line_start, "length": content.offset - line_start}
            lines.append(
                {"content": line.text, "polygon": polygon(line.box, page.unit), "spans": [line_span]}
            )
            region = {"pageNumber": page_number, "polygon": polygon(line.box, page.unit)}
            if paragraph_key == line.paragraph and paragraphs:
                _extend_paragraph(paragraphs[-1], line_span, line.box, page.unit)
            else:
                paragraphs.append({"spans": [dict(line_span)], "boundingRegions": [region], "_box": line.box})
            paragraph_key = line.paragraph
        page_span = (
            [{"offset": page_start, "length": content.offset - page_start}] if page_start is not None else []
        )
        wire_pages.append(
            {
                "pageNumber": page_number,
                "angle": page.angle,
                "width": _round(page.width, page.unit),
                "height": _round(page.height, page.unit),
                "unit": page.unit,
                "words": words,
                "lines": lines,
                "spans": page_span,
            }
        )
    text = content.text()
    offsets = _OffsetMap(text, string_index_type)
    for paragraph in paragraphs:
        paragraph.pop("_box")
        span = paragraph["spans"][0]
        paragraph["content"] = offsets.slice(span["offset"], span["length"])
    return {
        "apiVersion": API_VERSION,
        "modelId": model_id,
        "stringIndexType": string_index_type,
        "content": text,
        "contentFormat": "text",
        "pages": wire_pages,
        "paragraphs": paragraphs,
        "styles": [],
    }


def _extend_paragraph(paragraph: dict[str, Any], line_span: dict[str, int], box: Box, unit: str) -> None:
    span = paragraph["spans"][0]
    span["length"] = line_span["offset"] + line_span["length"] - span["offset"]
    old = paragraph["_box"]
    merged = (min(old[0], box[0]), min(old[1], box[1]), max(old[2], box[2]), max(old[3], box[3]))
    paragraph["_box"] = merged
    paragraph["boundingRegions"][0]["polygon"] = polygon(merged, unit)


class _OffsetMap:
    """Slices `text` by offsets counted in the result's string index type."""

    def __init__(self, text: str, string_index_type: str):
        self._text = text
        length = _length_function(string_index_type)
        self._starts: list[int] = []  # code point index for each unit offset
        for position, char in enumerate(text):
            self._starts.extend([position] * length(char))
        self._starts.append(len(text))

    def slice(self, offset: int, length: int) -> str:
        start = self._starts[offset]
        end = self._starts[min(offset + length, len(self._starts) - 1)]
        return self._text[start:end]
