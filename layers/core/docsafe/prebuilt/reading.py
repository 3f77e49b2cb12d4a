"""The analyzeResult's pages as the extractors read them: lines of words in reading order,
each word with its box on the page, span and confidence; where labels are, the value that
follows a label on its line or sits under it; and fields written as Azure gives them,
with the spans and polygons of the words they were read from.
"""

from __future__ import annotations

import itertools
import math
import re
import statistics
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from docsafe.contract.result import merge_spans, polygon_around, words_by_line
from docsafe.engines.base import Box, union

RawJson = dict[str, Any]
_EDGE_PUNCTUATION = ":.,;#()[]*"
ROW_TOKENS = 200  # words in a row, at most, before lines level with it start rows of their own
BAND_LINES = 40  # lines level with one another, at most, that the skew is measured across


def plain(text: str) -> str:
    """A word as labels are compared: lower case, without the punctuation around it."""
    return text.strip(_EDGE_PUNCTUATION).casefold()


@dataclass(frozen=True)
class Token:
    text: str
    box: Box  # normalised to the page: 0..1 both ways
    polygon: tuple[float, ...]  # in the page's own unit, as the result gives it
    span: tuple[int, int]  # offset, length
    confidence: float
    page: int

    @property
    def plain(self) -> str:
        return plain(self.text)


@dataclass(frozen=True)
class TextLine:
    tokens: tuple[Token, ...]
    page: int
    index: int  # in reading order, across the document

    @property
    def box(self) -> Box:
        return union([token.box for token in self.tokens])

    @property
    def text(self) -> str:
        return " ".join(token.text for token in self.tokens)

    @property
    def height(self) -> float:
        return statistics.median(token.box[3] - token.box[1] for token in self.tokens)


@dataclass(frozen=True)
class Label:
    """Where the words of a field's label were read: tokens[start:end] of `line`."""

    field: str
    line: TextLine
    start: int
    end: int

    @property
    def box(self) -> Box:
        return union([token.box for token in self.line.tokens[self.start : self.end]])


class Reading:
    """A document's words in rows, as a reader's eye takes them: the words printed side by
    side on a page make one row, whatever lines or columns the engine read them in (a
    total's label and its amount at the far right; a table's row), top to bottom.

    Rows are found on the page turned upright: a scan skewed by two degrees moves the end
    of a line a line's height from its start. Boxes are normalised to the page (0..1)."""

    def __init__(self, pages: Sequence[RawJson]):
        self.lines: list[TextLine] = []
        for page in pages:
            number = page["pageNumber"]
            width, height = page.get("width") or 1, page.get("height") or 1
            engine_lines = []
            for inside in words_by_line(page):
                located = [word for word in inside if word.get("polygon")]
                if located:
                    engine_lines.append([_token(word, number, width, height) for word in located])
            turn = _skew(engine_lines, width / height, page.get("angle"))
            upright = [[_upright(token, turn, width / height) for token in line] for line in engine_lines]
            for row in _rows(upright):
                self.lines.append(TextLine(tuple(row), number, len(self.lines)))

    def labels(self, synonyms: dict[str, Iterable[str]]) -> list[Label]:
        """Every place a field's label is printed, in reading order. The longest label wins
        where two overlap ("Sub total" is SubTotal's, not InvoiceTotal's "total")."""
        wanted = sorted(
            (
                (field, [plain(word) for word in label.split()])
                for field, labels in synonyms.items()
                for label in labels
            ),
            key=lambda pair: -len(pair[1]),
        )
        found: list[Label] = []
        for line in self.lines:
            said = [token.plain for token in line.tokens]
            taken = [False] * len(said)
            for field, words in wanted:
                for start in range(len(said) - len(words) + 1):
                    end = start + len(words)
                    if said[start:end] == words and not any(taken[start:end]):
                        found.append(Label(field, line, start, end))
                        taken[start:end] = [True] * len(words)
        return sorted(found, key=lambda label: (label.line.index, label.start))

    def after(self, label: Label, on_line: Sequence[Label], gap: float | None = None) -> list[Token]:
        """The words after a label on its row, up to the next label of the row (`on_line`),
        or a gap wider than `gap` line heights (a text's words stand close, an amount may
        stand far right)."""
        stop = min(
            (other.start for other in on_line if other.line is label.line and other.start >= label.end),
            default=len(label.line.tokens),
        )
        tokens = list(label.line.tokens[label.end : stop])
        while tokens and not tokens[0].plain:
            tokens.pop(0)  # "Invoice number : 4471": the colon is no part of it
        return _until_gap(tokens, label.line.height * gap) if gap else tokens

    def below(self, label: Label, on_line: Sequence[Label], lines: int = 1) -> list[TextLine]:
        """The lines under a label, each cut to the label's column (up to the next label
        of its row, `on_line`, to its right): values printed under their captions."""
        box = label.box
        right_edges = [
            other.box[0]
            for other in on_line
            if other.line is label.line and other.start >= label.end and other.box[0] > box[2]
        ]
        right = min(right_edges, default=box[2] + 0.35)
        found: list[TextLine] = []
        previous = label.line
        for line in self.lines[label.line.index + 1 :]:
            if line.page != label.line.page:
                break
            gap = line.box[1] - previous.box[3]
            if gap > 1.6 * max(previous.height, line.height):
                break
            column = tuple(
                token
                for token in line.tokens
                if token.box[2] > box[0] - 0.01 and token.box[0] < right - 0.005 and token.box[1] > box[1]
            )
            if not column:
                continue
            found.append(TextLine(column, line.page, line.index))
            previous = line
            if len(found) == lines:
                break
        return found


