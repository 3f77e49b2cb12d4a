"""The zip an Office document is, checked before any library opens it.

A zip says how large each part is when inflated; Python's zipfile never inflates a part
past what it said (it stops there and fails the CRC), so checking what the zip declares
bounds what reading it can cost: a zip bomb is refused here, before any part is read.
"""

from __future__ import annotations

import zipfile
from typing import BinaryIO

from docsafe.failures import InvalidContent

MAX_PARTS = 10_000
MAX_PART_BYTES = 256 * 1024 * 1024  # one part, inflated (a picture, say)
# An XML part is parsed whole (python-docx, python-pptx): its tree takes about 18 times
# its size (a 32 MB document.xml peaked at 571 MB), so 64 MB fits the reading functions.
MAX_XML_PART_BYTES = 64 * 1024 * 1024
MAX_TOTAL_BYTES = 512 * 1024 * 1024  # every part, inflated
# Office XML inflates 5 to 20 times; a part inflating far more than this is a bomb
# (checked for parts past a size where it matters).
MAX_RATIO = 200
_RATIO_FROM_BYTES = 4 * 1024 * 1024


def check_archive(file: BinaryIO) -> None:
    """Raise InvalidContent unless `file` is a zip whose declared parts are in bounds
    (`file` is left at its start)."""
    try:
        with zipfile.ZipFile(file) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise InvalidContent("The Office document is corrupted: it is not a readable zip.") from None
    finally:
        file.seek(0)
    if len(parts) > MAX_PARTS:
        raise InvalidContent(f"The Office document has more than {MAX_PARTS:,} parts.")
    total = 0
    for part in parts:
        if part.flag_bits & 0x1:
            raise InvalidContent("The Office document has encrypted parts.")
        limit = MAX_XML_PART_BYTES if part.filename.endswith((".xml", ".rels")) else MAX_PART_BYTES
        if part.file_size > limit:
            raise InvalidContent(f"A part of the Office document inflates past {limit // (1024 * 1024)} MB.")
        if part.file_size > _RATIO_FROM_BYTES and part.file_size > MAX_RATIO * max(part.compress_size, 1):
            raise InvalidContent("A part of the Office document inflates too far (a zip bomb).")
        total += part.file_size
    if total > MAX_TOTAL_BYTES:
        raise InvalidContent(
            f"The Office document inflates past {MAX_TOTAL_BYTES // (1024 * 1024)} MB in all."
        )
