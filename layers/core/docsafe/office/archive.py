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
# The XML parts (by their content type) python-docx and python-pptx parse whole as they
# open the document: a tree takes about 18 times its XML (a 32 MB document.xml peaked at
# 571 MB), so all of it together stays within 64 MB.
MAX_XML_BYTES = 64 * 1024 * 1024
MAX_TOTAL_BYTES = 512 * 1024 * 1024  # every part, inflated
# Office XML inflates 5 to 20 times; a part inflating far more than this is a bomb
# (checked for parts past a size where it matters).
MAX_RATIO = 200
_RATIO_FROM_BYTES = 4 * 1024 * 1024
_CONTENT_TYPES_BYTES = 1024 * 1024
_END = b"PK\x05\x06"  # the end of central directory record
_END_SEARCH = 22 + 65535  # the record, and a comment as long as a zip allows
_ZIP64_LOCATOR = b"PK\x06\x07"
_DIRECTORY_ENTRY_BYTES = 1024  # a part's directory entry: 46 bytes and its name


def check_archive(file: BinaryIO) -> None:
    """Raise InvalidContent unless `file` is a zip whose declared parts are in bounds
    (`file` is left at its start). The part count is read from the zip's last record
    before zipfile reads its directory (an entry object a part: ten million of them would
    take gigabytes)."""
    _check_count(file)
    try:
        with zipfile.ZipFile(file) as archive:  # its directory read once, for both
            parts = archive.infolist()
            content_types = _content_types(archive, parts)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise InvalidContent("The Office document is corrupted: it is not a readable zip.") from None
    finally:
        file.seek(0)
    if len(parts) > MAX_PARTS:
        raise InvalidContent(f"The Office document has more than {MAX_PARTS:,} parts.")
    xml_parts = _xml_parts(parts, content_types)
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
        if part.filename in xml_parts:
            xml += part.file_size
    if xml > MAX_XML_BYTES:
        raise InvalidContent(
            f"The Office document's XML inflates past {MAX_XML_BYTES // (1024 * 1024)} MB in all."
        )
    if total > MAX_TOTAL_BYTES:
        raise InvalidContent(
            f"The Office document inflates past {MAX_TOTAL_BYTES // (1024 * 1024)} MB in all."
        )


def _content_types(archive: zipfile.ZipFile, parts: list[zipfile.ZipInfo]) -> bytes | None:
    """[Content_Types].xml, if the zip has one small enough to read (a megabyte)."""
    declared = next((part for part in parts if part.filename == "[Content_Types].xml"), None)
    if declared is None or declared.file_size > _CONTENT_TYPES_BYTES:
        return None
    try:
        return archive.read(declared)
    except (zipfile.BadZipFile, RuntimeError, NotImplementedError):
        return None  # unreadable: opening the document will say so


def _xml_parts(parts: list[zipfile.ZipInfo], content_types: bytes | None) -> set[str]:
    """The parts the libraries parse as XML: those whose content type ([Content_Types].xml,
    by name or by extension) is XML, wherever they sit, and any named .xml or .rels."""
    from xml.etree.ElementTree import ParseError

    from defusedxml import DefusedXmlException, ElementTree

    types: dict[str, str] = {}
    defaults: dict[str, str] = {}
    try:
        root = ElementTree.fromstring(content_types) if content_types is not None else None
    except (ParseError, DefusedXmlException, ValueError):
        root = None  # unreadable: opening the document will say so
    for item in root if root is not None else ():
        tag = item.tag.rsplit("}", 1)[-1]
        if tag == "Override" and item.get("PartName"):
            types[item.get("PartName", "").lstrip("/")] = item.get("ContentType", "")
        elif tag == "Default" and item.get("Extension"):
            defaults[item.get("Extension", "").lower()] = item.get("ContentType", "")
    xml = set()
    for part in parts:
        name = part.filename
        kind = types.get(name) or defaults.get(name.rsplit(".", 1)[-1].lower(), "")
        if kind.endswith("xml") or name.endswith((".xml", ".rels")):
            xml.add(name)
    return xml


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
    # zipfile reads entries for as many bytes as the directory says (not as many as the
    # record counts), and takes a ZIP64 record wherever its locator stands before this one.
    zip64 = at >= 20 and tail[at - 20 : at - 16] == _ZIP64_LOCATOR
    if zip64 or entries > MAX_PARTS or directory_size > MAX_PARTS * _DIRECTORY_ENTRY_BYTES:
        raise InvalidContent(f"The Office document has more than {MAX_PARTS:,} parts.")
