"""Figures on a page: pictures, charts and drawings, found as the ink that is left once the
words and tables are taken away.

The page is cut into squares about a line of text high; a square is inked where more than
a few of its pixels are dark. Squares that touch (across one empty square, so a chart's
bars hold together) form a region; a region is a figure when it is large (a tenth of the
page wide, a twentieth high, and several lines of text), filled (a fifth of its squares
inked: a frame drawn around text is not) and not in bands a line high (text the engine
did not read, a shaded table row). numpy alone, as the rest of the layout (engines/layout.py).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from docsafe.engines.base import Box, Line, PageText, Table, scale_box

_INKED = 0.03  # of a square's pixels, for it to count
_FILLED = 0.2  # of a region's squares, for it to be a figure
_MIN_WIDTH, _MIN_HEIGHT = 0.10, 0.05  # of the page's width and height


def find_figures(
    binary: np.ndarray, lines: Sequence[Line], tables: Sequence[Table], text_height: float
) -> list[Box]:
    """Boxes (in `binary`'s pixels) of the figures on a page, top to bottom. `lines` and
    `tables` are in the same pixels."""
    height, width = binary.shape
    ink = binary.copy()
    margin = 0.3 * text_height
    for box in [line.box for line in lines] + [table.box for table in tables]:
        left, top = max(0, int(box[0] - margin)), max(0, int(box[1] - margin))
        right, bottom = min(width, int(box[2] + margin) + 1), min(height, int(box[3] + margin) + 1)
        ink[top:bottom, left:right] = False
    # (and at most 400 squares a side: the search below is plain Python)
    side = max(8, int(text_height), max(height, width) // 400)
    rows, columns = -(-height // side), -(-width // side)
    padded = np.zeros((rows * side, columns * side), dtype=bool)
    padded[:height, :width] = ink
    inked = padded.reshape(rows, side, columns, side).mean(axis=(1, 3)) > _INKED
    found = []
    for cells in _regions(inked):
        top, left = min(r for r, _ in cells), min(c for _, c in cells)
        bottom, right = max(r for r, _ in cells) + 1, max(c for _, c in cells) + 1
        box = (left * side, top * side, min(right * side, width), min(bottom * side, height))
        if (
            box[2] - box[0] >= max(_MIN_WIDTH * width, 4 * text_height)
            and box[3] - box[1] >= max(_MIN_HEIGHT * height, 3 * text_height)
            and len(cells) >= _FILLED * (bottom - top) * (right - left)
            and not _reads_like_text(ink[box[1] : box[3], box[0] : box[2]], text_height)
        ):
            found.append(tuple(float(v) for v in box))
    return sorted(found, key=lambda b: (b[1], b[0]))  # type: ignore[return-value]


def _reads_like_text(ink: np.ndarray, text_height: float) -> bool:
    """Whether the ink lies in bands a line of text high with gaps between them (words the
    engine did not read), where a picture or a chart is one tall band."""
    inked_rows = ink.mean(axis=1) > 0.02
    bands, run = [], 0
    for row in inked_rows:
        if row:
            run += 1
        elif run:
            bands.append(run)
            run = 0
    if run:
        bands.append(run)
    return len(bands) >= 2 and max(bands) <= 2 * text_height


def _regions(inked: np.ndarray) -> list[list[tuple[int, int]]]:
    """Groups of inked squares that touch, one empty square apart at most."""
    rows, columns = inked.shape
    seen = np.zeros_like(inked)
    regions = []
    for start in zip(*np.nonzero(inked), strict=True):
        if seen[start]:
            continue
        seen[start] = True
        queue, cells = deque([start]), []
        while queue:
            r, c = queue.popleft()
            cells.append((int(r), int(c)))
            for dr in (-2, -1, 0, 1, 2):
                for dc in (-2, -1, 0, 1, 2):
                    nr, nc = r + dr, c + dc
                    if 0 <= nr < rows and 0 <= nc < columns and inked[nr, nc] and not seen[nr, nc]:
                        seen[nr, nc] = True
                        queue.append((nr, nc))
        regions.append(cells)
    return regions


def upright(page: PageText, image: Any, scale: float = 1.0) -> Any:
    """`image` (the page as sent, at `scale` pixels per page unit) in `page`'s upright
    frame, where its boxes are: turned as the engine turned the page, if it did."""
    from PIL import Image

    if not page.angle:
        return image
    # as the engines turn it (preprocess.prepare, ppocr): PIL turns counter-clockwise
    turned = image.convert("RGB").rotate(page.angle, expand=True, fillcolor=(255, 255, 255))
    frame_w, frame_h = page.frame_size
    size = (max(1, round(frame_w * scale)), max(1, round(frame_h * scale)))
    return turned.resize(size, Image.Resampling.BILINEAR)


def with_figures(page: PageText, image: Any, scale: float = 1.0) -> PageText:
    """`page` with the figures found in `image`, the page as sent at `scale` pixels per
    page unit (found on the image itself, not on an engine's cleaned copy of it, where
    dark areas may have been inverted away). A page the engine turned upright is turned
    the same way first."""
    from docsafe.engines.layout import binarize, text_height

    binary = binarize(upright(page, image, scale))
    lines = [replace(line, box=scale_box(line.box, scale)) for line in page.lines]
    tables = [replace(table, box=scale_box(table.box, scale)) for table in page.tables]
    height = text_height(lines, default=binary.shape[0] / 80)
    found = find_figures(binary, lines, tables, height)
    return replace(page, figures=tuple(scale_box(box, 1 / scale) for box in found))
