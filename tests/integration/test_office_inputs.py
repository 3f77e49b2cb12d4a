"""Office and HTML documents through the whole stack: analyzed by prebuilt-read and
prebuilt-layout as Azure reads them (embedded pictures by the OCR engine); refused with a
reason where a model, an output or an API needs page geometry; hostile ones refused."""

from __future__ import annotations

import io
import json

import boto3
import pytest

from tests.integration.test_custom_models import TRAINING_BUCKET, build, training_folder
from tests.support import office
from tests.support.stack import REGION, Harness, location_of


def test_a_word_report_is_analyzed_by_prebuilt_layout_with_roles_tables_and_its_picture_read(
    local_stack: Harness,
) -> None:
    key = local_stack.new_key("acme")
    body = local_stack.wait(
        local_stack.submit(office.report_docx(picture_text="INVOICE 7731"), key, "prebuilt-layout"), key
    )
    assert body["status"] == "succeeded", body
    result = body["analyzeResult"]
    assert len(result["pages"]) == 2
    roles = {p["content"]: p.get("role") for p in result["paragraphs"]}
    assert roles["Quarterly report"] == "title"
    assert roles["Sales by region"] == "sectionHeading"
    assert roles[office.FOOTNOTE] == "footnote"
    (table,) = result["tables"]
    assert (table["rowCount"], table["columnCount"]) == (3, 3)
    assert "INVOICE 7731" in result["content"]  # the picture, read by the engine
    assert all("polygon" not in word for page in result["pages"] for word in page["words"])


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (office.workbook_xlsx, ["Widget", "2026-03-01", "Prices exclude tax"]),
        (office.deck_pptx, ["Launch plan", "Beta ships in March"]),
        (office.page_html, ["Field guide", "Puffin"]),
    ],
)
def test_workbooks_decks_and_web_pages_are_read_by_prebuilt_read(
    local_stack: Harness, make: object, expected: list[str]
) -> None:
    key = local_stack.new_key("acme")
    body = local_stack.wait(local_stack.submit(make(), key), key)  # type: ignore[operator]
    assert body["status"] == "succeeded", body
    for text in expected:
        assert text in body["analyzeResult"]["content"]


def test_office_documents_are_refused_where_geometry_is_needed(local_stack: Harness) -> None:
    key = local_stack.new_key("acme")
    docx = office.report_docx()
    answer = local_stack.request(
        "POST",
        "/documentintelligence/documentModels/prebuilt-read:analyze",
        key,
        query="api-version=2024-11-30&output=pdf",
        body=docx,
    )
    error = local_stack.refusal(answer, key)
    assert error["innererror"]["code"] == "InvalidParameter" and "output=pdf" in error["message"]
    answer = local_stack.request("POST", "/vision/v3.2/read/analyze", key, query="", body=docx)
    assert answer.status == 202
    failed = local_stack.wait(location_of(answer), key)
    assert failed["status"] == "failed"
    assert "JPEG, PNG, BMP, TIFF or PDF" in json.dumps(failed)


def test_a_hostile_office_document_fails_its_operation_with_the_reason(local_stack: Harness) -> None:
    key = local_stack.new_key("acme")
    for document, reason in (
        (office.zip_bomb_docx(), "inflates"),
        (office.entity_bomb_xlsx(), "XML entities"),
    ):
        body = local_stack.wait(local_stack.submit(document, key, "prebuilt-layout"), key)
        assert body["status"] == "failed"
        assert body["error"]["innererror"]["code"] == "InvalidContent"
        assert reason in body["error"]["message"]


def test_a_custom_model_neither_analyzes_nor_learns_from_office_documents(local_stack: Harness) -> None:
    training_folder()
    key = local_stack.new_key("acme")
    assert build(local_stack, key, "forms-model")["status"] == "succeeded"
    answer = local_stack.request(
        "POST",
        "/documentintelligence/documentModels/forms-model:analyze",
        key,
        query="api-version=2024-11-30",
        body=office.report_docx(),
    )
    error = local_stack.refusal(answer, key)
    assert "read by prebuilt-read and prebuilt-layout" in error["message"]

    s3 = boto3.client("s3", region_name=REGION)
    s3.put_object(Bucket=TRAINING_BUCKET, Key="forms/report.docx", Body=office.report_docx())
    labels = json.loads(
        s3.get_object(Bucket=TRAINING_BUCKET, Key="forms/form-0.png.labels.json")["Body"].read()
    )
    labels["document"] = "report.docx"
    s3.put_object(Bucket=TRAINING_BUCKET, Key="forms/report.docx.labels.json", Body=json.dumps(labels))
    operation = build(local_stack, key, "forms-with-word")
    assert operation["status"] == "failed"
    assert "DOCX document has no page geometry" in operation["error"]["message"]


def test_an_office_document_is_parsed_once_and_its_blocks_are_dropped_with_its_pages(
    local_stack: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    import docx
    from docsafe import office

    parsed: list[str] = []
    real = office.read_pages
    monkeypatch.setattr(
        office, "read_pages", lambda file, kind: parsed.append(kind.value) or real(file, kind)
    )
    document = docx.Document()
    for index in range(6):
        document.add_paragraph(f"Page {index + 1} of the report.")
        document.add_page_break()
    out = io.BytesIO()
    document.save(out)
    key = local_stack.new_key("acme")
    location = local_stack.submit(out.getvalue(), key, "prebuilt-layout")
    body = local_stack.wait(location, key)
    assert body["status"] == "succeeded", body
    assert len(body["analyzeResult"]["pages"]) == 6
    assert parsed == ["docx"]  # by the prepare stage; each batch reads the blocks it stored
    operation_id = location.rsplit("/", 1)[1]
    left = [name for name in local_stack.stored_objects("acme") if operation_id in name]
    assert not [name for name in left if "/blocks/" in name or "/pages/" in name], left


def test_a_word_documents_font_styles_come_through_the_stack(local_stack: Harness) -> None:
    key = local_stack.new_key("acme")
    body = local_stack.wait(
        local_stack.submit(office.styled_docx(), key, "prebuilt-read", "features=styleFont"), key
    )
    assert body["status"] == "succeeded", body
    result = body["analyzeResult"]
    bold = [style for style in result["styles"] if style.get("fontWeight") == "bold"]
    texts = {
        result["content"][s["offset"] : s["offset"] + s["length"]] for style in bold for s in style["spans"]
    }
    assert texts == {"Terms", "bold words"}


def test_a_job_prepared_without_stored_blocks_reads_its_document(
    local_stack: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    # (a job prepared by the version before, in flight across a deployment)
    from docsafe.pipeline import Pipeline

    monkeypatch.setattr(Pipeline, "_store_blocks", lambda *args: None)
    key = local_stack.new_key("acme")
    body = local_stack.wait(local_stack.submit(office.report_docx(), key, "prebuilt-layout"), key)
    assert body["status"] == "succeeded", body
    assert len(body["analyzeResult"]["tables"]) == 1
