import base64
import json

import pytest
from docsafe.contract.document_apis import DOCUMENT_INTELLIGENCE, FORM_RECOGNIZER
from docsafe.contract.errors import DocSafeError
from docsafe.contract.requests import (
    parse_body,
    parse_options,
    parse_pages,
    select_pages,
)
from docsafe.formats import Format

from tests.support.documents import text_pdf

MB = 1024 * 1024


def error_of(call, *args) -> DocSafeError:  # type: ignore[no-untyped-def]
    with pytest.raises(DocSafeError) as caught:
        call(*args)
    return caught.value


def test_pages_ranges_parse_and_select() -> None:
    assert parse_pages("1-3,5") == [(1, 3), (5, 5)]
    assert select_pages("1-3,5", 4) == [1, 2, 3]
    assert select_pages("2, 1", 3) == [1, 2]
    assert select_pages(None, 3) == [1, 2, 3]
    assert select_pages("7-9", 3) == []


@pytest.mark.parametrize("spec", ["", "0", "3-1", "a", "1-", "-2", "1,,2", "1-2-3", "1;2"])
def test_bad_pages_are_400(spec: str) -> None:
    error = error_of(parse_pages, spec)
    assert (error.status, error.target) == (400, "pages")


def test_api_version_is_required_and_checked() -> None:
    assert DOCUMENT_INTELLIGENCE.version_of({"api-version": "2024-11-30"}) == "2024-11-30"
    assert error_of(DOCUMENT_INTELLIGENCE.version_of, {}).status == 400
    assert error_of(DOCUMENT_INTELLIGENCE.version_of, {"api-version": "2023-07-31"}).inner_code == (
        "UnsupportedApiVersion"
    )
    # Form Recognizer's versions are its own
    assert FORM_RECOGNIZER.version_of({"api-version": "2022-08-31"}) == "2022-08-31"
    assert error_of(FORM_RECOGNIZER.version_of, {"api-version": "2024-11-30"}).inner_code == (
        "UnsupportedApiVersion"
    )


def test_unsupported_options_are_refused_not_ignored() -> None:
    assert parse_options({"pages": "1-2", "locale": "en-US"}).to_record() == {
        "pages": "1-2",
        "locale": "en-US",
        "stringIndexType": "textElements",
    }
    for query in (
        {"features": "keyValuePairs"},
        {"outputContentFormat": "markdown"},
        {"locale": "de"},
        {"stringIndexType": "bytes"},
    ):
        assert error_of(parse_options, query).status == 400


def test_raw_bytes_and_base64_source_give_the_same_document() -> None:
    pdf = text_pdf([["x"]])
    assert parse_body(pdf, "application/octet-stream", MB) == (pdf, Format.PDF)
    wrapped = json.dumps({"base64Source": base64.b64encode(pdf).decode()}).encode()
    assert parse_body(wrapped, "application/json", MB) == (pdf, Format.PDF)


@pytest.mark.parametrize(
    ("body", "content_type", "status", "inner"),
    [
        (b"", None, 400, "InvalidContentLength"),
        (b"{not json", "application/json", 400, "InvalidRequest"),
        (b"[]", "application/json", 400, "InvalidRequest"),
        (b'{"base64Source": "***"}', "application/json", 400, "InvalidBase64"),
        (b'{"base64Source": ""}', "application/json", 400, "ParameterMissing"),
        (b'{"urlSource": "https://example.com/a.pdf"}', "application/json", 400, "InvalidParameter"),
        (b"just some text", "text/plain", 415, "InvalidContent"),
        (b"%PDF-" + b"x" * (2 * MB), None, 400, "InvalidContentLength"),
    ],
)
def test_bad_bodies_get_clear_errors(body: bytes, content_type: str | None, status: int, inner: str) -> None:
    error = error_of(parse_body, body, content_type, MB)
    assert (error.status, error.inner_code) == (status, inner)
    assert error.to_body()["error"]["innererror"]["code"] == inner


def test_locales_are_accepted_only_for_installed_languages() -> None:
    assert parse_options({"locale": "de-DE"}, languages=("eng", "deu")).locale == "de-DE"
    error = error_of(parse_options, {"locale": "de"}, "prebuilt-read", "tesseract", ("eng",))
    assert error.target == "locale" and "eng" in error.message
    assert parse_options({"locale": "fr"}, engine="textract").locale == "fr"
    assert error_of(parse_options, {"locale": "ja"}, "prebuilt-read", "textract", ("eng",)).status == 400
    assert error_of(parse_options, {"locale": "not a locale!"}).status == 400


def test_pages_with_unicode_spaces_or_digits_are_400_not_a_crash() -> None:
    for spec in ("0\x1f", "1\u2003-2", "١-٢"):
        assert error_of(parse_pages, spec).status == 400
