"""The official Azure Document Intelligence client against `docsafe serve`, unchanged."""

from __future__ import annotations

import io

import pytest
from azure.ai.documentintelligence import DocumentIntelligenceClient
from azure.core.credentials import AzureKeyCredential
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.core.rest import HttpRequest
from docsafe.settings import API_VERSION

from tests.e2e.conftest import Server
from tests.support.documents import (
    RECEIPT,
    encode,
    faint_receipt,
    multipage_tiff,
    scanned_pdf,
    text_image,
    words_of,
)

pytestmark = pytest.mark.e2e


def client_for(server: Server, tenant: str) -> DocumentIntelligenceClient:
    return DocumentIntelligenceClient(server.url, AzureKeyCredential(server.keys[tenant]))


def analyze(client: DocumentIntelligenceClient, document: bytes, model: str = "prebuilt-read", **options):  # type: ignore[no-untyped-def]
    poller = client.begin_analyze_document(model, io.BytesIO(document), polling_interval=0.5, **options)
    return poller.result(), poller.details["operation_id"]


@pytest.mark.parametrize(
    ("kind", "make", "expected"),
    [
        (
            "png",
            lambda: encode(text_image(["Quarterly report for Zurich office"]), "PNG"),
            "quarterly report zurich office",
        ),
        (
            "tiff",
            lambda: multipage_tiff(
                [text_image(["Page one mentions apples"]), text_image(["Page two mentions pears"])]
            ),
            "apples pears",
        ),
        (
            "scanned-pdf",
            lambda: scanned_pdf([text_image(["Signed lease agreement copy"], size=(1275, 825))]),
            "signed lease agreement",
        ),
    ],
)
def test_azure_client_reads_known_text(server: Server, kind: str, make, expected: str) -> None:  # type: ignore[no-untyped-def]
    client = client_for(server, "alpha")
    result, operation_id = analyze(client, make())
    assert set(expected.split()) <= words_of(result.content), kind
    assert result.model_id == "prebuilt-read" and result.pages
    if kind == "tiff":
        assert [page.page_number for page in result.pages] == [1, 2]
    client.delete_analyze_result(model_id="prebuilt-read", result_id=operation_id)


def test_other_tenant_gets_404_and_delete_leaves_nothing(server: Server) -> None:
    alpha, beta = client_for(server, "alpha"), client_for(server, "beta")
    result, operation_id = analyze(alpha, encode(text_image(["Private to alpha"]), "PNG"))
    assert "alpha" in words_of(result.content)
    # The client puts its endpoint's /documentintelligence in front of a relative URL.
    path = f"/documentModels/prebuilt-read/analyzeResults/{operation_id}?api-version={API_VERSION}"

    # Another tenant: exactly the answer of an id that never existed
    foreign = beta.send_request(HttpRequest("GET", path))
    unknown = beta.send_request(
        HttpRequest("GET", path.replace(operation_id, "00000000-0000-4000-8000-000000000000"))
    )
    assert foreign.status_code == unknown.status_code == 404
    assert foreign.json() == unknown.json()
    assert foreign.json()["error"]["innererror"]["code"] == "OperationNotFound"
    with pytest.raises(ResourceNotFoundError):
        beta.delete_analyze_result(model_id="prebuilt-read", result_id=operation_id)
    assert alpha.send_request(HttpRequest("GET", path)).status_code == 200

    # Delete: the result is gone, and nothing of the job is left in the local AWS
    alpha.delete_analyze_result(model_id="prebuilt-read", result_id=operation_id)
    assert alpha.send_request(HttpRequest("GET", path)).status_code == 404
    s3 = server.aws("s3")
    for bucket in s3.list_buckets()["Buckets"]:
        keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket["Name"]).get("Contents", [])]
        assert not [k for k in keys if operation_id in k], bucket["Name"]
    dynamodb = server.aws("dynamodb")
    for table in dynamodb.list_tables()["TableNames"]:
        items = dynamodb.scan(TableName=table)["Items"]
        assert operation_id not in str(items), table


