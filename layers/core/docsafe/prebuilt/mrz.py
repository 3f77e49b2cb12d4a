"""Machine-readable zones of passports (TD3: two lines of 44) and ID cards (TD1: three of
30), ICAO Doc 9303: their fields, and check digits that prove them read right.

Our own code rather than a library: the format is fixed by ICAO, the check is a dozen
lines, and the one package for it (`mrz`) has not had a release since 2020. OCR misreads
in an MRZ are mended where the check digits allow it: a digit field read with O for 0 or
B for 8 is tried with the digits those letters look like until its check digit agrees.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, replace
from datetime import date

_WEIGHTS = (7, 3, 1)
_LOOKS_LIKE_DIGIT = {
    "O": "0",
    "Q": "0",
    "D": "0",
    "U": "0",
    "I": "1",
    "L": "1",
    "Z": "2",
    "S": "5",
    "B": "8",
    "G": "6",
    "T": "7",
}
_LOOKS_LIKE_LETTER = {
    digit: letter
    for letter, digit in (("O", "0"), ("I", "1"), ("Z", "2"), ("S", "5"), ("B", "8"), ("G", "6"))
}
MRZ_CHARACTERS = re.compile(r"^[A-Z0-9<]+$")


def check_digit(text: str) -> str:
    """ICAO 9303's check digit of `text` (digits, capitals, `<` as nought)."""
    total = 0
    for index, char in enumerate(text):
        if char.isdigit():
            value = int(char)
        elif "A" <= char <= "Z":
            value = ord(char) - ord("A") + 10
        else:
            value = 0
        total += value * _WEIGHTS[index % 3]
    return str(total % 10)


@dataclass(frozen=True)
class Zone:
    """What an MRZ says. Dates as dates; names with their fillers made spaces."""

    kind: str  # "TD3" (passport) or "TD1" (ID card)
    document_code: str  # "P", "ID", "I<", …
    issuer: str  # ICAO 3-letter code
    document_number: str
    birth: date | None
    sex: str  # "M", "F" or "X"
    expiry: date | None
    nationality: str
    last_name: str
    first_name: str
    valid: bool  # every check digit agrees
    lines: tuple[str, ...]
    source: tuple[int, ...] = ()  # which of the lines parsed it came from


def clean_line(text: str) -> str:
    """An MRZ line as OCR gives it, in MRZ characters: spaces gone, look-alikes of the
    filler (`«`, `‹`, `(`) made `<`, letters upper case."""
    text = text.upper().replace(" ", "").replace("«", "<<").replace("‹", "<").replace("(", "<")
    return re.sub(r"[^A-Z0-9<]", "<", text)


_ZONE_CHARACTER = re.compile(r"[A-Z0-9<«‹]")


def looks_like_mrz(text: str) -> bool:
    """A line that may be a zone's: mostly capitals, digits and fillers as printed (OCR
    reads a long run of fillers as small letters or `#`, but a sentence is mostly small
    letters), a run of fillers once cleaned (no sentence's punctuation makes three in a
    row), and about a zone line's length."""
    raw = text.replace(" ", "")
    if not raw or len(_ZONE_CHARACTER.findall(raw)) < 0.6 * len(raw):
        return False
    cleaned = clean_line(text)
    return 28 <= len(cleaned) <= 46 and "<<<" in cleaned


def parse(lines: list[str], today: date | None = None) -> Zone | None:
    """The zone in `lines` (OCR text of the bottom of a document), or None if they do not
    make a TD3 or TD1 zone."""
    candidates = [(index, clean_line(line)) for index, line in enumerate(lines) if looks_like_mrz(line)]
    cleaned = [line for _, line in candidates]
    today = today or date.today()
    for first in range(len(cleaned)):
        two = cleaned[first : first + 2]
        if len(two) == 2 and two[0].startswith("P") and min(map(len, two)) >= 42:
            zone = _td3([_fit(line, 44) for line in two], today)
            return replace(zone, source=tuple(index for index, _ in candidates[first : first + 2]))
        three = cleaned[first : first + 3]
        if len(three) == 3 and all(28 <= len(line) <= 32 for line in three):
            zone = _td1([_fit(line, 30) for line in three], today)
            return replace(zone, source=tuple(index for index, _ in candidates[first : first + 3]))
    return None


def _fit(line: str, length: int) -> str:
    """A line cut or padded with fillers to its format's length (OCR drops or adds a `<`
    at the end of a filler run)."""
    return (line + "<" * length)[:length]


def _digits(field: str, check: str) -> tuple[str, bool]:
    """A digit field and whether its check digit agrees, trying look-alike letters as
    the digits they resemble."""
    check = _LOOKS_LIKE_DIGIT.get(check, check)
    if check_digit(field) == check:
        return field, True
    mended = "".join(_LOOKS_LIKE_DIGIT.get(char, char) for char in field)
    return mended, check_digit(mended) == check


