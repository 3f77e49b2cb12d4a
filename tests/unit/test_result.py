import json
from dataclasses import replace

import pytest
from docsafe.contract.result import (
    ResultOptions,
    build_analyze_result,
    in_wire_order,
    polygon,
    stream_analyze_result,
)
from docsafe.engines.base import Cell, KeyValue, Line, PageText, SelectionMark, Table, Word


def page(lines: list[list[str]], unit: str = "pixel", paragraphs: list[int] | None = None) -> PageText:
    built = []
    for index, words in enumerate(lines):
        ws = tuple(
            Word(w, (10.0 * i, 20.0 * index, 10.0 * i + 8, 20.0 * index + 10), 0.9)
            for i, w in enumerate(words)
        )
        built.append(
            Line(
                ws,
                (0.0, 20.0 * index, 100.0, 20.0 * index + 10),
                (paragraphs or list(range(len(lines))))[index],
            )
        )
    return PageText(width=200, height=100, unit=unit, lines=tuple(built))


def spans_text(content: str, span: dict[str, int]) -> str:
    return content[span["offset"] : span["offset"] + span["length"]]


def test_every_span_indexes_into_content() -> None:
    result = build_analyze_result(
        "prebuilt-read", [(1, page([["Hello", "world"], ["second"]])), (2, page([["two"]]))]
    )
    content = result["content"]
    assert content == "Hello world\nsecond\ntwo"
    for p in result["pages"]:
        for word in p["words"]:
            assert spans_text(content, word["span"]) == word["content"]
        for line in p["lines"]:
            assert spans_text(content, line["spans"][0]) == line["content"]
    assert [spans_text(content, p["spans"][0]) for p in result["pages"]] == ["Hello world\nsecond", "two"]


def test_lines_of_one_paragraph_form_one_paragraph() -> None:
    result = build_analyze_result(
        "prebuilt-read", [(1, page([["a", "b"], ["c"], ["d"]], paragraphs=[0, 0, 1]))]
    )
    assert [p["content"] for p in result["paragraphs"]] == ["a b\nc", "d"]
    assert result["paragraphs"][0]["boundingRegions"][0]["pageNumber"] == 1


def test_utf16_offsets_count_surrogate_pairs() -> None:
    result = build_analyze_result("prebuilt-read", [(1, page([["😀", "x"]]))], ResultOptions("utf16CodeUnit"))
    words = result["pages"][0]["words"]
    assert words[0]["span"] == {"offset": 0, "length": 2}
    assert words[1]["span"] == {"offset": 3, "length": 1}
    code_points = build_analyze_result(
        "prebuilt-read", [(1, page([["😀", "x"]]))], ResultOptions("unicodeCodePoint")
    )
    assert code_points["pages"][0]["words"][1]["span"] == {"offset": 2, "length": 1}


def test_empty_page_has_no_spans_and_the_required_fields() -> None:
    result = build_analyze_result("prebuilt-read", [(1, PageText(100, 100, "pixel"))])
    assert result["content"] == ""
    (p,) = result["pages"]
    assert p["spans"] == [] and p["words"] == [] and p["angle"] == 0
    assert {"apiVersion", "modelId", "stringIndexType", "content", "pages"} <= result.keys()


def test_polygons_run_clockwise_from_the_top_left() -> None:
    assert polygon((1.0, 2.0, 3.0, 4.0), PageText(10, 10, "pixel")) == [1, 2, 3, 2, 3, 4, 1, 4]
    assert polygon((1.23456, 2, 3, 4), PageText(10, 10, "inch"))[0] == 1.2346


def layout_page(number: int) -> PageText:
    """Two lines of text, a 2 x 2 table under them, a check box and a labelled field."""
    plain = page([[f"Invoice {number}", "café"], ["Total", "12.50"]], paragraphs=[0, 0])
    cells = tuple(
        Cell(
            row,
            column,
            (50.0 * column, 40.0 + 20 * row, 50.0 * column + 50, 60.0 + 20 * row),
            header=row == 0,
        )
        for row in range(2)
        for column in range(2)
    )
    table_lines = tuple(
        Line(
            (
                Word(f"r{row}c0", (5.0, 42.0 + 20 * row, 30.0, 55.0 + 20 * row), 0.8),
                Word(f"r{row}c1", (55.0, 42.0 + 20 * row, 80.0, 55.0 + 20 * row), 0.8),
            ),
            (5.0, 42.0 + 20 * row, 80.0, 55.0 + 20 * row),
            paragraph=5 + row,
        )
        for row in range(2)
    )
    return replace(
        plain,
        lines=plain.lines + table_lines,
        tables=(Table(cells, (0.0, 40.0, 100.0, 80.0)),),
        selection_marks=(SelectionMark((150.0, 5.0, 160.0, 15.0), True, 0.9),),
        key_values=(KeyValue((0.0, 20.0, 40.0, 30.0), (50.0, 20.0, 90.0, 30.0), 0.7),),
    )


@pytest.mark.parametrize(
    "model, options",
    [
        ("prebuilt-read", ResultOptions()),
        ("prebuilt-read", ResultOptions(string_index_type="utf16CodeUnit")),
        ("prebuilt-layout", ResultOptions(markdown=True, key_value_pairs=True)),
        ("prebuilt-layout", ResultOptions(string_index_type="textElements", key_value_pairs=True)),
    ],
)
def test_the_streamed_result_is_the_same_result(model: str, options: ResultOptions) -> None:
    pages = [(number, layout_page(number)) for number in (1, 2, 3)]
    streamed = json.loads("".join(stream_analyze_result(model, iter(pages), options)))
    built = build_analyze_result(model, pages, options)
    assert in_wire_order(streamed) == built
    assert list(in_wire_order(streamed))[:4] == ["apiVersion", "modelId", "stringIndexType", "content"]
    if model == "prebuilt-layout":
        assert len(built["tables"]) == 3 and built["keyValuePairs"]
