"""Fixtures for the security tests: the attacker's world, and a savepoint around every request of the walk."""

import pytest

from tests.security.walk import build_world, rolled_back


@pytest.fixture
def isolate(db_connection):
    """Each request inside a savepoint that is rolled back, so every request meets the same world."""
    return lambda: rolled_back(db_connection)


@pytest.fixture
def world(app, db_session):
    return build_world(app, db_session)
