"""Stable UUIDs from readable ids, so that importing the same data twice finds the same rows."""

import uuid

# Fixed for ever: changing it would give every seeded row a new id.
NAMESPACE = uuid.UUID("6f1c4a52-8f0e-4b7e-9a57-2c1d0e5b9f31")


def stable_id(kind: str, key: str) -> uuid.UUID:
    """The record's own UUID when `key` is one, else a UUID derived from kind and key."""
    try:
        return uuid.UUID(key)
    except ValueError:
        return uuid.uuid5(NAMESPACE, f"{kind}:{key}")
