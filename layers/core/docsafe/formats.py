"""Document formats, told apart by their first bytes (clients send any content type).

Kept free of image libraries: the submit function sniffs without importing Pillow.
"""

from __future__ import annotations

import struct
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
SNIFF_BYTES = _PDF_HEADER_WINDOW  # what `sniff` needs to see of a document


def sniff(data: bytes) -> Format | None:
    """The format of `data`, or None when it is none we read."""
    for signature, kind in _SIGNATURES:
        if data.startswith(signature):
            if kind is Format.BMP and len(data) < 26:
                return None
            return kind
    if _PDF_HEADER in data[:_PDF_HEADER_WINDOW]:
        return Format.PDF
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
