"""The hostile-input corpus: files the tests build themselves, each with the answer the
service documents for it (docs/limits.md)."""

from __future__ import annotations

import base64
import io
import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass

from PIL import Image

from tests.support.documents import _pdf_with_streams, encode, text_image, text_pdf


@dataclass(frozen=True)
class Case:
    name: str
    make: Callable[[], bytes]
    status: int  # the analyze request's answer: 202, or the 4xx
    inner: str | None = None  # the 4xx's innererror code, or the failed job's
    outcome: str | None = None  # for 202: "succeeded" or "failed"
    text: str | None = None  # words the succeeded result must contain
    content_type: str = "application/octet-stream"


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header claims `width` x `height` (a decompression bomb's calling card)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    chunk = b"IHDR" + header
    ihdr = struct.pack(">I", len(header)) + chunk + struct.pack(">I", zlib.crc32(chunk))
    data = zlib.compress(b"\0" * 1024)
    idat = struct.pack(">I", len(data)) + b"IDAT" + data + struct.pack(">I", zlib.crc32(b"IDAT" + data))
    return b"\x89PNG\r\n\x1a\n" + ihdr + idat + b"\0\0\0\0IEND\xaeB`\x82"


def _encrypted_pdf(user_password: str) -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(text_pdf([["Readable despite owner lock"]]))))
    writer.encrypt(user_password=user_password, owner_password="owner-secret")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _zero_page_pdf() -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
        b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"
        b"trailer\n<< /Root 1 0 R >>\n%%EOF\n"
    )


def _xfa_like_pdf() -> bytes:
    """An XFA form: its page is an empty placeholder; the form lives in XML streams."""
    pdf = _pdf_with_streams([b""])
    return pdf.replace(b"/Type /Catalog", b"/Type /Catalog /AcroForm << /XFA [(template) 99 0 R] >>", 1)


def _png_zip_polyglot() -> bytes:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("payload.txt", "not a document")
    return encode(text_image(["Polyglot picture words"], size=(1000, 200)), "PNG") + archive.getvalue()


def _tiff(compression: str) -> bytes:
    page = text_image([f"Compressed with {compression}"], size=(1200, 200))
    if compression == "group4":
        page = page.point(lambda v: 255 if v > 128 else 0).convert("1")
    buffer = io.BytesIO()
    page.save(buffer, format="TIFF", compression=compression)
    return buffer.getvalue()


def _corrupt_middle(data: bytes) -> bytes:
    middle = len(data) // 2
    return data[:middle] + bytes(b ^ 0x5A for b in data[middle : middle + 64]) + data[middle + 64 :]


CASES: list[Case] = [
    Case("empty body", lambda: b"", 400, "InvalidContentLength"),
    Case(
        "malformed JSON", lambda: b'{"base64Source": ', 400, "InvalidRequest", content_type="application/json"
    ),
    Case(
        "bad base64",
        lambda: b'{"base64Source": "%%%not base64%%%"}',
        400,
        "InvalidBase64",
        content_type="application/json",
    ),
    Case("plain text", lambda: b"Dear sir, please find attached", 415, "InvalidContent"),
    Case(
        "HTML with a PDF header (polyglot)",
        lambda: b"<html><body>%PDF-1.7 hello</body></html>",
        202,
        "InvalidContent",
        "failed",
    ),
    Case(
        "PNG with a ZIP appended (polyglot)",
        _png_zip_polyglot,
        202,
        outcome="succeeded",
        text="polyglot picture",
    ),
    Case("truncated PDF", lambda: text_pdf([["Cut short"]])[:150], 202, "InvalidContent", "failed"),
    Case(
        "corrupted PDF stream",
        lambda: _corrupt_middle(text_pdf([["Damaged stream"]])),
        202,
        "InvalidContent",
        "failed",
    ),
    Case("password-protected PDF", lambda: _encrypted_pdf("user-secret"), 202, "PasswordProtected", "failed"),
    Case(
        "owner-locked PDF (no open password)",
        lambda: _encrypted_pdf(""),
        202,
        outcome="succeeded",
        text="readable despite owner lock",
    ),
    Case("XFA-like PDF", _xfa_like_pdf, 202, outcome="succeeded", text=""),
    Case("zero-page PDF", _zero_page_pdf, 202, "InvalidContent", "failed"),
    Case(
        "PNG bomb header (50000 x 50000)",
        lambda: _png_header_only(50_000, 50_000),
        400,
        "InvalidContentDimensions",
    ),
    Case(
        "huge dimensions (12000 x 60)",
        lambda: encode(Image.new("1", (12_000, 60), 1), "PNG"),
        400,
        "InvalidContentDimensions",
    ),
    Case("1x1 image", lambda: encode(Image.new("L", (1, 1), 255), "PNG"), 400, "InvalidContentDimensions"),
    Case(
        "truncated PNG",
        lambda: encode(text_image(["x"] * 5, size=(800, 600)), "PNG")[:400],
        202,
        "InvalidContent",
        "failed",
    ),
    Case(
        "blank page",
        lambda: encode(Image.new("L", (800, 600), 255), "PNG"),
        202,
        outcome="succeeded",
        text="",
    ),
    Case(
        "TIFF, CCITT group 4",
        lambda: _tiff("group4"),
        202,
        outcome="succeeded",
        text="compressed with group4",
    ),
    Case(
        "TIFF, PackBits", lambda: _tiff("packbits"), 202, outcome="succeeded", text="compressed with packbits"
    ),
    Case("TIFF, Deflate", lambda: _tiff("tiff_deflate"), 202, outcome="succeeded", text="compressed with"),
    Case("TIFF, JPEG", lambda: _tiff("jpeg"), 202, outcome="succeeded", text="compressed with jpeg"),
    Case(
        "base64Source of a PDF",
        lambda: b'{"base64Source": "%s"}' % base64.b64encode(text_pdf([["Via base64"]])),
        202,
        outcome="succeeded",
        text="via base64",
        content_type="application/json",
    ),
]
