"""Document locales (BCP-47, as the API takes them) and Tesseract's language codes."""

from __future__ import annotations

# The languages whose tessdata-fast models are published on PyPI, and other common ones
# a deployment can add from tessdata_fast files (see README: adding a language).
TESSERACT_CODES = {
    "en": "eng",
    "de": "deu",
    "fr": "fra",
    "es": "spa",
    "it": "ita",
    "pt": "por",
    "nl": "nld",
    "ja": "jpn",
    "pl": "pol",
    "sv": "swe",
    "da": "dan",
    "fi": "fin",
    "nb": "nor",
    "cs": "ces",
}
# What Amazon Textract reads (it finds the language itself).
TEXTRACT_LANGUAGES = {"en", "de", "fr", "es", "it", "pt"}


def base_language(locale: str) -> str:
    return locale.split("-")[0].lower()


def tesseract_code(locale: str | None) -> str:
    """Tesseract's code for a locale; English when none was given."""
    return TESSERACT_CODES.get(base_language(locale or "en"), "eng")


def supported(locale: str, engine: str, installed: tuple[str, ...]) -> bool:
    language = base_language(locale)
    if engine == "textract":
        return language in TEXTRACT_LANGUAGES
    return TESSERACT_CODES.get(language) in installed
