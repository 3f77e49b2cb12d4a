"""API keys: generated with 256 bits of entropy, stored only as SHA-256 hashes.

A plain (unsalted, fast) hash is right here: keys are random, not chosen by people, so
there is nothing to brute-force, and the authorizer looks a key up on every request.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools.utilities.data_classes.api_gateway_authorizer_event import (
    APIGatewayAuthorizerResponse,
    parse_api_gateway_arn,
)
from boto3.dynamodb.conditions import Attr

from docsafe import clock
from docsafe.tables import all_items

KEY_PREFIX = "dsk_"
_TENANT_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
KEY_HEADERS = ("ocp-apim-subscription-key", "x-api-key")
# API Gateway lets a client set the request id with this header; the id names an analyze
# request's stored body and its operation, so no request may carry it.
CHOSEN_REQUEST_ID = "x-amzn-requestid"


def generate_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def validate_tenant(tenant: str) -> str:
    if not _TENANT_PATTERN.match(tenant):
        raise ValueError("tenant ids are 1-63 lowercase letters, digits and '-'")
    return tenant


def tenant_of_request(keys: KeyStore, headers: Mapping[str, str] | None) -> str | None:
    """The tenant a request may act for: its key's, unless it sets its own request id."""
    if any(name.lower() == CHOSEN_REQUEST_ID for name in (headers or {})):
        return None
    return keys.tenant_for(key_from_headers(headers))


def key_from_headers(headers: Mapping[str, str] | None) -> str | None:
    """The API key a request carries, in either header the API accepts."""
    lowered = {name.lower(): value for name, value in (headers or {}).items()}
    for name in KEY_HEADERS:
        value = lowered.get(name)
        if value:
            return value.strip()
    return None


def authorizer_decision(tenant: str | None, method_arn: str) -> dict[str, Any]:
    """The REST API authorizer's answer: the request allowed, with its tenant in the
    context, or denied (API Gateway then answers 401 by itself).

    The policy names every route of the stage: it is never cached (no identity source, TTL
    0), and naming the one method would not do: paths hold colons (`prebuilt-read:analyze`),
    which policy resources and powertools' route check do not take."""
    arn = parse_api_gateway_arn(method_arn)  # the API part; the path after a colon is lost
    decision = APIGatewayAuthorizerResponse(
        principal_id=tenant or "unknown",
        region=arn.region,
        aws_account_id=arn.aws_account_id,
        api_id=arn.api_id,
        stage=arn.stage,
        partition=arn.partition,
        context={"tenant": tenant} if tenant else None,
    )
    if tenant:
        decision.allow_all_routes()
    else:
        decision.deny_all_routes()
    return decision.asdict()


@dataclass(frozen=True)
class KeyRecord:
    key_id: str
    tenant: str
    created_at: float
    revoked: bool


class KeyStore:
    """The keys table: hash → tenant."""

    def __init__(self, table: Any, now: Callable[[], float] = clock.now):
        self._table = table
        self._clock = now

    def create(self, tenant: str, key: str | None = None) -> tuple[str, KeyRecord]:
        """Store a new key for `tenant`; the plaintext is returned once and never kept."""
        validate_tenant(tenant)
        key = key or generate_key()
        digest = hash_key(key)
        record = KeyRecord(key_id=digest[:12], tenant=tenant, created_at=self._clock(), revoked=False)
        self._table.put_item(
            Item={
                "keyHash": digest,
                "keyId": record.key_id,
                "tenant": tenant,
                "createdAt": int(record.created_at),
                "revoked": False,
            },
            ConditionExpression="attribute_not_exists(keyHash)",
        )
        return key, record

    def tenant_for(self, key: str | None) -> str | None:
        """The tenant a live key belongs to, or None."""
        if not key or len(key) > 256:
            return None
        digest = hash_key(key)
        item = self._table.get_item(Key={"keyHash": digest}).get("Item")
        if not item or item.get("revoked"):
            return None
        return str(item["tenant"])

    def list(self) -> list[KeyRecord]:
        records = [
            KeyRecord(
                key_id=item["keyId"],
                tenant=item["tenant"],
                created_at=float(item["createdAt"]),
                revoked=bool(item.get("revoked")),
            )
            for item in all_items(self._table.scan)
        ]
        return sorted(records, key=lambda record: record.created_at)

    def revoke(self, key_id: str) -> bool:
        """Revoke the key whose id (the first 12 hex digits of its hash) is `key_id`."""
        items = list(all_items(self._table.scan, FilterExpression=Attr("keyId").eq(key_id)))
        for item in items:
            self._table.update_item(
                Key={"keyHash": item["keyHash"]},
                UpdateExpression="SET revoked = :yes",
                ExpressionAttributeValues={":yes": True},
            )
        return bool(items)

    def delete(self, key: str) -> bool:
        """Remove `key`'s item altogether; whether there was one.

        Takes the plaintext key, not its id: the hash is the table's key, so this is one
        DeleteItem (no Scan permission needed) for a caller who still holds the key, such as
        the smoke test removing its throwaway keys.
        """
        answer = self._table.delete_item(Key={"keyHash": hash_key(key)}, ReturnValues="ALL_OLD")
        return "Attributes" in answer
