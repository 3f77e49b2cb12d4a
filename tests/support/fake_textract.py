"""A stand-in for Amazon Textract's synchronous APIs that really reads the page.

moto's Textract returns canned blocks and has no AnalyzeDocument; this fake reads the
image it is sent with the embedded engine and answers in Textract's own block format,
so the Textract engine can run the same end-to-end contract tests as the embedded one.
"""

from __future__ import annotations

import io
from typing import Any

from docsafe.contract.textract_blocks import to_blocks
from docsafe.engines.tesseract import TesseractEngine
from PIL import Image


class FakeTextract:
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self._engine = TesseractEngine()

    def _page(self, document: dict[str, Any], layout: bool) -> dict[str, Any]:
        data = document["Bytes"]
        assert len(data) <= 10 * 1024 * 1024, "Textract's synchronous limit"
        image = Image.open(io.BytesIO(data))
        assert image.format in ("PNG", "JPEG"), image.format
        return to_blocks([(1, self._engine.read(image.convert("L"), layout=layout))], layout=layout)

    def detect_document_text(self, Document: dict[str, Any]) -> dict[str, Any]:
        self.calls.append(("DetectDocumentText", {}))
        return self._page(Document, layout=False)

    def analyze_document(self, Document: dict[str, Any], FeatureTypes: list[str]) -> dict[str, Any]:
        self.calls.append(("AnalyzeDocument", {"FeatureTypes": FeatureTypes}))
        return self._page(Document, layout=True)

    def analyze_expense(self, Document: dict[str, Any]) -> dict[str, Any]:
        """Blocks of the page, and one summary field: TOTAL, the last word of the line
        that starts with "Total", told with a confidence no other reading gives (88.8)."""
        self.calls.append(("AnalyzeExpense", {}))
        image = Image.open(io.BytesIO(Document["Bytes"])).convert("L")
        page = self._engine.read(image)
        blocks = to_blocks([(1, page)], layout=False)["Blocks"]
        fields = []
        for line in page.lines:
            if line.words[0].text.lower().startswith("total"):
                left, top, right, bottom = line.words[-1].box
                width, height = image.size
                box = {
                    "Left": left / width,
                    "Top": top / height,
                    "Width": (right - left) / width,
                    "Height": (bottom - top) / height,
                }
                fields.append(
                    {
                        "Type": {"Text": "TOTAL", "Confidence": 99.0},
                        "ValueDetection": {
                            "Text": line.words[-1].text,
                            "Geometry": {"BoundingBox": box},
                            "Confidence": 88.8,
                        },
                        "PageNumber": 1,
                    }
                )
        return {
            "DocumentMetadata": {"Pages": 1},
            "ExpenseDocuments": [{"ExpenseIndex": 1, "SummaryFields": fields, "Blocks": blocks}],
        }
