"""The field models' pieces: values as documents print them, MRZ check digits, and the
extractors over pages whose words and places are known (no OCR)."""

from __future__ import annotations

from datetime import date

import pytest
from docsafe.prebuilt import mrz, values
from docsafe.prebuilt.id_document import extract_id_document
from docsafe.prebuilt.invoice import extract_invoice
from docsafe.prebuilt.receipt import extract_receipt

from tests.support.pages import result_pages


@pytest.mark.parametrize(
    ("printed", "amount", "code"),
    [
        ("$1,234.56", 1234.56, "USD"),
        ("1.234,56 €", 1234.56, "EUR"),
        ("EUR 99.00", 99.0, "EUR"),
        ("£12.50", 12.5, "GBP"),
        ("-$5.00", -5.0, "USD"),
        ("4.647, 00 €", 4647.0, "EUR"),  # OCR split it after the separator
    ],
)
def test_amounts_are_read_in_either_convention_with_their_currency(
    printed: str, amount: float, code: str
) -> None:
    money = values.parse_money(printed)
    assert money is not None and (money.amount, money.code) == (amount, code)


@pytest.mark.parametrize("printed", ["20%", "2026", "INV-2026-0042", "Total", "12/03/2026", "3 Qty"])
def test_what_is_no_amount_is_not_read_as_one(printed: str) -> None:
    assert values.parse_money(printed) is None


def test_dates_follow_the_documents_convention_unless_they_cannot() -> None:
    assert values.parse_date("03/04/2026") == date(2026, 3, 4)
    assert values.parse_date("03/04/2026", day_first=True) == date(2026, 4, 3)
    assert values.parse_date("15/03/2026") == date(2026, 3, 15)  # no month 15
    assert values.parse_date("3 October 2026") == date(2026, 10, 3)
    assert values.parse_date("March 15, 2026") == date(2026, 3, 15)
    assert values.parse_date("2026-03-15") == date(2026, 3, 15)
    for not_a_date in ("12", "Total 2026", "03/04/26", "31.02.2026"):
        assert values.parse_date(not_a_date) is None


def test_phone_numbers_become_e164_and_invalid_ones_none() -> None:
    assert values.parse_phone("(212) 555-0134") == "+12125550134"
    assert values.parse_phone("+49 30 1318625") == "+49301318625"
    assert values.parse_phone("020 7946 0123", "GB") == "+442079460123"
    assert values.parse_phone("12345") is None


def test_addresses_are_split_into_azures_parts() -> None:
    assert values.parse_address(["481 Harbour Road", "Austin, TX 78701"]) == {
        "city": "Austin",
        "state": "TX",
        "postalCode": "78701",
        "streetAddress": "481 Harbour Road",
        "houseNumber": "481",
        "road": "Harbour Road",
    }
    german = values.parse_address(["Hauptstraße 12", "10115 Berlin", "Germany"])
    assert german is not None
    assert (german["road"], german["houseNumber"], german["postalCode"], german["city"]) == (
        "Hauptstraße",
        "12",
        "10115",
        "Berlin",
    )
    assert german["countryRegion"] == "Germany"
    assert values.parse_address(["Leeds LS1 4AP"]) == {"city": "Leeds", "postalCode": "LS1 4AP"}
    assert values.parse_address(["Thank you for your order"]) is None


# ICAO Doc 9303's own specimens
SPECIMEN_TD3 = [
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
    "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
]
SPECIMEN_TD1 = [
    "I<UTOD231458907<<<<<<<<<<<<<<<",
    "7408122F1204159UTO<<<<<<<<<<<6",
    "ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
]


def test_icao_specimens_check_and_give_their_fields() -> None:
    passport = mrz.parse(SPECIMEN_TD3, today=date(2026, 1, 1))
    assert passport is not None and passport.valid and passport.kind == "TD3"
    assert (passport.document_number, passport.birth, passport.expiry) == (
        "L898902C3",
        date(1974, 8, 12),
        date(2012, 4, 15),
    )
    assert (passport.last_name, passport.first_name, passport.sex, passport.nationality) == (
        "ERIKSSON",
        "ANNA MARIA",
        "F",
        "UTO",
    )
    card = mrz.parse(SPECIMEN_TD1, today=date(2026, 1, 1))
    assert card is not None and card.valid and card.kind == "TD1" and card.document_number == "D23145890"


