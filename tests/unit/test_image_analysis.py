"""Image Analysis 4.0 READ: its query checked into the shared analysis spec, its answer
made from the stored Document Intelligence result (blocks of lines of words with integer
points), its errors with Read's inner codes."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from docsafe.contract.errors import DocSafeError, InvalidArgument
from docsafe.contract.image_analysis import analysis_result, error_body, parse_options
from docsafe.contract.requests import check_image
from docsafe.contract.result import build_analyze_result
from docsafe.engines.base import Line, PageText, Word
from docsafe.formats import Format
from docsafe.image_analysis import RETENTION_SECONDS, ImageAnalysis
from docsafe.jobs import Status
from docsafe.settings import Settings
from docsafe.specs import AnalysisSpec, Contract

from tests.support.documents import encode, text_image


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


class FakeOperations:
    """Operations as an Image Analysis read uses them: a job that finishes as told."""

    def __init__(self, finishes: bool = True, purge_fails: bool = False):
        self.finishes, self.purge_fails = finishes, purge_fails
        self.submitted: list[int | None] = []
        self.discarded: list[str] = []

    def submit(
        self, tenant: str, model_id: str, request: object, retention_seconds: int | None = None
    ) -> object:
        self.submitted.append(retention_seconds)
        return SimpleNamespace(operation_id="0f8fad5b-d9cb-469f-a165-70867728950e")

    def snapshot(self, tenant: str, operation_id: str, contract: Contract) -> object:
        stored = build_analyze_result("prebuilt-read", [(1, page(600, 400, "pixel", "Hello"))])
        return SimpleNamespace(job=None, analyze_result=SimpleNamespace(parsed=lambda: stored))

    def discard(self, tenant: str, operation_id: str) -> str:
        self.discarded.append(operation_id)
        if self.purge_fails:
            raise RuntimeError("S3 is away")
        return "receipt"


class FakeJobs:
    def __init__(self, operations: FakeOperations):
        self.operations = operations

    def visible(self, tenant: str, operation_id: str) -> object:
        return SimpleNamespace(status=Status.SUCCEEDED if self.operations.finishes else Status.RUNNING)


def reader(operations: FakeOperations, clock: list[float]) -> ImageAnalysis:
    def sleep(seconds: float) -> None:
        clock[0] += seconds

    return ImageAnalysis(
        operations=operations,  # type: ignore[arg-type]
        jobs=FakeJobs(operations),  # type: ignore[arg-type]
        settings=Settings(sync_read_seconds=5),
        now=lambda: clock[0],
        sleep=sleep,
    )


QUERY = {"api-version": "2024-02-01", "features": "read"}
PNG = encode(text_image(["Hello"], size=(200, 80), font_size=20), "PNG")


def test_the_answer_comes_with_the_receipt_of_a_job_kept_a_minute_at_most() -> None:
    operations = FakeOperations()
    result, receipt = reader(operations, [1000.0]).read("acme", QUERY, "image/png", PNG, requested_at=1000.0)
    assert result["readResult"]["blocks"][0]["lines"][0]["text"] == "Hello"
    assert receipt == "receipt" and operations.discarded and operations.submitted == [RETENTION_SECONDS]


def test_the_time_runs_from_when_api_gateway_received_the_request() -> None:
    # Given a request that waited 4 of its 5 seconds in a cold start, and a slow read
    operations = FakeOperations(finishes=False)
    clock = [1004.0]
    with pytest.raises(DocSafeError) as refused:
        reader(operations, clock).read("acme", QUERY, "image/png", PNG, requested_at=1000.0)
    # Then it is answered when its time is up, with the receipt of its purge
    assert refused.value.inner_code == "Timeout" and 1005.0 <= clock[0] < 1005.5
    assert refused.value.receipt == "receipt"


def test_a_purge_that_fails_never_hides_the_error_nor_lets_an_answer_out() -> None:
    # On the way out of an error, the error is what the client gets (the job expires soon)
    with pytest.raises(DocSafeError) as refused:
        reader(FakeOperations(finishes=False, purge_fails=True), [0.0]).read(
            "acme", QUERY, "image/png", PNG, 0.0
        )
    assert refused.value.inner_code == "Timeout" and refused.value.receipt is None
    # After a read, no answer leaves while the job may still be kept
    with pytest.raises(RuntimeError):
        reader(FakeOperations(purge_fails=True), [0.0]).read("acme", QUERY, "image/png", PNG, 0.0)


def test_a_request_whose_time_ran_out_before_its_read_submits_nothing() -> None:
    operations = FakeOperations()
    with pytest.raises(DocSafeError) as refused:
        reader(operations, [1010.0]).read("acme", QUERY, "image/png", PNG, requested_at=1000.0)
    assert refused.value.inner_code == "Timeout" and operations.submitted == []
