"""Results as Amazon Textract `Blocks`: the shape teams with Textract code already parse.

`result_to_blocks` turns an analyzeResult (what DocSafe returns) into an AnalyzeDocument
response: PAGE, LINE, WORD, TABLE, CELL, MERGED_CELL, SELECTION_ELEMENT and
KEY_VALUE_SET blocks, with their CHILD and VALUE relationships. Which words belong to a
line, a cell or a field is read from the spans, so it is exact. Geometry is normalised
to the page (0..1) as Textract gives it; confidences are 0..100.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from docsafe.contract.errors import InvalidArgument
from docsafe.engines.base import PageText

Span = tuple[int, int]  # offset, end


def _geometry(polygon: Sequence[float], width: float, height: float) -> dict[str, Any]:
    xs = [x / width for x in polygon[0::2]]
    ys = [y / height for y in polygon[1::2]]
    left, top = min(xs), min(ys)
    return {
        "BoundingBox": {"Width": max(xs) - left, "Height": max(ys) - top, "Left": left, "Top": top},
        "Polygon": [{"X": x, "Y": y} for x, y in zip(xs, ys, strict=True)],
    }


def _spans(element: dict[str, Any]) -> list[Span]:
    found = element.get("spans") or ([element["span"]] if "span" in element else [])
    return [(s["offset"], s["offset"] + s["length"]) for s in found]


def _within(inner: list[Span], outer: list[Span]) -> bool:
    return bool(inner) and all(any(o[0] <= i[0] and i[1] <= o[1] for o in outer) for i in inner)


def _children(block: dict[str, Any], ids: Sequence[str], kind: str = "CHILD") -> None:
    if ids:
        block.setdefault("Relationships", []).append({"Type": kind, "Ids": list(ids)})


class _PageBlocks:
    """The blocks of one page; elements of the page are matched to words by span."""

    def __init__(self, out: list[dict[str, Any]], page: dict[str, Any]):
        self.out = out
        self.number = page["pageNumber"]
        self.width, self.height = page["width"] or 1, page["height"] or 1
        self.tokens: list[tuple[list[Span], str]] = []  # words and marks, by their spans

    def add(self, block_type: str, polygon: Sequence[float], **fields: Any) -> dict[str, Any]:
        block = {
            "BlockType": block_type,
            "Geometry": _geometry(polygon, self.width, self.height),
            "Id": str(uuid.uuid4()),
            "Page": self.number,
            **fields,
        }
        self.out.append(block)
        return block

    def holds(self, element: dict[str, Any]) -> bool:
        regions = element.get("boundingRegions") or [{"pageNumber": self.number}]
        return regions[0]["pageNumber"] == self.number

    def inside(self, element: dict[str, Any]) -> list[str]:
        outer = _spans(element)
        return [block_id for spans, block_id in self.tokens if _within(spans, outer)]

    def polygon_of(self, element: dict[str, Any]) -> Sequence[float]:
        return element["boundingRegions"][0]["polygon"]


def result_to_blocks(result: dict[str, Any]) -> dict[str, Any]:
    """An AnalyzeDocument response (DetectDocumentText's, for prebuilt-read) of `result`;
    400 for a result without page geometry (an Office or HTML document's)."""
    if any("width" not in page for page in result["pages"]):
        raise InvalidArgument(
            "Textract's Blocks need page geometry; an Office or HTML document's result has none: "
            "use format=analyzeResult.",
            target="format",
        )
    blocks: list[dict[str, Any]] = []
    handwritten = [
        span for style in result.get("styles", []) if style.get("isHandwritten") for span in _spans(style)
    ]
    for page in result["pages"]:
        out = _PageBlocks(blocks, page)
        page_block = out.add("PAGE", [0, 0, out.width, 0, out.width, out.height, 0, out.height])
        top_level: list[str] = []
        words: list[tuple[list[Span], str]] = []
        confidence_of: dict[str, float] = {}
        for word in page.get("words", []):
            spans = _spans(word)
            block = out.add(
                "WORD",
                word["polygon"],
                Text=word["content"],
                Confidence=word["confidence"] * 100,
                TextType="HANDWRITING" if _within(spans, handwritten) else "PRINTED",
            )
            words.append((spans, block["Id"]))
            confidence_of[block["Id"]] = block["Confidence"]
        for line in page.get("lines", []):
            outer = _spans(line)
            word_ids = [block_id for spans, block_id in words if _within(spans, outer)]
            confidences = [confidence_of[block_id] for block_id in word_ids]
            line_block = out.add(
                "LINE",
                line["polygon"],
                Text=line["content"],
                Confidence=sum(confidences) / len(confidences) if confidences else 100.0,
            )
            _children(line_block, word_ids)
            top_level.append(line_block["Id"])
        marks = []
        for mark in page.get("selectionMarks", []):
            block = out.add(
                "SELECTION_ELEMENT",
                mark["polygon"],
                SelectionStatus="SELECTED" if mark["state"] == "selected" else "NOT_SELECTED",
                Confidence=mark["confidence"] * 100,
            )
            marks.append((_spans(mark), block["Id"]))
        out.tokens = words + marks
        for table in result.get("tables", []):
            if out.holds(table):
                top_level.append(_table(out, table))
        for pair in result.get("keyValuePairs", []):
            if out.holds(pair["key"]):
                top_level.append(_key_value(out, pair))
        top_level += [block_id for _, block_id in marks]
        _children(page_block, top_level)
    return {"DocumentMetadata": {"Pages": len(result["pages"])}, "Blocks": blocks}


def _table(out: _PageBlocks, table: dict[str, Any]) -> str:
    table_block = out.add("TABLE", out.polygon_of(table), Confidence=90.0)
    cell_ids, merged_ids = [], []
    for cell in table["cells"]:
        row_span, column_span = cell.get("rowSpan", 1), cell.get("columnSpan", 1)
        header = {"EntityTypes": ["COLUMN_HEADER"]} if cell.get("kind") == "columnHeader" else {}
        # Textract lists every grid cell; a merged cell groups them.
        parts = []
        for row in range(cell["rowIndex"], cell["rowIndex"] + row_span):
            for column in range(cell["columnIndex"], cell["columnIndex"] + column_span):
                part = out.add(
                    "CELL",
                    out.polygon_of(cell),
                    RowIndex=row + 1,
                    ColumnIndex=column + 1,
                    RowSpan=1,
                    ColumnSpan=1,
                    Confidence=90.0,
                    **header,
                )
                if (row, column) == (cell["rowIndex"], cell["columnIndex"]):
                    _children(part, out.inside(cell))
                parts.append(part["Id"])
        cell_ids += parts
        if len(parts) > 1:
            merged = out.add(
                "MERGED_CELL",
                out.polygon_of(cell),
                RowIndex=cell["rowIndex"] + 1,
                ColumnIndex=cell["columnIndex"] + 1,
                RowSpan=row_span,
                ColumnSpan=column_span,
                Confidence=90.0,
            )
            _children(merged, parts)
            merged_ids.append(merged["Id"])
    _children(table_block, cell_ids)
    _children(table_block, merged_ids, "MERGED_CELL")
    return str(table_block["Id"])


def _key_value(out: _PageBlocks, pair: dict[str, Any]) -> str:
    confidence = pair.get("confidence", 0.5) * 100

    def key_value_set(element: dict[str, Any], entity: str) -> dict[str, Any]:
        block = out.add("KEY_VALUE_SET", out.polygon_of(element), EntityTypes=[entity], Confidence=confidence)
        _children(block, out.inside(element))
        return block

    key = key_value_set(pair["key"], "KEY")
    if pair.get("value"):
        _children(key, [key_value_set(pair["value"], "VALUE")["Id"]], "VALUE")
    return str(key["Id"])


def to_blocks(pages: Sequence[tuple[int, PageText]], layout: bool = True) -> dict[str, Any]:
    """What Textract would answer for pages the engine read (a test stand-in's answer)."""
    from docsafe.contract.result import build_analyze_result
    from docsafe.specs import ResultOptions

    model = "prebuilt-layout" if layout else "prebuilt-read"
    return result_to_blocks(build_analyze_result(model, pages, ResultOptions(key_value_pairs=layout)))
