"""Per-tenant limits on every request: a counter per tenant, kind and minute in DynamoDB.

Two kinds with their own allowance: what starts work (analyze, build, uploads: POST) and
what reads or deletes (each read decrypts a data key with KMS and writes an audit entry;
polling is frequent, so its allowance is larger). One atomic update per request, shared
by every concurrent function; a window's counter expires on its own (TTL) soon after the
minute is over.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from enum import StrEnum
from typing import Any

from docsafe import clock
from docsafe.contract.errors import TooManyRequests

WINDOW_SECONDS = 60


class Kind(StrEnum):
    SUBMIT = "submit"
    READ = "read"


class RateLimiter:
    def __init__(
        self, table: Any, per_minute: int, reads_per_minute: int = 0, now: Callable[[], float] = clock.now
    ):
        self._table = table
        self._allowance = {Kind.SUBMIT: per_minute, Kind.READ: reads_per_minute}
        self._clock = now

    def admit(self, tenant: str, kind: Kind = Kind.SUBMIT, cost: int = 1) -> None:
        """Count `cost` requests of `tenant` (a batch's documents count one each); 429 once
        the minute's allowance is used up."""
        allowance = self._allowance[kind]
        if allowance <= 0:
            return
        now = self._clock()
        window = int(now // WINDOW_SECONDS)
        # Submits keep the counter's original key (the tenant alone); reads have their own.
        counter = tenant if kind is Kind.SUBMIT else f"{tenant}#{kind.value}"
        answer = self._table.update_item(
            Key={"tenant": counter, "window": window},
            UpdateExpression="ADD #count :cost SET expiresAt = if_not_exists(expiresAt, :expires)",
            ExpressionAttributeNames={"#count": "count"},
            ExpressionAttributeValues={":cost": cost, ":expires": (window + 2) * WINDOW_SECONDS},
            ReturnValues="UPDATED_NEW",
        )
        if int(answer["Attributes"]["count"]) > allowance:
            retry_after = max(1, math.ceil((window + 1) * WINDOW_SECONDS - now))
            raise TooManyRequests(retry_after)
