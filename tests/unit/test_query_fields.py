"""features=queryFields: fields answered from the text by their labels."""

from __future__ import annotations

import pytest
from docsafe.contract.errors import DocSafeError
from docsafe.contract.query_fields import label_of, parse_query_fields, query_documents
from docsafe.contract.result import build_analyze_result
from docsafe.engines.base import Line, PageText, Word


def line(y: float, *texts: str) -> Line:
    words = tuple(
        Word(text, (10.0 + 100 * n, y, 90.0 + 100 * n, y + 20), 0.9 - 0.05 * n)
        for n, text in enumerate(texts)
    )
    return Line(words=words, box=(10.0, y, 90.0 + 100 * (len(texts) - 1), y + 20))


def test_a_fields_label_is_its_names_words() -> None:
    assert label_of("InvoiceNumber") == label_of("invoice_number") == "invoice number"
    assert label_of("DueDate") == "due date" and label_of("VATId") == "vat id"


@pytest.mark.parametrize("value", [None, "", "Bad Name", "1st", ",".join(f"F{n}" for n in range(21))])
def test_a_list_it_cannot_answer_is_refused(value: str | None) -> None:
    with pytest.raises(DocSafeError) as refused:
        parse_query_fields(value)
    assert refused.value.status == 400 and refused.value.target == "queryFields"


def test_fields_are_the_rest_of_the_line_their_label_begins() -> None:
    page = PageText(
        width=800,
        height=400,
        unit="pixel",
        lines=(
            line(10, "Invoice", "number:", "4471"),
            line(40, "Due", "date", "2026-12-31"),
            line(70, "Dated", "never"),
        ),
    )
    result = build_analyze_result("prebuilt-layout", [(1, page)])
    (document,) = query_documents("prebuilt-layout", ("InvoiceNumber", "DueDate", "Date", "Missing"))(
        result["pages"], result["content"]
    )
    fields = document["fields"]
    assert fields["InvoiceNumber"]["valueString"] == "4471"
    assert fields["DueDate"]["valueString"] == "2026-12-31"
    span = fields["InvoiceNumber"]["spans"][0]
    assert result["content"][span["offset"] : span["offset"] + span["length"]] == "4471"
    assert fields["InvoiceNumber"]["boundingRegions"][0]["polygon"] == [
        210.0,
        10.0,
        290.0,
        10.0,
        290.0,
        30.0,
        210.0,
        30.0,
    ]
    # "Dated" is no label of Date, and a label no line has gives the field without a value
    assert fields["Date"] == {"type": "string"} and fields["Missing"] == {"type": "string"}
    assert 0 < document["confidence"] <= 1


def test_a_colon_apart_from_its_label_and_a_line_without_words_are_passed_over() -> None:
    page = PageText(width=800, height=400, unit="pixel", lines=(line(10, "Invoice", "number", ":", "4471"),))
    result = build_analyze_result("prebuilt-layout", [(1, page)])
    result["pages"][0]["lines"].insert(0, {"content": "| --- |", "polygon": [0] * 8, "spans": []})
    (document,) = query_documents("prebuilt-layout", ("InvoiceNumber",))(result["pages"], result["content"])
    assert document["fields"]["InvoiceNumber"]["valueString"] == "4471"
