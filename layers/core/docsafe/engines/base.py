"""What every engine returns for one page, and the interface engines implement.

Geometry is kept as axis-aligned boxes in the page's *upright frame*: the page as it
reads once turned by `angle` (an engine that straightens a skewed or rotated scan reports
how far it turned it). The result builder maps every box back onto the original page,
so polygons always describe the document the client sent.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace
from typing import Any, Protocol

Box = tuple[float, float, float, float]  # left, top, right, bottom


def scale_box(box: Box, factor: float) -> Box:
    return (box[0] * factor, box[1] * factor, box[2] * factor, box[3] * factor)


def union(boxes: list[Box]) -> Box:
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def center_in(box: Box, outer: Box, slack: float = 0.0) -> bool:
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    return outer[0] - slack <= cx <= outer[2] + slack and outer[1] - slack <= cy <= outer[3] + slack


@dataclass(frozen=True)
class Style:
    """A word's look (features=styleFont; engines/styles.py); None where it is not told."""

    family: str | None = None
    italic: bool | None = None
    bold: bool | None = None
    color: str | None = None  # "#RRGGBB"
    background: str | None = None
    confidence: float = 1.0

    def to_json(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None}

    def wire(self) -> dict[str, Any]:
        """The DocumentStyle fields (less spans and confidence) this style tells."""
        told: dict[str, Any] = {}
        if self.family is not None:
            told["similarFontFamily"] = self.family
        if self.italic is not None:
            told["fontStyle"] = "italic" if self.italic else "normal"
        if self.bold is not None:
            told["fontWeight"] = "bold" if self.bold else "normal"
        if self.color is not None:
            told["color"] = self.color
        if self.background is not None:
            told["backgroundColor"] = self.background
        return told


@dataclass(frozen=True)
class Word:
    text: str
    box: Box
    confidence: float  # 0..1
    style: Style | None = None


@dataclass(frozen=True)
class Line:
    words: tuple[Word, ...]
    box: Box
    paragraph: int = 0  # lines with the same number form one paragraph
    handwritten: bool = False
    role: str | None = None  # the paragraph's role where the document says it (Office styles)

    @property
    def text(self) -> str:
        return " ".join(word.text for word in self.words)


@dataclass(frozen=True)
class Cell:
    row: int
    column: int
    box: Box
    row_span: int = 1
    column_span: int = 1
    header: bool = False
    row_header: bool = False


@dataclass(frozen=True)
class Table:
    cells: tuple[Cell, ...]
    box: Box

    @property
    def row_count(self) -> int:
        return max(c.row + c.row_span for c in self.cells)

    @property
    def column_count(self) -> int:
        return max(c.column + c.column_span for c in self.cells)


@dataclass(frozen=True)
class SelectionMark:
    box: Box
    selected: bool
    confidence: float


@dataclass(frozen=True)
class KeyValue:
    """A label and the value it names; the words inside each box are its content."""

    key: Box
    value: Box | None
    confidence: float


@dataclass(frozen=True)
class Barcode:
    """A barcode read on the page: its kind (Azure's names), value, the four corners of it
    on the page as sent (x, y clockwise from the top left; not the upright frame's)."""

    kind: str
    value: str
    polygon: tuple[float, ...]
    confidence: float


@dataclass(frozen=True)
class EngineField:
    """A field an engine extracted itself (Textract's AnalyzeExpense and AnalyzeID), by
    Azure's name: its text as read, where (None where the engine does not say), its item
    for an item's field (`Items`, numbered from 0), and the currency the engine told."""

    name: str
    text: str
    box: Box | None
    confidence: float
    item: int | None = None
    currency: str | None = None
    normalized: str | None = None  # the engine's own reading of the value (an ISO date)


