"""Word documents (DOCX): paragraphs, tables and pictures in reading order.

python-docx opens the package (its XML parser never resolves entities); the body is
walked here, element by element, because python-docx's own walk leaves out content
controls and text boxes, and says nothing of page breaks inside a paragraph.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, BinaryIO

from docsafe.engines.base import Style
from docsafe.office.blocks import (
    PAGE_BREAK,
    Block,
    Budget,
    Grid,
    GridCell,
    PageBreak,
    Picture,
    styled_text_block,
    text_blocks,
)

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
_V = "{urn:schemas-microsoft-com:vml}"
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_FOOTNOTES = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/footnotes"
_MAX_SPAN = 64  # Word's tables have at most 63 columns


def word_blocks(file: BinaryIO, budget: Budget) -> Iterator[Block | PageBreak]:
    import docx

    document = docx.Document(file)
    part = document.part
    styles = {style.style_id: (style.name or "").lower() for style in document.styles}
    reader = _Reader(part, styles, budget)
    section = document.sections[0] if document.sections else None
    if section is not None and not section.header.is_linked_to_previous:
        for paragraph in section.header._element.iter(f"{_W}p"):
            yield from text_blocks([_text(paragraph)[0]], budget, "pageHeader")
    yield from reader.body(document.element.body)
    yield from text_blocks(_footnotes(part), budget, "footnote")
    if section is not None and not section.footer.is_linked_to_previous:
        for paragraph in section.footer._element.iter(f"{_W}p"):
            yield from text_blocks([_text(paragraph)[0]], budget, "pageFooter")


class _Reader:
    def __init__(self, part: Any, styles: dict[str, str], budget: Budget):
        self._part = part
        self._styles = styles
        self._budget = budget
        self._looks = _Looks(part.styles.element)

    def body(self, container: Any) -> Iterator[Block | PageBreak]:
        for child in container:
            if child.tag == f"{_W}p":
                yield from self.paragraph(child)
            elif child.tag == f"{_W}tbl":
                yield from self.table(child)
            elif child.tag in (f"{_W}sdt", f"{_W}customXml", f"{_W}sdtContent"):
                yield from self.body(child)

    def paragraph(self, element: Any) -> Iterator[Block | PageBreak]:
        properties = element.find(f"{_W}pPr")
        if properties is not None and _on(properties.find(f"{_W}pageBreakBefore")):
            yield PAGE_BREAK
        role = self._role(properties)
        style_id = _value(properties.find(f"{_W}pStyle")) if properties is not None else None
        pieces: list[tuple[str, Style | None]] = []
        for kind, value, run in _contents(element):
            if kind == "text":
                pieces.append((value, self._looks.of(style_id, run)))
            elif kind == "page":
                yield from styled_text_block(pieces, self._budget, role)
                pieces.clear()
                yield PAGE_BREAK
            elif kind == "picture":
                data = self._picture(value)
                if data is not None:
                    yield Picture(data)
        yield from styled_text_block(pieces, self._budget, role)

    def _role(self, properties: Any) -> str | None:
        style = properties.find(f"{_W}pStyle") if properties is not None else None
        name = self._styles.get(style.get(f"{_W}val"), "") if style is not None else ""
        if name == "title":
            return "title"
        if name.startswith("heading"):
            return "sectionHeading"
        return None

    def _picture(self, relationship_id: str) -> bytes | None:
        related = self._part.related_parts.get(relationship_id)
        blob = getattr(related, "blob", None)
        return blob if isinstance(blob, bytes) else None

    def table(self, element: Any) -> Iterator[Block]:
        """The table, then the pictures in its cells (a cell keeps only its text)."""
        cells: list[GridCell] = []
        pictures: list[bytes] = []
        open_above: dict[int, int] = {}  # column → index in cells of the cell a merge continues
        look = element.find(f"{_W}tblPr/{_W}tblLook")
        first_row_is_header = look is not None and (
            _on(look, f"{_W}firstRow", default=False) or int(look.get(f"{_W}val", "0") or "0", 16) & 0x20
        )
        rows = element.findall(f"{_W}tr")
        marked = [row.find(f"{_W}trPr/{_W}tblHeader") is not None for row in rows]
        for row_index, row in enumerate(rows):
            header = marked[row_index] or (not any(marked) and row_index == 0 and bool(first_row_is_header))
            before = row.find(f"{_W}trPr/{_W}gridBefore")
            column = _number(before)
            for cell in row.findall(f"{_W}tc"):
                span = min(_number(cell.find(f"{_W}tcPr/{_W}gridSpan")) or 1, _MAX_SPAN)
                merge = cell.find(f"{_W}tcPr/{_W}vMerge")
                if merge is not None and merge.get(f"{_W}val") != "restart" and column in open_above:
                    index = open_above[column]
                    above = cells[index]
                    cells[index] = GridCell(
                        above.row,
                        above.column,
                        above.text,
                        row_index - above.row + 1,
                        above.column_span,
                        above.header,
                    )
                else:
                    texts = []
                    for paragraph in cell.iter(f"{_W}p"):
                        text, found = _text(paragraph)
                        texts.append(text)
                        pictures += [data for rid in found if (data := self._picture(rid)) is not None]
                    text = "\n".join(" ".join(t.split()) for t in texts if t.strip())
                    self._budget.charge_text(len(text))
                    cells.append(GridCell(row_index, column, text, 1, span, header=header))
                    open_above[column] = len(cells) - 1
                self._budget.charge_cells(span)
                column += span
        if cells:
            yield Grid(tuple(cells))
        for data in pictures:
            yield Picture(data)


def _contents(element: Any, run: Any = None) -> Iterator[tuple[str, str, Any]]:
    """A paragraph's text, page breaks and pictures (relationship ids), in order, each
    with the run it is in; what a compatibility fallback repeats is left out."""
    for child in element:
        tag = child.tag
        if tag == _MC_FALLBACK:
            continue
        if tag == f"{_W}t":
            yield "text", child.text or "", run
        elif tag in (f"{_W}tab", f"{_W}ptab"):
            yield "text", " ", run
        elif tag in (f"{_W}br", f"{_W}cr"):
            if child.get(f"{_W}type") == "page":
                yield "page", "", run
            else:
                yield "text", "\n", run
        elif tag == f"{_W}noBreakHyphen":
            yield "text", "-", run
        elif tag == f"{_A}blip" and child.get(f"{_R}embed"):
            yield "picture", child.get(f"{_R}embed"), run
        elif tag == f"{_V}imagedata" and child.get(f"{_R}id"):
            yield "picture", child.get(f"{_R}id"), run
        elif tag == f"{_W}p":
            # A paragraph of a text box inside this one.
            yield "text", "\n", run
            yield from _contents(child)
            yield "text", "\n", run
        elif tag == f"{_W}r":
            yield from _contents(child, child)
        else:
            yield from _contents(child, run)


def _text(paragraph: Any) -> tuple[str, list[str]]:
    """A paragraph's text (page breaks as line breaks) and its pictures' relationship ids."""
    text: list[str] = []
    pictures: list[str] = []
    for kind, value, _ in _contents(paragraph):
        if kind == "picture":
            pictures.append(value)
        else:
            text.append(value or "\n")
    return "".join(text), pictures


def _footnotes(part: Any) -> Iterator[str]:
    """The footnotes' texts (not Word's separators), from the footnotes part."""
    from docx.oxml.parser import parse_xml

    for relationship in part.rels.values():
        if relationship.reltype == _FOOTNOTES and not relationship.is_external:
            root = parse_xml(relationship.target_part.blob)
            for note in root.iter(f"{_W}footnote"):
                if note.get(f"{_W}type") in (None, "normal"):
                    yield "\n".join(_text(paragraph)[0] for paragraph in note.iter(f"{_W}p"))


# Word's highlight names (w:highlight) as colours.
_HIGHLIGHTS = {
    "yellow": "#FFFF00", "green": "#00FF00", "cyan": "#00FFFF", "magenta": "#FF00FF", "blue": "#0000FF",
    "red": "#FF0000", "darkBlue": "#000080", "darkCyan": "#008080", "darkGreen": "#008000",
    "darkMagenta": "#800080", "darkRed": "#800000", "darkYellow": "#808000", "darkGray": "#808080",
    "lightGray": "#C0C0C0", "black": "#000000", "white": "#FFFFFF",
}  # fmt: skip
_HEX = re.compile(r"^[0-9A-Fa-f]{6}$")


class _Looks:
    """A run's style as Word resolves it: the document's defaults; then its paragraph's
    style (the default paragraph style where it names none) and the styles that one is
    based on; its character style likewise; then the run's own formatting. Bold and
    italics are toggles between the two styles (set in both, they are off again), the
    run's own setting is final. A theme's fonts are not resolved (not told)."""

    def __init__(self, styles: Any):
        self._by_id = {s.get(f"{_W}styleId"): s for s in styles.iter(f"{_W}style")}
        self._default_paragraph = next(
            (
                s.get(f"{_W}styleId")
                for s in styles.iter(f"{_W}style")
                if s.get(f"{_W}type") == "paragraph" and _on(s, f"{_W}default", default=False)
            ),
            None,
        )
        self._defaults = _run_properties(styles.find(f"{_W}docDefaults/{_W}rPrDefault/{_W}rPr"))
        self._cache: dict[tuple[Any, ...], Style] = {}

    def of(self, paragraph_style: str | None, run: Any) -> Style:
        own = run.find(f"{_W}rPr") if run is not None else None
        character = _value(own.find(f"{_W}rStyle")) if own is not None else None
        direct = _run_properties(own)
        key = (paragraph_style, character, tuple(sorted(direct.items())))
        if key not in self._cache:
            paragraph = self._resolved(paragraph_style or self._default_paragraph)
            characters = self._resolved(character)
            told = {**self._defaults, **paragraph, **characters}
            for toggle in ("bold", "italic"):  # a toggle set in both styles is off
                inherited = bool(paragraph.get(toggle, self._defaults.get(toggle, False)))
                told[toggle] = inherited ^ bool(characters.get(toggle, False))
            told.update(direct)
            self._cache[key] = Style(
                family=told.get("family"),
                italic=bool(told.get("italic")),
                bold=bool(told.get("bold")),
                color=told.get("color"),
                background=told.get("background"),
            )
        return self._cache[key]

    def _resolved(self, style_id: str | None) -> dict[str, Any]:
        """A style's run properties, over those of the styles it is based on (10 deep)."""
        chain = []
        seen: set[str] = set()
        while style_id and style_id not in seen and len(seen) < 10:
            seen.add(style_id)
            style = self._by_id.get(style_id)
            if style is None:
                break
            chain.append(_run_properties(style.find(f"{_W}rPr")))
            style_id = _value(style.find(f"{_W}basedOn"))
        told: dict[str, Any] = {}
        for properties in reversed(chain):
            told.update(properties)
        return told


