"""How the API reads: the per-client limit's windows (in this process, or shared in Redis)."""

import shutil

from directory.api.guards import LocalWindows
from tests.api.conftest import make_api_app
from tests.helpers.redis import redis_settings  # noqa: F401 - a fixture


def test_a_local_window_counts_each_client_until_it_ends():
    now = [100.0]
    windows = LocalWindows(2, 60, clock=lambda: now[0])
    assert windows.hit("a") is None and windows.hit("a") is None
    assert windows.hit("a") == 60.0
    assert windows.hit("b") is None  # another client
    now[0] += 59.5
    assert windows.hit("a") == 0.5
    now[0] += 0.5
    assert windows.hit("a") is None  # a new window
    windows.reset()
    assert windows.hit("a") is None and windows.hit("a") is None and windows.hit("a") is not None


def test_a_local_window_forgets_ended_windows_when_many_clients_came():
    now = [0.0]
    windows = LocalWindows(1, 60, clock=lambda: now[0])
    windows.PRUNE_AT = 10
    for client in range(10):
        windows.hit(f"old-{client}")
    now[0] = 61.0
    windows.hit("new")
    assert list(windows._windows) == ["new"]


def test_the_rate_limit_is_shared_by_servers_through_redis(seeded_database, seeded_index, db_connection, tmp_path,
                                                          redis_settings):  # noqa: F811
    shutil.copytree(seeded_index, tmp_path / "index", symlinks=True)
    servers = [make_api_app(seeded_database, tmp_path / "index", db_connection, API_REQUESTS_PER_CLIENT="3/1",
                            **redis_settings).test_client() for _ in range(2)]
    assert servers[0].get("/api/taxonomies").status_code == 200
    assert servers[1].get("/api/taxonomies").status_code == 200
    assert servers[0].get("/api/taxonomies").status_code == 200
    refused = servers[1].get("/api/taxonomies")
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert "at most 3 every 60 seconds" in refused.get_json()["message"]
    assert servers[0].get("/api/taxonomies", environ_overrides={"REMOTE_ADDR": "192.0.2.99"}).status_code == 200
