"""Font styles (features=styleFont): what each word looks like, as far as it can be told.

- A born-digital PDF page says it: pdfium gives each character's font, weight, italic
  flag and fill colour (`text_layer_style`).
- On a scan or an image it is estimated from the pixels of each word (`with_styles`):
  its ink's colour and its background's (the medians of its ink's core and of the rest of
  its box, snapped to black, grey, white or one of six hues: a scan moves colours too much
  to tell more), and its weight — a word whose strokes are much thicker than the page's
  usual stroke is bold (bench/styles measures it). A scan does not show the font family
  or italics reliably: those are not told.
- Handwriting comes from the Textract engine (Line.handwritten).
"""

from __future__ import annotations

import re
from dataclasses import replace
from statistics import median
from typing import Any

import numpy as np

from docsafe.engines.base import PageText, Style, Word, WrappedEngine

ESTIMATED = 0.7  # the confidence of a style estimated from pixels
_BOLD_STROKE = 1.3  # a bold word's strokes, against the page's usual ones (bench/styles)
_MIN_WORDS = 6  # a page with fewer words has no "usual stroke" to compare with
_MIN_CONTRAST = 60  # of luminance between a word's ink and its background


def hex_color(red: float, green: float, blue: float) -> str:
    return f"#{round(red):02X}{round(green):02X}{round(blue):02X}"


# What an estimate snaps to: a scan's print, blur and JPEG move an ink's measured colour
# by a few tens of levels, so only its kind is told — a grey, or one of six hues.
_HUES = ("#FF0000", "#FFFF00", "#008000", "#00FFFF", "#0000FF", "#FF00FF")  # 0°, 60°, … 300°


def estimated_color(red: float, green: float, blue: float) -> str:
    """A measured colour as the nearest of black, grey, white and six hues."""
    import colorsys

    hue, saturation, value = colorsys.rgb_to_hsv(red / 255, green / 255, blue / 255)
    if saturation < 0.35 or value < 0.2:
        return "#000000" if value < 0.45 else "#808080" if value < 0.8 else "#FFFFFF"
    return _HUES[round(hue * 6) % 6]


class WithStyles(WrappedEngine):
    """An engine that also estimates the style of every word it reads (`reads_styles`:
    a born-digital PDF page's styles come from its text layer instead)."""

    reads_styles = True

    def read(self, image: Any, layout: bool = False) -> PageText:
        return with_styles(self._engine.read(image, layout), image)


def with_styles(page: PageText, image: Any) -> PageText:
    """`page` (read from `image`, in its pixels) with each word's estimated style."""
    from docsafe.engines.figures import upright

    image = upright(page, image)
    rgb = np.asarray(image.convert("RGB"))  # 8 bits a channel; each word's crop is converted
    measured: dict[tuple[int, int], tuple[str, str, float]] = {}
    for l_index, line in enumerate(page.lines):
        for w_index, word in enumerate(line.words):
            found = _measure(word, rgb)
            if found is not None:
                measured[(l_index, w_index)] = found
    strokes = [stroke for _, _, stroke in measured.values()]
    usual = median(strokes) if len(strokes) >= _MIN_WORDS else None
    lines = []
    for l_index, line in enumerate(page.lines):
        words = []
        for w_index, word in enumerate(line.words):
            found = measured.get((l_index, w_index))
            if found is None:
                words.append(word)
                continue
            color, background, stroke = found
            bold = None if usual is None else stroke >= _BOLD_STROKE * usual and stroke >= usual + 1
            words.append(replace(word, style=Style(None, None, bold, color, background, ESTIMATED)))
        lines.append(replace(line, words=tuple(words)))
    return replace(page, lines=tuple(lines))


def _measure(word: Word, rgb: np.ndarray) -> tuple[str, str, float] | None:
    """(ink colour, background colour, stroke width in pixels) of a word, or None where its
    box shows too little contrast to tell ink from paper. The paper is what surrounds the
    word (a ring around its box), so light words on a dark band read the right way round."""
    height, width = rgb.shape[:2]
    left, top = max(0, int(word.box[0])), max(0, int(word.box[1]))
    right, bottom = min(width, int(word.box[2]) + 1), min(height, int(word.box[3]) + 1)
    if right - left < 3 or bottom - top < 3:
        return None
    pad = max(2, (bottom - top) // 5)
    outer = (max(0, left - pad), max(0, top - pad), min(width, right + pad), min(height, bottom + pad))
    colours = rgb[outer[1] : outer[3], outer[0] : outer[2]].astype(np.float32)
    around = colours @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
    inner = (slice(top - outer[1], bottom - outer[1]), slice(left - outer[0], right - outer[0]))
    patch, colours = around[inner].copy(), colours[inner]
    around[inner] = np.nan
    if np.isnan(around).all():
        return None  # the box fills the page: nothing around it to tell the paper by
    paper = float(np.nanmedian(around))
    distance = np.abs(patch - paper)
    contrast = float(np.percentile(distance, 95))
    if contrast < _MIN_CONTRAST:
        return None
    ink = distance > contrast / 2
    if not ink.any() or ink.all():
        return None
    # The ink's colour from its core: a blurred or JPEG-compressed edge is paler.
    core = distance > 0.8 * contrast
    color = estimated_color(*np.median(colours[core if core.any() else ink], axis=0))
    background = estimated_color(*np.median(colours[~ink], axis=0))
    return color, background, _stroke(ink)


def _stroke(ink: np.ndarray) -> float:
    """The usual width of a word's strokes: the median length of its horizontal runs of
    ink (a vertical stroke crossed)."""
    padded = np.pad(ink.astype(np.int8), ((0, 0), (1, 1)))
    change = np.diff(padded, axis=1)
    lengths = np.argwhere(change == -1)[:, 1] - np.argwhere(change == 1)[:, 1]
    return float(np.mean(lengths)) if len(lengths) else 0.0


_SUBSET = re.compile(r"^[A-Z]{6}\+")
# One face word at the end (the loop below strips them one by one: a repeated group here
# would backtrack exponentially on a crafted name such as "psmtpsmt…x").
# Words that are part of many families' names (Roman, Book) are faces only after a "-".
_FACE = re.compile(
    r"(?:[-,_ ]?(?:semibold|bold|italic|oblique|psmt|mt|ps)"
    r"|[-,_ ](?:regular|roman|medium|light|black|book))$",
    re.IGNORECASE,
)
_MAX_FONT_NAME = 128
_ITALIC_FLAG = 0x40  # PDF font descriptor flag


def text_layer_style(name: str, flags: int, weight: int, color: tuple[int, int, int] | None) -> Style:
    """A born-digital character's style from what pdfium says of its font."""
    name = name[:_MAX_FONT_NAME]
    family = _SUBSET.sub("", name)
    while True:
        shorter = _FACE.sub("", family)
        if shorter == family or not shorter:
            break
        family = shorter
    bold = weight >= 600 if weight > 0 else "bold" in name.lower()
    italic = bool(flags & _ITALIC_FLAG) or "italic" in name.lower() or "oblique" in name.lower()
    return Style(
        family=family or None,
        italic=italic,
        bold=bold,
        color=hex_color(*color) if color is not None else None,
        confidence=1.0,
    )
