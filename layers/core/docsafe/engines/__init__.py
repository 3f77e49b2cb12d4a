"""OCR engines behind one interface (docsafe.engines.base.OcrEngine)."""

from __future__ import annotations

from docsafe.engines.base import OcrEngine

ENGINES = ("tesseract", "textract")


def create_engine(name: str, lang: str = "eng") -> OcrEngine:
    if name == "tesseract":
        from docsafe.engines.tesseract import TesseractEngine

        return TesseractEngine(lang)
    if name == "textract":
        from docsafe.engines.textract import TextractEngine

        return TextractEngine()
    raise ValueError(f"unknown OCR engine {name!r}")
