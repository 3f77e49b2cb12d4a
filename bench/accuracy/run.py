"""Character and word error rates, and word-bag F1, per engine on the generated corpus;
and agreement with Amazon Textract's recorded answers on the shared fixture documents.

    python -m bench.accuracy.run            (or: make bench-accuracy)

Engines: `tesseract-cli` is Tesseract's own command-line program (Debian's package, the
baseline to beat); `tesserocr-plain` is the library DocSafe embeds with no preparation of
the page; `docsafe` is DocSafe's embedded Tesseract engine as the service runs it; `ppocr`
is the PP-OCR engine on every page; `cascade` reads with Tesseract first and with PP-OCR
where a page is hard (docsafe.engines.cascade), the service's default; and the policy
measured and dropped, the cascade with coloured pages sent straight to PP-OCR. PP-OCR runs
on one thread, as on Lambda.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
from docsafe.engines import create_engine
from docsafe.engines.base import PageText
from docsafe.engines.tesseract import TesseractEngine
from docsafe.engines.textract import page_from_textract
from PIL import Image
from rapidfuzz.distance import Levenshtein

from bench.accuracy.corpus import Sample, build
from bench.report import tool_version, write_section

FIXTURES = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "textract"
PUNCTUATION = ".,:;!?()[]{}'\"|"

Reader = Callable[[Image.Image], str]


def cli_reader() -> Reader | None:
    if shutil.which("tesseract") is None:
        return None

    def read(image: Image.Image) -> str:
        with tempfile.NamedTemporaryFile(suffix=".png") as handle:
            image.save(handle.name)
            out = subprocess.run(
                ["tesseract", handle.name, "stdout", "--psm", "3", "-l", "eng"],
                capture_output=True,
                text=True,
                check=True,
            )
        return out.stdout

    return read


def engines() -> dict[str, Reader]:
    """Every reader measured. PP-OCR runs on one thread, as on Lambda (DOCSAFE_OCR_THREADS),
    so its time compares with single-threaded Tesseract's."""
    engine = TesseractEngine()
    readers: dict[str, Reader] = {}
    if (cli := cli_reader()) is not None:
        readers["tesseract-cli"] = cli
    readers["tesserocr-plain"] = lambda image: text_of(engine.recognize(image.convert("L")))
    readers["docsafe"] = lambda image: text_of(engine.read(image))
    ppocr, cascade = create_engine("ppocr", threads=1), create_engine("cascade", threads=1)
    warm_up = Image.new("RGB", (400, 200), "white")  # models load before any clock starts
    for reader in (ppocr, cascade, engine):
        reader.read(warm_up)
    readers["ppocr"] = lambda image: text_of(ppocr.read(image))
    readers["cascade"] = lambda image: text_of(cascade.read(image))
    # The alternative measured and dropped: coloured pages straight to PP-OCR.
    readers[COLOURED_TO_PPOCR] = lambda image: text_of((ppocr if coloured(image) else cascade).read(image))
    return readers


COLOURED_TO_PPOCR = "cascade, coloured pages to ppocr"
COLOURED = 40  # mean saturation (0..255) above which a page is a coloured picture


def coloured(image: Image.Image) -> bool:
    """A photograph or a coloured design: its mean saturation, on a small copy."""
    if image.mode not in ("RGB", "RGBA", "P", "CMYK"):
        return False
    small = image.convert("RGB")
    small.thumbnail((256, 256))
    return float(np.asarray(small.convert("HSV"))[:, :, 1].mean()) > COLOURED


def normal(text: str) -> str:
    return " ".join(text.split())


def bag(text: str) -> Counter[str]:
    return Counter(w.strip(PUNCTUATION).lower() for w in text.split() if w.strip(PUNCTUATION))


class Score:
    def __init__(self) -> None:
        self.chars = self.char_errors = self.words = self.word_errors = 0
        self.matched = self.found = self.expected = 0
        self.seconds = 0.0
        self.pages = 0

    def add(self, truth: str, read: str, seconds: float) -> None:
        t, r = normal(truth), normal(read)
        self.chars += len(t)
        self.char_errors += Levenshtein.distance(t, r)
        self.words += len(t.split())
        self.word_errors += Levenshtein.distance(t.split(), r.split())
        tb, rb = bag(truth), bag(read)
        self.matched += sum((tb & rb).values())
        self.found += sum(rb.values())
        self.expected += sum(tb.values())
        self.seconds += seconds
        self.pages += 1

    @property
    def cer(self) -> float:
        return self.char_errors / max(1, self.chars)

    @property
    def wer(self) -> float:
        return self.word_errors / max(1, self.words)

    @property
    def f1(self) -> float:
        precision, recall = self.matched / max(1, self.found), self.matched / max(1, self.expected)
        return 2 * precision * recall / max(1e-9, precision + recall)