def test_bad_key_is_refused_with_401(server: Server) -> None:
    client = DocumentIntelligenceClient(server.url, AzureKeyCredential("wrong-key"))
    answer = client.send_request(HttpRequest("GET", f"/documentModels?api-version={API_VERSION}"))
    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "401"


def test_azure_client_gets_tables_and_key_value_pairs_from_prebuilt_layout(server: Server) -> None:
    from azure.ai.documentintelligence.models import DocumentAnalysisFeature

    from tests.support.documents import FORM_FIELDS, FORM_TABLE, form_image

    client = client_for(server, "alpha")
    poller = client.begin_analyze_document(
        "prebuilt-layout",
        io.BytesIO(encode(form_image(), "PNG")),
        features=[DocumentAnalysisFeature.KEY_VALUE_PAIRS],
        polling_interval=0.5,
    )
    result = poller.result()
    (table,) = result.tables
    assert (table.row_count, table.column_count) == (len(FORM_TABLE), len(FORM_TABLE[0]))
    cells = {(cell.row_index, cell.column_index): cell.content for cell in table.cells}
    assert cells[(1, 0)] == "Apples" and cells[(2, 2)] == "4.20"
    pairs = {kv.key.content: kv.value.content for kv in result.key_value_pairs if kv.value}
    assert all(pairs[label] == value for label, value in FORM_FIELDS)
    assert [mark.state for mark in result.pages[0].selection_marks] == ["selected", "unselected"]
    client.delete_analyze_result(model_id="prebuilt-layout", result_id=poller.details["operation_id"])


def test_azure_client_gets_the_searchable_pdf(server: Server) -> None:
    from azure.ai.documentintelligence.models import AnalyzeOutputOption

    client = client_for(server, "gamma")
    document = encode(text_image(["Searchable through the Azure client"]), "PNG")
    poller = client.begin_analyze_document(
        "prebuilt-read", io.BytesIO(document), output=[AnalyzeOutputOption.PDF], polling_interval=0.5
    )
    poller.result()
    operation_id = poller.details["operation_id"]
    data = b"".join(client.get_analyze_result_pdf(model_id="prebuilt-read", result_id=operation_id))
    import pypdfium2 as pdfium

    text = pdfium.PdfDocument(data)[0].get_textpage().get_text_range()
    assert {"searchable", "through", "azure", "client"} <= words_of(text)
    client.delete_analyze_result(model_id="prebuilt-read", result_id=operation_id)


def test_azure_client_reads_a_hard_page_through_the_reading_policy(server: Server) -> None:
    from docsafe.engines.cascade import hard
    from docsafe.engines.tesseract import TesseractEngine

    page = faint_receipt()
    tesseract = TesseractEngine().read(page)
    printed = " ".join(RECEIPT).split()
    assert hard(tesseract) and " ".join(line.text for line in tesseract.lines).split() != printed
    client = client_for(server, "alpha")
    result, operation_id = analyze(client, encode(page, "PNG"))
    # Every word as printed, row by row (an item and its price may be lines of their own).
    assert result.content.split() == printed
    client.delete_analyze_result(model_id="prebuilt-read", result_id=operation_id)


def test_azure_client_reads_barcodes_with_the_add_on(server: Server) -> None:
    from azure.ai.documentintelligence.models import DocumentAnalysisFeature, DocumentBarcodeKind

    from tests.support.documents import with_barcodes

    page = with_barcodes(
        text_image(["Shipping label"], size=(1400, 900)),
        [("QRCode", "https://docsafe.example/t/9"), ("Code128", "BOX-9")],
    )
    result, _ = analyze(
        client_for(server, "alpha"), encode(page, "PNG"), features=[DocumentAnalysisFeature.BARCODES]
    )
    barcodes = result.pages[0].barcodes
    assert {(code.kind, code.value) for code in barcodes} == {
        (DocumentBarcodeKind.QR_CODE, "https://docsafe.example/t/9"),
        (DocumentBarcodeKind.CODE128, "BOX-9"),
    }
    assert all(len(code.polygon) == 8 and code.confidence == 1.0 for code in barcodes)


