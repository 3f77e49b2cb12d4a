"""The template model: where each field's value sits, and which printed words anchor it.

Learning: for every labelled value, the words printed just before it on its line (its
label, such as "Policy number:") become the field's anchor, and the value's box is kept
relative to that anchor. The anchor most of the examples agree on wins, and the value's
extent is the union over the examples (values differ in length).

Extraction on a new document: find the anchor's words; the value region follows the
anchor (a scan placed off-centre still reads right), or falls back to where the values
were in the training documents when the anchor cannot be found. The words whose centres
lie in the region are the value.

Everything works on the analyzeResult's own pages (words with polygons and spans), so
fields carry the same spans and polygons as the words they are made of.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from docsafe.contract.result import merge_spans, polygon_around
from docsafe.custom.labels import LabelledDocument
from docsafe.engines.base import Box, center_in, union

ANCHOR_WORDS = 4  # printed words kept before a value, at most
SLACK = 0.12  # how much farther right a value may run than in any example (page widths)
ANCHORED_CONFIDENCE, UNANCHORED_CONFIDENCE = 0.95, 0.7


@dataclass(frozen=True)
class PageWord:
    text: str
    box: Box  # normalised to the page
    confidence: float
    span: dict[str, int]
    polygon: list[float]  # in the page's own unit, as the analyzeResult gives it


def page_words(page: dict[str, Any]) -> list[PageWord]:
    """The words of one analyzeResult page, with boxes normalised to it."""
    width, height = page.get("width") or 1, page.get("height") or 1
    found = []
    for word in page.get("words", []):
        xs, ys = word["polygon"][0::2], word["polygon"][1::2]
        box = (min(xs) / width, min(ys) / height, max(xs) / width, max(ys) / height)
        found.append(PageWord(word["content"], box, float(word["confidence"]), word["span"], word["polygon"]))
    return found


@dataclass(frozen=True)
class FieldTemplate:
    name: str
    type: str
    page: int
    region: Box  # union of the examples' value boxes, normalised to the page
    anchor: str | None = None  # the printed words before the value
    offset: Box | None = None  # the value's extent relative to the anchor's top left

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FieldTemplate:
        offset = data.get("offset")
        return cls(
            name=data["name"],
            type=data["type"],
            page=int(data["page"]),
            region=tuple(data["region"]),  # type: ignore[arg-type]
            anchor=data.get("anchor"),
            offset=tuple(offset) if offset else None,  # type: ignore[arg-type]
        )


@dataclass(frozen=True)
class TemplateModel:
    model_id: str
    fields: tuple[FieldTemplate, ...]

    def to_json(self) -> dict[str, Any]:
        return {"modelId": self.model_id, "fields": [f.to_json() for f in self.fields]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TemplateModel:
        return cls(data["modelId"], tuple(FieldTemplate.from_json(f) for f in data["fields"]))


# ------------------------------------------------------------------ learning


def learn(
    model_id: str,
    field_types: dict[str, str],
    examples: Sequence[tuple[LabelledDocument, dict[int, list[PageWord]]]],
) -> TemplateModel:
    """A model from labelled documents and the words read on each of their pages."""
    templates = []
    for name, kind in field_types.items():
        seen = [
            (label, words.get(label.page, []))
            for document, words in examples
            for label in document.labels
            if label.field == name
        ]
        if not seen:
            continue
        page = Counter(label.page for label, _ in seen).most_common(1)[0][0]
        boxes = [label.box for label, _ in seen if label.page == page]
        anchors = [(_anchor(label.box, words), label.box) for label, words in seen if label.page == page]
        named = Counter(text for (text, _), _ in anchors if text)
        anchor, offset = None, None
        if named:
            anchor, votes = named.most_common(1)[0]
            if votes * 2 >= len(boxes):  # at least half the examples agree
                relative = [
                    _relative(box, anchor_box) for (text, anchor_box), box in anchors if text == anchor
                ]
                offset = union(relative)
            else:
                anchor = None
        templates.append(FieldTemplate(name, kind, page, union(boxes), anchor, offset))
    return TemplateModel(model_id, tuple(templates))


def _anchor(value: Box, words: list[PageWord]) -> tuple[str | None, Box]:
    """The printed words just before `value` on its line, and their box."""
    middle = (value[1] + value[3]) / 2
    height = value[3] - value[1]
    before = sorted(
        (w for w in words if w.box[1] <= middle <= w.box[3] and w.box[2] <= value[0] + height * 0.2),
        key=lambda w: w.box[0],
    )
    if not before:
        return None, value
    run = [before[-1]]
    for word in reversed(before[:-1]):
        if run[0].box[0] - word.box[2] > 1.5 * height or len(run) == ANCHOR_WORDS:
            break
        run.insert(0, word)
    return _normal(" ".join(w.text for w in run)), union([w.box for w in run])


def _relative(box: Box, anchor: Box) -> Box:
    return (box[0] - anchor[0], box[1] - anchor[1], box[2] - anchor[0], box[3] - anchor[1])


def _normal(text: str) -> str:
    return " ".join(text.casefold().split())


# ------------------------------------------------------------------ extraction


def extract(model: TemplateModel, pages: Sequence[dict[str, Any]], content: str) -> dict[str, Any]:
    """The `documents[]` entry for an analyzeResult's pages (and its content)."""
    words = {page["pageNumber"]: page_words(page) for page in pages}
    sizes = {page["pageNumber"]: (page.get("width") or 1, page.get("height") or 1) for page in pages}
    fields: dict[str, Any] = {}
    for template in model.fields:
        on_page = words.get(template.page)
        if on_page is None:
            fields[template.name] = {"type": template.type, "confidence": 0.0}
            continue
        region, anchored = _region(template, on_page)
        inside = [w for w in on_page if center_in(w.box, region)]
        fields[template.name] = _field(template, inside, anchored, sizes[template.page])
    confidences = [f["confidence"] for f in fields.values()]
    first = pages[0] if pages else {"pageNumber": 1, "width": 1, "height": 1}
    width, height = first.get("width") or 1, first.get("height") or 1
    return {
        "docType": model.model_id,
        "boundingRegions": [
            {"pageNumber": first["pageNumber"], "polygon": [0, 0, width, 0, width, height, 0, height]}
        ],
        "fields": fields,
        "confidence": round(statistics.fmean(confidences), 3) if confidences else 0.0,
        "spans": [{"offset": 0, "length": len(content)}],
    }


