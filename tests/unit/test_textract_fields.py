"""Textract's AnalyzeExpense and AnalyzeID as the field models' engine: their answers
(in the shape AWS documents, stubbed) mapped to Azure's fields, over the words they name."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber
from docsafe.contract.result import build_analyze_result
from docsafe.engines.textract import TextractEngine, TextractFields
from docsafe.prebuilt import extractor, mrz
from docsafe.prebuilt.engine_fields import with_engine_fields
from PIL import Image

from tests.support.pages import result_pages

SIZE = (1000, 1000)


def _geometry(left: float, top: float, width: float, height: float) -> dict[str, Any]:
    return {
        "BoundingBox": {"Left": left, "Top": top, "Width": width, "Height": height},
        "Polygon": [
            {"X": left, "Y": top},
            {"X": left + width, "Y": top},
            {"X": left + width, "Y": top + height},
            {"X": left, "Y": top + height},
        ],
    }


def _blocks(lines: list[tuple[float, float, str]]) -> list[dict[str, Any]]:
    """PAGE, LINE and WORD blocks for lines of words at (left, top), 0.02 high, 0.012 a letter."""
    blocks: list[dict[str, Any]] = []
    page = {
        "BlockType": "PAGE",
        "Id": str(uuid.uuid4()),
        "Geometry": _geometry(0, 0, 1, 1),
        "Relationships": [{"Type": "CHILD", "Ids": []}],
    }
    blocks.append(page)
    for left, top, text in lines:
        words, x = [], left
        for piece in text.split():
            width = 0.012 * len(piece)
            words.append(
                {
                    "BlockType": "WORD",
                    "Id": str(uuid.uuid4()),
                    "Text": piece,
                    "TextType": "PRINTED",
                    "Confidence": 99.0,
                    "Geometry": _geometry(x, top, width, 0.02),
                }
            )
            x += width + 0.012
        line = {
            "BlockType": "LINE",
            "Id": str(uuid.uuid4()),
            "Text": text,
            "Confidence": 99.0,
            "Geometry": _geometry(left, top, x - 0.012 - left, 0.02),
            "Relationships": [{"Type": "CHILD", "Ids": [word["Id"] for word in words]}],
        }
        page["Relationships"][0]["Ids"].append(line["Id"])
        blocks += [line, *words]
    return blocks


def _expense_field(
    kind: str, text: str, box: tuple[float, float, float, float], **extra: Any
) -> dict[str, Any]:
    return {
        "Type": {"Text": kind, "Confidence": 99.0},
        "ValueDetection": {"Text": text, "Geometry": _geometry(*box), "Confidence": 97.5},
        "PageNumber": 1,
        **extra,
    }


def _read(model_id: str, operation: str, response: dict[str, Any]) -> tuple[Any, list[dict[str, Any]]]:
    client = boto3.client("textract", region_name="eu-west-1")
    with Stubber(client) as stub:
        expected = {"DocumentPages": ANY} if operation == "analyze_id" else {"Document": ANY}
        stub.add_response(operation, response, expected)
        page = TextractFields(TextractEngine(client), model_id).read(Image.new("L", SIZE, 255), layout=True)
        stub.assert_no_pending_responses()
    return page, build_analyze_result(model_id, [(1, page)])["pages"]


def test_analyze_expense_gives_an_invoices_fields_and_items_by_azures_names() -> None:
    blocks = _blocks(
        [
            (0.05, 0.05, "Contoso Supplies"),
            (0.60, 0.05, "Invoice No: A-1001"),
            (0.05, 0.20, "Bill To: Alpine Ski House"),
            (0.05, 0.40, "Desk lamps 2 $40.00"),
            (0.60, 0.60, "Amount due $54.00"),
        ]
    )
    response = {
        "DocumentMetadata": {"Pages": 1},
        "ExpenseDocuments": [
            {
                "ExpenseIndex": 1,
                "SummaryFields": [
                    _expense_field("INVOICE_RECEIPT_ID", "A-1001", (0.79, 0.05, 0.075, 0.02)),
                    _expense_field(
                        "TOTAL",
                        "$54.00",
                        (0.732, 0.60, 0.072, 0.02),
                        Currency={"Code": "USD", "Confidence": 90.0},
                    ),
                    _expense_field(
                        "NAME",
                        "Alpine Ski House",
                        (0.17, 0.20, 0.25, 0.02),
                        GroupProperties=[{"Id": "g1", "Types": ["RECEIVER", "RECEIVER_BILL_TO"]}],
                    ),
                    _expense_field("OTHER", "whatever", (0.0, 0.9, 0.1, 0.02)),
                ],
                "LineItemGroups": [
                    {
                        "LineItemGroupIndex": 1,
                        "LineItems": [
                            {
                                "LineItemExpenseFields": [
                                    _expense_field("ITEM", "Desk lamps", (0.05, 0.40, 0.12, 0.02)),
                                    _expense_field("PRICE", "$40.00", (0.205, 0.40, 0.075, 0.02)),
                                ]
                            }
                        ],
                    }
                ],
                "Blocks": blocks,
            }
        ],
    }
    page, pages = _read("prebuilt-invoice", "analyze_expense", response)
    assert {field.name for field in page.fields} == {
        "InvoiceId",
        "InvoiceTotal",
        "BillingAddressRecipient",
        "Description",
        "Amount",
    }
    extract = extractor("prebuilt-invoice")
    assert extract is not None
    document = with_engine_fields("prebuilt-invoice", extract(pages), pages, {1: page.fields})
    fields = document["fields"]
    assert fields["InvoiceId"]["valueString"] == "A-1001" and fields["InvoiceId"]["content"] == "A-1001"
    assert fields["InvoiceId"]["confidence"] == 0.975  # Textract's own
    assert fields["InvoiceTotal"]["valueCurrency"] == {
        "amount": 54.0,
        "currencySymbol": "$",
        "currencyCode": "USD",
    }
    assert fields["BillingAddressRecipient"]["valueString"] == "Alpine Ski House"
    (item,) = fields["Items"]["valueArray"]
    assert item["valueObject"]["Description"]["content"] == "Desk lamps"
    assert item["valueObject"]["Amount"]["valueCurrency"]["amount"] == 40.0
    # the field's polygon is the words' it names, in the page's pixels
    polygon = fields["InvoiceTotal"]["boundingRegions"][0]["polygon"]
    assert polygon[0] == 732 and polygon[1] == 600


def test_analyze_id_gives_a_passports_fields_found_by_their_text_and_its_zone() -> None:
    zone = mrz.write(
        "TD3", "UTO", "P5236413", date(1979, 12, 8), "F", date(2035, 12, 22), "UTO", "Novak", "Lukas"
    )
    blocks = _blocks(
        [
            (0.3, 0.1, "Surname"),
            (0.3, 0.13, "NOVAK"),
            (0.3, 0.3, "P5236413"),
            (0.02, 0.8, zone[0]),
            (0.02, 0.85, zone[1]),
        ]
    )
    response = {
        "AnalyzeIDModelVersion": "1.0",
        "DocumentMetadata": {"Pages": 1},
        "IdentityDocuments": [
            {
                "DocumentIndex": 1,
                "IdentityDocumentFields": [
                    {"Type": {"Text": "LAST_NAME"}, "ValueDetection": {"Text": "NOVAK", "Confidence": 98.0}},
                    {
                        "Type": {"Text": "DOCUMENT_NUMBER"},
                        "ValueDetection": {"Text": "P5236413", "Confidence": 96.0},
                    },
                    {
                        "Type": {"Text": "DATE_OF_BIRTH"},
                        "ValueDetection": {
                            "Text": "8 DEC 1979",
                            "NormalizedValue": {"Value": "1979-12-08T00:00:00", "ValueType": "Date"},
                            "Confidence": 95.0,
                        },
                    },
                    {
                        "Type": {"Text": "MRZ_CODE"},
                        "ValueDetection": {"Text": "\n".join(zone), "Confidence": 90.0},
                    },
                    {"Type": {"Text": "VETERAN"}, "ValueDetection": {"Text": "", "Confidence": 0.0}},
                ],
                "Blocks": blocks,
            }
        ],
    }
    page, pages = _read("prebuilt-idDocument", "analyze_id", response)
    extract = extractor("prebuilt-idDocument")
    assert extract is not None
    fields = with_engine_fields("prebuilt-idDocument", extract(pages), pages, {1: page.fields})["fields"]
    assert fields["LastName"]["valueString"] == "NOVAK" and fields["LastName"]["spans"]
    assert fields["DocumentNumber"]["confidence"] == 0.96
    assert fields["DateOfBirth"]["valueDate"] == "1979-12-08"  # Textract's normalised value
    machine = fields["MachineReadableZone"]["valueObject"]
    assert machine["DateOfExpiration"]["valueDate"] == "2035-12-22"
    assert machine["Nationality"]["valueCountryRegion"] == "UTO"


def test_the_fields_travel_between_stages_with_theresult_pages() -> None:
    response = {
        "ExpenseDocuments": [
            {
                "SummaryFields": [_expense_field("TOTAL", "$5.00", (0.1, 0.1, 0.05, 0.02))],
                "Blocks": _blocks([(0.1, 0.1, "$5.00")]),
            }
        ]
    }
    page, _ = _read("prebuilt-receipt", "analyze_expense", response)
    from docsafe.engines.base import PageText

    again = PageText.from_json(page.to_json())
    assert again.fields == page.fields and again.fields[0].name == "Total"
    assert again.scaled(0.5, "inch").fields[0].box == pytest.approx((50.0, 50.0, 75.0, 60.0))


def test_each_pages_line_items_are_items_of_their_own() -> None:
    from docsafe.engines.base import EngineField

    page_one = result_pages([(60, 300, "Widget"), (600, 300, "$10.00")])[0]
    page_two = {**result_pages([(60, 300, "Gadget"), (600, 300, "$20.00")])[0], "pageNumber": 2}
    found = {
        1: (EngineField("Description", "Widget", (60, 300, 132, 320), 0.9, item=0),),
        2: (EngineField("Description", "Gadget", (60, 300, 132, 320), 0.9, item=0),),
    }
    document = with_engine_fields("prebuilt-invoice", {"fields": {}}, [page_one, page_two], found)
    items = document["fields"]["Items"]["valueArray"]
    assert [item["valueObject"]["Description"]["valueString"] for item in items] == ["Widget", "Gadget"]


def test_a_receivers_name_on_a_receipt_is_not_the_merchant() -> None:
    response = {
        "ExpenseDocuments": [
            {
                "SummaryFields": [
                    _expense_field(
                        "NAME",
                        "Jane Guest",
                        (0.1, 0.3, 0.2, 0.02),
                        GroupProperties=[{"Id": "g", "Types": ["RECEIVER"]}],
                    ),
                    _expense_field("NAME", "Harbor Hotel", (0.1, 0.1, 0.2, 0.02)),
                ],
                "Blocks": _blocks([(0.1, 0.1, "Harbor Hotel"), (0.1, 0.3, "Jane Guest")]),
            }
        ]
    }
    page, _ = _read("prebuilt-receipt", "analyze_expense", response)
    assert [(field.name, field.text) for field in page.fields] == [("MerchantName", "Harbor Hotel")]
