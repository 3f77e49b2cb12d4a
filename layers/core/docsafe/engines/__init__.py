"""OCR engines behind one interface (docsafe.engines.base.OcrEngine)."""

from __future__ import annotations

from docsafe.engines.base import OcrEngine

ENGINES = ("tesseract", "textract")


def create_engine(name: str, lang: str = "eng", timeout_seconds: float = 120.0) -> OcrEngine:
    if name == "tesseract":
        from docsafe.engines.tesseract import TesseractEngine

        return TesseractEngine(lang, timeout_seconds)
    if name == "textract":
        from docsafe.engines.textract import TextractEngine

        return TextractEngine()
    raise ValueError(f"unknown OCR engine {name!r}")
