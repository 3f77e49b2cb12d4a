"""Reading order for an engine whose lines come in detection order (PP-OCR).

A page is read column by column where it has columns, and row by row where it has not:
a form's label and value, a receipt's item and price, stay on one row. A column gutter is
a vertical strip of white that no ordinary line crosses, with text lines of column width
on both sides of it, side by side for a while; lines wide enough to cross it (a title, a
footer, a full-width paragraph) cut the page into bands, each read column by column. Each
column is searched again for columns of its own (a recursive XY cut whose cuts are
checked, so the white between a form's labels and values is never taken for a gutter).

Tesseract keeps reading order itself (its own column finder); this is for engines that
do not. Consecutive lines directly under each other form one paragraph.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from statistics import median

from docsafe.engines.base import Box, Line

# A line wider than this share of the text it sits in is no column's: it crosses gutters.
WIDE_LINE = 0.6
# A gutter is at least this wide, in line heights (magazines: about one em and more).
MIN_GUTTER = 0.8
# Text columns hold lines at least this long, in line heights (about ten characters):
# shorter ones on a side are labels, prices or numbers, read with their row instead.
MIN_COLUMN_LINE = 5.0
MIN_COLUMN_LINES = 3
# The steepest skew ordered as skew, in degrees.
MAX_SLOPE = 20.0
# Lines further apart than this, in line heights, start a new paragraph.
PARAGRAPH_GAP = 0.7


def in_reading_order(lines: Sequence[Line], slope: float = 0.0) -> tuple[Line, ...]:
    """`lines` in reading order, each numbered by the paragraph it belongs to.

    `slope`: the text's direction on a skewed scan, in degrees (atan2 of its baselines in
    image coordinates: negative runs uphill). The lines are ordered as they would lie on the
    page turned straight; their boxes stay as they are."""
    straight = [
        replace(line, box=_straightened(line.box, slope), paragraph=index) for index, line in enumerate(lines)
    ]
    ordered: list[Line] = []
    paragraph = -1
    for block in _blocks(straight):
        previous: Line | None = None
        for proxy in block:
            if previous is None or not _continues(previous, proxy):
                paragraph += 1
            ordered.append(replace(lines[proxy.paragraph], paragraph=paragraph))
            previous = proxy
    return tuple(ordered)


def _straightened(box: Box, slope: float) -> Box:
    """A tilted line's own extent, turned back by `slope` around the origin: the lines of
    a straight row share a height again, whatever their length."""
    if not slope:
        return box
    # A scan is never skewed this far; past it the solution below degenerates (at 45°).
    theta = math.radians(max(-MAX_SLOPE, min(MAX_SLOPE, slope)))
    cos, sin = math.cos(theta), abs(math.sin(theta))
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    x = cx * math.cos(theta) + cy * math.sin(theta)
    y = -cx * math.sin(theta) + cy * math.cos(theta)
    # The box of a line of length w and height h tilted by theta is w·cos + h·sin wide
    # and w·sin + h·cos high: solve for w and h.
    box_w, box_h = box[2] - box[0], box[3] - box[1]
    determinant = cos * cos - sin * sin or 1.0
    width = max(1.0, (box_w * cos - box_h * sin) / determinant)
    height = max(1.0, (box_h * cos - box_w * sin) / determinant)
    return (x - width / 2, y - height / 2, x + width / 2, y + height / 2)


def _height(line: Line) -> float:
    return line.box[3] - line.box[1]


def _width(line: Line) -> float:
    return line.box[2] - line.box[0]


def _center_y(line: Line) -> float:
    return (line.box[1] + line.box[3]) / 2


def _blocks(lines: list[Line]) -> list[list[Line]]:
    """The lines in reading order, as runs that may each hold paragraphs (one per column
    stretch, per band)."""
    if not lines:
        return []
    height = median(_height(line) for line in lines) or 1.0
    gutter = _gutter(lines, height)
    if gutter is None:
        return [_by_rows(lines)]
    left, right = gutter
    middle = (left + right) / 2
    crossing = sorted((line for line in lines if line.box[0] < left and line.box[2] > right), key=_center_y)
    columned = [line for line in lines if not (line.box[0] < left and line.box[2] > right)]
    blocks: list[list[Line]] = []
    top = float("-inf")
    for cut in [*crossing, None]:
        bottom = _center_y(cut) if cut is not None else float("inf")
        band = [line for line in columned if top <= _center_y(line) < bottom]
        blocks += _blocks([line for line in band if (line.box[0] + line.box[2]) / 2 < middle])
        blocks += _blocks([line for line in band if (line.box[0] + line.box[2]) / 2 >= middle])
        if cut is not None:
            blocks.append([cut])
        top = bottom
    return blocks


def _gutter(lines: list[Line], height: float) -> tuple[float, float] | None:
    """The widest checked column gutter among `lines` (its left and right edge), if any."""
    left_edge = min(line.box[0] for line in lines)
    right_edge = max(line.box[2] for line in lines)
    narrow = [line for line in lines if _width(line) <= WIDE_LINE * (right_edge - left_edge)]
    if len(narrow) < 2 * MIN_COLUMN_LINES:
        return None
    gaps: list[tuple[float, float]] = []
    reach = float("-inf")
    for line in sorted(narrow, key=lambda item: item.box[0]):
        if reach > float("-inf") and line.box[0] - reach >= MIN_GUTTER * height:
            gaps.append((reach, line.box[0]))
        reach = max(reach, line.box[2])
    for left, right in sorted(gaps, key=lambda gap: gap[0] - gap[1]):  # widest first
        before = [line for line in narrow if line.box[2] <= left]
        after = [line for line in narrow if line.box[0] >= right]
        if _columns_side_by_side(before, after, height):
            return left, right
    return None


def _columns_side_by_side(before: list[Line], after: list[Line], height: float) -> bool:
    if len(before) < MIN_COLUMN_LINES or len(after) < MIN_COLUMN_LINES:
        return False
    if min(median(_width(line) for line in side) for side in (before, after)) < MIN_COLUMN_LINE * height:
        return False
    top_a, bottom_a = min(line.box[1] for line in before), max(line.box[3] for line in before)
    top_b, bottom_b = min(line.box[1] for line in after), max(line.box[3] for line in after)
    overlap = min(bottom_a, bottom_b) - max(top_a, top_b)
    return overlap >= 0.5 * min(bottom_a - top_a, bottom_b - top_b)


def _by_rows(lines: list[Line]) -> list[Line]:
    """Top to bottom; lines beside each other on one row (a label and its value) left to right."""
    rows: list[list[Line]] = []
    for line in sorted(lines, key=_center_y):
        row = rows[-1] if rows else None
        if row is not None:
            row_middle = median(_center_y(item) for item in row)
            row_height = median(_height(item) for item in row)
            if abs(_center_y(line) - row_middle) <= 0.5 * min(row_height, _height(line)):
                row.append(line)
                continue
        rows.append([line])
    return [line for row in rows for line in sorted(row, key=lambda item: item.box[0])]


def _continues(previous: Line, line: Line) -> bool:
    """Whether `line` goes on the paragraph of the line read before it: directly under it."""
    gap = line.box[1] - previous.box[3]
    overlap = min(previous.box[2], line.box[2]) - max(previous.box[0], line.box[0])
    return -0.3 * _height(line) <= gap <= PARAGRAPH_GAP * _height(line) and overlap > 0
