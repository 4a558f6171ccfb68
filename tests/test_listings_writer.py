"""The one writer of listings: every change checked, written, kept as a revision, the directory revision bumped
and a search change recorded, in the caller's transaction."""

import pytest
from sqlmodel import func, select

from directory.listings import writer
from directory.models import ListingRevision, SearchChange, Service


def service(db_session, slug="early-help-family-support") -> Service:
    return db_session.exec(select(Service).where(Service.slug == slug)).one()


def count(db_session, model) -> int:
    return db_session.exec(select(func.count()).select_from(model)).one()


def test_the_seed_leaves_one_revision_of_each_listing(db_session):
    seeded = db_session.exec(select(ListingRevision).where(ListingRevision.number == 1)).all()
    assert len(seeded) == count(db_session, Service) and {r.source for r in seeded} == {"seed"}
    assert writer.directory_revision(db_session) >= 1
    early_help = service(db_session)
    # The test databases then give it a referral address, through the writer too.
    first, second = reversed(writer.revisions(db_session, early_help.id))
    assert (first.number, first.source, second.number, second.changed_fields) == (1, "seed", 2, ["referral_email"])
    assert second.document == writer.service_entry(db_session, early_help.id)


def test_a_change_is_written_with_its_revision_the_directory_revision_and_a_search_change(db_session, ):
    early_help = service(db_session)
    before, changes = writer.directory_revision(db_session), count(db_session, SearchChange)
    revision = writer.update_service(db_session, early_help.id,
                                     {"waiting_time": {"weeks": 7, "updated": "2026-12-01"}},
                                     source="lead", reason="New figures")
    db_session.commit()
    assert revision.number == 3 and revision.changed_fields == ["waiting_time"] and revision.source == "lead"
    assert revision.directory_revision == before + 1 == writer.directory_revision(db_session)
    assert db_session.get(Service, early_help.id).wait_weeks == 7
    assert count(db_session, SearchChange) == changes + 1
    # The same again changes nothing: no revision, no bump.
    assert writer.update_service(db_session, early_help.id, {"waiting_time": {"weeks": 7, "updated": "2026-12-01"}},
                                 source="lead") is None
    assert writer.directory_revision(db_session) == before + 1


@pytest.mark.parametrize("changes, problem", [
    ({"min_age": 30}, "min_age"),
    ({"areas": ["atlantis"]}, "atlantis"),
    ({"name": ""}, "name"),
])
def test_a_change_that_is_not_valid_is_refused_and_nothing_is_written(db_session, changes, problem):
    early_help = service(db_session)
    before = (writer.directory_revision(db_session), count(db_session, ListingRevision), early_help.name)
    with pytest.raises(writer.ListingError) as refused:
        writer.update_service(db_session, early_help.id, changes, source="lead")
    assert any(problem in text for text in refused.value.problems), refused.value.problems
    db_session.rollback()
    assert (writer.directory_revision(db_session), count(db_session, ListingRevision),
            db_session.get(Service, early_help.id).name) == before


def test_the_routing_cache_follows_the_directory_revision(db_session):
    from directory import routing

    cache = routing.DirectoryCache()
    early_help = service(db_session)
    record = {"child": {"date_of_birth": "2017-05-14", "district": "east-staffordshire"},
              "referrer": {"role": "key_worker"}}

    def outcome() -> str:
        _, results = routing.route_record(db_session, record, cache)
        return next(str(r.outcome) for r in results if r.service_id == early_help.id)

    first = cache.get(db_session)
    assert outcome() == "eligible" and cache.get(db_session) is first  # kept while nothing changes
    writer.update_service(db_session, early_help.id, {"min_age": 12, "max_age": 18}, source="lead")
    db_session.commit()
    assert outcome() == "not_eligible" and cache.get(db_session) is not first
    assert cache.get(db_session).version == writer.directory_revision(db_session)


def test_search_finds_a_listing_change_once_it_is_committed(app, client, db_session):
    from directory.db import get_session

    early_help = service(db_session)
    assert "Early Help family support" not in client.get("/search?q=zebracrossing").get_data(as_text=True)
    with app.test_request_context():  # the app's own session, which keeps the index behind the database
        session = get_session()
        writer.update_service(session, early_help.id, {"summary": "Help for families, near the zebracrossing."},
                              source="lead")
        session.commit()
    assert "Early Help family support" in client.get("/search?q=zebracrossing").get_data(as_text=True)


def test_an_organisation_changed_on_its_own_moves_the_directory_revision_and_its_services_search_documents(
        db_session):
    from directory.seed.export import location_entries, organisation_entries
    early_help = service(db_session)
    organisation = organisation_entries(db_session, [early_help.organisation_id])[early_help.organisation_id]
    runs = set(db_session.exec(select(Service.id).where(Service.organisation_id == early_help.organisation_id)))
    before = (writer.directory_revision(db_session), count(db_session, ListingRevision),
              db_session.exec(select(func.max(SearchChange.id))).one() or 0)
    renamed = {**organisation, "name": "A renamed council"}
    writer.apply_services(db_session, {"format": "send-directory-services/1", "organisations": [renamed],
                                       "locations": [], "services": []}, source="import")
    db_session.commit()
    # No listing is a new revision (their own fields did not change), but the directory is, so caches and the
    # API's ETag move, and every server's search reads the services that show the organisation's name again.
    assert writer.directory_revision(db_session) == before[0] + 1
    assert count(db_session, ListingRevision) == before[1]
    noted = set(db_session.exec(select(SearchChange.service_id).where(SearchChange.id > before[2])))
    assert noted == runs and early_help.id in noted
    # The same document again changes nothing.
    writer.apply_services(db_session, {"format": "send-directory-services/1", "organisations": [renamed],
                                       "locations": [], "services": []}, source="import")
    assert writer.directory_revision(db_session) == before[0] + 1
    # A location's address: the same for the services offered there.
    location = next(iter(location_entries(db_session).values()))
    moved = {**location, "address": {**location["address"], "address_1": "1 New Street"}}
    writer.apply_services(db_session, {"format": "send-directory-services/1", "organisations": [],
                                       "locations": [moved], "services": []}, source="import")
    db_session.commit()
    assert writer.directory_revision(db_session) == before[0] + 2


def test_an_eligibility_rule_that_stops_needing_a_diagnosis_changes_what_search_weighs(app, db_session):
    from directory.db import get_session
    from directory.search.sync import get_index

    hearing = service(db_session, "sensory-support-hearing")

    def needs_diagnosis_in_the_index() -> bool:
        generation = get_index(app)._generation()
        return bool(generation.docnums([str(hearing.id)]) & generation.postings("requires", "diagnosis"))

    assert needs_diagnosis_in_the_index()  # the seed's rule: only a diagnosed hearing loss
    with app.test_request_context():
        session = get_session()
        writer.update_service(session, hearing.id, {"eligibility": {
            "any": [{"field": "diagnoses", "op": "has_any", "value": ["hearing-loss"]},
                    {"field": "suspected", "op": "has_any", "value": ["hearing-loss"]}]}}, source="lead")
        session.commit()
    assert not needs_diagnosis_in_the_index()
