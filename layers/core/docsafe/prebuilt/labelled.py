"""Fields found by their labels: a value right after its label on the line, or under it
(captions over values); typed by the parsers of `values`, and left out when no value of
the field's type is there."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from docsafe.prebuilt import values
from docsafe.prebuilt.reading import (
    FieldWriter,
    Label,
    RawJson,
    Reading,
    TextLine,
    Token,
    first_run,
    identifier,
)

TEXT_GAP = 4.0  # line heights: a wider gap after a label's text starts another column
SAME_LINE, BELOW = 0.95, 0.85  # how sure a value is, by where it was found from its label
_DAY_FIRST_CURRENCIES = {"EUR", "GBP", "CHF", "AUD", "NZD", "INR", "SEK", "NOK", "DKK", "PLN", "BRL"}


@dataclass(frozen=True)
class Conventions:
    """What a document's amounts and dates are read by: its currency and date order."""

    currency: str | None
    day_first: bool

    @property
    def region(self) -> str:
        """The country a phone number without its +code is read in: the currency's."""
        return values.REGION_OF_CURRENCY.get(self.currency or "", "US")


def conventions_of(reading: Reading) -> Conventions:
    """The currency the document names or prints most, and whether its numeric dates put
    the day first (a date whose first number is over 12 says so; failing that, the
    currency's country does)."""
    counts: dict[str, int] = {}
    day_first: bool | None = None
    for line in reading.lines:
        for token, after in zip(line.tokens, [*line.tokens[1:], None], strict=True):
            # "1.234,56 €": the symbol may be a word of its own
            money = values.parse_money(
                token.text + (" " + after.text if after and values.is_currency_word(after.text) else "")
            )
            if money is not None and money.code:
                counts[money.code] = counts.get(money.code, 0) + 1
            match = re.fullmatch(r"(\d{1,2})[./-](\d{1,2})[./-]\d{4}", token.text.strip(".,"))
            if match and day_first is None:
                first, second = int(match.group(1)), int(match.group(2))
                if first > 12:
                    day_first = True
                elif second > 12:
                    day_first = False
        if code := values.currency_in(line.text):
            counts[code] = counts.get(code, 0) + 2
    currency = max(counts, key=lambda code: counts[code]) if counts else _country_currency(reading)
    if day_first is None:
        day_first = currency in _DAY_FIRST_CURRENCIES
    return Conventions(currency, day_first)


def _country_currency(reading: Reading) -> str | None:
    """A document that prints no currency is in its country's: the one its phone numbers
    dial (a valid international number, up to five words: `+49 30 1718946`)."""
    for line in reading.lines:
        tokens = line.tokens
        for start, token in enumerate(tokens):
            if token.text.startswith("+") and len(token.text) <= 4:
                for end in range(min(len(tokens), start + 5), start, -1):
                    text = " ".join(t.text for t in tokens[start:end])
                    if code := values.currency_of_phone(text):
                        return code
    return None