def _region(template: FieldTemplate, words: list[PageWord]) -> tuple[Box, bool]:
    """Where the value should be on this page, and whether its anchor was found there."""
    line_height = template.region[3] - template.region[1]
    found = _find(template.anchor, words) if template.anchor and template.offset else None
    if found is not None and template.offset is not None:
        left, top, right, bottom = template.offset
        box = (found[0] + left, found[1] + top, found[0] + right, found[1] + bottom)
    else:
        box = template.region
    pad = line_height * 0.5
    return (box[0] - pad, box[1] - pad, min(1.0, box[2] + SLACK), box[3] + pad), found is not None


def _find(anchor: str, words: list[PageWord]) -> Box | None:
    """The box of the first run of words reading `anchor`, in reading order."""
    wanted = anchor.split(" ")
    texts = [_normal(w.text) for w in words]
    for start in range(len(words) - len(wanted) + 1):
        if texts[start : start + len(wanted)] == wanted:
            return union([w.box for w in words[start : start + len(wanted)]])
    return None


def _field(
    template: FieldTemplate, words: list[PageWord], anchored: bool, size: tuple[float, float]
) -> dict[str, Any]:
    if not words:
        return {"type": template.type, "confidence": 0.0}
    text = " ".join(w.text for w in sorted(words, key=lambda w: w.span["offset"]))  # reading order
    polygon = polygon_around(w.polygon for w in words)
    reading = statistics.fmean(w.confidence for w in words)
    field: dict[str, Any] = {
        "type": template.type,
        "content": text,
        "boundingRegions": [{"pageNumber": template.page, "polygon": polygon}],
        "spans": merge_spans([w.span for w in words]),
        "confidence": round(reading * (ANCHORED_CONFIDENCE if anchored else UNANCHORED_CONFIDENCE), 3),
    }
    value = typed_value(template.type, text)
    if value is not None:
        field.update(value)
    elif template.type != "string":
        field["confidence"] = round(field["confidence"] * 0.5, 3)  # read, but not as its type
    return field


_MONTHS = {
    name: index
    for index, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1
    )
}


def typed_value(kind: str, text: str) -> dict[str, Any] | None:
    """valueString, valueNumber, valueInteger or valueDate for the field's type; None if
    the text does not read as that type."""
    if kind == "string":
        return {"valueString": text}
    if kind in ("number", "integer"):
        cleaned = re.sub(r"[^\d.,\-]", "", text)
        if "," in cleaned and "." in cleaned:
            cleaned = cleaned.replace(",", "")  # 1,234.50
        elif cleaned.count(",") == 1 and len(cleaned.split(",")[1]) == 2:
            cleaned = cleaned.replace(",", ".")  # 1234,50
        else:
            cleaned = cleaned.replace(",", "")
        try:
            number = float(cleaned)
        except ValueError:
            return None
        return {"valueInteger": int(number)} if kind == "integer" else {"valueNumber": number}
    if kind == "date":
        parsed = _date(text)
        return {"valueDate": parsed.isoformat()} if parsed else None
    return None


def _date(text: str) -> date | None:
    cleaned = text.strip().rstrip(".")
    patterns = (
        (r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})", ("y", "m", "d")),
        (r"(\d{1,2})[./](\d{1,2})[./](\d{4})", ("d", "m", "y")),  # 14.03.2026 (day first)
        (r"(\d{1,2})-(\d{1,2})-(\d{4})", ("m", "d", "y")),
    )
    for pattern, order in patterns:
        match = re.fullmatch(pattern, cleaned)
        if match:
            parts = dict(zip(order, (int(g) for g in match.groups()), strict=True))
            try:
                return date(parts["y"], parts["m"], parts["d"])
            except ValueError:
                return None
    match = re.fullmatch(r"(\d{1,2})\s+([A-Za-z]{3})[A-Za-z]*\.?,?\s+(\d{4})", cleaned)
    if match and match.group(2).lower() in _MONTHS:
        try:
            return date(int(match.group(3)), _MONTHS[match.group(2).lower()], int(match.group(1)))
        except ValueError:
            return None
    return None
