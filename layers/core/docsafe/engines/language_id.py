"""features=languages: the language of each paragraph, told by py3langid (langid.py's
model of 97 languages, shipped in its package: nothing is fetched).

A paragraph of fewer than MIN_LETTERS letters says too little for a language to be told
honestly (a total, a date): it gets none, rather than a guess.
"""

from __future__ import annotations

from functools import cache
from typing import Any

MIN_LETTERS = 12


@cache
def _identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def identify(text: str) -> tuple[str, float] | None:
    """(ISO 639-1 code, probability) of the text's language; None for too little text."""
    if sum(character.isalpha() for character in text) < MIN_LETTERS:
        return None
    locale, probability = _identifier().classify(text)
    return str(locale), float(probability)


def languages_of(paragraphs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The analyzeResult's `languages`: a DocumentLanguage for each paragraph whose
    language can be told, its spans the paragraph's."""
    entries = []
    for paragraph in paragraphs:
        found = identify(paragraph.get("content", ""))
        if found is not None:
            locale, confidence = found
            entries.append(
                {"locale": locale, "spans": paragraph["spans"], "confidence": round(confidence, 3)}
            )
    return entries
