"""/health/ready: the database, the search index's lag and the outbox backlog; 503 only when this server cannot
answer (no database, no index); never a 500, nothing personal, no session cookie. /health stays bare."""

import shutil
from datetime import timedelta

from sqlmodel import select

from directory import create_app
from directory.models import OutboxMessage, SearchChange
from directory.models.accounts import utcnow
from tests.conftest import TEST_CONFIG


def test_a_ready_server_reports_its_database_index_and_outbox(client):
    response = client.get("/health/ready")
    assert response.status_code == 200
    report = response.json
    assert report["status"] == "ok"
    assert report["database"]["status"] == "ok" and report["database"]["ms"] >= 0
    search = report["search"]
    assert search["status"] == "ok" and search["lag_seconds"] == 0 and search["thesaurus_current"]
    assert search["documents"] == search["active_services"] > 0
    assert report["outbox"]["status"] == "ok" and report["outbox"]["queued"] >= 0
    assert response.headers.getlist("Set-Cookie") == []


def test_the_liveness_check_stays_bare(client):
    response = client.get("/health")
    assert response.json == {"status": "ok"} and response.headers.getlist("Set-Cookie") == []


def test_a_change_the_index_has_not_applied_is_lag_not_unreadiness(client, db_session):
    before = client.get("/health/ready").json["search"]
    assert before["unapplied_changes"] == 0 and before["last_applied_change_id"] == before["newest_change_id"]
    # A change written without this server's index applying it (another server's, before its follower ran): the
    # lag is the age of the oldest change the index's folder has not recorded as applied.
    older = SearchChange(service_id=None, directory_revision=1, created_at=utcnow() - timedelta(seconds=90))
    later = SearchChange(service_id=None, directory_revision=1, created_at=utcnow())
    db_session.add_all([older, later])
    db_session.commit()
    response = client.get("/health/ready")
    assert response.status_code == 200 and response.json["status"] == "degraded"
    search = response.json["search"]
    assert search["status"] == "behind" and search["newest_change_id"] == later.id
    assert search["unapplied_changes"] == 2 and search["last_applied_change_id"] == before["last_applied_change_id"]
    assert 90 <= search["lag_seconds"] < 150


def test_a_change_applied_after_commit_is_recorded_as_applied(app, client):
    """One server (no follower): the committing process applies its change and records it beside the index."""
    from directory.listings import writer
    from directory.models import Service

    with app.extensions["db"].session_factory() as session:
        service = session.exec(select(Service).where(Service.status == "active").limit(1)).one()
        writer.update_service(session, service.id, {"summary": "A summary written for the readiness test"},
                              source="lead")
        session.commit()
    search = client.get("/health/ready").json["search"]
    assert search["status"] == "ok" and search["unapplied_changes"] == 0 and search["lag_seconds"] == 0
    assert search["last_applied_change_id"] == search["newest_change_id"]


def test_the_outbox_backlog_is_counted_with_the_age_of_the_oldest(client, db_session):
    before = client.get("/health/ready").json["outbox"]["queued"]
    address = "someone.private@example.org"
    for hours in (3, 1):
        db_session.add(OutboxMessage(template="t", to_address=address, subject="Private subject",
                                     created_at=utcnow() - timedelta(hours=hours)))
    db_session.add(OutboxMessage(template="t", to_address=address, subject="s", status="failed"))
    db_session.commit()
    response = client.get("/health/ready")
    outbox = response.json["outbox"]
    assert outbox["queued"] == before + 2 and outbox["failed"] >= 1
    assert outbox["oldest_queued_age_seconds"] >= 3 * 3600
    assert response.status_code == 200 and address not in response.text and "Private" not in response.text


def test_a_missing_index_is_not_ready(app, client):
    shutil.rmtree(app.config["SEARCH_INDEX_PATH"])
    response = client.get("/health/ready")
    assert response.status_code == 503
    assert response.json["status"] == "unavailable" and response.json["search"] == {"status": "missing"}
    assert response.json["database"]["status"] == "ok"


def test_a_database_without_its_tables_is_not_ready(fresh_app):
    response = fresh_app.test_client().get("/health/ready")
    assert response.status_code == 503
    assert response.json["database"]["status"] == "error" and response.json["status"] == "unavailable"


def test_an_unreachable_database_is_not_ready_and_not_an_error_page(tmp_path):
    url = "postgresql+psycopg://readiness-user:secret-password@127.0.0.1:1/nowhere?connect_timeout=2"
    app = create_app({**TEST_CONFIG, "DATABASE_URL": url, "SEARCH_INDEX_PATH": str(tmp_path / "index")})
    try:
        response = app.test_client().get("/health/ready")
    finally:
        app.extensions["db"].engine.dispose()
    assert response.status_code == 503
    assert response.json["database"] == {"status": "unavailable", "error": "OperationalError"}
    assert "secret-password" not in response.text and "readiness-user" not in response.text
    assert response.headers.getlist("Set-Cookie") == []