def _token(word: RawJson, page: int, width: float, height: float) -> Token:
    xs, ys = word["polygon"][0::2], word["polygon"][1::2]
    return Token(
        word["content"],
        (min(xs) / width, min(ys) / height, max(xs) / width, max(ys) / height),
        tuple(word["polygon"]),
        (word["span"]["offset"], word["span"]["length"]),
        float(word["confidence"]),
        page,
    )


def _skew(lines: list[list[Token]], aspect: float, told: float | None = None) -> float:
    """The page's skew (radians, clockwise): as the engine told it (the page's `angle`), or
    the slope most of its rows agree on — along its longer lines, and from each line to the
    next one beside it on its row (PP-OCR reads a table's cells as lines of their own, each
    one level). Staggered columns give slopes that scatter; a skew gives one that repeats."""
    if told:
        return math.radians(told)
    middles = [statistics.fmean((token.box[1] + token.box[3]) / 2 for token in line) for line in lines]
    order = sorted(range(len(lines)), key=lambda index: middles[index])
    sorted_middles = [middles[index] for index in order]
    slopes = []
    for index, line in enumerate(lines):
        first, last = line[0].box, line[-1].box
        run = ((last[0] + last[2]) - (first[0] + first[2])) / 2 * aspect
        if len(line) >= 3 and run > 0.2 * aspect:
            slopes.append(math.atan2(((last[1] + last[3]) - (first[1] + first[3])) / 2, run))
        height = statistics.median(token.box[3] - token.box[1] for token in line)
        # The lines level with this one, found by bisection; a band of more than a few
        # dozen (a page of one hostile row) tells nothing and is not searched.
        low = bisect_left(sorted_middles, middles[index] - 1.5 * height)
        high = bisect_left(sorted_middles, middles[index] + 1.5 * height)
        if high - low > BAND_LINES:
            continue
        beside = [lines[order[k]] for k in range(low, high) if lines[order[k]][0].box[0] > last[2]]
        if beside:
            nearest = min(beside, key=lambda other: other[0].box[0])
            run = (nearest[0].box[0] - last[2]) * aspect
            if run > 0.05 * aspect:
                middle = statistics.fmean((token.box[1] + token.box[3]) / 2 for token in nearest)
                slopes.append(math.atan2(middle - middles[index], run))
    near_level = [slope for slope in slopes if abs(slope) < math.radians(6)]
    if not near_level:
        return 0.0
    width = math.radians(0.25)
    votes = Counter(round(slope / width) for slope in near_level)
    best = max(votes, key=lambda bin_: votes[bin_] + 0.5 * (votes[bin_ - 1] + votes[bin_ + 1]))
    agreeing = [slope for slope in near_level if abs(round(slope / width) - best) <= 1]
    return statistics.median(agreeing)


def _upright(token: Token, turn: float, aspect: float) -> Token:
    """The token with its box turned back by the page's skew, about the page's centre (its
    polygon stays as read: that is what goes on the wire)."""
    if abs(turn) < 0.002:
        return token
    left, top, right, bottom = token.box
    cx, cy = (left + right) / 2 * aspect, (top + bottom) / 2
    dx, dy = cx - aspect / 2, cy - 0.5
    ux = dx * math.cos(turn) + dy * math.sin(turn) + aspect / 2
    uy = -dx * math.sin(turn) + dy * math.cos(turn) + 0.5
    half_w, half_h = (right - left) / 2, (bottom - top) / 2
    box = (ux / aspect - half_w, uy - half_h, ux / aspect + half_w, uy + half_h)
    return Token(token.text, box, token.polygon, token.span, token.confidence, token.page)


