"""The consumer walk (scripts/walk-api) reads the whole seeded API in process: every service listed and fetched,
no errors, every answer valid; under a small rate limit it waits as Retry-After says and still finishes."""

import shutil

from benchmarks.api_walk import walk
from tests.api.conftest import make_api_app


def fetcher(client):
    def fetch(url: str):
        response = client.get(url.removeprefix("http://localhost"))
        return response.status_code, {k.lower(): v for k, v in response.headers.items()}, response.get_data()
    return fetch


def test_the_walk_reads_every_service(api):
    result = walk("http://localhost/api", fetcher(api), per_page=10, validate=True)
    assert result.errors == [] and result.invalid == []
    assert result.listed == result.fetched == result.total_items == 51
    assert result.requests == 6 + 51 and result.waits == 0
    assert "services fetched:  51" in result.report()


def test_the_walk_waits_when_told_to(seeded_database, seeded_index, db_connection, tmp_path):
    shutil.copytree(seeded_index, tmp_path / "index", symlinks=True)
    app = make_api_app(seeded_database, tmp_path / "index", db_connection, API_REQUESTS_PER_CLIENT="20/1")
    waited = []
    windows = app.extensions["api_rate_limit"]

    def sleep(seconds: float) -> None:
        # Waiting out the minute for real would take a minute: forget the counts instead, as time would.
        waited.append(seconds)
        windows.reset()

    result = walk("http://localhost/api", fetcher(app.test_client()), per_page=25, sleep=sleep)
    assert result.errors == []
    assert result.listed == result.fetched == 51
    assert result.waits == len(waited) >= 2
    assert all(1 <= seconds <= 60 for seconds in waited)
