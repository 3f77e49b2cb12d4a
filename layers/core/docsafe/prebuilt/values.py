"""Typed values as documents print them: amounts with their currency, dates, phone
numbers, addresses; each parser answers None for text that does not read as its type, so
a field is left out rather than invented.

Amounts go through price-parser (either decimal convention, a symbol or code on either
side) and phone numbers through phonenumbers (E.164). Addresses are split by a few
patterns of our own: the libraries that parse addresses are either one country's
(usaddress) or a 2 GB model in C (libpostal), and an invoice's address is a handful of
lines whose last names the postcode and the city.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, time

# A symbol names a currency only with the country it is used in; these are the usual readings.
_SYMBOLS = {
    "$": "USD",
    "US$": "USD",
    "€": "EUR",
    "£": "GBP",
    "¥": "JPY",
    "₹": "INR",
    "₩": "KRW",
    "C$": "CAD",
    "A$": "AUD",
    "CA$": "CAD",
    "AU$": "AUD",
    "R$": "BRL",
    "kr": "SEK",
    "zł": "PLN",
    "Fr.": "CHF",
}
CURRENCY_CODES = frozenset(
    [
        "USD",
        "EUR",
        "GBP",
        "JPY",
        "CHF",
        "CAD",
        "AUD",
        "NZD",
        "SEK",
        "NOK",
        "DKK",
        "PLN",
        "CZK",
        "HUF",
        "INR",
        "CNY",
        "KRW",
        "BRL",
        "MXN",
        "ZAR",
        "SGD",
        "HKD",
    ]
)


@dataclass(frozen=True)
class Money:
    amount: float
    symbol: str | None  # as printed ("$", "EUR"), if any
    code: str | None  # ISO 4217, where the symbol or the document tells it

    def to_wire(self) -> dict[str, object]:
        value: dict[str, object] = {"amount": self.amount}
        if self.symbol:
            value["currencySymbol"] = self.symbol
        if self.code:
            value["currencyCode"] = self.code
        return value


MAX_AMOUNT_DIGITS = 15
_AMOUNT = re.compile(r"^[-(]?[^\d\s]{0,4}\s?-?\d{1,3}(?:[.,' ]?\d{3})*(?:[.,]\d{1,2})?\s?[^\d\s]{0,4}[)]?$")


def parse_money(text: str, default_code: str | None = None) -> Money | None:
    """`$1,234.56`, `1.234,56 €`, `EUR 99.00` → the amount and its currency; None for text
    that is not one amount (a date, an id, a sentence)."""
    from price_parser import Price

    # OCR splits "4.647,00" after its separator; the symbol may stand apart or close up
    cleaned = re.sub(r"(?<=\d[.,])\s+(?=\d{2}\b)", "", " ".join(text.split()))
    if not _AMOUNT.match(cleaned) or not re.search(r"\d", cleaned) or "%" in cleaned:
        return None  # (a rate is no amount)
    if re.fullmatch(r"\d{4,}", cleaned):
        return None  # a bare number of four digits or more is an id or a year, not money
    if len(re.sub(r"\D", "", cleaned)) > MAX_AMOUNT_DIGITS:
        return None  # no invoice's amount; and Decimal's context ends at 28 digits
    price = Price.fromstring(cleaned)
    if price.amount is None:
        return None
    symbol = price.currency.strip() if price.currency else None
    rest = re.sub(r"[\d.,'\s()\-]", "", cleaned)
    if rest and not is_currency_word(rest):
        return None  # "3 Qty": words beside the number that are no currency
    upper = symbol.upper() if symbol else None
    code = upper if upper in CURRENCY_CODES else _SYMBOLS.get(symbol or "") or default_code
    amount = round(float(price.amount), 2)
    before_digits = re.split(r"\d", cleaned, maxsplit=1)[0]
    # "-5.00", "(5.00)", and a till's refund "5.00-"
    negative = "-" in before_digits or cleaned.startswith("(") or cleaned.endswith("-")
    return Money(-amount if negative and amount > 0 else amount, symbol, code)


def is_currency_word(text: str) -> bool:
    """A word that is only a currency's symbol or code ("€" after "1.234,56")."""
    return text in _SYMBOLS or text.upper() in CURRENCY_CODES