def test_a_misread_digit_fails_its_check_and_a_look_alike_letter_is_mended() -> None:
    wrong = [SPECIMEN_TD3[0], SPECIMEN_TD3[1].replace("7408122", "7408123")]
    zone = mrz.parse(wrong)
    assert zone is not None and not zone.valid
    look_alike = [SPECIMEN_TD3[0], SPECIMEN_TD3[1].replace("7408122", "74O8122")]  # O for 0
    zone = mrz.parse(look_alike, today=date(2026, 1, 1))
    assert zone is not None and zone.valid and zone.birth == date(1974, 8, 12)


def test_a_zone_written_for_a_test_document_checks() -> None:
    lines = mrz.write(
        "TD3", "UTO", "P1234567", date(1990, 5, 17), "M", date(2031, 2, 1), "UTO", "Novak", "Lukas"
    )
    assert lines[0] == "P<UTONOVAK<<LUKAS" + "<" * 27
    zone = mrz.parse(lines)
    assert zone is not None and zone.valid and zone.document_number == "P1234567"


def test_an_invoice_label_gives_the_value_after_it_or_under_it_and_totals_are_checked() -> None:
    pages = result_pages(
        [
            (60, 60, "Contoso Supplies"),
            (60, 90, "12 Main Street"),
            (60, 120, "Springfield, IL 62704"),
            (600, 60, "Invoice No: A-1001"),
            (600, 160, "Due Date"),
            (600, 190, "04/15/2026"),
            (60, 300, "Description"),
            (520, 300, "Qty"),
            (800, 300, "Amount"),
            (60, 340, "Desk lamps"),
            (520, 340, "2"),
            (800, 340, "$40.00"),
            (60, 380, "Paper"),
            (520, 380, "1"),
            (800, 380, "$10.00"),
            (600, 440, "Subtotal"),
            (800, 440, "$50.00"),
            (600, 480, "Tax"),
            (800, 480, "$4.00"),
            (600, 520, "Total"),
            (800, 520, "$54.00"),
        ]
    )
    fields = extract_invoice(pages)["fields"]
    assert fields["InvoiceId"]["valueString"] == "A-1001"
    assert fields["DueDate"]["valueDate"] == "2026-04-15"  # under its caption
    assert fields["InvoiceTotal"]["valueCurrency"] == {
        "amount": 54.0,
        "currencySymbol": "$",
        "currencyCode": "USD",
    }
    assert fields["SubTotal"]["confidence"] > fields["InvoiceId"]["confidence"]  # the totals add up
    assert [item["valueObject"]["Description"]["valueString"] for item in fields["Items"]["valueArray"]] == [
        "Desk lamps",
        "Paper",
    ]
    assert fields["Items"]["valueArray"][0]["valueObject"]["Quantity"]["valueNumber"] == 2.0
    assert fields["VendorName"]["valueString"] == "Contoso Supplies"
    assert fields["VendorAddress"]["valueAddress"]["city"] == "Springfield"
    assert "InvoiceDate" not in fields and "PurchaseOrder" not in fields  # not printed: not invented


def test_totals_that_do_not_add_up_are_less_sure() -> None:
    rows = [
        (600, 440, "Subtotal"),
        (800, 440, "$50.00"),
        (600, 480, "Tax"),
        (800, 480, "$4.00"),
        (600, 520, "Total"),
    ]
    adds_up = extract_invoice(result_pages([*rows, (800, 520, "$54.00")]))["fields"]
    misread = extract_invoice(result_pages([*rows, (800, 520, "$84.00")]))["fields"]
    assert misread["InvoiceTotal"]["confidence"] < adds_up["InvoiceTotal"]["confidence"]