def _document_number(field: str, check: str) -> tuple[str, bool]:
    """A document number (letters and digits) and whether it checks: each ambiguous
    character is tried both ways, at most 2^6 tries."""
    check = _LOOKS_LIKE_DIGIT.get(check, check)
    choices = []
    for char in field:
        options = {char}
        if char in _LOOKS_LIKE_DIGIT:
            options.add(_LOOKS_LIKE_DIGIT[char])
        if char in _LOOKS_LIKE_LETTER:
            options.add(_LOOKS_LIKE_LETTER[char])
        choices.append(sorted(options, key=lambda option: option != char))
    ambiguous = sum(len(options) > 1 for options in choices)
    if ambiguous > 6:
        return field, check_digit(field) == check
    for candidate in itertools.product(*choices):
        text = "".join(candidate)
        if check_digit(text) == check:
            return text, True
    return field, False


def _date(text: str, future: bool, today: date) -> date | None:
    """YYMMDD: a birth date in the past century if need be; an expiry in this one."""
    if not text.isdigit():
        return None
    year, month, day = int(text[:2]), int(text[2:4]), int(text[4:])
    century = 2000 if future or 2000 + year <= today.year else 1900
    try:
        return date(century + year, month, day)
    except ValueError:
        return None


def _names(text: str) -> tuple[str, str]:
    # Names end at the first run of three fillers; what OCR reads after it is the
    # filler run misread ("LUKAS<<<<<<ECCEC"), no part of a name.
    text = text.strip("<").split("<<<")[0]
    last, _, first = text.partition("<<")
    return last.replace("<", " ").strip(), first.replace("<", " ").strip()


def _letters(text: str) -> str:
    return "".join(_LOOKS_LIKE_LETTER.get(char, char) for char in text)


def _td3(lines: list[str], today: date) -> Zone:
    top, bottom = lines
    number, number_ok = _document_number(bottom[0:9], bottom[9])
    birth, birth_ok = _digits(bottom[13:19], bottom[19])
    expiry, expiry_ok = _digits(bottom[21:27], bottom[27])
    composite = number + bottom[9] + birth + bottom[19] + expiry + bottom[27] + bottom[28:43]
    composite_ok = check_digit(composite) == _LOOKS_LIKE_DIGIT.get(bottom[43], bottom[43])
    last, first = _names(_letters(top[5:44]))
    return Zone(
        kind="TD3",
        document_code=top[0:2].rstrip("<") or "P",
        issuer=_letters(top[2:5]).replace("<", ""),
        document_number=number.rstrip("<"),
        birth=_date(birth, False, today),
        sex=bottom[20] if bottom[20] in "MF" else "X",
        expiry=_date(expiry, True, today),
        nationality=_letters(bottom[10:13]).replace("<", ""),
        last_name=last,
        first_name=first,
        valid=number_ok and birth_ok and expiry_ok and composite_ok,
        lines=(top, bottom),
    )


def _td1(lines: list[str], today: date) -> Zone:
    top, middle, bottom = lines
    number, number_ok = _document_number(top[5:14], top[14])
    birth, birth_ok = _digits(middle[0:6], middle[6])
    expiry, expiry_ok = _digits(middle[8:14], middle[14])
    composite = number + top[14:30] + birth + middle[6] + expiry + middle[14] + middle[18:29]
    composite_ok = check_digit(composite) == _LOOKS_LIKE_DIGIT.get(middle[29], middle[29])
    last, first = _names(_letters(bottom))
    return Zone(
        kind="TD1",
        document_code=top[0:2].rstrip("<") or "I",
        issuer=_letters(top[2:5]).replace("<", ""),
        document_number=number.rstrip("<"),
        birth=_date(birth, False, today),
        sex=middle[7] if middle[7] in "MF" else "X",
        expiry=_date(expiry, True, today),
        nationality=_letters(middle[15:18]).replace("<", ""),
        last_name=last,
        first_name=first,
        valid=number_ok and birth_ok and expiry_ok and composite_ok,
        lines=(top, middle, bottom),
    )


def write(
    kind: str,
    issuer: str,
    number: str,
    birth: date,
    sex: str,
    expiry: date,
    nationality: str,
    last_name: str,
    first_name: str,
) -> list[str]:
    """The MRZ lines of a document with these details (for documents made to test with)."""

    def name_field(length: int) -> str:
        names = last_name.upper().replace(" ", "<") + "<<" + first_name.upper().replace(" ", "<")
        return (names + "<" * length)[:length]

    number_field = (number.upper() + "<" * 9)[:9]
    born, expires = birth.strftime("%y%m%d"), expiry.strftime("%y%m%d")
    if kind == "TD3":
        top = "P<" + issuer + name_field(39)
        personal = "<" * 14
        body = (
            number_field
            + check_digit(number_field)
            + nationality
            + born
            + check_digit(born)
            + sex
            + expires
            + check_digit(expires)
            + personal
            + check_digit(personal)
        )
        composite = body[0:10] + body[13:20] + body[21:43]
        return [top, body + check_digit(composite)]
    top = ("I<" + issuer + number_field + check_digit(number_field) + "<" * 15)[:30]
    middle = born + check_digit(born) + sex + expires + check_digit(expires) + nationality + "<" * 11
    composite = top[5:30] + middle[0:7] + middle[8:15] + middle[18:29]
    return [top, middle + check_digit(composite), name_field(30)]
