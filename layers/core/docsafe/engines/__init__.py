"""OCR engines behind one interface (docsafe.engines.base.OcrEngine)."""

from __future__ import annotations

from functools import cache

from docsafe.engines.base import OcrEngine
from docsafe.settings import ENGINES, get_settings

__all__ = [
    "ENGINES",
    "PPOCR_LANGUAGES",
    "OcrEngine",
    "build_engine",
    "build_engine_name",
    "create_engine",
    "default_engine",
    "engine_name_for",
]

# The languages (Tesseract's codes) that PP-OCR's shipped recognition model reads: it is
# PP-OCRv6's Chinese-and-English model, whose alphabet has no umlauts or accents. Any
# other language is read by Tesseract's model for it.
PPOCR_LANGUAGES = frozenset({"eng"})


def create_engine(
    name: str, lang: str = "eng", timeout_seconds: float = 120.0, threads: int = 0
) -> OcrEngine:
    if name == "tesseract":
        from docsafe.engines.tesseract import TesseractEngine

        return TesseractEngine(lang, timeout_seconds)
    if name in ("ppocr", "cascade"):
        from docsafe.engines.cascade import CascadeEngine
        from docsafe.engines.ppocr import PpocrEngine
        from docsafe.engines.tesseract import TesseractEngine

        tesseract = TesseractEngine(lang, timeout_seconds)
        # Tesseract's orientation detection finds a turned page for PP-OCR too.
        ppocr = PpocrEngine(threads, orientation=tesseract.orientation)
        return ppocr if name == "ppocr" else CascadeEngine(tesseract, ppocr)
    if name == "textract":
        from docsafe.engines.textract import TextractEngine

        return TextractEngine()
    raise ValueError(f"unknown OCR engine {name!r}")


def engine_name_for(configured: str, tesseract_language: str) -> str:
    """The engine that reads a language: the configured one, unless it uses PP-OCR and its
    shipped model does not read the language (then Tesseract, with that language's model)."""
    if configured in ("ppocr", "cascade") and tesseract_language not in PPOCR_LANGUAGES:
        return "tesseract"
    return configured


def build_engine_name(configured: str) -> str:
    """The engine a custom model's build reads its labelled pages with: the configured one,
    but Tesseract for the policies that use PP-OCR, whose cost per page would not fit a
    build's 500 pages into the function's 15 minutes (docs/benchmarks.md, make bench-pages)."""
    return "tesseract" if configured in ("ppocr", "cascade") else configured


@cache
def build_engine() -> OcrEngine:
    settings = get_settings()
    return create_engine(build_engine_name(settings.ocr_engine), "eng", settings.page_timeout_seconds)


@cache
def default_engine(tesseract_language: str = "eng") -> OcrEngine:
    """The configured engine for a language, loaded once per process."""
    settings = get_settings()
    name = engine_name_for(settings.ocr_engine, tesseract_language)
    return create_engine(name, tesseract_language, settings.page_timeout_seconds, settings.ocr_threads)
