"""OCR engines behind one interface (docsafe.engines.base.OcrEngine)."""

from __future__ import annotations

from docsafe.engines.base import OcrEngine


def create_engine(name: str, lang: str = "eng") -> OcrEngine:
    if name == "tesseract":
        from docsafe.engines.tesseract import TesseractEngine

        return TesseractEngine(lang)
    raise ValueError(f"unknown OCR engine {name!r}")
