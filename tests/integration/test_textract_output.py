"""`format=textract`: the result as Textract Blocks, read back by amazon-textract-response-parser."""

from __future__ import annotations

import pytest
from trp import Document

from tests.support.documents import encode, form_image, text_pdf_with_table
from tests.support.stack import Harness


def analyzed(stack: Harness, document: bytes, model: str) -> tuple[str, str, dict]:
    key = stack.new_tenant()[1]
    location = stack.submit(
        document, key, model=model, query="features=keyValuePairs" if model == "prebuilt-layout" else ""
    )
    result = stack.wait(location, key)["analyzeResult"]
    return key, location.rsplit("/", 1)[1], result


@pytest.mark.parametrize("model", ["prebuilt-read", "prebuilt-layout"])
def test_textract_parser_reads_the_same_pages_lines_words_and_tables(
    shared_stack: Harness, model: str
) -> None:
    # Given a document with a ruled table, analyzed
    key, operation_id, result = analyzed(shared_stack, text_pdf_with_table(), model)

    # When its result is fetched in Textract's shape and parsed as Textract code would
    answer = shared_stack.request(
        "GET", f"/v1/operations/{operation_id}/result", key, query="format=textract"
    )
    assert answer.status == 200
    parsed = Document(answer.json())

    # Then the parser sees the same pages, lines, words and tables
    assert len(parsed.pages) == len(result["pages"])
    for textract_page, page in zip(parsed.pages, result["pages"], strict=True):
        assert [line.text for line in textract_page.lines] == [line["content"] for line in page["lines"]]
        assert [word.text for line in textract_page.lines for word in line.words] == [
            word["content"] for word in page["words"]
        ]
        first = textract_page.lines[0].geometry.boundingBox
        assert 0 <= first.left < first.left + first.width <= 1 and 0 <= first.top <= 1
    tables = [table for page in parsed.pages for table in page.tables]
    if model == "prebuilt-read":
        assert tables == []
        return
    assert len(tables) == len(result["tables"]) >= 1
    for table, wire in zip(tables, result["tables"], strict=True):
        wire_cells = {(c["rowIndex"], c["columnIndex"]): c["content"] for c in wire["cells"]}
        parsed_cells = {
            (r, c): cell.text.strip() for r, row in enumerate(table.rows) for c, cell in enumerate(row.cells)
        }
        assert {k: v for k, v in parsed_cells.items() if k in wire_cells} == wire_cells


def test_form_fields_and_check_boxes_come_through(shared_stack: Harness) -> None:
    key, operation_id, result = analyzed(shared_stack, encode(form_image(), "PNG"), "prebuilt-layout")
    answer = shared_stack.request(
        "GET", f"/v1/operations/{operation_id}/result", key, query="format=textract"
    )
    blocks = answer.json()
    (page,) = Document(blocks).pages
    marks = [b for b in blocks["Blocks"] if b["BlockType"] == "SELECTION_ELEMENT"]
    assert len(marks) == len(result["pages"][0]["selectionMarks"]) >= 1
    parsed_pairs = {(f.key.text.strip(), f.value.text.strip() if f.value else "") for f in page.form.fields}
    # A check box as a field's value reads as Textract's SELECTED / NOT_SELECTED.
    textract_word = {":selected:": "SELECTED", ":unselected:": "NOT_SELECTED"}
    wire_pairs = {
        (kv["key"]["content"], textract_word.get(value := kv.get("value", {}).get("content", ""), value))
        for kv in result.get("keyValuePairs", [])
    }
    assert wire_pairs and parsed_pairs == wire_pairs


def test_an_unknown_result_format_is_refused(shared_stack: Harness) -> None:
    key, operation_id, _ = analyzed(shared_stack, text_pdf_with_table(), "prebuilt-read")
    answer = shared_stack.request("GET", f"/v1/operations/{operation_id}/result", key, query="format=xml")
    assert answer.status == 400
    assert answer.json()["error"]["code"] == "InvalidArgument"
