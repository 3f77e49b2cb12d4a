"""Opening documents and getting the text of each page: the text layer of born-digital
PDF pages, OCR for images and scanned pages.

Pillow and pypdfium2 are imported here only; the API functions never import this module.
"""

from __future__ import annotations

import io
import threading
import warnings
from dataclasses import dataclass, replace
from typing import Any, BinaryIO

import pypdfium2 as pdfium
from PIL import Image, ImageOps

from docsafe.engines.base import Line, OcrEngine, PageText, Style, Word
from docsafe.failures import InvalidContent, InvalidContentDimensions, JobFailure, PasswordProtected
from docsafe.formats import MAX_IMAGE_SIDE, MIN_IMAGE_SIDE, SNIFF_BYTES, Format, sniff

MIN_SIDE, MAX_SIDE = MIN_IMAGE_SIDE, MAX_IMAGE_SIDE
MAX_PIXELS = MAX_SIDE * MAX_SIDE  # per page image, decoded or rendered
POINTS_PER_INCH = 72.0
PDFIUM_PASSWORD_ERROR = 4  # FPDF_ERR_PASSWORD

# Pillow's own decompression-bomb guard, at our limit: it raises before decoding.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS

# pdfium is not thread-safe, and ctypes lets go of the GIL during every call into it:
# local mode reads several batches in threads of one process, so every use of pdfium
# (open, pages, text, rendering, writing, close) holds this lock. Recognition, the long
# part, runs outside it. (In Lambda one invocation has the process: never contended.)
PDFIUM_LOCK = threading.RLock()


@dataclass
class Document:
    format: Format
    page_count: int
    _image: Any = None
    _pdf: Any = None
    _office: list[Any] | None = None  # an Office or HTML document's pages of blocks

    def page_text(self, page_number: int, engine: OcrEngine, dpi: int, layout: bool = False) -> PageText:
        """What is on page `page_number` (1-based): text, and with `layout` its structure."""
        if self._office is not None:
            return office_page_text(self._office[page_number - 1], engine)
        try:
            if self._pdf is not None:
                return _pdf_page_text(self._pdf, page_number, engine, dpi, layout)
            self._image.seek(page_number - 1)
            width, height = self._image.size
            if not (min(width, height) >= MIN_SIDE and max(width, height) <= MAX_SIDE):
                raise InvalidContentDimensions(
                    f"Page {page_number}: image sides must be between {MIN_SIDE} and {MAX_SIDE} pixels."
                )
            image = _prepared(self._image)
            page = engine.read(image, layout=layout)
            return _with_figures(page, image) if layout else page
        except (pdfium.PdfiumError, OSError, SyntaxError, ValueError, EOFError) as exc:
            # A page that cannot be decoded: the document's fault, said without its bytes.
            raise InvalidContent(f"Page {page_number} is corrupted or cannot be decoded.") from exc

    def figure_images(self, page_number: int, page: PageText) -> list[tuple[str, bytes]]:
        """(id, PNG) of each figure `page` found on page `page_number` (output=figures): the
        region of the page as sent around it (a PDF page rendered at FIGURE_DPI)."""
        if not page.figures or self._office is not None:
            return []
        if self._pdf is not None:
            with PDFIUM_LOCK:
                pdf_page = self._pdf[page_number - 1]
                try:
                    width_pt, height_pt = pdf_page.get_size()
                    scale = min(FIGURE_DPI / POINTS_PER_INCH, (MAX_PIXELS / (width_pt * height_pt)) ** 0.5)
                    image = _render(pdf_page, scale, grayscale=False)  # a figure keeps its colours
                finally:
                    pdf_page.close()
            per_unit = scale * POINTS_PER_INCH  # the page's unit is the inch
        else:
            self._image.seek(page_number - 1)
            image, per_unit = _prepared(self._image), 1.0
        found = []
        for index, box in enumerate(page.figures):
            corners = [page.to_page(x, y) for x in (box[0], box[2]) for y in (box[1], box[3])]
            left = max(0, int(min(x for x, _ in corners) * per_unit))
            top = max(0, int(min(y for _, y in corners) * per_unit))
            right = min(image.width, int(max(x for x, _ in corners) * per_unit) + 1)
            bottom = min(image.height, int(max(y for _, y in corners) * per_unit) + 1)
            found.append((f"{page_number}.{index + 1}", _png(image.crop((left, top, right, bottom)))))
        return found

    @property
    def office_pages(self) -> list[Any] | None:
        """An Office or HTML document's pages of blocks (docsafe.office); None for others."""
        return self._office

    @property
    def pdf(self) -> Any:
        """The pypdfium2 document of a PDF (None for images)."""
        return self._pdf

    def has_text_layer(self, page_number: int) -> bool:
        """Whether a PDF page carries text of its own (born digital, or OCRed before)."""
        if self._pdf is None:
            return False
        with PDFIUM_LOCK:
            page = self._pdf[page_number - 1]
            try:
                width_pt, height_pt = page.get_size()
                return _text_layer(page, width_pt, height_pt) is not None
            finally:
                page.close()

    def page_image(self, page_number: int) -> Image.Image:
        """Frame `page_number` of an image document, upright and in 8-bit grey or RGB."""
        self._image.seek(page_number - 1)
        return _prepared(self._image)

    def close(self) -> None:
        if self._pdf is not None:
            with PDFIUM_LOCK:
                self._pdf.close()
        if self._image is not None:
            self._image.close()


