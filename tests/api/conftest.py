"""Fixtures for the ORUK API tests: one seeded app per module and backend (the API only reads), and a JSON getter
that checks the answer against an ORUK schema."""

import shutil

import pytest

from directory import create_app
from directory.oruk import schemas
from tests.conftest import TEST_CONFIG, _transactional_session

# No test here reaches the limit unless it means to (test_caching sets its own).
OPEN_LIMIT = {"API_REQUESTS_PER_CLIENT": "1000000/1"}


def make_api_app(seeded_database, index_root, connection, **config):
    app = create_app({**TEST_CONFIG, "DATABASE_URL": seeded_database.url, "SEARCH_INDEX_PATH": str(index_root),
                      **OPEN_LIMIT, **config})
    database = app.extensions["db"]
    database.session_factory = lambda: _transactional_session(connection, database.session_info)
    return app


@pytest.fixture(scope="module")
def read_only_app(seeded_database, seeded_index, tmp_path_factory):
    """The seeded app for the whole module: its requests run in one transaction, rolled back at the end."""
    index_root = tmp_path_factory.mktemp("api-index") / "index"
    shutil.copytree(seeded_index, index_root, symlinks=True)
    connection = seeded_database.engine.connect()
    transaction = connection.begin()
    yield make_api_app(seeded_database, index_root, connection)
    transaction.rollback()
    connection.close()


@pytest.fixture(scope="module")
def api(read_only_app):
    return read_only_app.test_client()


def get_json(client, url: str, schema: str | None = None, status: int = 200):
    """The body of a GET, after checking its status, its JSON type, and (when named) the ORUK schema."""
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code, response.get_data(as_text=True)[:500])
    assert response.mimetype == "application/json", (url, response.mimetype)
    body = response.get_json()
    if schema:
        problems = schemas.errors(schema, body)
        assert not problems, (url, problems[:10])
    return body


def walk(value):
    """Every value inside a JSON document, keys as (key, value) pairs."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield key, item
            yield from walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from walk(item)
