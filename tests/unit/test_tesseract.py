from docsafe.engines.tesseract import TesseractEngine

from tests.support.documents import text_image, words_of


def test_tesseract_reads_lines_and_words_with_boxes_and_confidences() -> None:
    page = TesseractEngine().read(text_image(["Hello from the embedded engine", "Second line 12345"]))
    assert [words_of(line.text) for line in page.lines] == [
        {"hello", "from", "the", "embedded", "engine"},
        {"second", "line", "12345"},
    ]
    first = page.lines[0]
    assert first.box[1] < page.lines[1].box[1]  # top to bottom
    for word in first.words:
        left, top, right, bottom = word.box
        assert first.box[0] <= left < right <= first.box[2] and top < bottom
        assert 0.5 < word.confidence <= 1.0


def test_blank_page_has_no_lines() -> None:
    assert TesseractEngine().read(text_image([])).lines == ()
