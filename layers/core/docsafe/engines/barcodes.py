"""Barcodes (features=barcodes), read by zxing-cpp: a well-kept decoder whose wheel holds
the whole library, for 17 kinds, the ones Azure names.

zxing-cpp reports a checked decode or nothing (a symbol whose checksum fails is not
returned as valid), so every barcode it gives is reported with confidence 1.0.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from docsafe.engines.base import Barcode, PageText, WrappedEngine

# zxing-cpp's format names → Azure's DocumentBarcodeKind.
KINDS = {
    "QRCode": "QRCode",
    "MicroQRCode": "MicroQRCode",
    "PDF417": "PDF417",
    "Aztec": "Aztec",
    "DataMatrix": "DataMatrix",
    "MaxiCode": "MaxiCode",
    "UPCA": "UPCA",
    "UPCE": "UPCE",
    "EAN8": "EAN8",
    "EAN13": "EAN13",
    "Code39": "Code39",
    "Code93": "Code93",
    "Code128": "Code128",
    "Codabar": "Codabar",
    "ITF": "ITF",
    "DataBar": "DataBar",
    "DataBarExpanded": "DataBarExpanded",
}
# Names zxing-cpp gives a kind Azure has under another name.
_ALIASES = {
    "QRCodeModel1": "QRCode",
    "QRCodeModel2": "QRCode",
    "CompactPDF417": "PDF417",
    "AztecCode": "Aztec",
    "ISBN": "EAN13",
    "Code39Std": "Code39",
    "Code39Ext": "Code39",
    "ITF14": "ITF",
    "DataBarOmni": "DataBar",
    "DataBarStk": "DataBar",
    "DataBarStkOmni": "DataBar",
    "DataBarLtd": "DataBar",
    "DataBarExp": "DataBarExpanded",
    "DataBarExpStk": "DataBarExpanded",
}
CHECKED_DECODE = 1.0


def read_barcodes(image: Any) -> tuple[Barcode, ...]:
    """The barcodes on a page image, in its pixels, top to bottom."""
    import zxingcpp

    found = []
    for result in zxingcpp.read_barcodes(image.convert("L")):
        name = result.format.name
        kind = KINDS.get(name) or _ALIASES.get(name)
        if kind is None or not result.valid:
            continue  # a kind Azure has no name for, or a symbol read with errors
        corners = result.position
        polygon = tuple(
            float(value)
            for point in (corners.top_left, corners.top_right, corners.bottom_right, corners.bottom_left)
            for value in (point.x, point.y)
        )
        value = result.text
        if kind == "EAN13" and value.startswith("0"):
            kind, value = "UPCA", value[1:]  # GS1: a UPC-A is the EAN-13 that starts with 0
        found.append(Barcode(kind, value, polygon, CHECKED_DECODE))
    return tuple(sorted(found, key=lambda code: (min(code.polygon[1::2]), min(code.polygon[0::2]))))


class WithBarcodes(WrappedEngine):
    """An engine that also reads the barcodes of every page it reads (a born-digital PDF
    page is rendered for them too: `reads_barcodes`)."""

    reads_barcodes = True

    def read(self, image: Any, layout: bool = False) -> PageText:
        return replace(self._engine.read(image, layout), barcodes=read_barcodes(image))
