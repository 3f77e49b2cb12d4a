"""Real scans, with the words Amazon Textract read on them (../shared/fixtures/textract,
beside the checkout as in CI)."""

from __future__ import annotations

import json

import pytest
from docsafe_tools.local.template import REPO_ROOT

from tests.support.documents import words_of

TEXTRACT_FIXTURES = REPO_ROOT.parent / "shared" / "fixtures" / "textract"
needs_scans = pytest.mark.skipif(
    not TEXTRACT_FIXTURES.is_dir(), reason="shared Textract fixtures not present"
)


def real_scan(name: str = "paystub_single_table") -> tuple[bytes, set[str]]:
    """The scan's PNG bytes, and Textract's words on it as `words_of` gives them."""
    response = json.loads((TEXTRACT_FIXTURES / f"{name}.png.analyze_document.json").read_text())
    words = " ".join(block["Text"] for block in response["Blocks"] if block["BlockType"] == "WORD")
    return (TEXTRACT_FIXTURES / f"{name}.png").read_bytes(), words_of(words)


def recall(read: set[str], expected: set[str]) -> float:
    """The share of the expected words that were read."""
    return len(read & expected) / len(expected)
