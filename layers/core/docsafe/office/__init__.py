"""Office (DOCX, XLSX, PPTX) and HTML documents, read from their own structure as Azure's
read and layout models take them: paragraphs (with the roles their styles give), tables
and text; pictures embedded in them are read by the OCR engine.

Like Azure, DocSafe gives such pages no polygons and no size: they have no geometry until
an application lays them out. A page is a sheet, a slide, or — for Word and HTML, which
have no pages of their own — the text up to a page break, cut every 3,000 characters
(the page Azure counts them in).
"""

from __future__ import annotations

import warnings
import zipfile
from collections.abc import Callable, Iterator
from typing import BinaryIO

from docsafe.engines.base import PageText
from docsafe.failures import InvalidContent
from docsafe.formats import Format
from docsafe.office.archive import check_archive
from docsafe.office.blocks import Block, Budget, PageBreak, ReadPicture, lay_out, paginate

Reader = Callable[[BinaryIO, Budget], Iterator[Block | PageBreak]]


def _reader(kind: Format) -> Reader:
    if kind is Format.DOCX:
        from docsafe.office.word import word_blocks

        return word_blocks
    if kind is Format.XLSX:
        from docsafe.office.workbook import workbook_blocks

        return workbook_blocks
    if kind is Format.PPTX:
        from docsafe.office.slides import slide_blocks

        return slide_blocks
    from docsafe.office.html import html_blocks

    return html_blocks


def read_pages(file: BinaryIO, kind: Format) -> list[list[Block]]:
    """The document's pages of blocks; InvalidContent for a document that is corrupted,
    hostile (a zip bomb, XML entities) or past a limit (docs/limits.md)."""
    from defusedxml import DefusedXmlException
    from lxml.etree import LxmlError

    if kind is not Format.HTML:
        check_archive(file)
    try:
        # The libraries warn with what they read (openpyxl: a cell's value, a defined
        # name): a warning would reach the function's log.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return paginate(_reader(kind)(file, Budget()), cut=kind in (Format.DOCX, Format.HTML))
    except InvalidContent:
        raise
    except (
        DefusedXmlException,
        zipfile.BadZipFile,
        LxmlError,
        KeyError,
        ValueError,
        TypeError,
        AttributeError,
        IndexError,
        OSError,
    ) as error:
        # The libraries raise these for parts missing or malformed (openpyxl wraps what
        # defusedxml refused in a ValueError): the document's fault either way.
        if _entities_refused(error):
            raise InvalidContent(
                "The Office document declares XML entities or a DTD; DocSafe refuses those."
            ) from None
        raise InvalidContent(f"The {kind.value.upper()} document is corrupted or cannot be read.") from None


def _entities_refused(error: BaseException | None) -> bool:
    """Whether `error`, or one it came from, is defusedxml's or libxml2's refusal of XML
    entities (libxml2 never resolves them here, and refuses those that would expand)."""
    from defusedxml import DefusedXmlException
    from lxml.etree import LxmlError

    seen = 0
    while error is not None and seen < 10:
        if isinstance(error, DefusedXmlException):
            return True
        if isinstance(error, LxmlError) and "entit" in str(error).lower():
            return True
        error, seen = error.__cause__ or error.__context__, seen + 1
    return False


def page_text(blocks: list[Block], read_picture: ReadPicture) -> PageText:
    """One page: its blocks laid out, its pictures read by `read_picture` (the OCR
    engine's reading of an embedded image, or None for one it cannot be given)."""
    return lay_out(blocks, read_picture)
