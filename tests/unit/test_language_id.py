"""features=languages: each paragraph's language, told by the model py3langid ships, and
none where the text is too short to tell."""

from __future__ import annotations

from docsafe.engines.language_id import identify, languages_of


def test_the_language_of_a_sentence_is_told_with_its_probability() -> None:
    for text, locale in [
        ("The invoice is due at the end of the month", "en"),
        ("Die Rechnung ist bis zum Monatsende zu bezahlen", "de"),
        ("La facture doit être payée avant la fin du mois", "fr"),
    ]:
        found = identify(text)
        assert found is not None and found[0] == locale and 0.5 < found[1] <= 1.0


def test_too_little_text_gets_no_language_rather_than_a_guess() -> None:
    assert identify("Total 42.00") is None and identify("") is None


def test_each_paragraph_is_a_language_entry_over_its_spans() -> None:
    paragraphs = [
        {"content": "The invoice is due at the end of the month", "spans": [{"offset": 0, "length": 43}]},
        {"content": "42.00", "spans": [{"offset": 44, "length": 5}]},
        {
            "content": "Die Rechnung ist bis zum Monatsende zu bezahlen",
            "spans": [{"offset": 50, "length": 47}],
        },
    ]
    entries = languages_of(paragraphs)
    assert [(e["locale"], e["spans"]) for e in entries] == [
        ("en", [{"offset": 0, "length": 43}]),
        ("de", [{"offset": 50, "length": 47}]),
    ]
    assert all(0 < e["confidence"] <= 1 for e in entries)
