"""The round trip: the seed published through /api and read back with import-oruk, into a database holding only
the places and taxonomies, gives back every field ORUK and its "send_directory" extension can carry; and reading
the directory's own feed back into it changes nothing."""

import pytest
from sqlmodel import Session

from directory import migrate
from directory.oruk.importer import import_feed
from directory.oruk.read import Source
from directory.seed import apply_seed, load_seed
from directory.seed.export import FORMAT, service_entries
from tests.helpers.databases import SEED_PATH, dump

# Never published (private), so never read back.
NOT_PUBLISHED = ("referral_email",)


def published_feed(client) -> list[Source]:
    """The API read as a consumer does: every page of /api/services, then each service by id."""
    sources, number = [], 1
    while True:
        url = f"/api/services?page={number}"
        response = client.get(url)
        assert response.status_code == 200, response.get_data(as_text=True)
        page = response.get_json()
        sources.append(Source(url, page, "service_list"))
        for item in page["contents"]:
            url = f"/api/services/{item['id']}"
            sources.append(Source(url, client.get(url).get_json(), "service"))
        if page["last_page"]:
            return sources
        number += 1


def comparable(entries: dict) -> dict:
    return {service_id: {key: value for key, value in entry.items() if key not in NOT_PUBLISHED}
            for service_id, entry in entries.items()}


@pytest.fixture
def places_and_taxonomies(fresh_app):
    """A new database holding the seed's places, taxonomies and thesaurus, and no listings."""
    engine = fresh_app.extensions["db"].engine
    migrate.upgrade(engine)
    seed = load_seed(SEED_PATH)
    seed.services = {"format": FORMAT, "organisations": [], "locations": [], "services": []}
    with Session(engine) as session:
        apply_seed(session, seed)
        session.commit()
    return fresh_app


def test_the_published_seed_reads_back_into_an_empty_directory_unchanged(client, db_session, places_and_taxonomies):
    feed = published_feed(client)
    before = comparable(service_entries(db_session))
    published = {s.document["id"]: s.document for s in feed if s.kind == "service"}
    assert len(published) == len(before)
    app = places_and_taxonomies
    with Session(app.extensions["db"].engine) as session:
        result = import_feed(session, feed)
        session.commit()
        assert result.not_mapped == []
        assert comparable(service_entries(session)) == before
    # And published again, every service reads as it did: but for when it was last changed, and the order of
    # its attributes, which says nothing beyond the category order (checked above).
    again = app.test_client()
    for service_id, document in published.items():
        assert as_compared(again.get(f"/api/services/{service_id}").get_json()) == as_compared(document)


def as_compared(service: dict) -> dict:
    service = {key: value for key, value in service.items() if key != "last_modified"}
    service["attributes"] = sorted(service.get("attributes", []), key=lambda attribute: attribute["id"])
    return service


def test_reading_the_directorys_own_feed_back_changes_nothing(client, db_session):
    feed = published_feed(client)
    before = dump(db_session)
    result = import_feed(db_session, feed)
    db_session.flush()
    assert result.report.changes == 0 and result.revisions == 0 and result.not_mapped == []
    assert dump(db_session) == before


def test_a_strict_feed_read_back_keeps_what_only_the_directory_holds(app, client, db_session):
    """Without the extension (ORUK_STRICT=1), reading the feed back into the directory it came from changes
    nothing: what ORUK cannot carry (summaries, referral routes, eligibility, phones, relations) stays as it is."""
    app.config["ORUK_STRICT"] = True
    feed = published_feed(client)
    assert not any("send_directory" in source.document for source in feed if source.kind == "service")
    before = dump(db_session)
    result = import_feed(db_session, feed)
    db_session.flush()
    assert result.report.changes == 0 and result.revisions == 0
    assert dump(db_session) == before
