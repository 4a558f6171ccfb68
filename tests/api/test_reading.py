"""How the API reads: a fixed number of SQL statements a request whatever the page size, every linked row of a
page in one statement, cached terms that follow the directory revision, derived ids equal to uuid5's, and the
per-client limit's windows (in this process, or shared in Redis)."""

import shutil
import uuid

from sqlmodel import select

from directory.api.guards import LocalWindows
from directory.listings.revision import bump
from directory.models import Organisation, TaxonomyTerm
from directory.models.ids import NAMESPACE
from directory.oruk import publish
from tests.api.conftest import get_json, make_api_app
from tests.helpers.redis import redis_settings  # noqa: F401 - a fixture
from tests.helpers.statements import Statements


def test_a_page_or_a_service_takes_three_statements_whatever_its_size(seeded_database, seeded_index,
                                                                      db_connection, tmp_path):
    shutil.copytree(seeded_index, tmp_path / "index", symlinks=True)
    client = make_api_app(seeded_database, tmp_path / "index", db_connection).test_client()
    service_id = get_json(client, "/api/services?per_page=1")["contents"][0]["id"]
    client.get("/api/services?full=true")  # the revision's terms, time and count, read once and kept
    statements = Statements(db_connection)
    try:
        # The revision; the page (the whole list's count is kept with the revision); every linked row in one UNION.
        for per_page in (1, 10, 51):
            read = statements.during(client, f"/api/services?full=true&per_page={per_page}")
            assert len(read) == 3, read
            assert len(statements.during(client, f"/api/services?per_page={per_page}")) == 3
            # Filtered, the count rides on each row of the page.
            assert len(statements.during(client, f"/api/services?full=true&minimum_age=0&per_page={per_page}")) == 3
        # The revision; the service; every linked row.
        assert len(statements.during(client, f"/api/services/{service_id}")) == 3
        # A page past the end: nothing linked to read (filtered, the count is read alone).
        assert len(statements.during(client, "/api/services?page=99")) == 2
        assert len(statements.during(client, "/api/services?page=99&minimum_age=0")) == 3
    finally:
        statements.stop()


def test_cached_terms_follow_the_directory_revision(client, db_session):
    body = get_json(client, "/api/services?full=true&per_page=100", "service_list")
    term_id = next(a["taxonomy_term_id"] for s in body["contents"] for a in s.get("attributes", []))
    term = db_session.get(TaxonomyTerm, uuid.UUID(term_id))
    term.description = "Described again for the cache test"
    db_session.add(term)
    bump(db_session)  # as the seed does when places or taxonomies change
    db_session.commit()
    again = get_json(client, "/api/services?full=true&per_page=100", "service_list")
    terms = [a["taxonomy_term"] for s in again["contents"] for a in s.get("attributes", [])
             if a["taxonomy_term_id"] == term_id]
    assert terms and all(t["description"] == "Described again for the cache test" for t in terms)


def test_an_organisation_changed_alone_shows_at_once(client, db_session):
    # Organisations are read with each page (an import may change one without moving the revision).
    service = get_json(client, "/api/services?per_page=1")["contents"][0]
    organisation = db_session.get(Organisation, uuid.UUID(service["organization_id"]))
    organisation.name = "Renamed without a revision"
    db_session.add(organisation)
    db_session.commit()
    assert get_json(client, f"/api/services/{service['id']}")["organization"]["name"] == "Renamed without a revision"


def test_derived_ids_are_uuid5s():
    for kind, key in [("attribute", "0119e8fd-7323-5124-8ccc-20e86b630df8:4f7d223c-1466-546a-8a84-7547c9b49493"),
                      ("contact", "x:0"), ("cost_option", "é ü 😀:12"), ("service_area", "")]:
        assert publish._derived_id(kind, key) == str(uuid.uuid5(NAMESPACE, f"{kind}:{key}"))


def test_ids_read_as_text_are_the_uuids_text(db_session):
    # _IdText writes a UUID column as str(uuid.UUID) would, on either database (NULL stays NULL).
    rows = db_session.connection().execute(select(
        TaxonomyTerm.id, publish._IdText(TaxonomyTerm.id), TaxonomyTerm.parent_id,
        publish._IdText(TaxonomyTerm.parent_id))).all()
    assert rows and any(parent is None for *_rest, parent in rows) and any(parent for *_rest, parent in rows)
    for term_id, text, parent_id, parent_text in rows:
        assert text == str(term_id)
        assert parent_text == (str(parent_id) if parent_id else None)


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
