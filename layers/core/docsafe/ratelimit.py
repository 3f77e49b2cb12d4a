"""Per-tenant limits on analyze requests: a counter per tenant and minute in DynamoDB.

One atomic update per request, shared by every concurrent submit function; a window's
counter expires on its own (TTL) soon after the minute is over.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from docsafe import clock
from docsafe.contract.errors import TooManyRequests

WINDOW_SECONDS = 60


class RateLimiter:
    def __init__(self, table: Any, per_minute: int, now: Callable[[], float] = clock.now):
        self._table = table
        self._per_minute = per_minute
        self._clock = now

    def admit(self, tenant: str) -> None:
        """Count one request of `tenant`; 429 once the minute's allowance is used up."""
        if self._per_minute <= 0:
            return
        now = self._clock()
        window = int(now // WINDOW_SECONDS)
        answer = self._table.update_item(
            Key={"tenant": tenant, "window": window},
            UpdateExpression="ADD #count :one SET expiresAt = if_not_exists(expiresAt, :expires)",
            ExpressionAttributeNames={"#count": "count"},
            ExpressionAttributeValues={":one": 1, ":expires": (window + 2) * WINDOW_SECONDS},
            ReturnValues="UPDATED_NEW",
        )
        if int(answer["Attributes"]["count"]) > self._per_minute:
            retry_after = max(1, math.ceil((window + 1) * WINDOW_SECONDS - now))
            raise TooManyRequests(retry_after)
