"""The PP-OCR engine: words with boxes and confidences in reading order, turned pages read
upright, only the models rapidocr ships, nothing fetched from the network."""

from __future__ import annotations

import shutil
import subprocess
import sys
from functools import cache
from types import SimpleNamespace
from typing import Any

import pytest
from docsafe.engines import build_engine_name, create_engine, engine_name_for
from docsafe.engines.base import EngineFailed, PageText
from docsafe.engines.ppocr import (
    RAPIDOCR_VERSION,
    PpocrEngine,
    PpocrSettings,
    _as_printed,
    _lines,
    _within_aspect,
    shipped_models,
)
from PIL import Image, ImageDraw, ImageFont

from tests.support.documents import text_image, words_of

INVOICE = ["Invoice number INV-2026-0042", "Amount due: 1,250.00 EUR"]


@cache
def engine() -> PpocrEngine:
    made = create_engine("ppocr")
    assert isinstance(made, PpocrEngine)
    return made


def all_words(page: PageText) -> list[str]:
    return [word.text for line in page.lines for word in line.words]


def test_a_page_is_read_into_lines_and_words_with_boxes_and_confidences() -> None:
    page = engine().read(text_image(INVOICE))
    assert [line.text for line in page.lines] == INVOICE
    assert (page.width, page.height, page.unit, page.angle) == (1400, 600, "pixel", 0.0)
    for line in page.lines:
        for word in line.words:
            left, top, right, bottom = word.box
            assert line.box[0] - 1 <= left < right <= line.box[2] + 1 and top < bottom
            assert 0.5 <= word.confidence <= 1
    # Words of one line follow each other left to right
    first = page.lines[0].words
    assert [w.box[0] for w in first] == sorted(w.box[0] for w in first)


def two_column_page() -> tuple[Image.Image, list[str], list[str]]:
    page = Image.new("L", (1600, 900), 255)
    draw = ImageDraw.Draw(page)
    font = ImageFont.load_default(size=32)
    left = [f"Left column sentence number {n} here" for n in range(1, 7)]
    right = [f"Right column sentence number {n} too" for n in range(1, 7)]
    for n, (a, b) in enumerate(zip(left, right, strict=True)):
        draw.text((60, 80 + n * 60), a, font=font, fill=0)
        draw.text((860, 80 + n * 60), b, font=font, fill=0)
    return page, left, right


def test_a_two_column_page_is_read_column_by_column() -> None:
    image, left, right = two_column_page()
    page = engine().read(image)
    assert [line.text for line in page.lines] == left + right
    # each column is one paragraph
    assert len({line.paragraph for line in page.lines}) == 2


@pytest.mark.parametrize("degrees", [90, 180, 270])
def test_a_turned_page_is_read_upright(degrees: int) -> None:
    lines = [
        "The quarterly report shows steady growth",
        "Revenue rose by twelve percent this year",
        "Costs fell",
    ]
    upright = text_image(lines, size=(1400, 500))
    page = engine().read(upright.rotate(-degrees, expand=True, fillcolor=255))
    assert [line.text for line in page.lines] == lines
    assert page.angle == {90: 90, 180: 180, 270: -90}[degrees]  # Azure's range, as Tesseract says
    assert (page.width, page.height) == upright.rotate(-degrees, expand=True).size


def test_a_blank_page_is_an_empty_page() -> None:
    page = engine().read(Image.new("RGB", (800, 600), "white"))
    assert page.lines == () and (page.width, page.height) == (800, 600)


def test_layout_finds_the_tables_and_check_boxes_on_the_upright_page() -> None:
    from tests.support.documents import form_image

    page = engine().read(form_image(), layout=True)
    assert page.tables and page.selection_marks and page.key_values


def test_a_model_or_runtime_error_is_an_engine_failure_without_the_page_text() -> None:
    broken = PpocrEngine()
    broken._pipelines._create = lambda: _Broken()  # type: ignore[method-assign]
    with pytest.raises(EngineFailed) as failed:
        broken.read(text_image(["secret words"]))
    assert "secret" not in str(failed.value)


class _Broken:
    def __call__(self, *args: object, **kwargs: object) -> None:
        raise RuntimeError("onnxruntime: secret words could not be read")


def test_only_the_pinned_release_with_its_shipped_models_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    detection, recognition = shipped_models()
    assert detection.is_file() and recognition.is_file()
    from importlib import metadata

    monkeypatch.setattr(metadata, "version", lambda name: "9.9.9")
    with pytest.raises(EngineFailed, match=RAPIDOCR_VERSION):
        shipped_models()


def test_languages_its_model_does_not_read_go_to_tesseract() -> None:
    assert engine_name_for("ppocr", "eng") == "ppocr"
    assert engine_name_for("ppocr", "deu") == "tesseract"
    assert engine_name_for("textract", "deu") == "textract"


def test_model_builds_read_with_tesseract_where_the_policy_would_use_pp_ocr() -> None:
    # 500 labelled pages at PP-OCR's cost would not fit the build function's 15 minutes
    assert [build_engine_name(name) for name in ("cascade", "ppocr", "tesseract", "textract")] == [
        "tesseract",
        "tesseract",
        "tesseract",
        "textract",
    ]


def test_a_long_thin_strip_is_padded_before_the_detector_enlarges_it() -> None:
    strip = Image.new("L", (2000, 60), 255)
    ImageDraw.Draw(strip).text(
        (20, 10), "A long thin strip of text", font=ImageFont.load_default(size=36), fill=0
    )
    padded = _within_aspect(strip.convert("RGB"))
    assert padded.size == (2000, 500) and padded.getpixel((10, 400)) == (255, 255, 255)
    page = engine().read(strip)
    assert [line.text for line in page.lines] == ["A long thin strip of text"]
    assert (page.width, page.height) == (2000, 60)


