"""Document formats, told apart by their first bytes (clients send any content type).

Kept free of image libraries: the submit function sniffs without importing Pillow.
"""

from __future__ import annotations

import contextlib
import re
import struct
import zlib
from enum import StrEnum

# Image limits follow Azure Document Intelligence: 50 to 10,000 pixels a side.
MIN_IMAGE_SIDE = 50
MAX_IMAGE_SIDE = 10_000


class Format(StrEnum):
    PDF = "pdf"
    PNG = "png"
    JPEG = "jpeg"
    BMP = "bmp"
    TIFF = "tiff"
    # Read from their own structure, as Azure's read and layout take them (docsafe.office)
    DOCX = "docx"
    XLSX = "xlsx"
    PPTX = "pptx"
    HTML = "html"

    @property
    def is_office(self) -> bool:
        """Office or HTML: text with no page geometry (no polygons, no page size)."""
        return self in _OFFICE


_OFFICE = frozenset({Format.DOCX, Format.XLSX, Format.PPTX, Format.HTML})
SUPPORTED_FORMATS = "PDF, TIFF, PNG, JPEG, BMP, DOCX, XLSX, PPTX or HTML"

_SIGNATURES: tuple[tuple[bytes, Format], ...] = (
    (b"\x89PNG\r\n\x1a\n", Format.PNG),
    (b"\xff\xd8\xff", Format.JPEG),
    (b"II*\x00", Format.TIFF),
    (b"MM\x00*", Format.TIFF),
    (b"BM", Format.BMP),
)

# PDF readers accept the header anywhere in the first kilobyte (after junk such as a
# MacBinary prefix); so do we.
_PDF_HEADER = b"%PDF-"
_PDF_HEADER_WINDOW = 1024
# An Office document is a zip whose first parts name it; 4 KB holds them as Word, Excel,
# PowerPoint and the libraries that write these formats lay them out.
SNIFF_BYTES = 4096  # what `sniff` needs to see of a document

_ZIP = b"PK\x03\x04"
# The main part's content type, as [Content_Types].xml declares it, or the main part itself.
_OFFICE_MARKS: tuple[tuple[bytes, Format], ...] = (
    (b"wordprocessingml.document.main", Format.DOCX),
    (b"wordprocessingml.template.main", Format.DOCX),
    (b"spreadsheetml.sheet.main", Format.XLSX),
    (b"spreadsheetml.template.main", Format.XLSX),
    (b"presentationml.presentation.main", Format.PPTX),
    (b"presentationml.template.main", Format.PPTX),
    (b"\nword/", Format.DOCX),
    (b"\nxl/", Format.XLSX),
    (b"\nppt/", Format.PPTX),
)
# The binary Office formats (.doc, .xls, .ppt) and password-protected Office files are OLE
# compound files.
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_HTML_START = re.compile(
    rb"^(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)\b",
    re.IGNORECASE | re.DOTALL,
)


def sniff(data: bytes) -> Format | None:
    """The format of `data` (at least its first SNIFF_BYTES), or None when it is none we read."""
    for signature, kind in _SIGNATURES:
        if data.startswith(signature):
            if kind is Format.BMP and len(data) < 26:
                return None
            return kind
    if _PDF_HEADER in data[:_PDF_HEADER_WINDOW]:
        return Format.PDF
    if data.startswith(_ZIP):
        return _office_kind(data[:SNIFF_BYTES])
    if _HTML_START.match(data[:_PDF_HEADER_WINDOW]):
        return Format.HTML
    return None


def _office_kind(head: bytes) -> Format | None:
    """Which Office document a zip's first bytes are: told by the content types (usually
    the first part, deflated: inflated as far as the bytes go) or by the folder of any part
    whose local header is in them (word/, xl/, ppt/)."""
    seen = b"\n"
    for start in (match.start() for match in re.finditer(re.escape(_ZIP), head)):
        header = head[start : start + 30]
        if len(header) < 30:
            break
        method = header[8:10]
        name_length, extra_length = struct.unpack("<HH", header[26:30])
        name = head[start + 30 : start + 30 + name_length]
        seen += name + b"\n"
        if name == b"[Content_Types].xml" and method == b"\x08\x00":
            inflater = zlib.decompressobj(-zlib.MAX_WBITS)
            with contextlib.suppress(zlib.error):  # a prefix inflates as far as it goes
                seen += inflater.decompress(head[start + 30 + name_length + extra_length :], 64 * 1024)
        elif name == b"[Content_Types].xml" and method == b"\x00\x00":
            seen += head[start + 30 + name_length + extra_length :]
    for mark, kind in _OFFICE_MARKS:
        if mark in seen:
            return kind
    return None


def image_dimensions(data: bytes, kind: Format) -> tuple[int, int] | None:
    """Width and height from an image's header alone (no decoding), if it says them.

    Lets the API refuse images whose size is out of range before anything is stored.
    """
    try:
        if kind is Format.PNG and data[12:16] == b"IHDR":
            return struct.unpack(">II", data[16:24])
        if kind is Format.BMP:
            width, height = struct.unpack("<ii", data[18:26])
            return abs(width), abs(height)
        if kind is Format.JPEG:
            return _jpeg_dimensions(data)
        if kind is Format.TIFF:
            return _tiff_dimensions(data)
    except struct.error:
        return None
    return None


def _jpeg_dimensions(data: bytes) -> tuple[int, int] | None:
    position = 2
    while position + 9 < len(data):
        if data[position] != 0xFF:
            return None
        marker = data[position + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            position += 2
            continue
        (length,) = struct.unpack(">H", data[position + 2 : position + 4])
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[position + 5 : position + 9])
            return width, height
        position += 2 + length
    return None


def _tiff_dimensions(data: bytes) -> tuple[int, int] | None:
    """The first page's size, from the first image file directory."""
    order = "<" if data[:2] == b"II" else ">"
    (offset,) = struct.unpack(order + "I", data[4:8])
    (count,) = struct.unpack(order + "H", data[offset : offset + 2])
    found: dict[int, int] = {}
    for index in range(min(count, 512)):
        entry = data[offset + 2 + index * 12 : offset + 14 + index * 12]
        tag, kind = struct.unpack(order + "HH", entry[:4])
        if tag in (256, 257):
            value = entry[8:12]
            found[tag] = struct.unpack(order + ("H" if kind == 3 else "I"), value[: 2 if kind == 3 else 4])[0]
    if 256 in found and 257 in found:
        return found[256], found[257]
    return None
