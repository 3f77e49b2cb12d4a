"""The prebuilt models that extract fields — prebuilt-invoice, prebuilt-receipt and
prebuilt-idDocument — over the words, lines and tables read (docsafe.contract.
prebuilt_fields names their document types and fields).

Extraction works on the analyzeResult's own pages (words with polygons and spans), so a
field carries the spans and polygons of the words it was read from. A field the extractor
cannot find is left out, never invented.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

RawJson = dict[str, Any]
Extractor = Callable[[Sequence[RawJson]], RawJson]


def extractor(model_id: str) -> Extractor | None:
    """What makes a field model's `documents[0]` from the analyzed pages (None for a
    model without fields)."""
    if model_id == "prebuilt-invoice":
        from docsafe.prebuilt.invoice import extract_invoice

        return extract_invoice
    if model_id == "prebuilt-receipt":
        from docsafe.prebuilt.receipt import extract_receipt

        return extract_receipt
    if model_id == "prebuilt-idDocument":
        from docsafe.prebuilt.id_document import extract_id_document

        return extract_id_document
    return None