def currency_in(text: str) -> str | None:
    """The ISO code a line names ("All amounts in EUR", "Currency: GBP")."""
    for word in re.findall(r"\b[A-Z]{3}\b", text):  # a word: "AUDI" names no currency
        if word in CURRENCY_CODES:
            return word
    return None


_MONTH_NAMES = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
]
_NUMERIC_DATE = re.compile(r"^(\d{1,4})[./-](\d{1,2})[./-](\d{2,4})$")
_NAMED_DATE = re.compile(
    r"^(?:(\d{1,2})(?:st|nd|rd|th)?\s+([A-Za-z]{3,9})\.?,?\s+(\d{4})|([A-Za-z]{3,9})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4}))$"
)


def parse_date(text: str, day_first: bool = False) -> date | None:
    """A printed date: ISO, `15/03/2026` (day first where the document's convention is,
    always when the first number is over 12), `03-15-2026`, `15 Mar 2026`, `March 15, 2026`.
    None for anything else: dateutil alone reads "12" or "Total 2026" as dates."""
    from dateutil import parser

    cleaned = " ".join(text.replace(",", ", ").split()).strip(" .,")
    cleaned = re.sub(r"\s+,", ",", cleaned)
    numeric = _NUMERIC_DATE.match(cleaned)
    named = _NAMED_DATE.match(cleaned)
    if numeric:
        first, second, third = numeric.groups()
        if len(first) == 4:
            year, month, day = int(first), int(second), int(third)
        else:
            if len(third) != 4:
                return None  # a two-digit year is ambiguous three ways
            year = int(third)
            day_first_here = day_first or int(first) > 12
            day, month = (int(first), int(second)) if day_first_here else (int(second), int(first))
        try:
            return date(year, month, day)
        except ValueError:
            return None
    if named:
        month = (named.group(2) or named.group(4)).lower()
        if month.rstrip(".") not in _MONTH_NAMES:
            return None
        try:
            return parser.parse(cleaned).date()
        except (ValueError, OverflowError):
            return None
    return None


_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?$")


def parse_time(text: str) -> time | None:
    """`14:05`, `2:05 PM`, `14:05:09`."""
    match = _TIME.match(text.strip())
    if not match:
        return None
    hour, minute, second, half = match.groups()
    if half and not 1 <= int(hour) <= 12:
        return None  # "13:00 PM"
    hour_of_day = int(hour) % 12 + (12 if half and half.lower() == "pm" else 0) if half else int(hour)
    try:
        return time(hour_of_day, int(minute), int(second or 0))
    except ValueError:
        return None


_NUMBER = re.compile(r"^-?\d{1,9}(?:[.,]\d{1,4})?$")


def parse_number(text: str) -> float | None:
    """A quantity as printed: `3`, `2.5`, `1,5` (a decimal comma); nothing else (float()
    would take `nan`, `inf` and `1e400`)."""
    cleaned = text.strip()
    if not _NUMBER.match(cleaned):
        return None
    return float(cleaned.replace(",", "."))


def currency_of_phone(text: str) -> str | None:
    """The currency of the country a valid international number (`+49 30 …`) dials."""
    import phonenumbers

    if not text.strip().startswith("+") or parse_phone(text) is None:
        return None
    region = phonenumbers.region_code_for_number(phonenumbers.parse(text, None))
    return _REGION_CURRENCIES.get(region or "")


_REGION_CURRENCIES = {
    "US": "USD",
    "CA": "CAD",
    "GB": "GBP",
    "CH": "CHF",
    "AU": "AUD",
    "NZ": "NZD",
    "SE": "SEK",
    "NO": "NOK",
    "DK": "DKK",
    "PL": "PLN",
    "IN": "INR",
    "JP": "JPY",
    **{region: "EUR" for region in ("DE", "FR", "NL", "BE", "AT", "IE", "ES", "IT", "PT", "FI", "LU", "GR")},
}
REGION_OF_CURRENCY = {
    "USD": "US",
    "EUR": "DE",
    "GBP": "GB",
    "CHF": "CH",
    "CAD": "CA",
    "AUD": "AU",
    "INR": "IN",
}


