"""PowerPoint presentations (PPTX): each slide a page; its shapes top to bottom, left to
right; titles, footers and slide numbers told by their placeholders; tables; pictures."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, BinaryIO

from docsafe.office.blocks import (
    PAGE_BREAK,
    Block,
    Budget,
    Grid,
    GridCell,
    PageBreak,
    Picture,
    text_blocks,
)

MAX_SHAPES = 5000  # in one slide, groups' shapes included
_MAX_SPAN = 1000


def slide_blocks(file: BinaryIO, budget: Budget) -> Iterator[Block | PageBreak]:
    import pptx

    presentation = pptx.Presentation(file)
    for slide in presentation.slides:
        counted = [0]
        yield from _shapes(slide.shapes, budget, counted)
        yield PAGE_BREAK


def _ordered(shapes: Iterable[Any]) -> list[Any]:
    return sorted(shapes, key=lambda shape: (shape.top or 0, shape.left or 0))


def _shapes(shapes: Iterable[Any], budget: Budget, counted: list[int]) -> Iterator[Block]:
    from pptx.enum.shapes import MSO_SHAPE_TYPE
    from pptx.shapes.picture import Picture as PicturePlaced

    from docsafe.failures import InvalidContent

    for shape in _ordered(shapes):
        counted[0] += 1
        if counted[0] > MAX_SHAPES:
            raise InvalidContent(f"A slide has more than {MAX_SHAPES:,} shapes.")
        try:
            kind = shape.shape_type
        except NotImplementedError:  # a shape python-pptx has no type for: its text still counts
            kind = None
        if kind == MSO_SHAPE_TYPE.GROUP:
            yield from _shapes(shape.shapes, budget, counted)
        elif getattr(shape, "has_table", False) and shape.has_table:
            grid = _table(shape.table, budget)
            if grid is not None:
                yield grid
        elif isinstance(shape, PicturePlaced):
            try:
                yield Picture(shape.image.blob)
            except (ValueError, KeyError):
                continue  # a picture linked to a file outside the deck: nothing to read
        elif shape.has_text_frame:
            role = _role(shape)
            yield from text_blocks(
                (paragraph.text.replace("\v", "\n") for paragraph in shape.text_frame.paragraphs),
                budget,
                role,
            )


def _role(shape: Any) -> str | None:
    from pptx.enum.shapes import PP_PLACEHOLDER

    if not shape.is_placeholder:
        return None
    kind = shape.placeholder_format.type
    if kind in (PP_PLACEHOLDER.TITLE, PP_PLACEHOLDER.CENTER_TITLE, PP_PLACEHOLDER.VERTICAL_TITLE):
        return "title"
    if kind == PP_PLACEHOLDER.FOOTER:
        return "pageFooter"
    if kind == PP_PLACEHOLDER.SLIDE_NUMBER:
        return "pageNumber"
    if kind == PP_PLACEHOLDER.HEADER:
        return "pageHeader"
    return None


def _table(table: Any, budget: Budget) -> Grid | None:
    cells = []
    for row_index, row in enumerate(table.rows):
        for column_index, cell in enumerate(row.cells):
            budget.charge_cells(1)
            if cell.is_spanned:
                continue
            text = "\n".join(" ".join(p.text.split()) for p in cell.text_frame.paragraphs if p.text.strip())
            budget.charge_text(len(text))
            header = row_index == 0 and table.first_row
            cells.append(
                GridCell(
                    row_index,
                    column_index,
                    text,
                    min(cell.span_height, _MAX_SPAN) if cell.is_merge_origin else 1,
                    min(cell.span_width, _MAX_SPAN) if cell.is_merge_origin else 1,
                    header=bool(header),
                    row_header=bool(column_index == 0 and table.first_col and not header),
                )
            )
    return Grid(tuple(cells)) if cells else None
