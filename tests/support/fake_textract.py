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