def parse_phone(text: str, region: str | None = "US") -> str | None:
    """A phone number in E.164 (`+14255550123`), or None if the text is not a valid one.
    `region` is the country a number without its +code is read in."""
    import phonenumbers

    digits = re.sub(r"[^\d+]", "", text)
    if len(digits.lstrip("+")) < 7:
        return None
    try:
        number = phonenumbers.parse(text, None if text.strip().startswith("+") else region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


# ------------------------------------------------------------------ addresses

_US_LAST = re.compile(r"^(?P<city>[^,\d][^,]*?),?\s+(?P<state>[A-Z]{2})\s+(?P<postal>\d{5}(?:-\d{4})?)$")
_UK_LAST = re.compile(r"^(?P<city>[^,\d][^,]*?),?\s+(?P<postal>[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2})$")
_EU_LAST = re.compile(r"^(?:(?P<prefix>[A-Z]{1,2})-)?(?P<postal>\d{4,5}(?:\s?[A-Z]{2})?)\s+(?P<city>\D.*)$")
_NUMBER_FIRST = re.compile(r"^(?P<number>\d+[A-Za-z]?(?:-\d+)?)\s+(?P<road>\D.*)$")
_NUMBER_LAST = re.compile(r"^(?P<road>\D.*?)\s+(?P<number>\d+[A-Za-z]?(?:-\d+)?)$")
_UNIT = re.compile(r"^(?:suite|ste|unit|apt|floor|fl)\.?\s*#?\s*\S+$", re.IGNORECASE)
_PO_BOX = re.compile(r"^(?:p\.?\s?o\.?\s*box|postfach)\s+\d+$", re.IGNORECASE)
COUNTRY_NAMES = frozenset(
    [
        "usa",
        "united states",
        "united kingdom",
        "uk",
        "germany",
        "deutschland",
        "france",
        "netherlands",
        "belgium",
        "austria",
        "switzerland",
        "spain",
        "italy",
        "ireland",
        "canada",
        "australia",
        "sweden",
        "denmark",
        "norway",
        "poland",
    ]
)


def parse_address(lines: list[str]) -> dict[str, str] | None:
    """An address's parts (Azure's valueAddress names) from its printed lines, the street
    first and the postcode and city last; None when no line reads as a postcode and city."""
    lines = [" ".join(line.split()) for line in lines if line.strip()]
    value: dict[str, str] = {}
    if lines and lines[-1].casefold() in COUNTRY_NAMES:
        value["countryRegion"] = lines.pop()
    if not lines:
        return None
    last = lines[-1]
    for pattern in (_US_LAST, _UK_LAST, _EU_LAST):
        if match := pattern.match(last):
            parts = match.groupdict()
            value["city"] = parts["city"].strip(" ,")
            value["postalCode"] = parts["postal"]
            if parts.get("state"):
                value["state"] = parts["state"]
            break
    else:
        return None
    street: list[str] = []
    for line in lines[:-1]:
        if _UNIT.match(line):
            value["unit"] = line
        elif _PO_BOX.match(line):
            value["poBox"] = line
        else:
            pieces = [piece.strip() for piece in line.split(",")]
            if len(pieces) == 2 and _UNIT.match(pieces[1]):
                value["unit"] = pieces[1]
                line = pieces[0]
            street.append(line)
    if street:
        value["streetAddress"] = street[-1]
        road = street[-1]
        if match := _NUMBER_FIRST.match(road) or _NUMBER_LAST.match(road):
            value["houseNumber"] = match.group("number")
            value["road"] = match.group("road")
        else:
            value["road"] = road
        if len(street) > 1:
            value["house"] = ", ".join(street[:-1])
    return value
