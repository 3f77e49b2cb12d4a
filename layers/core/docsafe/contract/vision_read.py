"""Computer Vision Read v3.2's result, made from the Document Intelligence result a job
stores: the same reading, in the older contract's shape (Azure/azure-rest-api-specs,
specification/cognitiveservices/data-plane/ComputerVision/stable/v3.2/Ocr.json).

Read v3.2 nests words in their lines, where Document Intelligence lists a page's words
beside its lines and ties them by spans of the content: each word goes to the line whose
spans hold its span. A line is handwriting when a handwritten style's spans hold it.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from docsafe.contract.errors import DocSafeError, InvalidArgument, InvalidRequest
from docsafe.contract.requests import LOCALE_PATTERN, check_image, checked_format
from docsafe.formats import Format
from docsafe.jobs import Job, JobError, Status
from docsafe.languages import supported as language_supported
from docsafe.specs import MAX_PAGE_NUMBER, AnalysisSpec, Contract

RawJson = dict[str, Any]

VERSION = "3.2.0"
# The Read model version this contract's latest answers with (Ocr.json: "latest").
MODEL_VERSION = "2022-04-30"
PRINTED_CONFIDENCE = 1.0  # DocSafe scores only the handwriting it finds


def read_result(analyze_result: RawJson) -> RawJson:
    """The v3.2 `analyzeResult` of a stored Document Intelligence `analyzeResult`."""
    handwritten = _Spans(
        (span, float(style.get("confidence", PRINTED_CONFIDENCE)))
        for style in analyze_result.get("styles") or ()
        if style.get("isHandwritten")
        for span in style.get("spans") or ()
    )
    return {
        "version": VERSION,
        "modelVersion": MODEL_VERSION,
        "readResults": [_page(page, handwritten) for page in analyze_result.get("pages") or ()],
    }


def lines_with_words(page: RawJson) -> Iterator[tuple[RawJson, list[RawJson]]]:
    """A stored page's lines, each with its words (those its spans hold), in order: how
    the older contracts nest what Document Intelligence lists side by side."""
    words = sorted(page.get("words") or (), key=lambda word: word["span"]["offset"])
    starts = [word["span"]["offset"] for word in words]
    for line in page.get("lines") or ():
        inside = [
            words[index]
            for span in line.get("spans") or ()
            for index in range(
                bisect_right(starts, span["offset"] - 1),
                bisect_right(starts, span["offset"] + span["length"] - 1),
            )
        ]
        yield line, inside


def _page(page: RawJson, handwritten: _Spans) -> RawJson:
    lines = []
    for line, inside in lines_with_words(page):
        spans = line.get("spans") or ()
        held = [handwritten.holding(span) for span in spans]
        style = {"name": "other", "confidence": PRINTED_CONFIDENCE}
        if held and all(confidence is not None for confidence in held):
            style = {"name": "handwriting", "confidence": min(c for c in held if c is not None)}
        lines.append(
            {
                "boundingBox": _box(line["polygon"]),
                "text": line["content"],
                "appearance": {"style": style},
                "words": [
                    {
                        "boundingBox": _box(word["polygon"]),
                        "text": word["content"],
                        "confidence": word["confidence"],
                    }
                    for word in inside
                ],
            }
        )
    return {
        "page": page["pageNumber"],
        "angle": page.get("angle", 0.0),
        "width": page["width"],
        "height": page["height"],
        "unit": page["unit"],
        "lines": lines,
    }


def _box(polygon: list[float]) -> list[float]:
    """Read v3.2's eight numbers: the four corners clockwise from the top left, as
    Document Intelligence's polygon of a rectangle already is."""
    return [float(value) for value in polygon[:8]]


