"""The searchable PDF (`output=pdf`): each page as it was sent, with the words DocSafe read
laid over it as invisible, selectable text in the places they were found.

pypdfium2 (already the PDF reader) writes it: a scanned PDF keeps its own pages, an image
becomes a page of its own size, and pages that have a text layer of their own are left
as they are. pdfium has no high-level API for text objects, so words are placed with its
C functions (pypdfium2.raw): Helvetica, render mode invisible, scaled to the word's box.
Helvetica's encoding (WinAnsi) covers Western European text; other characters are
dropped from the text layer (the analyzeResult still has them).
"""

from __future__ import annotations

import ctypes
import io
from collections.abc import Iterable
from typing import Any, BinaryIO

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from docsafe.documents import PDFIUM_LOCK, POINTS_PER_INCH, Document
from docsafe.engines.base import PageText
from docsafe.formats import Format

IMAGE_DPI = 150.0  # an image page's size when the image does not say its resolution
_FONT = b"Helvetica"


def write_searchable_pdf(document: Document, pages: Iterable[tuple[int, PageText]], out: BinaryIO) -> None:
    """Write the PDF of `pages` (page number, what was read there) of `document` to `out`."""
    listed = list(pages)  # read from storage before taking the lock
    with PDFIUM_LOCK:
        _write(document, listed, out)


def _write(document: Document, pages: list[tuple[int, PageText]], out: BinaryIO) -> None:
    pdf = pdfium.PdfDocument.new()
    try:
        for index, (page_number, text) in enumerate(pages):
            if document.format is Format.PDF:
                pdf.import_pages(document.pdf, [page_number - 1])
                page = pdf[index]
                if document.has_text_layer(page_number):
                    page.close()
                    continue  # already searchable
            else:
                page = _image_page(pdf, document, page_number)
            try:
                _lay_text(pdf, page, text)
                page.gen_content()
            finally:
                page.close()
        pdf.save(out)
    finally:
        pdf.close()


def _image_page(pdf: Any, document: Document, page_number: int) -> Any:
    image = document.page_image(page_number)
    dpi = float((image.info.get("dpi") or (IMAGE_DPI,))[0]) or IMAGE_DPI
    width, height = image.width * POINTS_PER_INCH / dpi, image.height * POINTS_PER_INCH / dpi
    page = pdf.new_page(width, height)
    encoded = io.BytesIO()
    image.convert("L" if image.mode in ("1", "L") else "RGB").save(encoded, "JPEG", quality=85)
    encoded.seek(0)
    picture = pdfium.PdfImage.new(pdf)
    picture.load_jpeg(encoded, inline=True)
    picture.set_matrix(pdfium.PdfMatrix().scale(width, height))
    page.insert_obj(picture)
    return page


def _lay_text(pdf: Any, page: Any, text: PageText) -> None:
    from docsafe.contract.result import polygon

    width_pt, height_pt = page.get_size()
    scale_x, scale_y = width_pt / (text.width or 1), height_pt / (text.height or 1)
    for line in text.lines:
        for word in line.words:
            points = polygon(word.box, text)
            xs, ys = points[0::2], points[1::2]
            left, right = min(xs) * scale_x, max(xs) * scale_x
            top, bottom = min(ys) * scale_y, max(ys) * scale_y
            if right - left > 0 and bottom - top > 0:
                _place_word(pdf, page, word.text, left, top, right, bottom, height_pt)


def _place_word(
    pdf: Any, page: Any, word: str, left: float, top: float, right: float, bottom: float, height_pt: float
) -> None:
    """An invisible text object covering the box (PDF points, from the page's top left)."""
    obj = pdfium_c.FPDFPageObj_NewTextObj(pdf.raw, _FONT, ctypes.c_float(bottom - top))
    encoded = (word + "\x00").encode("utf-16-le")
    characters = (ctypes.c_ushort * (len(encoded) // 2)).from_buffer_copy(encoded)
    if not obj or not pdfium_c.FPDFText_SetText(obj, characters):
        return
    pdfium_c.FPDFTextObj_SetTextRenderMode(obj, pdfium_c.FPDF_TEXTRENDERMODE_INVISIBLE)
    x0, y0, x1, y1 = (ctypes.c_float() for _ in range(4))
    pdfium_c.FPDFPageObj_GetBounds(obj, x0, y0, x1, y1)
    natural = x1.value - x0.value
    stretch = (right - left) / natural if natural > 0 else 1.0
    # Stretched to the box's width, its glyphs' bottom on the box's bottom (PDF y runs up).
    pdfium_c.FPDFPageObj_Transform(
        obj, stretch, 0, 0, 1, left - x0.value * stretch, height_pt - bottom - y0.value
    )
    pdfium_c.FPDFPage_InsertObject(page.raw, obj)
