"""Pages of an analyzeResult made from words placed by hand: what the field extractors
read, without an OCR engine."""

from __future__ import annotations

from typing import Any

from docsafe.contract.result import build_analyze_result
from docsafe.engines.base import Line, PageText, Word


def result_pages(
    rows: list[tuple[float, float, str]], size: tuple[int, int] = (1000, 1400)
) -> list[dict[str, Any]]:
    """An analyzeResult's pages with `rows` of words: (left, top, text), 20 px high, a
    word's width 12 px a letter and a space between words."""
    lines = []
    for index, (left, top, text) in enumerate(rows):
        words, x = [], left
        for piece in text.split():
            words.append(Word(piece, (x, top, x + 12 * len(piece), top + 20), 0.96))
            x += 12 * len(piece) + 12
        lines.append(Line(tuple(words), (left, top, x - 12, top + 20), paragraph=index))
    page = PageText(width=size[0], height=size[1], unit="pixel", lines=tuple(lines))
    return build_analyze_result("prebuilt-invoice", [(1, page)])["pages"]
