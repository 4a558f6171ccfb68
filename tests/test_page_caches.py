"""Pages kept by the directory revision (directory.reference_cache): a warm service page reads only the revision,
and a listing change shows at once; the services page and the checker read the router's labels once."""

from sqlalchemy import event
from sqlmodel import select

from directory.listings import writer
from directory.models import Service
from tests.helpers.pages import text_of


def statements(connection) -> list[str]:
    """The SQL the app sends on the test's connection (savepoints, which only the tests make, left out)."""
    seen: list[str] = []

    def _seen(conn, cursor, statement, *_):
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK TO", "BEGIN")):
            seen.append(statement)

    event.listen(connection, "before_cursor_execute", _seen)
    return seen


def test_a_warm_service_page_reads_only_the_revision(client, db_connection):
    first = text_of(client.get("/services/ot-north-team").soup)
    seen = statements(db_connection)
    assert text_of(client.get("/services/ot-north-team").soup) == first
    assert len(seen) == 1 and "directory_revision" in seen[0]


def test_a_listing_change_shows_on_the_service_page_at_once(client, db_session):
    assert "A new line about the team." not in text_of(client.get("/services/ot-north-team").soup)
    service = db_session.exec(select(Service).where(Service.slug == "ot-north-team")).one()
    writer.update_service(db_session, service.id, {"description": service.description + "\n\nA new line about the "
                                                   "team."}, source="import", reason="test")
    db_session.commit()
    assert "A new line about the team." in text_of(client.get("/services/ot-north-team").soup)


def test_an_unknown_service_is_still_a_404_after_a_known_one(client):
    assert client.get("/services/ot-north-team").status_code == 200
    assert client.get("/services/no-such-service").status_code == 404
    assert client.get("/services/no-such-service").status_code == 404


def test_each_service_keeps_its_own_page(client):
    north = text_of(client.get("/services/ot-north-team").soup)
    sendiass = text_of(client.get("/services/staffordshire-sendiass").soup)
    assert north != sendiass
    assert text_of(client.get("/services/ot-north-team").soup) == north
