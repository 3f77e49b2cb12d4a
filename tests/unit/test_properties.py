"""Property tests of the parsers: whatever comes in, the answer is a value or a clean
4xx error, never a crash."""

from __future__ import annotations

import base64
import json
import math

from docsafe.contract.errors import DocSafeError
from docsafe.contract.requests import parse_body, parse_options, parse_pages, select_pages
from docsafe.contract.result import polygon
from docsafe.engines.base import PageText
from docsafe.formats import Format, image_dimensions, sniff
from docsafe.urlsource import fetch
from hypothesis import given, settings
from hypothesis import strategies as st

MB = 1024 * 1024


@given(st.text(max_size=60))
def test_pages_specs_parse_or_answer_400(spec: str) -> None:
    try:
        ranges = parse_pages(spec)
    except DocSafeError as error:
        assert error.status == 400
        return
    assert all(1 <= start <= end for start, end in ranges)


@given(
    st.lists(st.tuples(st.integers(1, 50), st.integers(0, 10)), min_size=1, max_size=5), st.integers(1, 60)
)
def test_selected_pages_exist_are_sorted_and_unique(ranges: list[tuple[int, int]], page_count: int) -> None:
    spec = ",".join(f"{start}-{start + extra}" for start, extra in ranges)
    pages = select_pages(spec, page_count)
    assert pages == sorted(set(pages)) and all(1 <= p <= page_count for p in pages)


@given(st.binary(max_size=300))
def test_sniffing_and_header_reading_never_raise(data: bytes) -> None:
    kind = sniff(data)
    if kind is not None:
        size = image_dimensions(data, kind)
        assert size is None or all(isinstance(v, int) for v in size)
    for fmt in Format:
        image_dimensions(data, fmt)


@settings(max_examples=150)
@given(
    st.one_of(st.binary(max_size=200), st.text(max_size=200).map(str.encode)),
    st.sampled_from([None, "application/json", "application/octet-stream", "text/plain"]),
)
def test_any_body_is_a_document_or_a_4xx(body: bytes, content_type: str | None) -> None:
    try:
        document, kind = parse_body(body, content_type, MB)
    except DocSafeError as error:
        assert 400 <= error.status < 500
        return
    assert sniff(document) is kind


@given(st.binary(max_size=200))
def test_base64_sources_round_trip_or_answer_4xx(payload: bytes) -> None:
    body = json.dumps({"base64Source": base64.b64encode(payload).decode()}).encode()
    try:
        document, _ = parse_body(body, "application/json", MB)
    except DocSafeError as error:
        assert error.status in (400, 415)
        return
    assert document == payload


@given(
    st.dictionaries(
        st.sampled_from(["pages", "locale", "features", "outputContentFormat", "stringIndexType"]),
        st.text(max_size=20),
    ),
    st.sampled_from(["prebuilt-read", "prebuilt-layout"]),
)
def test_options_are_honoured_or_refused(query: dict[str, str], model: str) -> None:
    try:
        options = parse_options(query, model)
    except DocSafeError as error:
        assert error.status == 400 and error.target in query
        return
    assert options.string_index_type in ("textElements", "unicodeCodePoint", "utf16CodeUnit")


@given(st.text(max_size=80))
def test_url_sources_never_reach_a_non_public_address(url: str) -> None:
    reached: list[str] = []

    def connect(host: str, address: str, port: int, timeout: float):  # type: ignore[no-untyped-def]
        reached.append(address)
        raise OSError("no network in tests")

    try:
        fetch(url, MB, resolver=lambda host, port: ["127.0.0.1"], connect=connect)
    except DocSafeError as error:
        assert error.status == 400
    assert reached == []


coordinates = st.floats(0, 5000, allow_nan=False)


@given(
    st.tuples(coordinates, coordinates, coordinates, coordinates),
    st.floats(-180, 180, allow_nan=False),
    st.floats(10, 5000),
    st.floats(10, 5000),
)
def test_polygons_are_finite_and_keep_their_size(
    box: tuple[float, float, float, float], angle: float, width: float, height: float
) -> None:
    left, top = min(box[0], box[2]), min(box[1], box[3])
    right, bottom = max(box[0], box[2]), max(box[1], box[3])
    page = PageText(width, height, "inch", angle=angle, frame=(width, height))
    points = polygon((left, top, right, bottom), page)
    assert len(points) == 8 and all(math.isfinite(v) for v in points)
    # Turning the page moves a box but keeps its side lengths.
    side = math.dist(points[0:2], points[2:4])
    assert math.isclose(side, right - left, abs_tol=0.01)
