"""DynamoDB helpers shared by the stores."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any


def all_items(operation: Callable[..., dict[str, Any]], **kwargs: Any) -> Iterator[dict[str, Any]]:
    """Every item a paginated `query` or `scan` of a boto3 Table returns."""
    while True:
        page = operation(**kwargs)
        yield from page.get("Items", [])
        if "LastEvaluatedKey" not in page:
            return
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
