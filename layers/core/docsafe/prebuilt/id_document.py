"""prebuilt-idDocument over the words read: the machine-readable zone where there is one
(its check digits tell whether it was read right), and the visual zone's labelled fields.

A field printed in both zones is given from the visual zone's words when the two agree, or
when the zone's check digits fail; from the zone when its check digits pass and the
visual zone's words were misread or not found.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from docsafe.prebuilt import mrz
from docsafe.prebuilt.labelled import BELOW, LabelledFields, address_field, conventions_of
from docsafe.prebuilt.reading import FieldWriter, RawJson, Reading, TextLine, document_spans, whole_page

LABELS: dict[str, tuple[str, ...]] = {
    "LastName": ("surname", "last name", "family name", "nom", "name"),
    "FirstName": (
        "given names",
        "given name",
        "first name",
        "first names",
        "forenames",
        "prénoms",
        "prenoms",
    ),
    "DocumentNumber": (
        "passport no",
        "passport number",
        "document no",
        "document number",
        "card no",
        "card number",
        "id no",
        "id number",
        "licence no",
        "license no",
        "dl no",
        "no",
    ),
    "DateOfBirth": ("date of birth", "birth date", "dob", "born"),
    "DateOfExpiration": (
        "date of expiry",
        "date of expiration",
        "expiry date",
        "expiration date",
        "expires",
        "valid until",
        "exp",
    ),
    "DateOfIssue": ("date of issue", "issue date", "issued", "iss"),
    "Sex": ("sex", "gender"),
    "Nationality": ("nationality",),
    "PlaceOfBirth": ("place of birth", "birthplace"),
    "Address": ("address", "residence"),
    "Code": ("country code", "code", "issuing state", "issuing country"),
}
_UNCHECKED = ("FirstName", "LastName", "Sex")
MRZ_CERTAINTY = 0.99  # a zone whose check digits all agree
_COUNTRY_WORDS = {
    "passport": "idDocument.passport",
    "driver": "idDocument.driverLicense",
    "driving": "idDocument.driverLicense",
    "licence": "idDocument.driverLicense",
    "license": "idDocument.driverLicense",
    "identity": "idDocument.nationalIdentityCard",
    "residence": "idDocument.residencePermit",
}


def extract_id_document(pages: Sequence[RawJson], today: date | None = None) -> RawJson:
    reading = Reading(pages)
    # Only the lines of a zone that parsed are the zone's (and left out of the labels).
    texts = [" ".join(token.text for token in line.tokens) for line in reading.lines]
    zone = mrz.parse(texts, today)
    zone_lines = [reading.lines[index] for index in zone.source] if zone else []
    in_zone = {line.index for line in zone_lines}
    conventions = conventions_of(reading)
    # An ID's dates are day first unless the document is American.
    day_first = not (zone and zone.issuer == "USA")
    found = LabelledFields(
        reading,
        LABELS,
        type(conventions)(conventions.currency, day_first),
        lambda line: line.index in in_zone,
    )
    writer = found.writer
    fields: dict[str, RawJson] = {}
    for name in ("LastName", "FirstName", "Nationality", "PlaceOfBirth", "Sex"):
        if field := found.text(name):
            fields[name] = field
    if "Sex" in fields:
        sex = fields["Sex"]["valueString"][:1].upper()
        if sex in "MFX":
            fields["Sex"]["valueString"] = sex
        else:
            del fields["Sex"]
    if field := found.identifier("DocumentNumber"):
        fields["DocumentNumber"] = field
    for name in ("DateOfBirth", "DateOfExpiration", "DateOfIssue"):
        if field := found.date(name):
            fields[name] = field
    if (lines := found.block("Address", 3)) and (place := address_field(writer, lines, BELOW)):
        fields["Address"] = place
    doc_type = _doc_type(reading, zone)
    if zone is not None:
        _from_zone(fields, zone, zone_lines, writer)
    # A countryRegion: as its code (`UTO`); a nationality printed as a word has none.
    if (
        "Nationality" in fields
        and fields["Nationality"].get("type") == "string"
        and (code := _country_field(fields.pop("Nationality"))) is not None
    ):
        fields["Nationality"] = code
    return {
        "docType": doc_type,
        "boundingRegions": whole_page(pages),
        "fields": fields,
        "confidence": round(0.99 if zone and zone.valid else 0.5 + 0.05 * min(len(fields), 8), 3),
        "spans": document_spans(reading),
    }


def _doc_type(reading: Reading, zone: mrz.Zone | None) -> str:
    if zone is not None:
        if zone.kind == "TD3" and zone.document_code.startswith("P"):
            return "idDocument.passport"
        if zone.document_code in ("IR", "RP") or zone.document_code.startswith("R"):
            return "idDocument.residencePermit"
        return "idDocument.nationalIdentityCard"
    for line in reading.lines[:8]:
        for token in line.tokens:
            if doc_type := _COUNTRY_WORDS.get(token.plain):
                return doc_type
    return "idDocument"


def zone_values(zone: mrz.Zone) -> dict[str, tuple[str, RawJson]]:
    """What a zone says, as the MachineReadableZone's fields: name → (type, value)."""
    found: dict[str, tuple[str, RawJson]] = {}
    for name, text in (
        ("FirstName", zone.first_name),
        ("LastName", zone.last_name),
        ("DocumentNumber", zone.document_number),
        ("Sex", zone.sex),
    ):
        if text:
            found[name] = ("string", {"valueString": text})
    for name, country in (("CountryRegion", zone.issuer), ("Nationality", zone.nationality)):
        if len(country) == 3:
            found[name] = ("countryRegion", {"valueCountryRegion": country})
    for name, day in (("DateOfBirth", zone.birth), ("DateOfExpiration", zone.expiry)):
        if day is not None:
            found[name] = ("date", {"valueDate": day.isoformat()})
    return found


