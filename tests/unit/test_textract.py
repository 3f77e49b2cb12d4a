"""The Textract engine's mapping, on Textract's real recorded answers (shared fixtures)."""

from __future__ import annotations

import io
import json

import boto3
import pytest
from botocore.stub import ANY, Stubber
from docsafe.contract.result import ResultOptions, build_analyze_result
from docsafe.contract.textract_blocks import to_blocks
from docsafe.engines.textract import TextractEngine, page_from_textract
from docsafe_tools.local.template import REPO_ROOT
from PIL import Image

# shared/ lies beside the checkout (as in CI).
FIXTURES = REPO_ROOT.parent / "shared" / "fixtures" / "textract"
pytestmark = pytest.mark.skipif(not FIXTURES.is_dir(), reason="shared Textract fixtures not present")


def fixture(name: str) -> tuple[dict, Image.Image]:
    response = json.loads((FIXTURES / f"{name}.png.analyze_document.json").read_text())
    return response, Image.open(FIXTURES / f"{name}.png")


def test_form_blocks_map_to_words_lines_tables_marks_and_pairs() -> None:
    response, image = fixture("form")
    page = page_from_textract(response, *image.size)
    assert (len(page.lines), sum(len(line.words) for line in page.lines)) == (129, 499)
    assert len(page.selection_marks) == 53 and sum(m.selected for m in page.selection_marks) == 10
    assert len(page.key_values) == 55
    household, phones = page.tables
    assert (household.row_count, household.column_count) == (6, 10)
    merged = [c for c in household.cells if c.column_span > 1]
    assert [(c.row, c.column, c.column_span) for c in merged] == [(0, 5, 2), (0, 7, 2)]
    assert all(c.header for c in household.cells if c.row == 0)
    assert (phones.row_count, phones.column_count) == (2, 3)


def test_form_result_has_the_values_textract_read() -> None:
    response, image = fixture("form")
    result = build_analyze_result(
        "prebuilt-layout",
        [(1, page_from_textract(response, *image.size))],
        ResultOptions(key_value_pairs=True),
    )
    cells = {(c["rowIndex"], c["columnIndex"]): c["content"] for c in result["tables"][0]["cells"]}
    assert cells[(1, 0)] == "Doe John" and cells[(1, 3)] == "01/12/78" and cells[(2, 9)] == "444-55-5666"
    assert cells[(1, 5)] == ":selected:" and cells[(1, 6)] == ":unselected:"
    pairs = [(kv["key"]["content"], kv.get("value", {}).get("content")) for kv in result["keyValuePairs"]]
    assert ("Telephone:", "(702) 486-1404") in pairs and ("Telephone:", "(775) 684-0730") in pairs
    assert ("House", ":unselected:") in pairs
    for word in result["pages"][0]["words"]:
        span = word["span"]
        assert result["content"][span["offset"] : span["offset"] + span["length"]] == word["content"]
    assert result["pages"][0]["words"][0]["polygon"][0] == pytest.approx(0.2863 * image.size[0], abs=1)


def test_paystub_table_and_pairs() -> None:
    response, image = fixture("paystub_single_table")
    result = build_analyze_result(
        "prebuilt-layout",
        [(1, page_from_textract(response, *image.size))],
        ResultOptions(key_value_pairs=True),
    )
    (table,) = result["tables"]
    rows = {}
    for cell in table["cells"]:
        rows.setdefault(cell["rowIndex"], []).append(cell["content"])
    assert rows[0] == ["Earnings", "rate", "hours", "this period", "year to date"]
    assert rows[1] == ["Regular", "10.00", "32.00", "320.00", "16,640.00"]
    pairs = {kv["key"]["content"]: kv.get("value", {}).get("content") for kv in result["keyValuePairs"]}
    assert pairs["Social Security Number:"] == "987-65-4321"


def test_handwritten_lines_become_handwriting_styles() -> None:
    response = {
        "DocumentMetadata": {"Pages": 1},
        "Blocks": to_blocks([(1, page_from_textract(fixture("paystub_single_table")[0], 460, 243))])[
            "Blocks"
        ],
    }
    first_line = next(b for b in response["Blocks"] if b["BlockType"] == "LINE")
    for block in response["Blocks"]:
        if block["BlockType"] == "WORD" and block["Id"] in first_line["Relationships"][0]["Ids"]:
            block["TextType"] = "HANDWRITING"
    result = build_analyze_result("prebuilt-read", [(1, page_from_textract(response, 460, 243))])
    (style,) = result["styles"]
    assert style["isHandwritten"] is True
    (span,) = style["spans"]
    assert result["content"][span["offset"] : span["offset"] + span["length"]] == first_line["Text"]


def test_engine_calls_the_synchronous_apis_with_the_page_it_rendered() -> None:
    response, image = fixture("paystub_single_table")
    client = boto3.client("textract", region_name="eu-west-1")
    with Stubber(client) as stub:
        stub.add_response(
            "analyze_document", response, {"Document": {"Bytes": ANY}, "FeatureTypes": ["TABLES", "FORMS"]}
        )
        stub.add_response(
            "detect_document_text", {"Blocks": response["Blocks"]}, {"Document": {"Bytes": ANY}}
        )
        engine = TextractEngine(client)
        layout = engine.read(image, layout=True)
        read = engine.read(image)
    assert len(layout.tables) == 1 and len(layout.key_values) == 7
    assert len(read.lines) == len(layout.lines) == 34


def test_blocks_round_trip_through_the_response_parser() -> None:
    response, image = fixture("form")
    page = page_from_textract(response, *image.size)
    again = page_from_textract(to_blocks([(1, page)]), *image.size)
    assert [line.text for line in again.lines] == [line.text for line in page.lines]
    assert [(t.row_count, t.column_count, len(t.cells)) for t in again.tables] == [
        (t.row_count, t.column_count, len(t.cells)) for t in page.tables
    ]
    assert len(again.selection_marks) == len(page.selection_marks)
    assert len(again.key_values) == len(page.key_values)


def test_pages_too_large_for_png_are_sent_as_jpeg() -> None:
    from docsafe.engines import textract

    noisy = Image.effect_noise((4000, 4000), 120).convert("L")
    data = textract._encode(noisy)
    assert len(data) <= textract.MAX_BYTES
    assert Image.open(io.BytesIO(data)).format in ("PNG", "JPEG")