def test_azure_client_reads_the_languages_of_a_two_language_page(server: Server) -> None:
    from azure.ai.documentintelligence.models import DocumentAnalysisFeature

    page = text_image(
        [
            "Please pay the invoice before the end of May",
            "",
            "",
            "Bitte bezahlen Sie die Rechnung bis Ende Mai",
        ],
        size=(1800, 700),
    )
    result = analyze(
        client_for(server, "alpha"),
        encode(page, "PNG"),
        "prebuilt-read",
        features=[DocumentAnalysisFeature.LANGUAGES],
    )[0]
    assert [language.locale for language in result.languages] == ["en", "de"]
    german = result.languages[1].spans[0]
    assert result.content[german.offset : german.offset + german.length].startswith("Bitte bezahlen")


def test_azure_client_asks_for_query_fields(server: Server) -> None:
    from azure.ai.documentintelligence.models import DocumentAnalysisFeature

    page = text_image(["Invoice number: 4471", "Due date: 2026-12-31"], size=(1400, 500))
    result = analyze(
        client_for(server, "alpha"),
        encode(page, "PNG"),
        "prebuilt-layout",
        features=[DocumentAnalysisFeature.QUERY_FIELDS],
        query_fields=["InvoiceNumber", "DueDate"],
    )[0]
    fields = result.documents[0].fields
    assert fields["InvoiceNumber"].value_string == "4471"
    assert fields["DueDate"].value_string == "2026-12-31"


def test_azure_client_gets_paragraph_roles_from_prebuilt_layout(server: Server) -> None:
    from tests.support.documents import REPORT_PAGE, styled_page

    result, _ = analyze(
        client_for(server, "alpha"), encode(styled_page(REPORT_PAGE), "PNG"), "prebuilt-layout"
    )
    roles = {paragraph.content: paragraph.role for paragraph in result.paragraphs}
    assert roles["ACME Freight internal"] == "pageHeader"
    assert roles["Shipping in 2026"] == "title"
    assert roles["Volumes"] == roles["Costs"] == "sectionHeading"
    assert roles["Page 3 of 9"] == "pageNumber"
    assert not any(role for content, role in roles.items() if content.startswith(("Volumes grew", "Fuel")))


def test_azure_client_gets_a_tables_caption_and_footnote(server: Server) -> None:
    from tests.support.documents import captioned_table_page

    result, _ = analyze(client_for(server, "alpha"), encode(captioned_table_page(), "PNG"), "prebuilt-layout")
    (table,) = result.tables
    assert (table.row_count, table.column_count) == (3, 3)
    assert table.caption is not None and table.caption.content == "Table 1: Volumes by region"
    assert [note.content for note in table.footnotes or []] == ["* Estimated from port records"]


def test_azure_client_reads_a_word_report_with_its_table_roles_and_markdown(server: Server) -> None:
    from azure.ai.documentintelligence.models import DocumentContentFormat

    from tests.support import office

    client = client_for(server, "alpha")
    result, _ = analyze(client, office.report_docx(), "prebuilt-layout")
    (table,) = result.tables
    grid = [[""] * table.column_count for _ in range(table.row_count)]
    for cell in table.cells:
        grid[cell.row_index][cell.column_index] = cell.content
    assert grid == office.REPORT_TABLE
    assert {cell.kind for cell in table.cells if cell.row_index == 0} == {"columnHeader"}
    roles = {paragraph.content: paragraph.role for paragraph in result.paragraphs}
    assert roles["Quarterly report"] == "title" and roles["Sales by region"] == "sectionHeading"
    assert roles["Acme Corporation"] == "pageHeader" and roles[office.FOOTNOTE] == "footnote"
    # As Azure gives an Office document: pages without size or polygons.
    assert all(page.width is None and page.unit is None for page in result.pages)
    assert all(word.polygon is None for page in result.pages for word in page.words or [])

    markdown, _ = analyze(
        client, office.report_docx(), "prebuilt-layout", output_content_format=DocumentContentFormat.MARKDOWN
    )
    assert "| Region | Units | Revenue |" in markdown.content


