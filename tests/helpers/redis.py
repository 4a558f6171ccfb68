"""The Redis on this machine, for the tests of what several app servers share (scripts/test starts it)."""

import os
import uuid

import pytest
import redis

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
def redis_settings():
    """REDIS_URL and a key prefix of this test's own, removed afterwards. Fails loudly if Redis is down."""
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.ConnectionError as error:
        pytest.fail(f"Redis is not reachable at {REDIS_URL}: scripts/test starts it ({error})")
    prefix = f"send-test-{uuid.uuid4().hex[:10]}:"
    yield {"REDIS_URL": REDIS_URL, "REDIS_KEY_PREFIX": prefix}
    keys = list(client.scan_iter(f"{prefix}*"))
    if keys:
        client.delete(*keys)
    client.close()
