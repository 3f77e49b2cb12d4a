"""Fetching a document named by `urlSource`, without becoming a proxy into the network.

What is accepted: an `https://` URL without user info, whose host resolves only to
public addresses. The connection goes to the address that was checked (no second DNS
lookup that could rebind it), the certificate is verified for the host, redirects are
not followed, and the body may not exceed the document size limit. Loopback, private,
link-local (including the 169.254.169.254 metadata service), shared, multicast and
reserved addresses are refused, for IPv4 and IPv6 alike.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from docsafe.contract.errors import InvalidArgument, InvalidRequest

Resolver = Callable[[str, int], list[str]]
ConnectionFactory = Callable[[str, str, int, float], Any]
TIMEOUT_SECONDS = 10.0  # to connect, and for each read
# The whole fetch, however slowly a server drips its bytes: the request that triggers it
# has API Gateway's 30 seconds in all.
DEADLINE_SECONDS = 20.0
READ_BYTES = 64 * 1024
HTTPS_PORT = 443


def resolve(host: str, port: int) -> list[str]:
    """The host's addresses (socket.gaierror when it has none)."""
    answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({str(answer[4][0]) for answer in answers})


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to a fixed address, with the certificate checked against the host name."""

    def __init__(self, host: str, address: str, port: int, timeout: float):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


def connect_pinned(host: str, address: str, port: int, timeout: float) -> Any:
    return _PinnedHTTPSConnection(host, address, port, timeout)


def _refused(reason: str, field: str = "urlSource") -> InvalidArgument:
    return InvalidArgument(
        f"{field} is refused: {reason}. It must be an https URL of a public host.",
        inner_code="InvalidUrlSource",
        target=field,
    )


def public_address(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address):
        # Addresses that carry an IPv4 address reach that address: judge it instead.
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            ip = embedded
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_link_local)


_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def public_target(
    url: str, resolver: Resolver = resolve, *, field: str = "urlSource"
) -> tuple[str, str, int]:
    """The host, the address to connect to and the port of an https URL of a public host;
    a 400 naming `field` that says why not (urlSource, and the callback URL, alike)."""
    if not isinstance(url, str) or len(url) > 2048:
        raise _refused("it is not a URL", field)
    try:
        parts = urlsplit(url)
        parts.hostname  # noqa: B018 (an unclosed "[::1" raises here, not in urlsplit)
    except ValueError:
        raise _refused("it is not a URL", field) from None
    if parts.scheme != "https":
        raise _refused("only https is accepted", field)
    if parts.username or parts.password:
        raise _refused("user names and passwords in URLs are not accepted", field)
    host = parts.hostname
    if not host:
        raise _refused("it names no host", field)
    try:
        port = parts.port or HTTPS_PORT
    except ValueError:
        raise _refused("its port is not a number", field) from None
    if port != HTTPS_PORT:
        # Any other port would make the fetch a probe of what listens where.
        raise _refused("only the https port 443 is accepted", field)
    try:
        addresses = resolver(host, port)
    except (socket.gaierror, UnicodeError):  # (a label of 64 characters or none: UnicodeError)
        raise _refused("its host name does not resolve", field) from None
    if not addresses or not all(public_address(address) for address in addresses):
        raise _refused("it points at a loopback, private, link-local or metadata address", field)
    # IPv4 first: Lambda outside a VPC has no outbound IPv6, and "2600:…" sorts before "52.…".
    ipv4_first = sorted(addresses, key=lambda address: ipaddress.ip_address(address).version)
    return host, ipv4_first[0], port


def fetch(
    url: str,
    max_bytes: int,
    resolver: Resolver = resolve,
    connect: ConnectionFactory = connect_pinned,
    deadline: float = DEADLINE_SECONDS,
    *,
    field: str = "urlSource",
) -> bytes:
    """The document at `url`, or a 400 that says why it was not fetched (naming `field`,
    the request's name for the URL)."""
    host, address, port = public_target(url, resolver, field=field)
    parts = urlsplit(url)
    connection = connect(host, address, port, TIMEOUT_SECONDS)
    try:
        path = parts.path or "/"
        connection.request("GET", path + (f"?{parts.query}" if parts.query else ""), headers={"Host": host})
        response = connection.getresponse()
        if 300 <= response.status < 400:
            raise _refused("redirects are not followed", field)
        if response.status != 200:
            raise InvalidRequest(f"{field} answered HTTP {response.status}.", inner_code="InvalidUrlSource")
        declared = response.getheader("Content-Length")
        if declared and declared.isdigit() and int(declared) > max_bytes:
            raise _too_large(max_bytes, field)
        return _read_within(response, max_bytes, time.monotonic() + deadline, field)
    except (OSError, http.client.HTTPException):
        # One text whatever went wrong: the kind of failure would tell what is there.
        raise InvalidRequest(f"{field} could not be fetched.", inner_code="InvalidUrlSource") from None
    finally:
        connection.close()


def _read_within(response: Any, max_bytes: int, until: float, field: str) -> bytes:
    body = bytearray()
    while chunk := response.read(READ_BYTES):
        body += chunk
        if len(body) > max_bytes:
            raise _too_large(max_bytes, field)
        if time.monotonic() > until:
            raise InvalidRequest(
                f"{field} did not send the document within {DEADLINE_SECONDS:g} seconds.",
                inner_code="InvalidUrlSource",
            )
    return bytes(body)


def _too_large(max_bytes: int, field: str) -> InvalidRequest:
    return InvalidRequest(
        f"The document at {field} is larger than {max_bytes // (1024 * 1024)} MB.",
        inner_code="InvalidContentLength",
    )
