"""Filled forms of one layout with their Azure-format labels, to train custom models on.

Each form has the same printed labels in the same places and different values; the
labels file marks each value's box (normalised 0..1, clockwise from the top left) as a
labelling tool would.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from PIL import Image, ImageDraw, ImageFont

SIZE = (1700, 1100)
FONT_SIZE = 36
# field → (printed label, where the label starts, type)
LAYOUT: dict[str, tuple[str, tuple[int, int], str]] = {
    "CustomerName": ("Customer name:", (120, 200), "string"),
    "PolicyNumber": ("Policy number:", (120, 300), "string"),
    "StartDate": ("Start date:", (120, 400), "date"),
    "Premium": ("Annual premium:", (120, 500), "number"),
}
VALUE_X = 620  # every value starts here

FIRST = ["Maria", "John", "Aiko", "Lars", "Priya", "Tomas", "Chen", "Fatima", "Olga", "Diego"]
LAST = ["Keller", "Smith", "Tanaka", "Berg", "Sharma", "Novak", "Wei", "Haddad", "Ivanova", "Lopez"]


@dataclass(frozen=True)
class FilledForm:
    image: Image.Image
    values: dict[str, str]
    boxes: dict[str, tuple[float, float, float, float]]  # pixels: left, top, right, bottom

    def labels(self, document: str) -> dict[str, Any]:
        """The form's `<document>.labels.json`, as Document Intelligence Studio writes it."""
        width, height = self.image.size
        labels = []
        for field, (left, top, right, bottom) in self.boxes.items():
            x0, y0, x1, y1 = left / width, top / height, right / width, bottom / height
            labels.append(
                {
                    "label": field,
                    "value": [
                        {
                            "page": 1,
                            "text": self.values[field],
                            "boundingBoxes": [[x0, y0, x1, y0, x1, y1, x0, y1]],
                        }
                    ],
                }
            )
        return {
            "$schema": "https://schema.cognitiveservices.azure.com/formrecognizer/2021-03-01/labels.json",
            "document": document,
            "labels": labels,
        }


def fields_json() -> dict[str, Any]:
    return {
        "$schema": "https://schema.cognitiveservices.azure.com/formrecognizer/2021-03-01/fields.json",
        "fields": [
            {"fieldKey": field, "fieldType": kind, "fieldFormat": "not-specified"}
            for field, (_, _, kind) in LAYOUT.items()
        ],
    }


def random_values(seed: int) -> dict[str, str]:
    chance = random.Random(seed)
    return {
        "CustomerName": f"{chance.choice(FIRST)} {chance.choice(LAST)}",
        "PolicyNumber": f"PX-{chance.randint(1000, 9999)}",
        "StartDate": f"{chance.randint(2020, 2027)}-{chance.randint(1, 12):02d}-{chance.randint(1, 28):02d}",
        "Premium": f"{chance.randint(100, 4999)}.{chance.randint(0, 99):02d}",
    }


def filled_form(values: dict[str, str], shift: tuple[int, int] = (0, 0)) -> FilledForm:
    """The form with `values`, everything moved by `shift` pixels (a scan placed off-centre)."""
    page = Image.new("L", SIZE, 255)
    draw = ImageDraw.Draw(page)
    font = ImageFont.load_default(size=FONT_SIZE)
    dx, dy = shift
    draw.text((120 + dx, 80 + dy), "Insurance Application", font=font, fill=0)
    boxes = {}
    for field, (label, (x, y), _) in LAYOUT.items():
        draw.text((x + dx, y + dy), label, font=font, fill=0)
        draw.text((VALUE_X + dx, y + dy), values[field], font=font, fill=0)
        boxes[field] = tuple(
            float(v) for v in draw.textbbox((VALUE_X + dx, y + dy), values[field], font=font)
        )
    draw.line([(120 + dx, 620 + dy), (1500 + dx, 620 + dy)], fill=0, width=2)
    draw.text((120 + dx, 660 + dy), "Signature", font=font, fill=0)
    return FilledForm(page, values, boxes)  # type: ignore[arg-type]


def assert_fields_are(fields: dict[str, Any], values: dict[str, str]) -> None:
    """Every field of the form extracted with `values`, typed as fields.json says."""
    for field, (_, _, kind) in LAYOUT.items():
        expected: object = values[field]
        value_key = {"string": "valueString", "date": "valueDate", "number": "valueNumber"}[kind]
        if kind == "number":
            expected = float(values[field])
        assert fields[field].get(value_key) == expected, (field, fields[field])
        assert fields[field]["confidence"] > 0.5 and fields[field]["boundingRegions"], field