def test_a_receipts_rows_that_end_in_a_price_are_its_items() -> None:
    pages = result_pages(
        [
            (40, 40, "Harbor Deli"),
            (40, 80, "9 Mill Road"),
            (40, 110, "Portland, OR 97205"),
            (40, 150, "03/02/2026 12:41"),
            (40, 200, "2 x Coffee"),
            (400, 200, "7.00"),
            (40, 240, "Bagel"),
            (400, 240, "3.25"),
            (40, 300, "Subtotal"),
            (400, 300, "10.25"),
            (40, 340, "TOTAL"),
            (400, 340, "10.25"),
        ],
        size=(600, 800),
    )
    document = extract_receipt(pages)
    fields = document["fields"]
    assert document["docType"] == "receipt.retailMeal"
    assert fields["MerchantName"]["valueString"] == "Harbor Deli"
    assert fields["MerchantAddress"]["valueAddress"]["postalCode"] == "97205"
    assert (fields["TransactionDate"]["valueDate"], fields["TransactionTime"]["valueTime"]) == (
        "2026-03-02",
        "12:41:00",
    )
    first, second = (item["valueObject"] for item in fields["Items"]["valueArray"])
    assert (first["Quantity"]["valueNumber"], first["Description"]["valueString"]) == (2.0, "Coffee")
    assert second["TotalPrice"]["valueCurrency"]["amount"] == 3.25
    assert fields["Total"]["valueCurrency"]["amount"] == 10.25
    assert "TotalTax" not in fields and "Tip" not in fields


def test_an_id_cards_zone_wins_over_a_misread_visual_number_but_not_over_its_names() -> None:
    lines = mrz.write(
        "TD1", "UTO", "D23145890", date(1974, 8, 12), "F", date(2031, 4, 15), "UTO", "Eriksson", "Anna"
    )
    pages = result_pages(
        [
            (60, 60, "UTOPIA IDENTITY CARD"),
            (300, 120, "Surname"),
            (300, 150, "ERIKSSON"),
            (300, 200, "Given names"),
            (300, 230, "ANNA"),
            (300, 280, "Document No"),
            (300, 310, "D2314589O"),  # the visual zone misread: O for 0
            (40, 500, lines[0]),
            (40, 540, lines[1]),
            (40, 580, lines[2]),
        ],
        size=(1012, 638),
    )
    document = extract_id_document(pages, today=date(2026, 1, 1))
    fields = document["fields"]
    assert document["docType"] == "idDocument.nationalIdentityCard"
    assert fields["DocumentNumber"]["valueString"] == "D23145890"
    assert fields["LastName"]["valueString"] == "ERIKSSON" and fields["FirstName"]["valueString"] == "ANNA"
    assert fields["DateOfBirth"]["valueDate"] == "1974-08-12"
    assert fields["CountryRegion"] == {
        **fields["CountryRegion"],
        "type": "countryRegion",
        "valueCountryRegion": "UTO",
    }
    assert fields["MachineReadableZone"]["confidence"] == 0.99


def test_amounts_without_a_symbol_are_in_the_currency_of_the_country_the_phone_dials() -> None:
    pages = result_pages(
        [
            (40, 40, "Sunrise Bakery"),
            (40, 80, "Tel: +49 30 1718946"),
            (40, 200, "Muffin"),
            (400, 200, "6,50"),
            (40, 260, "TOTAL"),
            (400, 260, "6,50"),
        ],
        size=(600, 800),
    )
    fields = extract_receipt(pages)["fields"]
    assert fields["Total"]["valueCurrency"] == {"amount": 6.5, "currencyCode": "EUR"}
    assert fields["MerchantPhoneNumber"]["valuePhoneNumber"] == "+49301718946"