def open_document(source: bytes | BinaryIO) -> Document:
    """Open a document and count its pages; raises a job failure when it cannot be read.

    `source` may be a seekable file (a sealed input read from S3 a chunk at a time):
    pdfium and Pillow then read only the parts of it that the pages asked for need.
    The caller closes its file after the document.
    """
    file = io.BytesIO(source) if isinstance(source, bytes | bytearray) else source
    kind = sniff(file.read(SNIFF_BYTES))
    file.seek(0)
    if kind is None:
        raise InvalidContent("The file format is not supported.")
    if kind.is_office:
        from docsafe.office import read_pages

        pages = read_pages(file, kind)
        return Document(kind, len(pages), _office=pages)
    if kind is Format.PDF:
        try:
            with PDFIUM_LOCK:
                pdf = pdfium.PdfDocument(source if isinstance(source, bytes) else file)
                count = len(pdf)
        except pdfium.PdfiumError as exc:
            if getattr(exc, "err_code", None) == PDFIUM_PASSWORD_ERROR:
                raise PasswordProtected("The PDF is protected by a password.") from None
            raise InvalidContent("The PDF is corrupted.") from None
        if count == 0:
            with PDFIUM_LOCK:
                pdf.close()
            raise InvalidContent("The PDF has no pages.")
        return Document(kind, count, _pdf=pdf)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(file)
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise InvalidContentDimensions("The image has too many pixels.") from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise InvalidContent("The image is corrupted or its format is not supported.") from exc
    width, height = image.size
    if not (min(width, height) >= MIN_SIDE and max(width, height) <= MAX_SIDE):
        raise InvalidContentDimensions(f"Image sides must be between {MIN_SIDE} and {MAX_SIDE} pixels.")
    return Document(kind, getattr(image, "n_frames", 1), _image=image)


def office_page_text(blocks: list[Any], engine: OcrEngine) -> PageText:
    """An Office or HTML page of blocks laid out, its pictures read by `engine`."""
    from docsafe.office import page_text

    return page_text(blocks, lambda data: _picture_text(data, engine))


# What a picture embedded in an Office document may be to be read (no document in it is
# opened: a document inside a document is not read).
_PICTURE_FORMATS = frozenset({Format.PNG, Format.JPEG, Format.BMP, Format.TIFF})