def _from_zone(
    fields: dict[str, RawJson], zone: mrz.Zone, lines: list[TextLine], writer: FieldWriter
) -> None:
    """The MRZ object, and the zone's values where the visual zone's are missing or wrong."""
    tokens = [token for line in lines for token in line.tokens]
    certainty = MRZ_CERTAINTY if zone.valid else 0.6
    by_zone = {
        name: writer.field(kind, tokens, value, certainty)
        for name, (kind, value) in zone_values(zone).items()
    }
    for field in by_zone.values():
        field["content"] = field["content"].replace(" ", "")
        if zone.valid:
            field["confidence"] = MRZ_CERTAINTY  # the check digits proved it, whatever the words' scores
    zone_field = writer.object(by_zone, tokens, certainty)
    if zone.valid:
        zone_field["confidence"] = MRZ_CERTAINTY
    zone_field["content"] = "\n".join(zone.lines)
    fields["MachineReadableZone"] = zone_field
    if not zone.valid:
        return
    for name, from_zone in by_zone.items():
        seen = fields.get(name)
        if seen is not None and name in _UNCHECKED and not _agrees(seen, from_zone):
            continue  # no check digit covers a name: the visual zone's reading stands
        if seen is None or not _agrees(seen, from_zone):
            fields[name] = from_zone
        else:
            seen["confidence"] = round(max(seen["confidence"], MRZ_CERTAINTY), 3)


def _agrees(visual: RawJson, zone: RawJson) -> bool:
    def value(field: RawJson) -> str:
        for key in ("valueString", "valueDate", "valueCountryRegion"):
            if key in field:
                return str(field[key]).upper().replace(" ", "").replace("-", "")
        return ""

    return value(visual) == value(zone)


def _country_field(field: RawJson) -> RawJson | None:
    """A nationality printed as its code (`UTO`) as a countryRegion; None for a word."""
    text = field["valueString"].upper()
    if len(text) == 3 and text.isascii() and text.isalpha():
        return {
            **{k: v for k, v in field.items() if k != "valueString"},
            "type": "countryRegion",
            "valueCountryRegion": text,
        }
    return None
