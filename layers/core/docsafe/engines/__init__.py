"""OCR engines behind one interface (docsafe.engines.base.OcrEngine)."""

from __future__ import annotations

from functools import cache

from docsafe.engines.base import OcrEngine
from docsafe.settings import ENGINES, get_settings

__all__ = ["ENGINES", "OcrEngine", "create_engine", "default_engine"]


def create_engine(name: str, lang: str = "eng", timeout_seconds: float = 120.0) -> OcrEngine:
    if name == "tesseract":
        from docsafe.engines.tesseract import TesseractEngine

        return TesseractEngine(lang, timeout_seconds)
    if name == "textract":
        from docsafe.engines.textract import TextractEngine

        return TextractEngine()
    raise ValueError(f"unknown OCR engine {name!r}")


@cache
def default_engine(tesseract_language: str = "eng") -> OcrEngine:
    """The configured engine for a language, loaded once per process."""
    settings = get_settings()
    return create_engine(settings.ocr_engine, tesseract_language, settings.page_timeout_seconds)
