"""Layout for the embedded engine: ruled tables, selection marks and key-value pairs.

Why our own code rather than img2table: img2table needs opencv-contrib-python (over 300 MB
with its libraries, beside the headless OpenCV RapidOCR already brings, and its
non-headless build needs libGL, which Lambda's base image lacks). Ruled tables and check
boxes are straight dark lines; numpy finds those directly. Borderless tables are left to
the Textract engine.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from itertools import pairwise
from statistics import median
from typing import Any

import numpy as np

from docsafe.engines.base import Box, Cell, KeyValue, Line, PageText, SelectionMark, Table, center_in, union


@dataclass(frozen=True)
class _Segment:
    """A straight dark run: along `axis` from `start` to `end`, at `position` across it."""

    position: float
    start: int
    end: int
    thickness: int


def _runs(binary: np.ndarray, min_length: int, max_length: int | None = None) -> list[tuple[int, int, int]]:
    """(row, start, end) of each horizontal run of dark pixels within the length bounds."""
    padded = np.pad(binary.astype(np.int8), ((0, 0), (1, 1)))
    change = np.diff(padded, axis=1)
    starts = np.argwhere(change == 1)
    ends = np.argwhere(change == -1)
    lengths = ends[:, 1] - starts[:, 1]
    keep = lengths >= min_length
    if max_length is not None:
        keep &= lengths <= max_length
    return [(int(r), int(s), int(e)) for (r, s), (_, e) in zip(starts[keep], ends[keep], strict=True)]


def _rules(binary: np.ndarray, min_length: int, max_thickness: int) -> list[_Segment]:
    """Horizontal rules: runs in neighbouring rows that overlap merge into one rule (a
    slightly skewed rule steps from row to row). A much shorter run lying within a rule
    (the top of a strip of boxes drawn on a table's rule) is a rule of its own: merged, it
    would make the rule too thick to be one."""
    rules: list[list[int]] = []  # [first row, last row, start, end]
    for row, start, end in _runs(binary, min_length):
        for rule in rules:
            if row - rule[1] <= 1 and start < rule[3] and end > rule[2] and not _within(start, end, rule):
                rule[1] = row
                rule[2], rule[3] = min(rule[2], start), max(rule[3], end)
                break
        else:
            rules.append([row, row, start, end])
    return [
        _Segment((first + last) / 2, start, end, last - first + 1)
        for first, last, start, end in rules
        if last - first + 1 <= max_thickness
    ]


def _within(start: int, end: int, rule: list[int]) -> bool:
    """Whether one of a run and a rule lies inside the other at under 0.8 of its length."""
    run_length, rule_length = end - start, rule[3] - rule[2]
    inside_rule = rule[2] <= start and end <= rule[3] and run_length < 0.8 * rule_length
    rule_inside = start <= rule[2] and rule[3] <= end and rule_length < 0.8 * run_length
    return inside_rule or rule_inside


def _cluster(values: Sequence[float], tolerance: float) -> list[float]:
    groups: list[list[float]] = []
    for value in sorted(values):
        if groups and value - groups[-1][-1] <= tolerance:
            groups[-1].append(value)
        else:
            groups.append([value])
    return [sum(g) / len(g) for g in groups]


def _covers(segments: Sequence[_Segment], position: float, along: float, tolerance: float) -> bool:
    return any(
        abs(s.position - position) <= tolerance and s.start - tolerance <= along <= s.end + tolerance
        for s in segments
    )


def find_tables(binary: np.ndarray, text_height: float) -> list[Table]:
    """Tables drawn with rules: at least two rows and two columns of ruled cells."""
    tolerance = max(3.0, text_height * 0.25)
    thick = max(4, int(text_height * 0.4))
    horizontal = _rules(binary, max(30, int(text_height * 3)), thick)
    vertical = _rules(binary.T, max(20, int(text_height * 1.6)), thick)

    def meets(h: _Segment, v: _Segment) -> bool:
        return (
            h.start - tolerance <= v.position <= h.end + tolerance
            and v.start - tolerance <= h.position <= v.end + tolerance
        )

    # Rules that touch belong to the same table (union-find over both kinds).
    parent = list(range(len(horizontal) + len(vertical)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for hi, h in enumerate(horizontal):
        for vi, v in enumerate(vertical):
            if meets(h, v):
                parent[find(hi)] = find(len(horizontal) + vi)
    groups: dict[int, tuple[list[_Segment], list[_Segment]]] = {}
    for hi, h in enumerate(horizontal):
        groups.setdefault(find(hi), ([], []))[0].append(h)
    for vi, v in enumerate(vertical):
        groups.setdefault(find(len(horizontal) + vi), ([], []))[1].append(v)

    tables = []
    for group in groups.values():
        for hs, vs in _ruled_runs(*group, tolerance):
            table = _grid(hs, vs, tolerance)
            if table is not None:
                tables.append(table)
    return sorted(tables, key=lambda t: (t.box[1], t.box[0]))


def _ruled_runs(
    hs: list[_Segment], vs: list[_Segment], tolerance: float
) -> list[tuple[list[_Segment], list[_Segment]]]:
    """A group of touching rules cut into the tables inside it, when it is a frame around
    a whole form: the rows between two rules with no inner column rule across them (a
    section heading, a paragraph, an address line) are the frame's, not a table's. A
    table whose first row, or a row in its middle, spans its columns stays whole: the
    group is cut only when it holds two or more runs of rows ruled into different columns,
    or more frame than table."""
    ys = _cluster([h.position for h in hs], tolerance)
    if len(ys) < 3 or not vs:
        return [(hs, vs)]
    left, right = min(v.position for v in vs), max(v.position for v in vs)
    inner = [v for v in vs if v.position - left > tolerance and right - v.position > tolerance]
    ruled = [
        any(v.start - tolerance <= (top + bottom) / 2 <= v.end + tolerance for v in inner)
        for top, bottom in pairwise(ys)
    ]
    runs: list[tuple[int, int]] = []  # (first band, last band) of consecutive ruled bands
    for band, is_ruled in enumerate(ruled):
        if is_ruled and runs and runs[-1][1] == band - 1:
            runs[-1] = (runs[-1][0], band)
        elif is_ruled:
            runs.append((band, band))

    def columns(run: tuple[int, int]) -> list[float]:
        middles = [(ys[band] + ys[band + 1]) / 2 for band in range(run[0], run[1] + 1)]
        crossing = [
            v.position for v in inner if any(v.start - tolerance <= m <= v.end + tolerance for m in middles)
        ]
        return _cluster(crossing, tolerance)

    # Runs ruled into the same columns are one table around a row that spans them all
    # (a section's heading inside the table).
    joined: list[tuple[int, int]] = []
    for run in runs:
        if joined and _same_positions(columns(joined[-1]), columns(run), tolerance):
            joined[-1] = (joined[-1][0], run[1])
        else:
            joined.append(run)
    runs = joined
    open_height = sum(bottom - top for (top, bottom), r in zip(pairwise(ys), ruled, strict=True) if not r)
    if len(runs) < 2 and open_height <= 0.5 * (ys[-1] - ys[0]):
        return [(hs, vs)]
    cut = []
    for first, last in runs:
        top, bottom = ys[first], ys[last + 1]
        within = [h for h in hs if top - tolerance <= h.position <= bottom + tolerance]
        clipped = [
            _Segment(v.position, max(v.start, int(top)), min(v.end, int(bottom + 1)), v.thickness)
            for v in vs
            if v.start < bottom - tolerance and v.end > top + tolerance
        ]
        cut.append((within, clipped))
    return cut


def _same_positions(a: Sequence[float], b: Sequence[float], tolerance: float) -> bool:
    return len(a) == len(b) and all(abs(x - y) <= tolerance for x, y in zip(a, b, strict=True))


def _grid(hs: list[_Segment], vs: list[_Segment], tolerance: float) -> Table | None:
    ys = _cluster([h.position for h in hs], tolerance)
    xs = _cluster([v.position for v in vs], tolerance)
    rows, columns = len(ys) - 1, len(xs) - 1
    if rows < 2 or columns < 2:
        return None
    parent = {(r, c): (r, c) for r in range(rows) for c in range(columns)}

    def find(key: tuple[int, int]) -> tuple[int, int]:
        while parent[key] != key:
            key = parent[key]
        return key

    for r in range(rows):
        middle_y = (ys[r] + ys[r + 1]) / 2
        for c in range(columns - 1):
            if not _covers(vs, xs[c + 1], middle_y, tolerance):
                parent[find((r, c + 1))] = find((r, c))
    for c in range(columns):
        middle_x = (xs[c] + xs[c + 1]) / 2
        for r in range(rows - 1):
            if not _covers(hs, ys[r + 1], middle_x, tolerance):
                parent[find((r + 1, c))] = find((r, c))
    members: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for key in parent:
        members.setdefault(find(key), []).append(key)
    cells = []
    for group in members.values():
        r0, r1 = min(r for r, _ in group), max(r for r, _ in group)
        c0, c1 = min(c for _, c in group), max(c for _, c in group)
        spans = [group] if len(group) == (r1 - r0 + 1) * (c1 - c0 + 1) else [[g] for g in group]
        for part in spans:
            pr0, pr1 = min(r for r, _ in part), max(r for r, _ in part)
            pc0, pc1 = min(c for _, c in part), max(c for _, c in part)
            cells.append(
                Cell(
                    row=pr0,
                    column=pc0,
                    box=(xs[pc0], ys[pr0], xs[pc1 + 1], ys[pr1 + 1]),
                    row_span=pr1 - pr0 + 1,
                    column_span=pc1 - pc0 + 1,
                    header=pr0 == 0,
                )
            )
    if len(cells) < 4:
        return None
    return Table(tuple(sorted(cells, key=lambda c: (c.row, c.column))), (xs[0], ys[0], xs[-1], ys[-1]))


def find_selection_marks(binary: np.ndarray, text_height: float) -> list[SelectionMark]:
    """Square check boxes about the size of the text; filled or ticked ones are selected."""
    smallest, largest = max(10, int(text_height * 0.7)), max(16, int(text_height * 2.5))
    edges: dict[tuple[int, int], list[int]] = {}
    for row, start, end in _runs(binary, smallest, largest):
        edges.setdefault((start // 2, end // 2), []).append(row)
    found: list[SelectionMark] = []
    for (start2, end2), rows in edges.items():
        left, right = start2 * 2, end2 * 2
        side = right - left
        for top in rows:
            for bottom in rows:
                if not 0.75 * side <= bottom - top <= 1.3 * side:
                    continue
                box = (float(left), float(top), float(right), float(bottom + 1))
                if any(_overlaps(box, mark.box) for mark in found):
                    continue
                edge = binary[top : bottom + 1, [left, right - 1]]
                if edge.mean(axis=0).min() < 0.85:
                    continue
                inset = max(2, side // 5)
                inside = binary[top + inset : bottom + 1 - inset, left + inset : right - inset]
                if inside.size == 0:
                    continue
                filled = float(inside.mean())
                if filled > 0.85 or _crowded(binary, box):
                    continue  # a solid blob, or a stroke of some larger drawing or text
                selected = filled > 0.12
                confidence = 0.95 if filled > 0.3 or filled < 0.03 else 0.7
                found.append(SelectionMark(box, selected, confidence))
    return sorted(found, key=lambda m: (m.box[1], m.box[0]))


def _crowded(binary: np.ndarray, box: Box, margin: int = 3) -> bool:
    """Whether ink touches the box from outside: a check box stands free."""
    left, top, right, bottom = (int(v) for v in box)
    height, width = binary.shape
    ring = [
        binary[max(0, top - margin) : max(0, top - 1), left:right],
        binary[min(height, bottom + 1) : min(height, bottom + margin), left:right],
        binary[top:bottom, max(0, left - margin) : max(0, left - 1)],
        binary[top:bottom, min(width, right + 1) : min(width, right + margin)],
    ]
    pixels = sum(part.size for part in ring)
    return pixels > 0 and sum(int(part.sum()) for part in ring) / pixels > 0.25


def _overlaps(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def find_key_values(lines: Sequence[Line], marks: Sequence[SelectionMark]) -> list[KeyValue]:
    """Labels that end in a colon and the text after them (or right below them); and
    check boxes with the label printed beside them."""
    pairs: list[KeyValue] = []
    heights = [line.box[3] - line.box[1] for line in lines] or [10.0]
    gap_limit = median(heights) * 1.6
    for index, line in enumerate(lines):
        words = list(line.words)
        cut = [i for i, w in enumerate(words) if w.text.endswith(":") and len(w.text) > 1]
        for number, position in enumerate(cut):
            key = (
                union([w.box for w in words[: position + 1]])
                if number == 0
                else union([w.box for w in words[cut[number - 1] + 1 : position + 1]])
            )
            following = cut[number + 1] if number + 1 < len(cut) else len(words)
            value_words = words[position + 1 : following]
            value: Box | None = union([w.box for w in value_words]) if value_words else None
            if value is None:
                value = _value_beside_or_below(lines, index, key, gap_limit)
            pairs.append(KeyValue(key, value, 0.8 if value_words else 0.6))
    for mark in marks:
        label = _label_right_of(lines, mark.box)
        if label is not None:
            pairs.append(KeyValue(label, mark.box, mark.confidence * 0.9))
    return pairs


def _value_beside_or_below(lines: Sequence[Line], index: int, key: Box, gap_limit: float) -> Box | None:
    for other in lines:
        b = other.box
        same_row = min(key[3], b[3]) - max(key[1], b[1]) > 0.5 * (key[3] - key[1])
        if other is not lines[index] and same_row and 0 < b[0] - key[2] < gap_limit * 8:
            return b
    if index + 1 < len(lines):
        below = lines[index + 1].box
        near = 0 <= below[1] - key[3] <= gap_limit and abs(below[0] - key[0]) <= gap_limit * 2
        if near and not any(w.text.endswith(":") for w in lines[index + 1].words):
            return below
    return None


def _label_right_of(lines: Sequence[Line], mark: Box) -> Box | None:
    """The words printed right after a check box, up to the next wide gap."""
    size = mark[2] - mark[0]
    candidates = [
        w
        for line in lines
        for w in line.words
        if w.box[0] >= mark[2] - 1
        and min(w.box[3], mark[3]) - max(w.box[1], mark[1]) > 0.3 * (mark[3] - mark[1])
    ]
    candidates.sort(key=lambda w: w.box[0])
    chosen: list[Box] = []
    edge = mark[2]
    for word in candidates:
        if word.box[0] - edge > size * 1.5:
            break
        chosen.append(word.box)
        edge = word.box[2]
    return union(chosen) if chosen else None


def binarize(image: Any) -> np.ndarray:
    """Dark pixels of a page image (True = ink)."""
    gray = np.asarray(image.convert("L"), dtype=np.uint8)
    return gray < 140


def text_height(lines: Sequence[Line], default: float) -> float:
    heights = [w.box[3] - w.box[1] for line in lines for w in line.words]
    return float(median(heights)) if heights else default


def with_layout(page: PageText, image: Any, scale: float = 1.0) -> PageText:
    """`page` plus the tables and check boxes found in `image` and its key-value pairs.

    `image` shows the page's upright frame at `scale` pixels per page unit.
    """
    binary = binarize(image)
    lines = page.lines
    height = text_height(lines, default=binary.shape[0] / 80 / scale) * scale
    found = PageText(
        width=binary.shape[1],
        height=binary.shape[0],
        unit="pixel",
        tables=tuple(find_tables(binary, height)),
        selection_marks=tuple(find_selection_marks(binary, height)),
    ).scaled(1 / scale, page.unit)
    lines = _without_marks(lines, found.selection_marks, slack=2 / scale)  # 2 pixels, in the page's unit
    return replace(
        page,
        lines=lines,
        tables=found.tables,
        selection_marks=found.selection_marks,
        key_values=tuple(find_key_values(lines, found.selection_marks)),
    )


def _without_marks(
    lines: Sequence[Line], marks: Sequence[SelectionMark], slack: float = 2.0
) -> tuple[Line, ...]:
    """Drop the characters OCR made of check boxes (a box is a mark, not text)."""
    if not marks:
        return tuple(lines)
    kept = []
    for line in lines:
        words = tuple(w for w in line.words if not any(center_in(w.box, m.box, slack=slack) for m in marks))
        if words:
            kept.append(
                replace(line, words=words, box=union([w.box for w in words])) if words != line.words else line
            )
    return tuple(kept)
