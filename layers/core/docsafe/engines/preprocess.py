"""Making hard pages readable before Tesseract sees them.

Each step answers one weakness measured on Tesseract (shared/design/ocr-engines.md and
bench/accuracy): small text is enlarged, white-on-black regions are inverted, low
contrast is stretched, speckle noise is filtered, a page turned by 90/180/270 degrees is
turned back (Tesseract's own orientation detection) and a skewed scan is straightened
(the angle whose row profile is sharpest). The engine reports the angle it undid, and
maps every box back onto the page as sent.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageFilter, ImageOps

SMALL_TEXT = 22  # text lines (px) lower than this are enlarged ...
TARGET_TEXT = 32  # ... to about this: Tesseract reads best with 20-30 px capitals
MAX_SKEW = 10.0
TILE = 32
DARK_INK = 64  # ink this dark needs no stretching


@dataclass(frozen=True)
class Prepared:
    image: Image.Image  # upright, cleaned, possibly enlarged
    scale: float  # image pixels per original pixel
    angle: float  # degrees clockwise the content was turned on the original page


def prepare(image: Image.Image, turn: int = 0) -> Prepared:
    """A grey, upright, clean version of `image` for OCR.

    `turn` is how far (0, 90, 180, 270 degrees clockwise) the content is known to be
    turned; small skews are found here.
    """
    gray, scale = cleaned(image)
    # After enlarging: small letters' anti-aliased edges would pass for speckle.
    if is_noisy(gray):
        gray = gray.filter(ImageFilter.MedianFilter(3))
    angle = 0.0
    if turn:
        gray = gray.rotate(turn, expand=True, fillcolor=255)
        angle += turn
    skew = estimate_skew(gray)
    if abs(skew) >= 0.3:
        gray = gray.rotate(skew, expand=True, fillcolor=255, resample=Image.Resampling.BICUBIC)
        angle += skew
    return Prepared(gray, scale, normalised_angle(angle))


def cleaned(image: Image.Image) -> tuple[Image.Image, float]:
    """`image` grey, white-on-black regions inverted, contrast stretched and small print
    enlarged; and the scale it was enlarged by (the page is not turned)."""
    gray = stretch_contrast(invert_dark_regions(image.convert("L")))
    line = line_height(gray)
    if not 0 < line < SMALL_TEXT:
        return gray, 1.0
    scale = min(4.0, TARGET_TEXT / line)
    return gray.resize(
        (round(gray.width * scale), round(gray.height * scale)), Image.Resampling.LANCZOS
    ), scale


def stretch_contrast(gray: Image.Image) -> Image.Image:
    """Grey ink on grey paper becomes dark on white; a page with dark ink stays as it is.

    The darkest pixels clipped are at most half of those that differ from the paper: a
    fixed share would, on a page with little text, reach into the faint compression
    noise around the letters and stretch it into speckles (measured: a one-line scan
    then read as nothing).
    """
    pixels = np.asarray(gray, dtype=np.uint8)
    paper = float(np.median(pixels))
    ink_share = float((pixels < paper - 40).mean())
    low = min(0.5, 100 * ink_share / 2)  # percent of pixels, as Pillow counts the cutoff
    if np.percentile(pixels, low) < DARK_INK:
        return gray
    return ImageOps.autocontrast(gray, cutoff=(low, 0.5))


def normalised_angle(angle: float) -> float:
    """Azure's range: (-180, 180]."""
    angle = angle % 360
    return angle - 360 if angle > 180 else angle


