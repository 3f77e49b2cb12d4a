"""PP-OCR's own settings, measured: the detector's input size, the recognition batch and
onnxruntime's threads, each against the defaults, on the generated corpus and the shared
Textract fixtures. DocSafe's defaults (docsafe.engines.ppocr.PpocrSettings) are chosen
by these figures.

    python -m bench.accuracy.tuning      (or: make bench-ppocr)

Pages are read as the engine reads them (orientation found with Tesseract), one engine
built per setting with its model loaded before the clock starts.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass

from docsafe.engines.ppocr import PpocrEngine, PpocrSettings
from docsafe.engines.tesseract import TesseractEngine

from bench.accuracy.corpus import build
from bench.accuracy.run import Score, fixtures, text_of
from bench.report import write_section


@dataclass(frozen=True)
class Variant:
    label: str
    threads: int
    settings: PpocrSettings


VARIANTS = (
    Variant("DocSafe's choice (RapidOCR's defaults)", 1, PpocrSettings()),
    Variant("recognition batch 1", 1, PpocrSettings(recognition_batch=1)),
    Variant("recognition batch 16", 1, PpocrSettings(recognition_batch=16)),
    Variant("large pages shrunk to 960 px for detection", 1, PpocrSettings(detection_max_side=960)),
    Variant("large pages shrunk to 1280 px for detection", 1, PpocrSettings(detection_max_side=1280)),
    Variant("2 threads", 2, PpocrSettings()),
)


def measure(variant: Variant, corpus: list, shared: list) -> tuple[Score, Score, Score]:
    engine = PpocrEngine(variant.threads, TesseractEngine().orientation, variant.settings)
    engine.read(corpus[0][1])  # the models load before the clock starts
    scores = Score(), Score(), Score()  # the corpus, its receipts, the shared fixtures
    for category, image, truth in corpus + shared:
        started = time.perf_counter()
        read = text_of(engine.read(image))
        elapsed = time.perf_counter() - started
        if category == "fixture":
            chosen = (scores[2],)
        else:
            chosen = (scores[0], scores[1]) if category == "receipt" else (scores[0],)
        for score in chosen:
            score.add(truth, read, elapsed)
    return scores


def main() -> None:
    corpus = [(sample.category, sample.image, sample.text) for sample in build()]
    shared = [("fixture", image, text_of(textract)) for _, image, textract in fixtures()]
    lines = [
        "## PP-OCR's settings (bench/accuracy/tuning)",
        "",
        f"The PP-OCR engine alone on the {len(corpus)} generated pages and the {len(shared)} shared "
        "Textract fixtures (Textract's words the reference there); word-bag F1, CER, and seconds "
        "per page on this machine.",
        "",
        "| setting | threads | corpus F1 | corpus CER | corpus s/page | receipts F1 "
        "| fixtures F1 | fixtures s/page |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for variant in VARIANTS:
        everything, receipts, fixture = measure(variant, corpus, shared)
        row = (
            f"| {variant.label} | {variant.threads} | {everything.f1:.3f} | {everything.cer:.3f} "
            f"| {everything.seconds / everything.pages:.2f} | {receipts.f1:.3f} | {fixture.f1:.3f} "
            f"| {fixture.seconds / max(1, fixture.pages):.2f} |"
        )
        print(row, file=sys.stderr)
        lines.append(row)
    body = "\n".join(lines)
    print(body)
    write_section("ppocr-settings", "make bench-ppocr", body)


if __name__ == "__main__":
    main()
