"""The document types and field schemas of the prebuilt models that extract fields
(prebuilt-invoice, prebuilt-receipt, prebuilt-idDocument), as Azure's 2024-11-30 names
and types them: the model info's `docTypes` (docsafe.prebuilt extracts them)."""

from __future__ import annotations

from typing import Any

RawJson = dict[str, Any]

_CURRENCY, _DATE, _STRING, _ADDRESS = (
    {"type": "currency"},
    {"type": "date"},
    {"type": "string"},
    {"type": "address"},
)
_NUMBER, _COUNTRY, _PHONE, _TIME = (
    {"type": "number"},
    {"type": "countryRegion"},
    {"type": "phoneNumber"},
    {"type": "time"},
)


def _array_of(properties: dict[str, RawJson]) -> RawJson:
    return {"type": "array", "items": {"type": "object", "properties": properties}}


INVOICE_FIELDS: dict[str, RawJson] = {
    **{
        name: _STRING
        for name in (
            "CustomerName",
            "CustomerId",
            "PurchaseOrder",
            "InvoiceId",
            "VendorName",
            "VendorAddressRecipient",
            "CustomerAddressRecipient",
            "BillingAddressRecipient",
            "ShippingAddressRecipient",
            "VendorTaxId",
            "CustomerTaxId",
            "PaymentTerm",
        )
    },
    **{name: _DATE for name in ("InvoiceDate", "DueDate", "ServiceStartDate", "ServiceEndDate")},
    **{
        name: _ADDRESS
        for name in (
            "VendorAddress",
            "CustomerAddress",
            "BillingAddress",
            "ShippingAddress",
            "RemittanceAddress",
        )
    },
    **{
        name: _CURRENCY
        for name in (
            "SubTotal",
            "TotalDiscount",
            "TotalTax",
            "InvoiceTotal",
            "AmountDue",
            "PreviousUnpaidBalance",
        )
    },
    "VendorPhoneNumber": _PHONE,
    "Items": _array_of(
        {
            "Amount": _CURRENCY,
            "Date": _DATE,
            "Description": _STRING,
            "Quantity": _NUMBER,
            "ProductCode": _STRING,
            "Tax": _CURRENCY,
            "TaxRate": _STRING,
            "Unit": _STRING,
            "UnitPrice": _CURRENCY,
        }
    ),
}
RECEIPT_FIELDS: dict[str, RawJson] = {
    "MerchantName": _STRING,
    "MerchantPhoneNumber": _PHONE,
    "MerchantAddress": _ADDRESS,
    "Total": _CURRENCY,
    "TransactionDate": _DATE,
    "TransactionTime": _TIME,
    "Subtotal": _CURRENCY,
    "TotalTax": _CURRENCY,
    "Tip": _CURRENCY,
    "ReceiptType": _STRING,
    "CountryRegion": _COUNTRY,
    "Items": _array_of(
        {
            "TotalPrice": _CURRENCY,
            "Description": _STRING,
            "Quantity": _NUMBER,
            "Price": _CURRENCY,
            "ProductCode": _STRING,
            "QuantityUnit": _STRING,
        }
    ),
}
_ZONE = {
    "type": "object",
    "properties": {
        "FirstName": _STRING,
        "LastName": _STRING,
        "DocumentNumber": _STRING,
        "Sex": _STRING,
        "CountryRegion": _COUNTRY,
        "Nationality": _COUNTRY,
        "DateOfBirth": _DATE,
        "DateOfExpiration": _DATE,
    },
}
_PERSON = {
    "CountryRegion": _COUNTRY,
    "DocumentNumber": _STRING,
    "FirstName": _STRING,
    "LastName": _STRING,
    "DateOfBirth": _DATE,
    "DateOfExpiration": _DATE,
    "DateOfIssue": _DATE,
    "Sex": _STRING,
    "PlaceOfBirth": _STRING,
}
ID_DOCUMENT_TYPES: dict[str, dict[str, RawJson]] = {
    "idDocument.passport": {
        **_PERSON,
        "MiddleName": _STRING,
        "DocumentType": _STRING,
        "Nationality": _COUNTRY,
        "MachineReadableZone": _ZONE,
    },
    "idDocument.nationalIdentityCard": {
        **_PERSON,
        "Nationality": _COUNTRY,
        "Address": _ADDRESS,
        "MachineReadableZone": _ZONE,
    },
    "idDocument.driverLicense": {
        **_PERSON,
        "Address": _ADDRESS,
        "Region": _STRING,
        "Endorsements": _STRING,
        "Restrictions": _STRING,
        "VehicleClassifications": _STRING,
    },
    "idDocument.residencePermit": {**_PERSON, "Nationality": _COUNTRY, "MachineReadableZone": _ZONE},
    "idDocument": {**_PERSON, "Address": _ADDRESS},
}
RECEIPT_TYPES = (
    "receipt.retailMeal",
    "receipt.creditCard",
    "receipt.gas",
    "receipt.parking",
    "receipt.hotel",
)


def doc_types(model_id: str) -> dict[str, RawJson]:
    """The model info's `docTypes`: each document type's field schema."""
    if model_id == "prebuilt-invoice":
        schemas = {"invoice": INVOICE_FIELDS}
    elif model_id == "prebuilt-receipt":
        schemas = {name: RECEIPT_FIELDS for name in RECEIPT_TYPES}
    elif model_id == "prebuilt-idDocument":
        schemas = ID_DOCUMENT_TYPES
    else:
        return {}
    return {name: {"fieldSchema": fields} for name, fields in schemas.items()}


FIELD_MODELS = ("prebuilt-invoice", "prebuilt-receipt", "prebuilt-idDocument")