def _picture_text(data: bytes, engine: OcrEngine) -> PageText | None:
    """What `engine` reads in an embedded picture; None for one it cannot be given (a
    vector drawing, a picture too small or too large to read)."""
    if sniff(data[:SNIFF_BYTES]) not in _PICTURE_FORMATS:
        return None
    try:
        document = open_document(io.BytesIO(data))
    except JobFailure:
        return None
    try:
        return document.page_text(1, engine, dpi=0)
    except JobFailure:
        return None
    finally:
        document.close()


def _prepared(image: Image.Image) -> Image.Image:
    """A copy of the current frame the engine can read: upright, 8-bit grey or RGB."""
    frame = ImageOps.exif_transpose(image) or image
    if frame.mode not in ("L", "RGB"):
        frame = frame.convert("RGBA" if "A" in frame.mode or frame.mode == "P" else "RGB")
        if frame.mode == "RGBA":
            # Transparent pixels become white paper, not black.
            background = Image.new("RGB", frame.size, (255, 255, 255))
            background.paste(frame, mask=frame.getchannel("A"))
            frame = background
    return frame


LAYOUT_DPI = 150  # enough to see rules and check boxes on a text-layer page
FIGURE_DPI = 150  # a PDF figure's image (output=figures)


def _pdf_page_text(pdf: Any, page_number: int, engine: OcrEngine, dpi: int, layout: bool) -> PageText:
    # pdfium's part (the text layer, rendering) under the lock; the OCR outside it.
    with PDFIUM_LOCK:
        page = pdf[page_number - 1]
        try:
            width_pt, height_pt = page.get_size()
            text_layer = _text_layer(page, width_pt, height_pt, getattr(engine, "reads_styles", False))
            # A born-digital page needs no reading, unless its structure or its barcodes
            # are wanted: then it is rendered.
            reads_barcodes = getattr(engine, "reads_barcodes", False)
            if text_layer is not None and not layout and not reads_barcodes:
                return text_layer
            # (a text layer's structure needs less than a scan's or a barcode's reading)
            scale = (LAYOUT_DPI if text_layer is not None and not reads_barcodes else dpi) / POINTS_PER_INCH
            if width_pt * scale * height_pt * scale > MAX_PIXELS:
                scale = (MAX_PIXELS / (width_pt * height_pt)) ** 0.5
            # (in colour where a scan's words' colours are wanted: a text layer says them)
            in_colour = text_layer is None and getattr(engine, "reads_styles", False)
            image = _render(page, scale, grayscale=not in_colour)
        finally:
            page.close()
    pixels_per_inch = scale * POINTS_PER_INCH
    if text_layer is not None:
        from docsafe.engines.layout import with_layout

        known = (
            _with_figures(with_layout(text_layer, image, scale=pixels_per_inch), image, pixels_per_inch)
            if layout
            else text_layer
        )
        if not reads_barcodes:
            return known
        from docsafe.engines.barcodes import read_barcodes

        found = PageText(image.width, image.height, "pixel", barcodes=read_barcodes(image))
        return replace(known, barcodes=found.scaled(1.0 / pixels_per_inch, "inch").barcodes)
    read = engine.read(image, layout=layout)
    if layout:
        read = _with_figures(read, image)
    inches = read.scaled(1.0 / pixels_per_inch, "inch")
    # Report the page's own size, not the rendered bitmap's rounding of it.
    return replace(inches, width=width_pt / POINTS_PER_INCH, height=height_pt / POINTS_PER_INCH)


MAX_FIGURE_BYTES = 4 * 1024 * 1024  # one response's worth (Lambda's 6 MB, base64-encoded)