@dataclass(frozen=True)
class PageText:
    """Everything an engine found on one page, in `unit` ("pixel" or "inch")."""

    width: float  # of the page as sent
    height: float
    unit: str
    lines: tuple[Line, ...] = ()
    angle: float = 0.0  # degrees clockwise the content was turned on the page as sent
    tables: tuple[Table, ...] = ()
    selection_marks: tuple[SelectionMark, ...] = ()
    key_values: tuple[KeyValue, ...] = ()
    frame: tuple[float, float] | None = None  # the upright frame's size, if not width × height
    barcodes: tuple[Barcode, ...] = ()
    figures: tuple[Box, ...] = ()  # pictures, charts, drawings (prebuilt-layout)
    # False for Office and HTML pages: their boxes are only a flow of the document's own
    # structure (docsafe.office), so no polygon or page size goes on the wire.
    located: bool = True
    fields: tuple[EngineField, ...] = ()  # what a field-extracting engine found (prebuilt models)

    @property
    def confidences(self) -> list[float]:
        """Every word's confidence, in reading order."""
        return [word.confidence for line in self.lines for word in line.words]

    @property
    def quality(self) -> float:
        """Confidence-weighted count of words: of two readings, more well-read words is better."""
        return sum(self.confidences)

    def read_poorly(self, min_words: int, min_mean: float) -> bool:
        """Fewer than `min_words` words, or their mean confidence under `min_mean`."""
        confidences = self.confidences
        return len(confidences) < min_words or sum(confidences) / len(confidences) < min_mean

    @property
    def frame_size(self) -> tuple[float, float]:
        return self.frame or (self.width, self.height)

    def to_page(self, x: float, y: float) -> tuple[float, float]:
        """A point of the upright frame on the page as sent (undoing the turn)."""
        if not self.angle:
            return x, y
        theta = math.radians(self.angle)
        frame_w, frame_h = self.frame_size
        dx, dy = x - frame_w / 2, y - frame_h / 2
        return (
            dx * math.cos(theta) - dy * math.sin(theta) + self.width / 2,
            dx * math.sin(theta) + dy * math.cos(theta) + self.height / 2,
        )

    def scaled(self, factor: float, unit: str) -> PageText:
        """The same page in another unit (e.g. rendered PDF pixels → inches)."""
        return PageText(
            width=self.width * factor,
            height=self.height * factor,
            unit=unit,
            angle=self.angle,
            lines=tuple(
                replace(
                    line,
                    words=tuple(replace(w, box=scale_box(w.box, factor)) for w in line.words),
                    box=scale_box(line.box, factor),
                )
                for line in self.lines
            ),
            tables=tuple(
                Table(
                    tuple(replace(c, box=scale_box(c.box, factor)) for c in t.cells),
                    scale_box(t.box, factor),
                )
                for t in self.tables
            ),
            selection_marks=tuple(replace(m, box=scale_box(m.box, factor)) for m in self.selection_marks),
            key_values=tuple(
                KeyValue(
                    scale_box(kv.key, factor),
                    scale_box(kv.value, factor) if kv.value else None,
                    kv.confidence,
                )
                for kv in self.key_values
            ),
            frame=(self.frame[0] * factor, self.frame[1] * factor) if self.frame else None,
            barcodes=tuple(
                replace(code, polygon=tuple(value * factor for value in code.polygon))
                for code in self.barcodes
            ),
            figures=tuple(scale_box(box, factor) for box in self.figures),
            located=self.located,
            fields=tuple(
                replace(found, box=scale_box(found.box, factor) if found.box else None)
                for found in self.fields
            ),
        )

    # Pages travel between pipeline stages as sealed JSON.
    def to_json(self) -> dict[str, Any]:
        return {
            "width": self.width,
            "height": self.height,
            "unit": self.unit,
            "angle": self.angle,
            "frame": list(self.frame) if self.frame else None,
            "located": self.located,
            "lines": [
                {
                    "box": list(line.box),
                    "paragraph": line.paragraph,
                    "handwritten": line.handwritten,
                    "words": [
                        [w.text, list(w.box), w.confidence, *([w.style.to_json()] if w.style else [])]
                        for w in line.words
                    ],
                    **({"role": line.role} if line.role else {}),
                }
                for line in self.lines
            ],
            "tables": [{"box": list(t.box), "cells": [_plain(c) for c in t.cells]} for t in self.tables],
            "selectionMarks": [_plain(m) for m in self.selection_marks],
            "keyValues": [_plain(kv) for kv in self.key_values],
            "barcodes": [_plain(code) for code in self.barcodes],
            "figures": [list(box) for box in self.figures],
            **({"fields": [_plain(found) for found in self.fields]} if self.fields else {}),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PageText:
        return cls(
            width=data["width"],
            height=data["height"],
            unit=data["unit"],
            angle=data.get("angle", 0.0),
            frame=tuple(data["frame"]) if data.get("frame") else None,  # type: ignore[arg-type]
            located=data.get("located", True),
            lines=tuple(
                Line(
                    words=tuple(_word(*word) for word in line["words"]),
                    box=tuple(line["box"]),  # type: ignore[arg-type]
                    paragraph=line["paragraph"],
                    handwritten=line.get("handwritten", False),
                    role=line.get("role"),
                )
                for line in data["lines"]
            ),
            tables=tuple(
                Table(tuple(_load(Cell, c) for c in t["cells"]), tuple(t["box"]))  # type: ignore[arg-type]
                for t in data.get("tables", [])
            ),
            selection_marks=tuple(_load(SelectionMark, m) for m in data.get("selectionMarks", [])),
            key_values=tuple(_load(KeyValue, kv) for kv in data.get("keyValues", [])),
            barcodes=tuple(_load(Barcode, code) for code in data.get("barcodes", [])),
            figures=tuple(tuple(box) for box in data.get("figures", [])),  # type: ignore[misc]
            fields=tuple(_load(EngineField, found) for found in data.get("fields", [])),
        )


def _word(text: str, box: list[float], confidence: float, style: dict[str, Any] | None = None) -> Word:
    return Word(text, tuple(box), confidence, Style(**style) if style else None)  # type: ignore[arg-type]


def _plain(item: Any) -> dict[str, Any]:
    return {f.name: (list(v) if isinstance(v := getattr(item, f.name), tuple) else v) for f in fields(item)}


def _load(kind: type, data: dict[str, Any]) -> Any:
    return kind(**{name: tuple(value) if isinstance(value, list) else value for name, value in data.items()})


class OcrEngine(Protocol):
    """Reads one page image (a PIL image); coordinates in pixels.

    With `layout`, the engine also finds tables, selection marks and key-value pairs.
    """

    name: str

    def read(self, image: Any, layout: bool = False) -> PageText: ...


class WrappedEngine:
    """An engine that reads with another and adds to what it read (barcodes, styles);
    what the wrapped engine says of itself (`reads_barcodes`, …) it says too."""

    def __init__(self, engine: OcrEngine):
        self._engine = engine
        self.name = engine.name

    def __getattr__(self, name: str) -> Any:
        return getattr(self._engine, name)


class EngineFailed(Exception):
    """The engine could not read a page (not the document's fault)."""