class LabelledFields:
    """The labels of a document's fields, and their values read as each field's type."""

    def __init__(
        self,
        reading: Reading,
        synonyms: dict[str, Iterable[str]],
        conventions: Conventions,
        skip_lines: Callable[[TextLine], bool] = lambda line: False,
    ):
        self.reading = reading
        self.writer = FieldWriter()
        self.conventions = conventions
        self.labels = [label for label in reading.labels(synonyms) if not skip_lines(label.line)]
        # By row and by field: each lookup is the row's or the field's, not every label's
        # (a long document prints "Total" on hundreds of rows).
        self._by_line: dict[int, list[Label]] = {}
        self._by_field: dict[str, list[Label]] = {}
        for label in self.labels:
            self._by_line.setdefault(label.line.index, []).append(label)
            self._by_field.setdefault(label.field, []).append(label)

    def of(self, field: str) -> list[Label]:
        return self._by_field.get(field, [])

    def label_lines(self) -> set[int]:
        return set(self._by_line)

    def on_line(self, label: Label) -> list[Label]:
        return self._by_line.get(label.line.index, [])

    def _values(self, label: Label, gap: float | None = None) -> Iterable[tuple[list[Token], float]]:
        """Where a label's value may be: after it on its line, then under it."""
        after = self.reading.after(label, self.on_line(label), gap)
        if after:
            yield after, SAME_LINE
        for line in self.reading.below(label, self.on_line(label)):
            if line.index not in self._by_line:
                yield list(line.tokens), BELOW

    def typed(
        self,
        field: str,
        parse: Callable[[str], Any],
        to_wire: Callable[[Any], dict[str, Any]],
        kind: str,
        last: bool = False,
    ) -> RawJson | None:
        """The field from the first (or `last`) label with a value `parse` reads."""
        labels = self.of(field)
        for label in reversed(labels) if last else labels:
            if found := self.typed_from(label, parse, to_wire, kind):
                return found
        return None

    def typed_from(
        self, label: Label, parse: Callable[[str], Any], to_wire: Callable[[Any], dict[str, Any]], kind: str
    ) -> RawJson | None:
        """The value of one label that `parse` reads, if it has one."""
        for tokens, certainty in self._values(label):
            used, value = first_run(tokens, parse)
            if used:
                return self.writer.field(kind, used, to_wire(value), certainty)
        return None

    def money(self, field: str, last: bool = False) -> RawJson | None:
        return self.typed(
            field, self.parse_money, lambda money: {"valueCurrency": money.to_wire()}, "currency", last
        )

    def parse_money(self, text: str) -> values.Money | None:
        return values.parse_money(text, self.conventions.currency)

    def date(self, field: str) -> RawJson | None:
        return self.typed(
            field,
            lambda text: values.parse_date(text, self.conventions.day_first),
            lambda day: {"valueDate": day.isoformat()},
            "date",
        )

    def identifier(self, field: str) -> RawJson | None:
        for label in self.of(field):
            for tokens, certainty in self._values(label):
                if used := identifier(tokens):
                    text = used[0].text.strip(":.,;()[]")
                    return self.writer.field("string", used, {"valueString": text.lstrip("#")}, certainty)
        return None

    def text(self, field: str) -> RawJson | None:
        """The words after the label (or under it), as they are."""
        for label in self.of(field):
            for tokens, certainty in self._values(label, gap=TEXT_GAP):
                words = [token for token in tokens if token.plain]
                if words:
                    return self.writer.field(
                        "string", words, {"valueString": " ".join(t.text for t in words)}, certainty
                    )
        return None

    def block(self, field: str, most: int = 5) -> list[Sequence[Token]]:
        """The lines a label heads ("Bill to:" and the name and address under it): the
        rest of its own line, if any, then the lines under it."""
        for label in self.of(field):
            lines: list[Sequence[Token]] = []
            if after := self.reading.after(label, self.on_line(label), TEXT_GAP):
                lines.append(after)
            for line in self.reading.below(label, self.on_line(label), most):
                if line.index in self._by_line:
                    break
                lines.append(line.tokens)
            if lines:
                return lines[:most]
        return []


def address_field(writer: FieldWriter, lines: Sequence[Sequence[Token]], certainty: float) -> RawJson | None:
    """An address from its lines, if the last reads as a postcode and city."""
    for end in range(len(lines), 0, -1):
        parts = values.parse_address([" ".join(token.text for token in line) for line in lines[:end]])
        if parts is not None:
            tokens = [token for line in lines[:end] for token in line]
            return writer.field("address", tokens, {"valueAddress": parts}, certainty)
    return None


def string_field(writer: FieldWriter, tokens: Sequence[Token], certainty: float) -> RawJson:
    return writer.field(
        "string", tokens, {"valueString": " ".join(token.text for token in tokens)}, certainty
    )


def phone_field(writer: FieldWriter, lines: Iterable[TextLine], region: str | None) -> RawJson | None:
    """The first phone number printed on `lines` (a run of up to five words)."""
    for line in lines:
        tokens = [token for token in line.tokens if re.search(r"[\d()+]", token.text)]
        used, number = first_run(tokens, lambda text: values.parse_phone(text, region), longest=5)
        if used:
            return writer.field("phoneNumber", used, {"valuePhoneNumber": number}, SAME_LINE)
    return None


def amount_of(fields: dict[str, RawJson], name: str) -> float | None:
    field = fields.get(name)
    return field["valueCurrency"]["amount"] if field else None


def adds_up(total: float, parts: Iterable[float]) -> bool:
    """Whether `parts` make `total`, to the cent."""
    return abs(sum(parts) - total) < 0.011


def weigh_totals(fields: dict[str, RawJson], checks: Sequence[tuple[tuple[str, ...], bool]]) -> None:
    """Totals that add up are surer; ones that do not, less so (one of them was misread)."""
    for names, agreed in checks:
        for name in names:
            factor = 1.03 if agreed else 0.8
            fields[name]["confidence"] = round(min(1.0, fields[name]["confidence"] * factor), 3)