def invert_dark_regions(gray: Image.Image) -> Image.Image:
    """Light text on dark ground becomes dark on light, region by region."""
    pixels = np.asarray(gray, dtype=np.uint8)
    height, width = pixels.shape
    rows, columns = height // TILE, width // TILE
    if rows == 0 or columns == 0:
        return gray
    tiles = pixels[: rows * TILE, : columns * TILE].reshape(rows, TILE, columns, TILE).mean(axis=(1, 3))
    dark = tiles < 100
    if not dark.any():
        return gray
    if dark.mean() > 0.5:
        return ImageOps.invert(gray)
    out = pixels.copy()
    for top, bottom, left, right in _dark_areas(dark):
        # Refine the tile-sized area to the band's own edges: the rows and columns
        # that are mostly dark, one tile around it included.
        y0, y1 = max(0, (top - 1) * TILE), min(height, (bottom + 2) * TILE)
        x0, x1 = max(0, (left - 1) * TILE), min(width, (right + 2) * TILE)
        area = pixels[y0:y1, x0:x1]
        dark_rows = np.flatnonzero(area.mean(axis=1) < 128)
        dark_columns = np.flatnonzero(area.mean(axis=0) < 128)
        if dark_rows.size and dark_columns.size:
            ys = slice(y0 + dark_rows[0], y0 + dark_rows[-1] + 1)
            xs = slice(x0 + dark_columns[0], x0 + dark_columns[-1] + 1)
            out[ys, xs] = 255 - pixels[ys, xs]
    return Image.fromarray(out)


def _dark_areas(dark: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Bounding boxes (tile rows and columns) of the connected groups of dark tiles."""
    seen = np.zeros_like(dark)
    areas = []
    for start in zip(*np.nonzero(dark), strict=True):
        if seen[start]:
            continue
        stack, members = [start], []
        seen[start] = True
        while stack:
            r, c = stack.pop()
            members.append((r, c))
            for nr, nc in ((r + 1, c), (r - 1, c), (r, c + 1), (r, c - 1)):
                if 0 <= nr < dark.shape[0] and 0 <= nc < dark.shape[1] and dark[nr, nc] and not seen[nr, nc]:
                    seen[nr, nc] = True
                    stack.append((nr, nc))
        rows = [r for r, _ in members]
        columns = [c for _, c in members]
        areas.append((min(rows), max(rows), min(columns), max(columns)))
    return areas


def line_height(gray: Image.Image) -> float:
    """The typical height of a text line in pixels (rows with ink, grouped); 0 if none."""
    ink_rows = (np.asarray(gray, dtype=np.uint8) < 128).mean(axis=1) > 0.002
    padded = np.concatenate(([False], ink_rows, [False])).astype(np.int8)
    change = np.diff(padded)
    heights = np.flatnonzero(change == -1) - np.flatnonzero(change == 1)
    heights = heights[heights >= 4]
    return float(np.median(heights)) if heights.size >= 2 else 0.0


def is_noisy(gray: Image.Image) -> bool:
    """Speckle: ink pixels with no ink around them (text strokes always have some)."""
    ink = np.asarray(gray, dtype=np.uint8) < 128
    around = np.zeros_like(ink)
    around[1:, :] |= ink[:-1, :]
    around[:-1, :] |= ink[1:, :]
    around[:, 1:] |= ink[:, :-1]
    around[:, :-1] |= ink[:, 1:]
    return float((ink & ~around).mean()) > 0.0005


def estimate_skew(gray: Image.Image) -> float:
    """The small rotation (degrees, counter-clockwise) that makes text rows horizontal."""
    small = gray.copy()
    small.thumbnail((1000, 1000))
    ink = small.point(lambda v: 255 if v < 128 else 0)  # ink 255; rotation fills with 0
    if np.asarray(ink).mean() < 0.5:  # nearly blank: nothing to straighten
        return 0.0

    def sharpness(angle: float) -> float:
        rows = np.asarray(ink.rotate(angle, resample=Image.Resampling.NEAREST), dtype=np.float32).sum(axis=1)
        return float(np.var(rows))

    coarse = max(np.arange(-MAX_SKEW, MAX_SKEW + 0.01, 0.5), key=sharpness)
    fine = max(np.arange(coarse - 0.5, coarse + 0.51, 0.1), key=sharpness)
    return round(float(fine), 1)
