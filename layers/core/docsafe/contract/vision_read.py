"""Computer Vision Read v3.2's result, made from the Document Intelligence result a job
stores: the same reading, in the older contract's shape (Azure/azure-rest-api-specs,
specification/cognitiveservices/data-plane/ComputerVision/stable/v3.2/Ocr.json).

Read v3.2 nests words in their lines, where Document Intelligence lists a page's words
beside its lines and ties them by spans of the content: each word goes to the line whose
spans hold its span. A line is handwriting when a handwritten style's spans hold it.
"""

from __future__ import annotations

from bisect import bisect_right
from typing import Any

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


def _page(page: RawJson, handwritten: _Spans) -> RawJson:
    words = sorted(page.get("words") or (), key=lambda word: word["span"]["offset"])
    starts = [word["span"]["offset"] for word in words]
    lines = []
    for line in page.get("lines") or ():
        spans = line.get("spans") or ()
        inside = [
            words[index]
            for span in spans
            for index in range(
                bisect_right(starts, span["offset"] - 1),
                bisect_right(starts, span["offset"] + span["length"] - 1),
            )
        ]
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
