from docsafe.formats import Format, sniff

from tests.support.documents import encode, scanned_pdf, text_image, text_pdf


def test_formats_are_told_by_their_bytes_not_their_names() -> None:
    image = text_image(["x"], size=(100, 100))
    assert sniff(encode(image, "PNG")) is Format.PNG
    assert sniff(encode(image, "JPEG")) is Format.JPEG
    assert sniff(encode(image, "BMP")) is Format.BMP
    assert sniff(encode(image, "TIFF")) is Format.TIFF
    assert sniff(text_pdf([["x"]])) is Format.PDF
    assert sniff(scanned_pdf([image])) is Format.PDF


def test_pdf_header_may_follow_leading_junk_within_a_kilobyte() -> None:
    pdf = text_pdf([["x"]])
    assert sniff(b"\0" * 500 + pdf) is Format.PDF
    assert sniff(b"\0" * 2000 + pdf) is None


def test_unknown_bytes_are_no_format() -> None:
    assert sniff(b"hello world") is None
    assert sniff(b"") is None
    assert sniff(b"BM") is None  # too short to be a bitmap