def test_a_skewed_page_whose_cells_are_read_as_lines_of_their_own_keeps_its_rows() -> None:
    # PP-OCR reads each cell as a level line of its own; the page is turned 2 degrees, so
    # a row's amount stands 25 px lower than its description: more than half a line.
    slope = 0.035

    def at(left: float, top: float, text: str) -> tuple[float, float, str]:
        return (left, top + left * slope, text)

    rows = [at(60, 300, "Description"), at(500, 300, "Qty"), at(760, 300, "Amount")]
    for index, (name, quantity, amount) in enumerate(
        [("Desk lamps", "2", "$40.00"), ("Paper", "1", "$10.00"), ("Ink", "3", "$12.00")]
    ):
        top = 340 + index * 40
        rows += [at(60, top, name), at(500, top, quantity), at(760, top, amount)]
    rows += [at(560, 480, "Total"), at(760, 480, "$62.00")]
    fields = extract_invoice(result_pages(rows))["fields"]
    items = [item["valueObject"] for item in fields["Items"]["valueArray"]]
    assert [
        (item["Description"]["valueString"], item["Amount"]["valueCurrency"]["amount"]) for item in items
    ] == [
        ("Desk lamps", 40.0),
        ("Paper", 10.0),
        ("Ink", 12.0),
    ]
    assert fields["InvoiceTotal"]["valueCurrency"]["amount"] == 62.0


def test_odd_values_are_refused_rather_than_crashing_or_misread() -> None:
    assert values.parse_money("1234567890123456789012345678901,") is None  # past Decimal's 28 digits
    assert values.parse_money("$" + "9" * 29) is None
    assert values.parse_money("5.00-") == values.Money(-5.0, None, None)  # a till's refund
    assert values.parse_time("13:00 PM") is None
    assert values.parse_number("nan") is None and values.parse_number("1e400") is None
    assert values.parse_number("1,5") == 1.5
    assert values.currency_in("AUDI SERVICE CENTER") is None and values.currency_in("Currency: AUD") == "AUD"
    # a page holding such a word still gets its document
    document = extract_id_document(result_pages([(40, 40, "1234567890123456789012345678901,")]))
    assert document["docType"] == "idDocument"


def test_punctuated_lines_are_no_machine_readable_zone() -> None:
    pages = result_pages(
        [
            (40, 40, "Issued by: City of Springfield, IL"),
            (40, 80, "Holder: JOHN, Q. PUBLIC, JUNIOR III"),
            (40, 120, "Address: 1200 Main St., Apt. 4, NY"),
            (40, 200, "Date of birth: 01.02.1990, Berlin, Germany"),
        ]
    )
    document = extract_id_document(pages)
    assert "MachineReadableZone" not in document["fields"]
    assert document["docType"] == "idDocument"
    assert document["fields"]["DateOfBirth"]["valueDate"] == "1990-02-01"


def test_a_word_or_a_plus_sign_names_no_currency() -> None:
    pages = result_pages(
        [
            (40, 40, "AUDI SERVICE CENTER"),
            (40, 80, "Points +15"),
            (40, 200, "Oil change"),
            (400, 200, "49.90"),
            (40, 260, "TOTAL"),
            (400, 260, "49.90"),
            (40, 300, "03/04/2026"),
        ],
        size=(600, 800),
    )
    fields = extract_receipt(pages)["fields"]
    assert fields["Total"]["valueCurrency"] == {"amount": 49.9}
    assert fields["TransactionDate"]["valueDate"] == "2026-03-04"  # month first: nothing says otherwise


def test_a_quantity_that_is_no_number_is_left_out() -> None:
    pages = result_pages(
        [
            (60, 300, "Description"),
            (520, 300, "Qty"),
            (800, 300, "Amount"),
            (60, 340, "Desk lamps"),
            (520, 340, "NaN"),
            (800, 340, "$40.00"),
        ]
    )
    (item,) = extract_invoice(pages)["fields"]["Items"]["valueArray"]
    assert (
        "Quantity" not in item["valueObject"]
        and item["valueObject"]["Amount"]["valueCurrency"]["amount"] == 40.0
    )


def test_a_zone_whose_filler_run_was_read_as_small_letters_is_still_a_zone() -> None:
    lines = mrz.write(
        "TD3", "UTO", "P5236413", date(1979, 12, 8), "F", date(2035, 12, 22), "UTO", "Novak", "Lukas"
    )
    misread = [lines[0][:32] + "ccceeecec#ccc<", lines[1]]  # as Tesseract read a scan
    zone = mrz.parse(misread, today=date(2026, 1, 1))
    assert zone is not None and zone.valid
    assert (zone.last_name, zone.first_name, zone.expiry) == ("NOVAK", "LUKAS", date(2035, 12, 22))
