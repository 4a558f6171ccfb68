"""Fixtures for the security tests: the attacker's world, and a savepoint around every request of the walk."""

from contextlib import contextmanager

import pytest

from tests.security.walk import build_world


@pytest.fixture
def isolate(db_connection):
    """Each request inside a savepoint that is rolled back, so every request meets the same world."""

    @contextmanager
    def savepoint():
        nested = db_connection.begin_nested()
        try:
            yield
        finally:
            if nested.is_active:
                nested.rollback()

    return savepoint


@pytest.fixture
def world(app, db_session):
    return build_world(app, db_session)
