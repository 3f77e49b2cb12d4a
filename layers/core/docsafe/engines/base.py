"""What every OCR engine returns for one page, and the interface engines implement."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

Box = tuple[float, float, float, float]  # left, top, right, bottom in the page's unit


@dataclass(frozen=True)
class Word:
    text: str
    box: Box
    confidence: float  # 0..1


@dataclass(frozen=True)
class Line:
    words: tuple[Word, ...]
    box: Box
    paragraph: int = 0  # lines with the same number form one paragraph

    @property
    def text(self) -> str:
        return " ".join(word.text for word in self.words)


@dataclass(frozen=True)
class PageText:
    """The text of one page with its geometry, in `unit` ("pixel" or "inch")."""

    width: float
    height: float
    unit: str
    lines: tuple[Line, ...] = field(default_factory=tuple)
    angle: float = 0.0

    def scaled(self, factor: float, unit: str) -> PageText:
        """The same page in another unit (e.g. rendered PDF pixels → inches)."""

        def box(b: Box) -> Box:
            return (b[0] * factor, b[1] * factor, b[2] * factor, b[3] * factor)

        return PageText(
            width=self.width * factor,
            height=self.height * factor,
            unit=unit,
            angle=self.angle,
            lines=tuple(
                Line(
                    words=tuple(Word(w.text, box(w.box), w.confidence) for w in line.words),
                    box=box(line.box),
                    paragraph=line.paragraph,
                )
                for line in self.lines
            ),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "width": self.width,
            "height": self.height,
            "unit": self.unit,
            "angle": self.angle,
            "lines": [
                {
                    "box": list(line.box),
                    "paragraph": line.paragraph,
                    "words": [[w.text, list(w.box), w.confidence] for w in line.words],
                }
                for line in self.lines
            ],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PageText:
        return cls(
            width=data["width"],
            height=data["height"],
            unit=data["unit"],
            angle=data.get("angle", 0.0),
            lines=tuple(
                Line(
                    words=tuple(Word(text, tuple(box), conf) for text, box, conf in line["words"]),  # type: ignore[arg-type]
                    box=tuple(line["box"]),  # type: ignore[arg-type]
                    paragraph=line["paragraph"],
                )
                for line in data["lines"]
            ),
        )


class OcrEngine(Protocol):
    """Reads the text of one page image (a PIL image); coordinates in pixels."""

    name: str

    def read(self, image: Any) -> PageText: ...


class EngineFailed(Exception):
    """The engine could not read a page (not the document's fault)."""