def run_corpus(readers: dict[str, Reader], samples: list[Sample]) -> dict[str, dict[str, Score]]:
    scores: dict[str, dict[str, Score]] = defaultdict(lambda: defaultdict(Score))
    for sample in samples:
        for name, read in readers.items():
            started = time.perf_counter()
            text = read(sample.image)
            elapsed = time.perf_counter() - started
            scores[name][sample.category].add(sample.text, text, elapsed)
            scores[name]["all pages"].add(sample.text, text, elapsed)
        print(
            f"  {sample.name}: "
            + ", ".join(f"{n} CER {scores[n][sample.category].cer:.3f}" for n in readers),
            file=sys.stderr,
        )
    return scores


def fixtures() -> Iterator[tuple[str, Image.Image, PageText]]:
    """The shared documents: name, image, and Textract's recorded reading of it."""
    for path in sorted(FIXTURES.glob("*.png")):
        image = Image.open(path)
        recorded = json.loads(path.with_name(path.name + ".analyze_document.json").read_text())
        yield path.name, image, page_from_textract(recorded, *image.size)


def text_of(page: PageText) -> str:
    return "\n".join(line.text for line in page.lines)


def shapes(page: PageText) -> str:
    """How many tables, and each one's rows × columns."""
    return f"{len(page.tables)} ({', '.join(f'{t.row_count}×{t.column_count}' for t in page.tables)})"


def textract_agreement(readers: dict[str, Reader]) -> list[str]:
    rows = []
    engine, ppocr = TesseractEngine(), create_engine("ppocr", threads=1)
    for name_of_file, image, textract in fixtures():
        reference = text_of(textract)
        for name, read in readers.items():
            score = Score()
            score.add(reference, read(image), 0.0)
            rows.append(f"| {name_of_file} | {name} | {score.f1:.3f} | {score.wer:.3f} |")
        for name, layout_engine in (("docsafe", engine), ("ppocr", ppocr)):
            layout = layout_engine.read(image, layout=True)
            rows.append(
                f"| {name_of_file} | {name} layout vs Textract "
                f"| tables {shapes(layout)} vs {shapes(textract)}, "
                f"selection marks {len(layout.selection_marks)} vs {len(textract.selection_marks)}, "
                f"key-value pairs {len(layout.key_values)} vs {len(textract.key_values)} | |"
            )
    return rows


def main() -> None:
    samples = list(build())
    readers = engines()
    print(f"{len(samples)} pages, engines: {', '.join(readers)}", file=sys.stderr)
    scores = run_corpus(readers, samples)
    categories = [*dict.fromkeys(s.category for s in samples), "all pages"]
    lines = [
        "## Accuracy (bench/accuracy)",
        "",
        f"{len(samples)} generated pages ({', '.join(categories[:-1])}); "
        "lower CER/WER and higher F1 are better.",
        f"tesseract-cli: {tool_version(['tesseract', '--version'])}; tesserocr-plain and docsafe: "
        f"libtesseract {TesseractEngine.version()} with tessdata-fast eng.",
        "",
        "| category | pages | engine | CER | WER | word-bag F1 | s/page |",
        "|---|---|---|---|---|---|---|",
    ]
    for category in categories:
        for name in readers:
            s = scores[name][category]
            lines.append(
                f"| {category} | {s.pages} | {name} | {s.cer:.3f} | {s.wer:.3f} | {s.f1:.3f} "
                f"| {s.seconds / s.pages:.2f} |"
            )
    plain = scores["tesserocr-plain"]["all pages"]
    lines += ["", "Time per page against raw single-threaded Tesseract (`tesserocr-plain`), same pages:", ""]
    for name in readers:
        if name not in ("tesserocr-plain", "tesseract-cli"):
            ratio = scores[name]["all pages"].seconds / max(1e-9, plain.seconds)
            lines.append(f"- {name}: {ratio:.2f} ×")
    if FIXTURES.is_dir():
        lines += [
            "",
            "### Agreement with Amazon Textract (recorded answers, shared/fixtures/textract)",
            "",
            "Textract's own words are the reference here: F1 of the word bags and WER of the text "
            "in reading order.",
            "",
            "| document | engine | word-bag F1 | WER |",
            "|---|---|---|---|",
            *textract_agreement(readers),
        ]
    body = "\n".join(lines)
    print(body)
    write_section("accuracy", "make bench-accuracy", body)


if __name__ == "__main__":
    main()