class _Spans:
    """Spans of the content with a confidence each, to ask which one holds a span."""

    def __init__(self, spans: Any):
        self._spans = sorted(
            (span["offset"], span["offset"] + span["length"], confidence) for span, confidence in spans
        )
        self._starts = [start for start, _, _ in self._spans]

    def holding(self, span: RawJson) -> float | None:
        """The confidence of the span that holds `span` whole, or None."""
        index = bisect_right(self._starts, span["offset"]) - 1
        if index >= 0 and span["offset"] + span["length"] <= self._spans[index][1]:
            return self._spans[index][2]
        return None


# Read v3.2's query (Ocr.json's parameters), checked into the analysis spec every contract
# shares. A refusal carries Read's own error code as its inner code, for the route to show.
_PAGE_PART = "[0-9]+|[0-9]+-[0-9]+|[0-9]+-|-[0-9]+"  # ASCII digits only
_READ_PAGES = re.compile(f"^({_PAGE_PART})$")
_MODEL_VERSION = re.compile(r"^(latest|[0-9]{4}-[0-9]{2}-[0-9]{2})(-preview)?$")
READING_ORDERS = ("basic", "natural")
MODEL_VERSIONS = ("latest", MODEL_VERSION)
# What API Gateway refuses itself, before the request is taken in (template.yaml's Read
# integration response; local mode follows it): options malformed as they stand, so that
# the client's call raises at once, as Azure's does. Page numbers out of range and
# languages are told by the operation. A Java regex (VTL's String.matches), and Python's.
GATEWAY_PAGES = f"^({_PAGE_PART})(,({_PAGE_PART}))*$"
GATEWAY_OPTIONS = ("pages", "readingOrder", "model-version", "modelVersion")


def gateway_refusal(query: Mapping[str, str]) -> InvalidArgument | None:
    """The refusal API Gateway answers for this query, in its branches' order; else None.
    The intake drops a request API Gateway refused: no operation exists for it."""
    pages, order = query.get("pages") or "", query.get("readingOrder") or ""
    if pages and not re.fullmatch(GATEWAY_PAGES, pages):
        return _invalid_pages()
    if order and order not in READING_ORDERS:
        return _invalid_order()
    if any(
        (v := query.get(name) or "") and v not in MODEL_VERSIONS for name in ("model-version", "modelVersion")
    ):
        return _invalid_model()
    return None


def parse_read_options(
    query: Mapping[str, str], engine: str = "tesseract", languages: tuple[str, ...] = ("eng",)
) -> AnalysisSpec:
    """`language`, `pages`, `readingOrder` and `model-version` (the client's spelling) or
    `modelVersion` (the spec's). DocSafe reads in natural order either way: "basic" asks
    for left to right, top to bottom, which its columns-first order refines."""
    options: dict[str, Any] = {}
    if (pages := query.get("pages")) is not None:
        options["pages"] = _read_pages(pages)
    if language := query.get("language"):
        if not LOCALE_PATTERN.match(language) or not language_supported(language, engine, languages):
            raise InvalidArgument(
                "The language is not supported by this deployment.",
                inner_code="NotSupportedLanguage",
                target="language",
            )
        options["locale"] = language
    if query.get("readingOrder", "basic") not in READING_ORDERS:
        raise _invalid_order()
    version = query.get("model-version", query.get("modelVersion", "latest"))
    if not _MODEL_VERSION.match(version) or version not in MODEL_VERSIONS:
        raise _invalid_model()
    return AnalysisSpec(**options, contract=Contract.VISION_READ)


def _invalid_order() -> InvalidArgument:
    return InvalidArgument(
        "readingOrder must be basic or natural.", inner_code="InvalidReadingOrder", target="readingOrder"
    )


def _invalid_model() -> InvalidArgument:
    return InvalidArgument(
        f"model-version must be one of {', '.join(MODEL_VERSIONS)}.",
        inner_code="InvalidModel",
        target="model-version",
    )


