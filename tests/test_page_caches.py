"""Pages kept by the directory revision (directory.reference_cache): a warm service page reads only the revision,
and a listing change shows at once; the services page and the checker read the router's labels once."""

from sqlmodel import select

from directory.listings import writer
from directory.models import Service
from tests.helpers.pages import text_of
from tests.helpers.statements import Statements


def statements(connection) -> list[str]:
    """The SQL the app sends on the test's connection from now on (tests.helpers.statements says what is left out)."""
    return Statements(connection).texts


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



def found_names(page) -> list[str]:
    return [text_of(link) for link in page.select("#main-content h3 a")]


def test_a_search_seen_before_reads_only_the_revision_and_finds_a_change_at_once(app, client, db_session,
                                                                                  db_connection):
    from directory.db import get_session
    service = db_session.exec(select(Service).where(Service.slug == "ot-north-team")).one()
    address = "/search?q=quazzlewort"
    first = client.get(address).soup
    assert service.name not in found_names(first)
    seen = statements(db_connection)
    assert text_of(client.get(address).soup) == text_of(first)
    assert len(seen) == 1 and "directory_revision" in seen[0]
    with app.test_request_context():  # the app's own session, which keeps the index behind the database
        session = get_session()
        writer.update_service(session, service.id, {"summary": "Quazzlewort club for handwriting."},
                              source="import", reason="test")
        session.commit()
    assert found_names(client.get(address).soup) == [service.name]


def test_a_kept_search_still_draws_the_frame_for_each_person(app, client, db_session):
    from tests.helpers.people import make_user, sign_in
    # The same address, first for someone signed out, then for someone signed in: the main content is kept, the
    # header (Sign in, or Your account) is drawn for each request.
    assert "Your account" not in text_of(client.get("/search?q=speech").soup)
    app.config["WTF_CSRF_ENABLED"] = False  # signing in is not what this test is about
    other = app.test_client()
    sign_in(other, make_user(db_session, ["family"]))
    assert "Your account" in text_of(other.get("/search?q=speech").soup)
    # A kept page with errors still has its error summary and the title that says so.
    for _ in range(2):
        page = client.get("/search?q=speech&age=seven").soup
        assert page.select_one(".govuk-error-summary") and page.title.get_text().startswith("Error")


def test_a_kept_search_is_drawn_again_when_the_server_takes_up_a_new_thesaurus(app, client, db_session):
    # On several servers the follower swaps in an index built with a new thesaurus, and each web worker takes the
    # new thesaurus up a moment later: a page drawn in between must not be kept past that moment.
    from directory.search import SearchIndex
    from directory.search import documents as search_documents
    from directory.search.synonyms import Synonyms
    index = app.extensions["search"]
    with app.app_context():
        newer = Synonyms([["snickersnee", "occupational therapy"]])
        SearchIndex(index.root, newer).rebuild(search_documents.service_documents(db_session))
    address = "/search?q=snickersnee"
    north = "Children's occupational therapy – North team"
    assert north not in found_names(client.get(address).soup)  # the worker still reads queries with the old one
    index.synonyms = newer
    assert north in found_names(client.get(address).soup)
