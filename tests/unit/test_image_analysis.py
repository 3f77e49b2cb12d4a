"""Image Analysis 4.0 READ: its query checked into the shared analysis spec, its answer
made from the stored Document Intelligence result (blocks of lines of words with integer
points), its errors with Read's inner codes."""

from __future__ import annotations

import pytest
from docsafe.contract.errors import DocSafeError, InvalidArgument
from docsafe.contract.image_analysis import analysis_result, check_image, error_body, parse_options
from docsafe.contract.result import build_analyze_result
from docsafe.engines.base import Line, PageText, Word
from docsafe.formats import Format
from docsafe.specs import AnalysisSpec, Contract


def page(width: float, height: float, unit: str, *texts: str) -> PageText:
    lines = tuple(
        Line(
            words=(Word(text, (10.0, 10.0 + 30 * n, 60.4, 30.6 + 30 * n), 0.9),),
            box=(10.0, 10.0 + 30 * n, 60.4, 30.6 + 30 * n),
        )
        for n, text in enumerate(texts)
    )
    return PageText(width=width, height=height, unit=unit, lines=lines)


def test_what_the_client_sends_is_a_read_of_the_image() -> None:
    spec = parse_options({"api-version": "2023-10-01", "features": "read", "gender-neutral-caption": "true"})
    assert spec == AnalysisSpec(contract=Contract.IMAGE_ANALYSIS)
    assert parse_options({"api-version": "2024-02-01", "features": "read", "language": "en"}).locale == "en"


@pytest.mark.parametrize(
    ("query", "inner"),
    [
        ({"features": "read"}, "BadArgument"),
        ({"api-version": "2024-02-01"}, "BadArgument"),
        ({"api-version": "2023-02-01-preview", "features": "read"}, "UnsupportedApiVersion"),
        ({"api-version": "2024-02-01", "features": "read,tags"}, "NotSupportedVisualFeature"),
        ({"api-version": "2024-02-01", "features": "read", "language": "xx-Nope"}, "NotSupportedLanguage"),
        ({"api-version": "2024-02-01", "features": "read", "model-version": "2021-05-01"}, "InvalidModel"),
    ],
)
def test_a_query_it_cannot_answer_is_refused_with_its_code(query: dict[str, str], inner: str) -> None:
    with pytest.raises(DocSafeError) as refused:
        parse_options(query)
    assert refused.value.status == 400 and refused.value.inner_code == inner


def test_an_image_becomes_one_block_of_lines_with_integer_points() -> None:
    stored = build_analyze_result("prebuilt-read", [(1, page(600, 400, "pixel", "Invoice", "Total"))])
    result = analysis_result(stored)
    assert result["metadata"] == {"width": 600, "height": 400}
    (block,) = result["readResult"]["blocks"]
    first = block["lines"][0]
    assert first["text"] == "Invoice"
    assert first["boundingPolygon"] == [
        {"x": 10, "y": 10},
        {"x": 60, "y": 10},
        {"x": 60, "y": 31},
        {"x": 10, "y": 31},
    ]
    assert first["words"] == [
        {"text": "Invoice", "boundingPolygon": first["boundingPolygon"], "confidence": 0.9}
    ]


def test_an_image_without_text_has_no_blocks_and_a_pdf_has_one_per_page_in_points() -> None:
    blank = build_analyze_result("prebuilt-read", [(1, page(600, 400, "pixel"))])
    assert analysis_result(blank)["readResult"]["blocks"] == []
    pdf = build_analyze_result(
        "prebuilt-read", [(1, page(8.5, 11, "inch", "One")), (2, page(8.5, 11, "inch"))]
    )
    result = analysis_result(pdf)
    assert result["metadata"] == {"width": 612, "height": 792}
    first, second = result["readResult"]["blocks"]
    assert first["lines"][0]["boundingPolygon"][0] == {"x": 720, "y": 720} and second == {"lines": []}


def test_only_formats_it_reads_are_taken_and_errors_carry_reads_codes() -> None:
    for kind in (Format.PNG, Format.JPEG, Format.BMP, Format.TIFF, Format.PDF):
        check_image(kind)
    with pytest.raises(DocSafeError) as refused:
        check_image(None)
    assert error_body(refused.value)["error"]["innererror"]["code"] == "InvalidImageFormat"
    body = error_body(InvalidArgument("Nope.", inner_code="InvalidUrlSource"))
    assert body == {
        "error": {
            "code": "InvalidArgument",
            "message": "Nope.",
            "innererror": {"code": "InvalidImageUrl", "message": "Nope."},
        }
    }