def _run_properties(properties: Any) -> dict[str, Any]:
    """What one w:rPr says of bold, italics, colour, font and highlight (None where it
    says the value is not told: a theme's font, an automatic colour, no highlight)."""
    if properties is None:
        return {}
    told: dict[str, Any] = {}
    for tag, name in ((f"{_W}b", "bold"), (f"{_W}i", "italic")):
        element = properties.find(tag)
        if element is not None:
            told[name] = _on(element)
    color = _value(properties.find(f"{_W}color"))
    if color is not None:
        told["color"] = f"#{color.upper()}" if _HEX.match(color) else None
    fonts = properties.find(f"{_W}rFonts")
    if fonts is not None:
        family = fonts.get(f"{_W}ascii") or fonts.get(f"{_W}hAnsi")
        themed = fonts.get(f"{_W}asciiTheme") or fonts.get(f"{_W}hAnsiTheme")
        if family or themed:
            told["family"] = family[:128] if family and not themed else None
    highlight = _value(properties.find(f"{_W}highlight"))
    shading = properties.find(f"{_W}shd")
    fill = shading.get(f"{_W}fill") if shading is not None else None
    if highlight is not None:
        told["background"] = _HIGHLIGHTS.get(highlight)
    elif fill is not None:
        told["background"] = f"#{fill.upper()}" if _HEX.match(fill) else None
    return told


def _value(element: Any) -> str | None:
    return element.get(f"{_W}val") if element is not None else None


def _on(element: Any, attribute: str = f"{_W}val", default: bool = True) -> bool:
    """A Word on/off property: there and not "0"/"false"/"off"."""
    if element is None:
        return False
    value = element.get(attribute)
    if value is None:
        return default
    return value.lower() not in ("0", "false", "off")


def _number(element: Any) -> int:
    if element is None:
        return 0
    try:
        return max(0, min(int(element.get(f"{_W}val", "0")), _MAX_SPAN))
    except ValueError:
        return 0