def test_azure_client_reads_a_workbook_a_deck_and_a_web_page(server: Server) -> None:
    from tests.support import office

    client = client_for(server, "alpha")
    workbook, _ = analyze(client, office.workbook_xlsx(), "prebuilt-layout")
    assert len(workbook.pages) == 2 and workbook.tables[0].cells[3].content == "Widget"
    deck, _ = analyze(client, office.deck_pptx(picture_text="SHIP DATE 12 MAY"))
    assert len(deck.pages) == 2 and "SHIP DATE 12 MAY" in deck.content  # the picture, read
    page, _ = analyze(client, office.page_html(), "prebuilt-layout")
    assert page.tables[0].caption.content == "Table 1: Sightings"
    assert "169.254" not in page.content


def test_azure_client_gets_a_pages_figures_and_their_images(server: Server) -> None:
    from azure.ai.documentintelligence.models import AnalyzeOutputOption
    from PIL import Image

    from tests.support.documents import figure_page

    client = client_for(server, "alpha")
    result, operation_id = analyze(
        client, encode(figure_page(), "PNG"), "prebuilt-layout", output=[AnalyzeOutputOption.FIGURES]
    )
    chart, photo = result.figures
    assert chart.caption is not None and chart.caption.content == "Figure 1: Shipments by quarter"
    assert chart.bounding_regions[0].page_number == 1
    image = b"".join(client.get_analyze_result_figure("prebuilt-layout", operation_id, photo.id))
    assert Image.open(io.BytesIO(image)).format == "PNG"


def test_azure_client_reads_font_styles(server: Server) -> None:
    from azure.ai.documentintelligence.models import DocumentAnalysisFeature, DocumentFontWeight

    from tests.support.documents import style_page, styled_text_pdf

    client = client_for(server, "alpha")
    result, _ = analyze(client, encode(style_page(), "PNG"), features=[DocumentAnalysisFeature.STYLE_FONT])
    bold = [style for style in result.styles if style.font_weight == DocumentFontWeight.BOLD]
    assert [result.content[s.offset : s.offset + s.length] for style in bold for s in style.spans] == [
        "Total due now"
    ]
    assert {style.color for style in result.styles} >= {"#000000", "#FF0000", "#FFFFFF"}

    pdf, _ = analyze(client, styled_text_pdf(), features=[DocumentAnalysisFeature.STYLE_FONT])
    families = {style.similar_font_family for style in pdf.styles}
    assert families == {"Helvetica", "Times"}
    assert any(style.font_style == "italic" for style in pdf.styles)


def test_the_client_passes_a_callback_url_and_a_private_one_is_refused(server: Server) -> None:
    # The header goes through the client and API Gateway's integration to the intake, which
    # checks it as a urlSource: an address of this machine is refused, naming the header
    client = DocumentIntelligenceClient(server.url, AzureKeyCredential(server.keys["alpha"]))
    poller = client.begin_analyze_document(
        "prebuilt-read",
        io.BytesIO(encode(text_image(["Call back"]), "PNG")),
        headers={"x-docsafe-callback-url": "https://127.0.0.1/hook"},
        polling_interval=0.5,
    )
    with pytest.raises(HttpResponseError) as refused:
        poller.result()
    assert refused.value.error is not None and refused.value.error.target == "x-docsafe-callback-url"
