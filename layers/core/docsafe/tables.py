"""DynamoDB helpers shared by the stores."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any


def all_items(operation: Callable[..., dict[str, Any]], **kwargs: Any) -> Iterator[dict[str, Any]]:
    """Every item a paginated `query` or `scan` of a boto3 Table returns."""
    while True:
        page = operation(**kwargs)
        yield from page.get("Items", [])
        if "LastEvaluatedKey" not in page:
            return
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def number(value: float) -> Decimal:
    """A time or measure as DynamoDB stores numbers (milliseconds are enough)."""
    return Decimal(str(round(value, 3)))


def binary(value: Any) -> bytes:
    """A binary attribute's bytes (boto3's resource API wraps them in Binary)."""
    return bytes(value.value if hasattr(value, "value") else value)


def thread_copy(table: Any) -> Any:
    """`table` as a resource object of its own over the same client, for another thread:
    boto3 clients are thread-safe, resource objects are not (they carry metadata of their
    own that threads must not share)."""
    return type(table)(table.name, client=table.meta.client)