def _png(image: Image.Image) -> bytes:
    """`image` as PNG, halved until it fits one API response."""
    while True:
        out = io.BytesIO()
        image.save(out, "PNG", optimize=False)
        if out.tell() <= MAX_FIGURE_BYTES or min(image.size) < 100:
            return out.getvalue()
        image = image.resize((image.width // 2, image.height // 2), Image.Resampling.LANCZOS)


def _char_style(textpage: Any, index: int) -> Style:
    """A character's style from its font (pdfium's font name, flags, weight, fill colour)."""
    import ctypes

    import pypdfium2.raw as pdfium_c

    from docsafe.engines.styles import text_layer_style

    raw = textpage.raw
    flags = ctypes.c_int(0)
    size = pdfium_c.FPDFText_GetFontInfo(raw, index, None, 0, ctypes.byref(flags))
    name = ""
    if size > 0:
        buffer = ctypes.create_string_buffer(size)
        pdfium_c.FPDFText_GetFontInfo(raw, index, buffer, size, ctypes.byref(flags))
        name = buffer.value.decode("utf-8", "replace")
    weight = pdfium_c.FPDFText_GetFontWeight(raw, index)
    red, green, blue, alpha = (ctypes.c_uint(0) for _ in range(4))
    has_color = pdfium_c.FPDFText_GetFillColor(
        raw, index, ctypes.byref(red), ctypes.byref(green), ctypes.byref(blue), ctypes.byref(alpha)
    )
    color = (red.value, green.value, blue.value) if has_color else None
    return text_layer_style(name, flags.value, weight, color)


def _with_figures(page: PageText, image: Image.Image, scale: float = 1.0) -> PageText:
    from docsafe.engines.figures import with_figures

    return with_figures(page, image, scale)


def _render(page: Any, scale: float, grayscale: bool = True) -> Image.Image:
    """The page as an image of its own, grey unless asked (no memory shared with pdfium's
    bitmap)."""
    bitmap = page.render(scale=scale, grayscale=grayscale)
    try:
        return bitmap.to_pil().copy()
    finally:
        bitmap.close()


def _text_layer(page: Any, width_pt: float, height_pt: float, styles: bool = False) -> PageText | None:
    """Words and lines from a born-digital page's own text, or None if it has none; with
    `styles`, each word's style as its first character's font says it."""
    textpage = page.get_textpage()
    try:
        count = textpage.count_chars()
        if count == 0:
            return None
        text = textpage.get_text_range(0, count)
        if not text.strip():
            return None
        if len(text) != count:
            # get_text_range can expand some characters; fall back to one at a time.
            text = "".join(textpage.get_text_range(i, 1)[:1] or " " for i in range(count))
        lines: list[Line] = []
        words: list[Word] = []
        current: list[tuple[str, tuple[float, float, float, float]]] = []
        first_char: list[int] = []

        def flush_word() -> None:
            if current:
                style = _char_style(textpage, first_char[0]) if styles else None
                first_char.clear()
                left = min(box[0] for _, box in current)
                top = min(box[1] for _, box in current)
                right = max(box[2] for _, box in current)
                bottom = max(box[3] for _, box in current)
                words.append(Word("".join(ch for ch, _ in current), (left, top, right, bottom), 1.0, style))
                current.clear()

        def flush_line() -> None:
            flush_word()
            if words:
                box = (
                    min(w.box[0] for w in words),
                    min(w.box[1] for w in words),
                    max(w.box[2] for w in words),
                    max(w.box[3] for w in words),
                )
                lines.append(Line(tuple(words), box, paragraph=len(lines)))
                words.clear()

        for index, char in enumerate(text):
            if char in "\r\n":
                flush_line()
            elif char.isspace() or char == "\x00":
                flush_word()
            else:
                left, bottom, right, top = textpage.get_charbox(index)
                if not current:
                    first_char.append(index)
                current.append(
                    (
                        char,
                        (
                            left / POINTS_PER_INCH,
                            (height_pt - top) / POINTS_PER_INCH,
                            right / POINTS_PER_INCH,
                            (height_pt - bottom) / POINTS_PER_INCH,
                        ),
                    )
                )
        flush_line()
        return PageText(
            width=width_pt / POINTS_PER_INCH,
            height=height_pt / POINTS_PER_INCH,
            unit="inch",
            lines=tuple(lines),
        )
    finally:
        textpage.close()
