"""The ids DocSafe makes (operations, batches, uploads): canonical UUIDs."""

from __future__ import annotations

import uuid


def is_canonical_uuid(value: object) -> bool:
    """Whether `value` is a UUID written as DocSafe writes one (lower case, hyphens): any
    other spelling of the same id is none of ours, so it looks nothing up."""
    try:
        return str(uuid.UUID(value)) == value  # type: ignore[arg-type]
    except (ValueError, TypeError, AttributeError):
        return False
