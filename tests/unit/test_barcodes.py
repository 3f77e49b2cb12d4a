"""features=barcodes: the kinds zxing-cpp reads, named as Azure names them, placed where
they are on the page as sent, and carried between the stages."""

from __future__ import annotations

from docsafe.engines.barcodes import WithBarcodes, read_barcodes
from docsafe.engines.base import PageText
from PIL import Image

from tests.support.documents import text_image, with_barcodes

KINDS = [
    ("QRCode", "https://docsafe.example/p/42", "QRCode", "https://docsafe.example/p/42"),
    ("EAN13", "4006381333931", "EAN13", "4006381333931"),
    ("UPCA", "036000291452", "UPCA", "036000291452"),  # zxing reads it as EAN-13 with a 0 first
    ("EAN8", "96385074", "EAN8", "96385074"),
    ("Code128", "DOCSAFE-128", "Code128", "DOCSAFE-128"),
    ("Code39", "CODE39", "Code39", "CODE39"),
    ("Code93", "CODE93", "Code93", "CODE93"),
    ("Codabar", "A1234B", "Codabar", "A1234B"),
    ("ITF", "12345678", "ITF", "12345678"),
    ("DataMatrix", "DM 42", "DataMatrix", "DM 42"),
    ("PDF417", "PDF four one seven", "PDF417", "PDF four one seven"),
    ("Aztec", "AZTEC 1", "Aztec", "AZTEC 1"),
]


def test_each_kind_is_read_with_azures_name_and_value() -> None:
    page = with_barcodes(Image.new("L", (2400, 1800), 255), [(made, value) for made, value, _, _ in KINDS])
    found = {(code.kind, code.value) for code in read_barcodes(page)}
    assert found == {(kind, value) for _, _, kind, value in KINDS}


def test_a_barcode_is_placed_on_the_page_as_sent_and_kept_between_stages() -> None:
    page = with_barcodes(Image.new("L", (1200, 900), 255), [("QRCode", "where am I")])
    (code,) = read_barcodes(page)
    xs, ys = code.polygon[0::2], code.polygon[1::2]
    # drawn at x 40, a third of the way down (its quiet zone, 4 modules of 3 pixels, first)
    assert abs(min(xs) - 52) <= 3 and abs(min(ys) - 312) <= 3 and code.confidence == 1.0
    stored = PageText(1200, 900, "pixel", barcodes=(code,))
    assert PageText.from_json(stored.to_json()) == stored
    # a rendered PDF page's pixels become inches with everything else on it
    assert stored.scaled(1 / 150, "inch").barcodes[0].polygon[0] == code.polygon[0] / 150


class Reading:
    name = "fake"

    def read(self, image: Image.Image, layout: bool = False) -> PageText:
        return PageText(image.width, image.height, "pixel")


def test_an_engine_reads_barcodes_beside_the_text_only_when_asked() -> None:
    page = with_barcodes(text_image(["Parcel 42"], size=(1400, 900)), [("Code128", "PARCEL-42")])
    assert Reading().read(page).barcodes == ()
    (code,) = WithBarcodes(Reading()).read(page).barcodes
    assert (code.kind, code.value) == ("Code128", "PARCEL-42")
    # and nothing where there is none
    assert WithBarcodes(Reading()).read(text_image(["No codes"])).barcodes == ()
