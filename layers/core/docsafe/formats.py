"""Document formats, told apart by their first bytes (clients send any content type).

Kept free of image libraries: the submit function sniffs without importing Pillow.
"""

from __future__ import annotations

from enum import StrEnum


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