def detector_inputs(engine: PpocrEngine, *pages: Image.Image) -> list[tuple[int, int]]:
    """The (height, width) of what RapidOCR's detector model was given for each page."""
    seen: list[tuple[int, int]] = []
    for page in pages:
        with engine._pipelines.borrow() as pipeline:
            detector = pipeline._load_det_model()
            model = detector.session

            def recording(tensor: Any, model: Any = model) -> Any:
                seen.append(tuple(tensor.shape[2:]))
                return model(tensor)

            detector.session = recording
        try:
            engine.recognize(page)
        finally:
            detector.session = model
    return seen


def test_the_detector_enlarges_a_small_page_and_shrinks_a_large_one_only_when_set() -> None:
    small = text_image(["A small page"], size=(600, 300))
    large = text_image(["A large page"], size=(2000, 1600), font_size=60)
    shrinking = PpocrEngine(threads=1, settings=PpocrSettings(detection_max_side=960))
    # RapidOCR rounds each side to a multiple of 32.
    (small_height, small_width), (large_height, large_width) = detector_inputs(shrinking, small, large)
    assert small_height == 736 and small_width > 1400  # enlarged: its short side to 736
    assert large_width == 960 and abs(large_height - 768) <= 16  # shrunk: its long side to 960
    # DocSafe's default (make bench-ppocr): a large page is detected at its own size.
    [(height, width)] = detector_inputs(PpocrEngine(threads=1), large)
    assert abs(height - 1600) <= 16 and abs(width - 2000) <= 16
    # Never below the minimum on its short side: a long page is not shrunk.
    [(_, long_width)] = detector_inputs(shrinking, text_image(["A long page"], size=(2000, 900)))
    assert long_width > 1900
    assert [line.text for line in shrinking.recognize(large).lines] == ["A large page"]


def test_words_that_do_not_spell_their_line_are_replaced_by_the_line_split_by_length() -> None:
    square = [[0, 0], [100, 0], [100, 20], [0, 20]]
    found = SimpleNamespace(
        boxes=[square, [[0, 40], [200, 40], [200, 60], [0, 60]]],
        txts=("first line", "second line here"),
        scores=(0.9, 0.8),
        # RapidOCR dropped the first line's words: what it lists under it is the second's
        word_results=((("second", 0.8, square), ("line", 0.8, square)), (("here", 0.8, square),)),
    )
    first, second = _lines(found)
    assert [w.text for w in first.words] == ["first", "line"] and first.words[0].box[2] <= 50
    assert [w.text for w in second.words] == ["second", "line", "here"]
    assert _lines(SimpleNamespace(boxes=None)) == []  # a detection-only answer: no text


@pytest.mark.skipif(
    shutil.which("unshare") is None, reason="needs unshare (util-linux) for a network namespace"
)
def test_the_engine_loads_and_reads_with_no_network_at_all() -> None:
    script = (
        "from tests.support.documents import text_image\n"
        "from docsafe.engines import create_engine\n"
        "page = create_engine('ppocr').read(text_image(['Read with no network']))\n"
        "print(' '.join(line.text for line in page.lines))\n"
    )
    probe = subprocess.run(["unshare", "-n", "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip("no permission for a network namespace here (CI and the sessions run as root)")
    result = subprocess.run(
        ["unshare", "-n", sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert words_of(result.stdout) >= words_of("Read with no network")


def test_word_boxes_hug_the_text_not_the_detectors_padded_regions() -> None:
    import numpy as np

    image = text_image(["Invoice 4711 due"], font_size=40)
    (line,) = engine().read(image).lines
    ink = np.asarray(image) < 195  # what stands out from white paper, anti-aliased edges too
    for word in line.words:
        left, top, right, bottom = (round(v) for v in word.box)
        assert bottom - top < 40, word  # the detector's region is about twice the text's height
        inside = ink[top:bottom, left:right]
        assert inside[0].any() and inside[-1].any(), word  # ink on its top and bottom rows
        # and the ink of its columns, above and below, is inside it
        assert ink[top - 2 : bottom + 2, left:right].sum() >= 0.98 * ink[:, left:right].sum(), word


def test_a_small_forms_check_boxes_are_found_as_with_tesseract() -> None:
    from tests.support.documents import form_image

    small = form_image().resize((680, 560), Image.Resampling.LANCZOS)  # about 11 px text
    marks = [mark.selected for mark in engine().read(small, layout=True).selection_marks]
    tesseract = [
        mark.selected for mark in create_engine("tesseract").read(small, layout=True).selection_marks
    ]
    assert marks == tesseract == [True, False]


@pytest.mark.parametrize(
    ("read", "printed"),
    [
        ("×", "x"),
        ("T0TAL", "TOTAL"),
        ("C0MPANY", "COMPANY"),
        ("t0tal", "total"),
        ("B00K", "BOOK"),
        ("T0TAL:", "TOTAL:"),
        ("(T0TAL)", "(TOTAL)"),
    ],
)
def test_pp_ocrs_look_alike_misreadings_of_english_are_undone(read: str, printed: str) -> None:
    assert _as_printed(read) == printed


@pytest.mark.parametrize("read", ["ID0042", "A0", "0042", "10.00", "T0tal", "2×3", "x", "0", "", "(0)"])
def test_codes_and_numbers_are_left_as_read(read: str) -> None:
    assert _as_printed(read) == read
