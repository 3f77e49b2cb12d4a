"""Reading order for lines that come in detection order: columns read one after the other,
rows (a label and its value, an item and its price) left to right, skewed rows as rows."""

from __future__ import annotations

import math
import random

from docsafe.engines.base import Line, Word
from docsafe.engines.reading_order import in_reading_order

HEIGHT = 20.0


def line(text: str, left: float, top: float, width: float | None = None) -> Line:
    width = width if width is not None else 12.0 * len(text)
    box = (left, top, left + width, top + HEIGHT)
    return Line(words=(Word(text, box, 1.0),), box=box)


def texts(lines: tuple[Line, ...]) -> list[str]:
    return [item.text for item in lines]


def shuffled(lines: list[Line], seed: int = 7) -> list[Line]:
    mixed = list(lines)
    random.Random(seed).shuffle(mixed)
    return mixed


def column(name: str, left: float, top: float, rows: int, gap: float = 30.0) -> list[Line]:
    return [line(f"{name} line {n} of a column of text", left, top + n * gap, width=400) for n in range(rows)]


def pairs_in_rows(pairs: list[tuple[str, str]], second_left: float, spacing: float) -> list[Line]:
    """Rows of two lines each: the first at the left margin, the second at `second_left`."""
    return [
        item
        for n, (first, second) in enumerate(pairs)
        for item in (line(first, 50, n * spacing), line(second, second_left, n * spacing))
    ]


def test_two_columns_are_read_one_after_the_other_with_a_title_above_and_a_footer_below() -> None:
    title = line("A title across the whole page", 50, 10, width=900)
    left = column("left", 50, 60, 6)
    right = column("right", 550, 60, 6)
    footer = line("A footer across the whole page as well", 50, 300, width=900)
    ordered = in_reading_order(shuffled([title, *left, *right, footer]))
    assert texts(ordered) == texts((title, *left, *right, footer))


def test_paragraph_gaps_level_in_both_columns_do_not_interleave_them() -> None:
    # Both columns have a blank line after their third line, at the same height
    left = column("left", 50, 0, 3) + column("left more", 50, 120, 3)
    right = column("right", 550, 0, 3) + column("right more", 550, 120, 3)
    assert texts(in_reading_order(shuffled(left + right))) == texts((*left, *right))


def test_a_full_width_paragraph_between_two_column_sections_keeps_its_place() -> None:
    top_left, top_right = column("a", 50, 0, 4), column("b", 550, 0, 4)
    middle = line("A paragraph that runs across both columns of the page", 50, 140, width=900)
    low_left, low_right = column("c", 50, 180, 4), column("d", 550, 180, 4)
    lines = [*top_left, *top_right, middle, *low_left, *low_right]
    assert texts(in_reading_order(shuffled(lines))) == texts(tuple(lines))


def test_a_form_reads_row_by_row_label_then_value() -> None:
    rows = [
        ("Name:", "Ingrid Olsen"),
        ("Policy:", "PX-7310"),
        ("Start date:", "2026-09-17"),
        ("Premium:", "1234.56"),
    ]
    assert texts(in_reading_order(shuffled(pairs_in_rows(rows, 400, 40)))) == [
        text for row in rows for text in row
    ]


def test_a_receipt_keeps_each_item_with_its_price() -> None:
    items = [("Coffee beans 1 kg", "12.99"), ("Oat milk", "2.49"), ("Croissant", "1.80"), ("Total", "17.28")]
    assert texts(in_reading_order(shuffled(pairs_in_rows(items, 700, 30)))) == [
        text for pair in items for text in pair
    ]


def test_rows_of_a_skewed_scan_stay_rows_whatever_their_length() -> None:
    slope = -5.0  # the text runs uphill to the right
    theta = math.radians(slope)
    lines = []
    for n, length in enumerate([150, 900, 150, 900, 150]):
        # A line of `length` starting at the left margin, tilted by `slope`
        x0, y0 = 50.0, 100.0 + n * 30
        x1, y1 = x0 + length * math.cos(theta), y0 + length * math.sin(theta)
        box = (x0, min(y0, y1), x1, max(y0, y1) + HEIGHT)
        lines.append(Line(words=(Word(f"row {n}", box, 1.0),), box=box))
    assert texts(in_reading_order(shuffled(lines), slope)) == [f"row {n}" for n in range(5)]
    # Read without the slope, the long lines' boxes reach above the short ones before them
    assert texts(in_reading_order(shuffled(lines))) != [f"row {n}" for n in range(5)]


def test_lines_directly_under_each_other_form_a_paragraph() -> None:
    first = column("first", 50, 0, 3)
    second = column("second", 50, 150, 2)
    ordered = in_reading_order(shuffled(first + second))
    assert [item.paragraph for item in ordered] == [0, 0, 0, 1, 1]
