"""The zip an Office document is, checked before any library opens it.

A zip says how large each part is when inflated; Python's zipfile never inflates a part
past what it said (it stops there and fails the CRC), so checking what the zip declares
bounds what reading it can cost: a zip bomb is refused here, before any part is read.
"""

from __future__ import annotations

import io
import struct
import zipfile
from typing import BinaryIO

from docsafe.failures import InvalidContent

MAX_PARTS = 10_000
MAX_PART_BYTES = 256 * 1024 * 1024  # one part, inflated (a picture, say)
# Every part but the media (pictures) is XML that python-docx and python-pptx parse whole
# as they open the document: a tree takes about 18 times its XML (a 32 MB document.xml
# peaked at 571 MB), so all of it together stays within 64 MB.
MAX_XML_BYTES = 64 * 1024 * 1024
MAX_TOTAL_BYTES = 512 * 1024 * 1024  # every part, inflated
# Office XML inflates 5 to 20 times; a part inflating far more than this is a bomb
# (checked for parts past a size where it matters).
MAX_RATIO = 200
_RATIO_FROM_BYTES = 4 * 1024 * 1024
_MEDIA = ("word/media/", "ppt/media/", "xl/media/")
_END = b"PK\x05\x06"  # the end of central directory record
_END_SEARCH = 22 + 65535  # the record, and a comment as long as a zip allows


def check_archive(file: BinaryIO) -> None:
    """Raise InvalidContent unless `file` is a zip whose declared parts are in bounds
    (`file` is left at its start). The part count is read from the zip's last record
    before zipfile reads its directory (an entry object a part: ten million of them would
    take gigabytes)."""
    _check_count(file)
    try:
        with zipfile.ZipFile(file) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise InvalidContent("The Office document is corrupted: it is not a readable zip.") from None
    finally:
        file.seek(0)
    if len(parts) > MAX_PARTS:
        raise InvalidContent(f"The Office document has more than {MAX_PARTS:,} parts.")
    total = xml = 0
    for part in parts:
        if part.flag_bits & 0x1:
            raise InvalidContent("The Office document has encrypted parts.")
        if part.file_size > MAX_PART_BYTES:
            raise InvalidContent(
                f"A part of the Office document inflates past {MAX_PART_BYTES // (1024 * 1024)} MB."
            )
        if part.file_size > _RATIO_FROM_BYTES and part.file_size > MAX_RATIO * max(part.compress_size, 1):
            raise InvalidContent("A part of the Office document inflates too far (a zip bomb).")
        total += part.file_size
        if not part.filename.startswith(_MEDIA):
            xml += part.file_size
    if xml > MAX_XML_BYTES:
        raise InvalidContent(
            f"The Office document's XML inflates past {MAX_XML_BYTES // (1024 * 1024)} MB in all."
        )
    if total > MAX_TOTAL_BYTES:
        raise InvalidContent(
            f"The Office document inflates past {MAX_TOTAL_BYTES // (1024 * 1024)} MB in all."
        )


def _check_count(file: BinaryIO) -> None:
    """Refuse a zip whose last record counts more than MAX_PARTS entries (or a ZIP64 one,
    which only a document far past the limits needs)."""
    size = file.seek(0, io.SEEK_END)
    start = max(0, size - _END_SEARCH)
    file.seek(start)
    tail = file.read(size - start)
    file.seek(0)
    at = tail.rfind(_END)
    if at < 0 or len(tail) < at + 22:
        raise InvalidContent("The Office document is corrupted: it is not a readable zip.")
    entries, directory_size = struct.unpack("<HI", tail[at + 10 : at + 16])
    if entries == 0xFFFF or directory_size == 0xFFFFFFFF or entries > MAX_PARTS:
        raise InvalidContent(f"The Office document has more than {MAX_PARTS:,} parts.")
