"""Pages as Amazon Textract `Blocks`: the shape teams with Textract code already parse.

Geometry is normalised to the page (0..1) as Textract gives it; confidences are 0..100.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from docsafe.engines.base import Box, PageText, center_in


def _geometry(box: Box, page: PageText) -> dict[str, Any]:
    width, height = page.frame_size
    left, top, right, bottom = box[0] / width, box[1] / height, box[2] / width, box[3] / height
    return {
        "BoundingBox": {"Width": right - left, "Height": bottom - top, "Left": left, "Top": top},
        "Polygon": [
            {"X": left, "Y": top},
            {"X": right, "Y": top},
            {"X": right, "Y": bottom},
            {"X": left, "Y": bottom},
        ],
    }


class _Blocks:
    def __init__(self) -> None:
        self.blocks: list[dict[str, Any]] = []

    def add(
        self, block_type: str, box: Box, page: PageText, page_number: int, **fields: Any
    ) -> dict[str, Any]:
        block = {
            "BlockType": block_type,
            "Geometry": _geometry(box, page),
            "Id": str(uuid.uuid4()),
            "Page": page_number,
            **fields,
        }
        self.blocks.append(block)
        return block


def _children(block: dict[str, Any], ids: Sequence[str], kind: str = "CHILD") -> None:
    if ids:
        block.setdefault("Relationships", []).append({"Type": kind, "Ids": list(ids)})


def to_blocks(pages: Sequence[tuple[int, PageText]], layout: bool = True) -> dict[str, Any]:
    """An AnalyzeDocument (or, without layout, DetectDocumentText) response."""
    out = _Blocks()
    for page_number, page in pages:
        page_block = out.add("PAGE", (0, 0, *page.frame_size), page, page_number)
        top_level: list[str] = []
        words: list[tuple[Box, str]] = []
        for line in page.lines:
            word_ids = []
            for word in line.words:
                block = out.add(
                    "WORD",
                    word.box,
                    page,
                    page_number,
                    Text=word.text,
                    Confidence=word.confidence * 100,
                    TextType="HANDWRITING" if line.handwritten else "PRINTED",
                )
                word_ids.append(block["Id"])
                words.append((word.box, block["Id"]))
            confidence = 100 * sum(w.confidence for w in line.words) / len(line.words)
            line_block = out.add("LINE", line.box, page, page_number, Text=line.text, Confidence=confidence)
            _children(line_block, word_ids)
            top_level.append(line_block["Id"])
        if layout:
            marks = []
            for mark in page.selection_marks:
                block = out.add(
                    "SELECTION_ELEMENT",
                    mark.box,
                    page,
                    page_number,
                    SelectionStatus="SELECTED" if mark.selected else "NOT_SELECTED",
                    Confidence=mark.confidence * 100,
                )
                marks.append((mark.box, block["Id"]))
            contents = words + marks

            def inside(box: Box, contents: list[tuple[Box, str]] = contents) -> list[str]:
                return [block_id for item_box, block_id in contents if center_in(item_box, box)]

            for table in page.tables:
                table_block = out.add("TABLE", table.box, page, page_number, Confidence=90.0)
                cell_ids, merged_ids = [], []
                for cell in table.cells:
                    # Textract lists every grid cell; a merged cell groups them.
                    parts = []
                    for row in range(cell.row, cell.row + cell.row_span):
                        for column in range(cell.column, cell.column + cell.column_span):
                            part = out.add(
                                "CELL",
                                cell.box,
                                page,
                                page_number,
                                RowIndex=row + 1,
                                ColumnIndex=column + 1,
                                RowSpan=1,
                                ColumnSpan=1,
                                Confidence=90.0,
                                **({"EntityTypes": ["COLUMN_HEADER"]} if cell.header else {}),
                            )
                            if row == cell.row and column == cell.column:
                                _children(part, inside(cell.box))
                            parts.append(part["Id"])
                    cell_ids += parts
                    if len(parts) > 1:
                        merged = out.add(
                            "MERGED_CELL",
                            cell.box,
                            page,
                            page_number,
                            RowIndex=cell.row + 1,
                            ColumnIndex=cell.column + 1,
                            RowSpan=cell.row_span,
                            ColumnSpan=cell.column_span,
                            Confidence=90.0,
                        )
                        _children(merged, parts)
                        merged_ids.append(merged["Id"])
                _children(table_block, cell_ids)
                _children(table_block, merged_ids, "MERGED_CELL")
                top_level.append(table_block["Id"])

            def key_value_set(
                box: Box,
                entity: str,
                confidence: float,
                page: PageText = page,
                page_number: int = page_number,
            ) -> dict[str, Any]:
                block = out.add(
                    "KEY_VALUE_SET", box, page, page_number, EntityTypes=[entity], Confidence=confidence * 100
                )
                _children(block, inside(box))
                return block

            for pair in page.key_values:
                key = key_value_set(pair.key, "KEY", pair.confidence)
                if pair.value is not None:
                    _children(key, [key_value_set(pair.value, "VALUE", pair.confidence)["Id"]], "VALUE")
                top_level.append(key["Id"])
            top_level += [block_id for _, block_id in marks]
        _children(page_block, top_level)
    return {"DocumentMetadata": {"Pages": len(pages)}, "Blocks": out.blocks}
