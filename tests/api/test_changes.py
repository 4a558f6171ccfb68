"""Answers that follow the directory: ETag and Last-Modified from its revision (304 while it is unchanged), what
a status change publishes, ORUK_STRICT, and the per-client rate limit. Each test has its own rolled-back
transaction (it may write), so none shares the read-only module app."""

import shutil

from sqlmodel import func, select

from directory.listings import writer
from directory.models import Service, WebSession
from tests.api.conftest import get_json, make_api_app


def test_the_etag_follows_the_directory_revision(client, db_session):
    first = client.get("/api/services")
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert etag and modified
    again = client.get("/api/services", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b"" and again.headers["ETag"] == etag
    assert again.headers["Access-Control-Allow-Origin"] == "*"
    # Open data may be kept by caches, which ask again with the ETag (never "no-store", which forbids keeping it).
    assert first.headers["Cache-Control"] == "public, no-cache"
    assert client.get("/api/services", headers={"If-None-Match": '"other"'}).status_code == 200
    # A listing changes: the directory's revision moves on, and so does every ETag.
    service = db_session.exec(select(Service).order_by(Service.name)).first()
    writer.update_service(db_session, service.id, {"name": "Renamed for the ETag test"}, source="import",
                          reason="test")
    db_session.commit()
    changed = client.get("/api/services", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert any(s["name"] == "Renamed for the ETag test" for s in changed.get_json()["contents"])
    # No web session was stored for any of these requests.
    assert db_session.exec(select(func.count()).select_from(WebSession)).one() == 0


def test_defunct_services_are_not_published(client, db_session):
    service = db_session.exec(select(Service).order_by(Service.name)).first()
    for status, published in (("inactive", True), ("temporarily closed", True), ("defunct", False)):
        writer.update_service(db_session, service.id, {"status": status}, source="import", reason="test")
        db_session.commit()
        listed = {s["id"]: s for s in get_json(client, "/api/services?per_page=100", "service_list")["contents"]}
        assert (str(service.id) in listed) is published, status
        if published:
            assert listed[str(service.id)]["status"] == status
            get_json(client, f"/api/services/{service.id}", "service")
        else:
            get_json(client, f"/api/services/{service.id}", status=404)


def test_the_rate_limit_answers_429_with_retry_after(seeded_database, seeded_index, db_connection, tmp_path):
    shutil.copytree(seeded_index, tmp_path / "index", symlinks=True)
    app = make_api_app(seeded_database, tmp_path / "index", db_connection, API_REQUESTS_PER_CLIENT="3/1")
    client = app.test_client()
    for _ in range(3):
        assert client.get("/api/taxonomies").status_code == 200
    refused = client.get("/api/taxonomies")
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert refused.get_json()["status"] == 429 and "Try again" in refused.get_json()["message"]
    assert refused.headers["Access-Control-Allow-Origin"] == "*"
    # Per client: another address still gets its answers.
    other = client.get("/api/taxonomies", environ_overrides={"REMOTE_ADDR": "192.0.2.99"})
    assert other.status_code == 200


def test_oruk_strict_leaves_the_extension_out(seeded_database, db_connection, tmp_path, client):
    # The same index folder as `client`'s app (the app fixture copies it there); both only read it.
    strict = make_api_app(seeded_database, tmp_path / "index", db_connection, ORUK_STRICT=True).test_client()
    api = client
    service_id = get_json(api, "/api/services?per_page=1")["contents"][0]["id"]
    assert "send_directory" in get_json(api, f"/api/services/{service_id}")
    for url in ("/api/services?full=true&per_page=100", f"/api/services/{service_id}",
                "/api/service_at_locations?per_page=100", "/api/organizations?full=true&per_page=100"):
        assert "send_directory" not in strict.get(url).get_data(as_text=True), url
        assert get_json(strict, url) != {}
    assert strict.get("/api/services").headers["ETag"] != api.get("/api/services").headers["ETag"]


def test_a_server_error_inside_the_api_is_json_and_logs_no_message(app, client, caplog):
    detail = "-".join(["planted", "secret", "detail"])  # the source line the log quotes does not hold it

    @app.get("/api/test-only-broken")
    def broken():
        raise RuntimeError(detail)

    client.allow_server_errors = True
    response = client.get("/api/test-only-broken")
    assert response.status_code == 500 and response.mimetype == "application/json"
    assert response.get_json()["status"] == 500
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert detail not in response.get_data(as_text=True)
    assert "RuntimeError" in caplog.text and detail not in caplog.text