def _rows(lines: list[list[Token]]) -> list[list[Token]]:
    """The engine's lines side by side, joined: two lines make one row where they overlap
    by most of their height (a label and its amount far to the right); lines of two
    columns set half a line apart (a letterhead beside the invoice's numbers) stay apart."""
    rows: list[tuple[list[Token], float, float]] = []  # tokens, top, bottom
    for line in sorted(lines, key=lambda line: statistics.fmean((t.box[1] + t.box[3]) / 2 for t in line)):
        top = statistics.median(token.box[1] for token in line)
        bottom = statistics.median(token.box[3] for token in line)
        for index in range(len(rows) - 1, max(-1, len(rows) - 4), -1):
            tokens, row_top, row_bottom = rows[index]
            if len(tokens) > ROW_TOKENS:
                continue  # (a hostile page of one endless row: each join would scan it)
            overlap = min(bottom, row_bottom) - max(top, row_top)
            beside = all(t.box[2] <= line[0].box[0] or t.box[0] >= line[-1].box[2] for t in tokens)
            if beside and overlap >= 0.7 * min(bottom - top, row_bottom - row_top):
                rows[index] = (tokens + line, min(top, row_top), max(bottom, row_bottom))
                break
        else:
            rows.append((list(line), top, bottom))
    return [sorted(tokens, key=lambda token: token.box[0]) for tokens, _, _ in rows]


def _until_gap(tokens: list[Token], widest: float) -> list[Token]:
    for index in range(1, len(tokens)):
        if tokens[index].box[0] - tokens[index - 1].box[2] > widest:
            return tokens[:index]
    return tokens


def first_run(
    tokens: Sequence[Token], parse: Callable[[str], Any], longest: int = 4
) -> tuple[list[Token], Any]:
    """The first run of up to `longest` words that `parse` reads (the longest at each
    start): `March 15, 2026` is three words."""
    for start in range(len(tokens)):
        for end in range(min(len(tokens), start + longest), start, -1):
            value = parse(" ".join(token.text for token in tokens[start:end]))
            if value is not None:
                return list(tokens[start:end]), value
    return [], None


def identifier(tokens: Sequence[Token]) -> list[Token]:
    """An id after its label: the first word with a digit in it ("No. INV-2026-0042")."""
    for token in tokens[:3]:
        if re.search(r"\d", token.text) and len(token.text.strip(_EDGE_PUNCTUATION)) >= 2:
            return [token]
    return []


class FieldWriter:
    """Fields on the wire: their type, value, content, regions, spans and confidence."""

    def field(
        self, kind: str, tokens: Sequence[Token], value: dict[str, Any], certainty: float = 1.0
    ) -> RawJson:
        """A field read from `tokens` (in reading order); `certainty` how sure the
        extractor is of where it found them (1 for a value right after its label)."""
        ordered = sorted(tokens, key=lambda token: token.span[0])
        regions = []
        for page in sorted({token.page for token in ordered}):
            on_page = [token for token in ordered if token.page == page]
            regions.append(
                {"pageNumber": page, "polygon": polygon_around(token.polygon for token in on_page)}
            )
        reading = min(token.confidence for token in ordered)
        return {
            "type": kind,
            **value,
            "content": _content(ordered),
            "boundingRegions": regions,
            "confidence": round(reading * certainty, 3),
            "spans": merge_spans([{"offset": token.span[0], "length": token.span[1]} for token in ordered]),
        }

    def object(self, fields: dict[str, RawJson], tokens: Sequence[Token], certainty: float = 1.0) -> RawJson:
        """An object of `fields` (an invoice's item), over the words of all of them."""
        return self.field("object", tokens, {"valueObject": fields}, certainty)


def _content(tokens: Sequence[Token]) -> str:
    """The words as the content has them: a space between words, a new line between lines."""
    text = tokens[0].text
    for before, token in itertools.pairwise(tokens):
        same_line = token.box[1] < before.box[3] and token.box[3] > before.box[1]
        text += (" " if same_line else "\n") + token.text
    return text


def whole_page(pages: Sequence[RawJson]) -> list[RawJson]:
    """A document's bounding region: its first page, whole."""
    if not pages:
        return []
    width, height = pages[0].get("width") or 0, pages[0].get("height") or 0
    return [{"pageNumber": pages[0]["pageNumber"], "polygon": [0, 0, width, 0, width, height, 0, height]}]


def document_spans(reading: Reading) -> list[dict[str, int]]:
    """A document's span: the content from its start to the end of the last word read."""
    end = max((token.span[0] + token.span[1] for line in reading.lines for token in line.tokens), default=0)
    return [{"offset": 0, "length": end}]


def array_field(items: list[RawJson]) -> RawJson:
    return {"type": "array", "valueArray": items}
