"""Image Analysis 4.0's READ feature (`POST /computervision/imageanalysis:analyze`,
api-version 2023-10-01 and 2024-02-01; Azure/azure-rest-api-specs,
specification/ai/ImageAnalysis): one image read within the request, its text as blocks of
lines of words with integer point polygons.

The query is checked into the analysis spec every contract shares; the result is made
from the Document Intelligence result the job stored. Errors take the nested shape with
Read's inner codes (Image Analysis has Read's codes for the same faults).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from docsafe.contract.errors import DocSafeError, InvalidArgument, InvalidRequest
from docsafe.contract.requests import LOCALE_PATTERN
from docsafe.contract.vision_read import lines_with_words, read_error
from docsafe.jobs import JobError
from docsafe.languages import supported as language_supported
from docsafe.specs import AnalysisSpec, Contract

RawJson = dict[str, Any]

VERSIONS = ("2024-02-01", "2023-10-01")
MODEL_VERSION = "2023-10-01"  # the model "latest" answers with
MODEL_VERSIONS = ("latest", MODEL_VERSION)
FEATURES = ("read",)  # of tags, caption, denseCaptions, objects, read, smartCrops, people
# What the 4.0 API reads, and beyond it PDF (a block per page).
PDF_PIXELS_PER_INCH = 72.0


def parse_options(
    query: Mapping[str, str], engine: str = "tesseract", languages: tuple[str, ...] = ("eng",)
) -> AnalysisSpec:
    """`api-version`, `features` (read), `language`, `model-version`; the caption and
    crop options are accepted and have nothing to do without their features."""
    version = query.get("api-version")
    if not version:
        raise InvalidRequest(
            "The api-version query parameter is required.", inner_code="BadArgument", target="api-version"
        )
    if version not in VERSIONS:
        raise InvalidArgument(
            f"This api-version is not supported; use {' or '.join(VERSIONS)}.",
            inner_code="UnsupportedApiVersion",
            target="api-version",
        )
    asked = [feature.strip() for feature in (query.get("features") or "").split(",") if feature.strip()]
    if not asked:
        raise InvalidRequest(
            "features is required: DocSafe reads text (features=read).",
            inner_code="BadArgument",
            target="features",
        )
    if unsupported := sorted({feature for feature in asked if feature.lower() not in FEATURES}):
        raise InvalidArgument(
            f"Not supported: features {', '.join(unsupported)[:200]}. DocSafe reads text: features=read.",
            inner_code="NotSupportedVisualFeature",
            target="features",
        )
    locale = query.get("language")
    if locale and (not LOCALE_PATTERN.match(locale) or not language_supported(locale, engine, languages)):
        raise InvalidArgument(
            "The language is not supported by this deployment.",
            inner_code="NotSupportedLanguage",
            target="language",
        )
    if (query.get("model-version") or "latest") not in MODEL_VERSIONS:
        raise InvalidArgument(
            f"model-version must be one of {', '.join(MODEL_VERSIONS)}.",
            inner_code="InvalidModel",
            target="model-version",
        )
    return AnalysisSpec(locale=locale or None, contract=Contract.IMAGE_ANALYSIS)


def error_body(error: DocSafeError | JobError) -> RawJson:
    """{"error": {code, message, innererror}} with Read's inner codes."""
    return {"error": read_error(error)["error"]}


def analysis_result(analyze_result: RawJson) -> RawJson:
    """The ImageAnalysisResult of a stored analyzeResult: the image's size and its text in
    one block. A document of several pages (an addition: Azure's reads images only) gives
    a block per page, in order, each in its own page's pixels (a PDF's at 72 to the inch),
    and the first page's size."""
    pages = analyze_result.get("pages") or []
    blocks = [{"lines": _lines(page)} for page in pages]
    first = pages[0] if pages else {"width": 0, "height": 0, "unit": "pixel"}
    scale = _scale(first)
    if len(blocks) == 1 and not blocks[0]["lines"]:
        blocks = []  # an image without text, as Azure answers it
    return {
        "modelVersion": MODEL_VERSION,
        "metadata": {"width": round(first["width"] * scale), "height": round(first["height"] * scale)},
        "readResult": {"blocks": blocks},
    }


def _lines(page: RawJson) -> list[RawJson]:
    scale = _scale(page)
    return [
        {
            "text": line["content"],
            "boundingPolygon": _points(line["polygon"], scale),
            "words": [
                {
                    "text": word["content"],
                    "boundingPolygon": _points(word["polygon"], scale),
                    "confidence": word["confidence"],
                }
                for word in words
            ],
        }
        for line, words in lines_with_words(page)
    ]


def _scale(page: RawJson) -> float:
    return PDF_PIXELS_PER_INCH if page.get("unit") == "inch" else 1.0


def _points(polygon: list[float], scale: float) -> list[dict[str, int]]:
    return [
        {"x": round(x * scale), "y": round(y * scale)}
        for x, y in zip(polygon[0::2], polygon[1::2], strict=True)
    ]
