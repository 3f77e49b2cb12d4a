"""Paragraph roles of prebuilt-layout (title, sectionHeading, pageHeader, pageFooter,
pageNumber), told from where a paragraph is on its page and how tall its text is — all a
reading of the page shows of them:

- pageHeader / pageFooter: wholly inside the page's top or bottom margin (6 % of its
  height), with the page's body text between; a footer (or header) that is only a page
  number, as "7", "- 7 -" or "Page 7 of 9", is the pageNumber;
- title: on the first page, in its top third, the one paragraph whose text stands tallest,
  at least 1.6 times the page's usual line;
- sectionHeading: one short line (eight words at most) 1.15 times the page's usual line or
  taller (a box's height counts ascenders and descenders, which a heading often lacks: the
  ratio of the boxes is well under that of the fonts).

- footnote: at the foot of the page's body (its lowest paragraphs, in its bottom third),
  in smaller print than the page's usual line (0.85 of it at most), beginning with a
  footnote's mark: a number ("1 ", "2) ", "¹"), "*", "†" or "‡". (In an Office document the
  footnotes part says which paragraphs are footnotes.)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from statistics import median

Box = tuple[float, float, float, float]
MARGIN = 0.06
TITLE_RATIO = 1.6
HEADING_RATIO = 1.15
HEADING_WORDS = 8
FOOTNOTE_RATIO = 0.85
_FOOTNOTE_MARK = re.compile(r"^([0-9]{1,3}[.)]?\s|[¹²³⁴⁵⁶⁷⁸⁹⁰]+|[*†‡])")
_PAGE_NUMBER = re.compile(r"^(page\s+)?[-–—(\[]?\s*\d{1,4}\s*[-–—)\]]?(\s*(of|/)\s*\d{1,4})?$", re.IGNORECASE)


@dataclass(frozen=True)
class Paragraph:
    box: Box
    lines: tuple[str, ...]
    heights: tuple[float, ...]  # each line's

    @property
    def line_height(self) -> float:
        return max(self.heights)


def _footnotes(
    paragraphs: list[Paragraph], found: list[str | None], usual: float, page_height: float
) -> list[int]:
    """The paragraphs at the foot of the body that are footnotes, from the lowest up."""
    notes = []
    body = [i for i, role in enumerate(found) if role is None]
    for index in sorted(body, key=lambda i: paragraphs[i].box[1], reverse=True):
        paragraph = paragraphs[index]
        if (
            paragraph.box[1] < page_height * 2 / 3
            or paragraph.line_height > FOOTNOTE_RATIO * usual
            or not _FOOTNOTE_MARK.match(" ".join(paragraph.lines).strip())
        ):
            break
        notes.append(index)
    return notes


def roles(paragraphs: list[Paragraph], page_height: float, first_page: bool) -> list[str | None]:
    """A role (or None) for each of a page's paragraphs, in order."""
    if not paragraphs:
        return []
    usual = median(height for p in paragraphs for height in p.heights)
    if usual <= 0:
        return [None] * len(paragraphs)  # a text layer without heights tells nothing of them
    top, bottom = page_height * MARGIN, page_height * (1 - MARGIN)
    body = [p for p in paragraphs if p.box[1] >= top and p.box[3] <= bottom]
    found: list[str | None] = []
    for paragraph in paragraphs:
        text = " ".join(paragraph.lines).strip()
        if body and paragraph.box[3] < top:
            found.append("pageNumber" if _PAGE_NUMBER.match(text) else "pageHeader")
        elif body and paragraph.box[1] > bottom:
            found.append("pageNumber" if _PAGE_NUMBER.match(text) else "pageFooter")
        elif (
            len(paragraph.lines) == 1
            and len(text.split()) <= HEADING_WORDS
            and paragraph.line_height >= HEADING_RATIO * usual
        ):
            found.append("sectionHeading")
        else:
            found.append(None)
    for index in _footnotes(paragraphs, found, usual, page_height):
        found[index] = "footnote"
    if first_page:
        tallest = max(range(len(paragraphs)), key=lambda i: paragraphs[i].line_height)
        candidate = paragraphs[tallest]
        if (
            candidate.line_height >= TITLE_RATIO * usual
            and candidate.box[1] < page_height / 3
            and found[tallest] in (None, "sectionHeading")
        ):
            found[tallest] = "title"
    return found
