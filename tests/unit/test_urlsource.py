"""urlSource: https to public hosts only, pinned to the checked address, no redirects."""

from __future__ import annotations

import socket
import time
from typing import Any

import pytest
from docsafe.contract.errors import DocSafeError
from docsafe.urlsource import fetch, public_address


class FakeResponse:
    def __init__(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.status, self._body, self._headers = status, body, headers or {}

    def getheader(self, name: str) -> str | None:
        return self._headers.get(name)

    def read(self, amount: int) -> bytes:
        piece, self._body = self._body[:amount], self._body[amount:]
        return piece


class FakeConnection:
    def __init__(self, response: FakeResponse, seen: list[Any]) -> None:
        self.response, self.seen = response, seen

    def request(self, method: str, path: str, headers: dict[str, str]) -> None:
        self.seen.append((method, path, headers))

    def getresponse(self) -> FakeResponse:
        return self.response

    def close(self) -> None:
        pass


def public(host: str, port: int) -> list[str]:
    return ["93.184.216.34"]


def connect_to(response: FakeResponse, seen: list[Any]):  # type: ignore[no-untyped-def]
    def connect(host: str, address: str, port: int, timeout: float) -> FakeConnection:
        seen.append((host, address, port))
        return FakeConnection(response, seen)

    return connect


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.9",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "::1",
        "fd00::1",
        "fe80::1",
        "::ffff:127.0.0.1",
        "224.0.0.1",
        "240.0.0.1",
        "2002:7f00:1::",  # 6to4 of 127.0.0.1
        "2002:a9fe:a9fe::1",  # 6to4 of the metadata service
        "2002:c0a8:0101::1",  # 6to4 of 192.168.1.1
        "64:ff9b::a9fe:a9fe",  # NAT64 of the metadata service
        "2001:0:4136:e378:8000:63bf:f5ff:fffe",  # Teredo to 10.0.0.1
    ],
)
def test_non_public_addresses_are_refused(address: str) -> None:
    assert not public_address(address)
    with pytest.raises(DocSafeError) as refused:
        fetch("https://docs.example/a.pdf", 1000, resolver=lambda host, port: [address])
    assert refused.value.status == 400 and refused.value.inner_code == "InvalidUrlSource"


def test_a_host_with_any_private_address_is_refused() -> None:
    with pytest.raises(DocSafeError):
        fetch("https://docs.example/a.pdf", 1000, resolver=lambda h, p: ["93.184.216.34", "10.0.0.1"])


@pytest.mark.parametrize(
    "url",
    [
        "http://docs.example/a.pdf",
        "ftp://docs.example/a.pdf",
        "file:///etc/passwd",
        "https://user:pw@docs.example/",
        "https:///nohost",
        "https://docs.example:notaport/",
        42,
    ],
)
def test_only_plain_https_urls_are_accepted(url: Any) -> None:
    with pytest.raises(DocSafeError):
        fetch(url, 1000, resolver=public)


def test_the_connection_goes_to_the_checked_address_and_returns_the_body() -> None:
    seen: list[Any] = []
    body = fetch(
        "https://docs.example/files/a.pdf?v=2",
        1000,
        resolver=public,
        connect=connect_to(FakeResponse(200, b"%PDF-1.7 data"), seen),
    )
    assert body == b"%PDF-1.7 data"
    assert seen[0] == ("docs.example", "93.184.216.34", 443)
    assert seen[1] == ("GET", "/files/a.pdf?v=2", {"Host": "docs.example"})


@pytest.mark.parametrize(
    ("response", "inner"),
    [
        (FakeResponse(302, b"", {"Location": "http://169.254.169.254/"}), "InvalidUrlSource"),
        (FakeResponse(404, b""), "InvalidUrlSource"),
        (FakeResponse(200, b"x" * 2000), "InvalidContentLength"),
        (FakeResponse(200, b"x", {"Content-Length": "999999"}), "InvalidContentLength"),
    ],
)
def test_redirects_errors_and_oversized_bodies_are_refused(response: FakeResponse, inner: str) -> None:
    with pytest.raises(DocSafeError) as refused:
        fetch("https://docs.example/a.pdf", 1000, resolver=public, connect=connect_to(response, []))
    assert refused.value.inner_code == inner


def test_only_the_https_port_is_accepted() -> None:
    # Any other port would turn the fetch into a probe of what listens on a public host
    with pytest.raises(DocSafeError) as refused:
        fetch(
            "https://docs.example:8443/a.pdf",
            1000,
            resolver=public,
            connect=connect_to(FakeResponse(200, b"x"), []),
        )
    assert refused.value.inner_code == "InvalidUrlSource" and "443" in refused.value.message


def test_a_failed_fetch_says_the_same_whatever_went_wrong() -> None:
    class Failing(FakeConnection):
        def __init__(self, error: Exception) -> None:
            super().__init__(FakeResponse(200, b""), [])
            self.error = error

        def request(self, method: str, path: str, headers: dict[str, str]) -> None:
            raise self.error  # as HTTPSConnection does when it connects

    def failing(error: Exception):  # type: ignore[no-untyped-def]
        return lambda host, address, port, timeout: Failing(error)

    messages = set()
    for error in (ConnectionRefusedError(), TimeoutError(), OSError("reset")):
        with pytest.raises(DocSafeError) as refused:
            fetch("https://docs.example/a.pdf", 1000, resolver=public, connect=failing(error))
        messages.add(refused.value.message)
    assert messages == {"urlSource could not be fetched."}


class DrippingResponse(FakeResponse):
    def read(self, amount: int) -> bytes:
        time.sleep(0.02)
        return b"x"


def test_a_server_that_drips_its_body_is_given_up_at_the_deadline() -> None:
    started = time.monotonic()
    with pytest.raises(DocSafeError) as refused:
        fetch(
            "https://docs.example/a.pdf",
            10_000,
            resolver=public,
            connect=connect_to(DrippingResponse(200, b""), []),
            deadline=0.2,
        )
    assert refused.value.inner_code == "InvalidUrlSource"
    assert time.monotonic() - started < 2


def test_a_host_that_does_not_resolve_is_refused_naming_the_requests_field() -> None:
    def unknown(host: str, port: int) -> list[str]:
        raise socket.gaierror("no such host")

    # Read v3.2 names the URL "url": its refusals say so, as Document Intelligence's say urlSource
    for field in ("urlSource", "url"):
        with pytest.raises(DocSafeError) as refused:
            fetch("https://nowhere.example/a.png", 1000, resolver=unknown, field=field)
        assert refused.value.inner_code == "InvalidUrlSource" and refused.value.target == field
        assert refused.value.message.startswith(f"{field} is refused") and "resolve" in refused.value.message
    with pytest.raises(DocSafeError) as refused:
        fetch(
            "https://docs.example/a.png",
            1000,
            resolver=public,
            connect=connect_to(FakeResponse(404, b""), []),
            field="url",
        )
    assert refused.value.message == "url answered HTTP 404."
