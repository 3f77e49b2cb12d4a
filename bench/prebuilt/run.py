"""How many of the prebuilt models' fields are read exactly (prebuilt-invoice, -receipt,
-idDocument), for each embedded engine, on documents drawn with known values.

    python -m bench.prebuilt.run        (or: make bench-prebuilt)

Every document of bench/prebuilt/corpus.py (three invoice layouts in dollars, euros and
pounds with their date conventions; receipts in two fonts; ID cards and passports with
valid MRZs) is read clean, printed and scanned, skewed 2 degrees, and photographed. A field
counts as right only when its value is exactly the one drawn: the amount (and its currency
code), the ISO date, the E.164 number, the text; an address when its house number, postcode
and city are; Items when every item's description and amount are, in order. A field not
given counts as wrong. Textract's AnalyzeExpense and AnalyzeID are not measured here (no
AWS in the benchmark).
"""

from __future__ import annotations

import os
import time
from collections import defaultdict
from typing import Any

from docsafe.contract.result import build_analyze_result
from docsafe.documents import open_document
from docsafe.engines import create_engine
from docsafe.prebuilt import extractor

from bench.prebuilt.corpus import CAPTURES, Drawn, build
from bench.report import write_section

MODELS = {"invoice": "prebuilt-invoice", "receipt": "prebuilt-receipt", "idDocument": "prebuilt-idDocument"}
ENGINES = tuple(os.environ.get("BENCH_ENGINES", "tesseract,ppocr,cascade").split(","))


def value_of(field: dict[str, Any] | None) -> Any:
    if field is None:
        return None
    scalars = (
        "valueString",
        "valueDate",
        "valuePhoneNumber",
        "valueTime",
        "valueCountryRegion",
        "valueNumber",
    )
    for key in scalars:
        if key in field:
            return field[key]
    if "valueCurrency" in field:
        return field["valueCurrency"]
    if "valueAddress" in field:
        return field["valueAddress"]
    if "valueArray" in field:
        return field["valueArray"]
    return None


def right(name: str, expected: Any, fields: dict[str, Any], truth: dict[str, Any]) -> bool:
    """Whether the field read is exactly the value drawn."""
    got = value_of(fields.get(name))
    if got is None:
        return False
    if isinstance(expected, float):
        return got.get("amount") == expected and got.get("currencyCode") == truth["currencyCode"]
    if isinstance(expected, dict):  # an address: the parts the corpus knows
        return all(got.get(part) == value for part, value in expected.items())
    if name == "Items":
        items = [item["valueObject"] for item in got]
        price = "Amount" if truth.get("kind") == "invoice" else "TotalPrice"
        read = [
            (
                value_of(item.get("Description")),
                (value_of(item.get(price)) or {}).get("amount"),
            )
            for item in items
        ]
        return read == [(description, amount) for description, amount in expected]
    return bool(got == expected)


def measure(engine_name: str) -> tuple[dict[tuple[str, str], list[bool]], dict[str, list[bool]], float]:
    engine = create_engine(engine_name)
    by_field: dict[tuple[str, str], list[bool]] = defaultdict(list)
    by_capture: dict[str, list[bool]] = defaultdict(list)
    started = time.monotonic()
    count = 0
    drawn_documents: list[Drawn] = list(build())
    for capture, encode in CAPTURES.items():
        for drawn in drawn_documents:
            model = MODELS[drawn.kind]
            document = open_document(encode(drawn.image))
            page = document.page_text(1, engine, 200, True)
            pages = build_analyze_result(model, [(1, page)])["pages"]
            extract = extractor(model)
            assert extract is not None
            found = extract(pages)
            truth = {**drawn.truth, "kind": drawn.kind}
            for name, expected in drawn.truth.items():
                if name == "currencyCode":
                    continue
                if name == "docType":
                    ok = found["docType"] == expected
                else:
                    ok = right(name, expected, found["fields"], truth)
                by_field[(drawn.kind, name)].append(ok)
                by_capture[capture].append(ok)
            count += 1
    return by_field, by_capture, (time.monotonic() - started) / count


def main() -> None:
    results = {}
    for engine_name in ENGINES:
        results[engine_name] = measure(engine_name)
        by_capture = results[engine_name][1]
        print(engine_name, {capture: f"{sum(v) / len(v):.0%}" for capture, v in by_capture.items()})
    fields = list(results[ENGINES[0]][0])
    header = "| document | field | " + " | ".join(ENGINES) + " |"
    rule = "|---|---|" + "---|" * len(ENGINES)
    rows = []
    for kind, name in fields:
        cells = []
        for engine_name in ENGINES:
            marks = results[engine_name][0][(kind, name)]
            cells.append(f"{sum(marks) / len(marks):.0%}")
        rows.append(f"| {kind} | {name} | " + " | ".join(cells) + " |")
    capture_rows = []
    for capture in CAPTURES:
        cells = []
        for engine_name in ENGINES:
            marks = results[engine_name][1][capture]
            cells.append(f"{sum(marks) / len(marks):.0%}")
        capture_rows.append(f"| {capture} | " + " | ".join(cells) + " |")
    seconds = " · ".join(f"{engine_name} {results[engine_name][2]:.1f} s" for engine_name in ENGINES)
    documents = len(list(build()))
    body = "\n".join(
        [
            "## Prebuilt invoice, receipt and ID fields (bench/prebuilt)",
            "",
            f"Per-field exact-value accuracy on {documents} documents drawn with known values",
            "(bench/prebuilt/corpus.py: invoices in three layouts with $, € and £ and their date",
            "conventions; receipts in two fonts;",
            "ID cards and passports with valid MRZs), each captured four ways: clean, printed and scanned",
            "(blur, noise, JPEG 70), skewed 2°, photographed (turned, lit from one side, out of focus).",
            "A field is right only when its value is exactly the one drawn (amount and currency code, ISO",
            "date, E.164 number, text; an address by house number, postcode and city; Items when every",
            "item's description and amount are); a field not given counts as wrong. Textract's",
            "AnalyzeExpense and AnalyzeID are not measured here: the benchmark has no AWS account.",
            "",
            header,
            rule,
            *rows,
            "",
            "All fields, by how the document was captured:",
            "",
            "| capture | " + " | ".join(ENGINES) + " |",
            "|---|" + "---|" * len(ENGINES),
            *capture_rows,
            "",
            f"Mean time per document (reading and extraction, 1 page): {seconds}.",
        ]
    )
    write_section("prebuilt", "make bench-prebuilt", body)


if __name__ == "__main__":
    main()