def _read_pages(spec: str) -> tuple[tuple[int, int], ...]:
    """`1-3,5-` → ((1, 3), (5, last)); an open start is page 1."""
    if len(spec) > 1000:
        raise _invalid_pages()
    ranges = []
    for part in spec.split(","):
        part = part.strip()
        if not _READ_PAGES.match(part):
            raise _invalid_pages()
        first, dash, last = part.partition("-")
        start = int(first) if first else 1
        end = (int(last) if last else MAX_PAGE_NUMBER) if dash else start
        if not 1 <= start <= end <= MAX_PAGE_NUMBER:
            raise _invalid_pages()
        ranges.append((start, end))
    return tuple(ranges)


def _invalid_pages() -> InvalidArgument:
    return InvalidArgument(
        "pages must be page numbers or ranges from 1, such as 1-3,5,7-.",
        inner_code="InvalidPageRange",
        target="pages",
    )


def parse_read_body(
    body: bytes, content_type: str | None, max_bytes: int, fetch_url: Callable[..., bytes]
) -> tuple[bytes, Format]:
    """The image in a Read request: the bytes themselves, or JSON `{"url"}` (ImageUrl),
    fetched with `fetch_url`."""
    media_type = (content_type or "").split(";")[0].strip().lower()
    document = body
    if media_type == "application/json":
        document = fetch_url(_image_url(body), max_bytes, field="url")
    if not document:
        raise InvalidRequest(
            'The request has no image: send its bytes or JSON {"url"}.', inner_code="InvalidImageSize"
        )
    if len(document) > max_bytes:
        raise InvalidRequest(
            f"The image is larger than {max_bytes // (1024 * 1024)} MB.", inner_code="InvalidImageSize"
        )
    kind = checked_format(document)
    check_image(kind)  # Read takes images and PDF, not Office or HTML
    return document, kind


def _image_url(body: bytes) -> Any:
    try:
        request = json.loads(body) if len(body) <= 16 * 1024 else None
    except (ValueError, UnicodeDecodeError, RecursionError):
        request = None
    if not isinstance(request, dict) or not isinstance(request.get("url"), str):
        raise InvalidArgument(
            'A JSON body must be {"url": "https://…"}.', inner_code="InvalidImageUrl", target="url"
        )
    return request["url"]


# Document Intelligence's inner codes, as Read v3.2 names the same fault
# (ComputerVisionInnerErrorCodeValue in the v3.2 spec).
_READ_CODES = {
    "InvalidContent": "InvalidImageFormat",
    "InvalidContentDimensions": "InvalidImageSize",
    "InvalidContentLength": "InvalidImageSize",
    "InvalidUrlSource": "InvalidImageUrl",
    "InvalidRequest": "BadArgument",
    "InvalidParameter": "BadArgument",
    "ParameterMissing": "BadArgument",
    "OperationNotFound": "NotFound",
    "PageCountExceeded": "InvalidPageRange",
}


def read_error(error: DocSafeError | JobError) -> RawJson:
    """An error in Read v3.2's shape: the spec's flat ComputerVisionOcrError {code,
    message}, which the 0.9 client reads, and the service's nested ComputerVisionError
    under "error", which programs written against the live service read."""
    inner = error.inner_code or error.code
    code = _READ_CODES.get(inner, inner)
    nested: RawJson = {"code": error.code, "message": error.message}
    if code != error.code:
        nested["innererror"] = {"code": code, "message": error.message}
    return {"code": code, "message": error.message, "error": nested}


def operation_body(job: Job, analyze_result: RawJson | None) -> RawJson:
    """The ReadOperationResult. A failed operation also says why, under "error" (an
    addition: the spec's resource has no field for it, and a client ignores it)."""
    body: RawJson = {
        "status": job.status.value,
        "createdDateTime": job.created_iso,
        "lastUpdatedDateTime": job.updated_iso,
    }
    if job.status is Status.FAILED and job.error is not None:
        flat = read_error(job.error)
        body["error"] = {"code": flat["code"], "message": flat["message"]}
    if analyze_result is not None:
        body["analyzeResult"] = read_result(analyze_result)
    return body
