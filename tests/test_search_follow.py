"""The search follower (one per index folder): it applies the database's search changes in order, records what it
applied beside the index, never skips a change committed late, rebuilds after a thesaurus edit, and `search check`
finds documents of an older listing revision. On SQLite and PostgreSQL, each test on its own database."""

import uuid

import pytest
from sqlmodel import Session, select

from directory import create_app, thesaurus
from directory.listings import writer
from directory.models import (
    Organisation,
    SearchChange,
    Service,
    ServiceAttribute,
    TaxonomyTerm,
    ThesaurusGroup,
)
from directory.models.accounts import utcnow
from directory.search import SearchRequest, documents
from directory.search import state as search_state
from directory.search.follow import SearchFollower
from directory.search.state import FollowState
from directory.seed.export import FORMAT
from tests.conftest import TEST_CONFIG
from tests.helpers.databases import empty_database, migrate_and_seed


@pytest.fixture
def followed(backend, tmp_path):
    """An app on its own seeded database whose index a follower writes (SEARCH_FOLLOWER): its commits write none."""
    with empty_database(backend, tmp_path) as url:
        migrate_and_seed(url).engine.dispose()
        app = create_app({**TEST_CONFIG, "DATABASE_URL": url, "SEARCH_INDEX_PATH": str(tmp_path / "index"),
                          "SEARCH_FOLLOWER": True})
        yield app
        app.extensions["db"].engine.dispose()


def found(app, words: str) -> set[str]:
    return set(app.extensions["search"].search(SearchRequest(text=words)).ids)


def a_service(session: Session, offset: int = 0) -> Service:
    return session.exec(select(Service).where(Service.status == "active").order_by(Service.slug)
                        .offset(offset).limit(1)).one()


def change_summary(app, offset: int, summary: str) -> str:
    with app.extensions["db"].session_factory() as session:
        service = a_service(session, offset)
        writer.update_service(session, service.id, {"summary": summary}, source="lead")
        session.commit()
        return str(service.id)


def newest_change(app) -> int:
    with app.extensions["db"].session_factory() as session:
        return session.exec(select(SearchChange.id).order_by(SearchChange.id.desc()).limit(1)).one()


# --- the state: a watermark, the ids applied above it, the reads not yet safe ----------------------------------

def test_a_read_becomes_safe_only_when_every_transaction_running_then_has_ended():
    state = FollowState()
    state.applied |= {1, 2, 4}  # 3 was not visible: its transaction was running (xmax of that read: 100)
    state.saw(4, xmax=100)
    state.advance(xmin=90)  # a transaction older than 100 is still running
    assert (state.watermark, state.applied, state.is_applied(3)) == (0, {1, 2, 4}, False)
    state.applied.add(3)  # committed late, read and applied by a later poll
    state.advance(xmin=100)
    assert (state.watermark, state.applied, state.pending, state.last_applied) == (4, set(), [], 4)


def test_on_sqlite_a_read_is_safe_at_once_and_one_server_applies_in_order():
    state = FollowState()
    state.applied |= {5, 6}
    state.saw(6, xmax=0)
    state.advance(xmin=0)
    assert (state.watermark, state.applied) == (6, set())
    state.applied_in_order([8])
    assert state.last_applied == 8 and state.is_applied(7)


def test_the_state_is_written_beside_the_index_and_read_back(tmp_path):
    with search_state.updating(tmp_path) as state:
        state.applied |= {3, 9}
        state.saw(9, xmax=42)
    again = search_state.read_state(tmp_path)
    assert (again.watermark, again.applied, again.pending) == (0, {3, 9}, [(9, 42)])
    assert search_state.read_state(tmp_path / "nowhere") is None


# --- following ------------------------------------------------------------------------------------------------

def test_the_follower_builds_the_index_then_applies_each_change_a_web_process_only_commits(followed):
    follower = SearchFollower.for_app(followed)
    follower.start()
    assert search_state.read_state(follower.index.root).last_applied == newest_change(followed)
    service_id = change_summary(followed, 0, "Zorbling sessions for children who love to build")
    # The committing process wrote no index: the follower has not applied it yet.
    assert service_id not in found(followed, "zorbling")
    applied = follower.poll()
    assert (applied.changes, applied.services, applied.rebuilt) == (1, 1, False)
    assert found(followed, "zorbling") == {service_id}
    assert search_state.read_state(follower.index.root).last_applied == newest_change(followed)
    before = search_state.read_state(follower.index.root)
    written = (follower.index.root / search_state.STATE_FILE).stat().st_mtime_ns
    assert follower.poll().changes == 0  # applied once
    if search_state.read_state(follower.index.root) == before:  # (on PostgreSQL the watermark may have moved up)
        assert (follower.index.root / search_state.STATE_FILE).stat().st_mtime_ns == written  # nothing written


def test_the_follow_command_applies_what_is_there_and_stops(followed):
    runner = followed.test_cli_runner()
    assert runner.invoke(args=["search", "follow", "--once"]).exit_code == 0
    change_summary(followed, 1, "Quillable afternoons of music and play")
    result = runner.invoke(args=["search", "follow", "--once"])
    assert result.exit_code == 0, result.output
    assert "Applied 1 search change(s) to 1 service(s)." in result.output
    assert len(found(followed, "quillable")) == 1


def test_an_organisations_new_name_reaches_its_services_through_the_feed(followed):
    follower = SearchFollower.for_app(followed)
    follower.start()
    with followed.extensions["db"].session_factory() as session:
        service = a_service(session, 2)
        organisation = session.get(Organisation, service.organisation_id)
        entry = {"id": str(organisation.id), "name": "Wibblesworth Family Trust",
                 "description": organisation.description}
        writer.apply_services(session, {"format": FORMAT, "organisations": [entry], "locations": [], "services": []},
                              source="import")
        session.commit()
        services = {str(i) for i in session.exec(select(Service.id).where(
            Service.organisation_id == organisation.id, Service.status == "active"))}
    applied = follower.poll()
    assert applied.changes == len(services) and found(followed, "wibblesworth") == services


def test_a_thesaurus_edit_rebuilds_the_index_with_it_and_web_processes_search_with_it(followed, tmp_path):
    follower = SearchFollower.for_app(followed)
    follower.start()
    with followed.extensions["db"].session_factory() as session:
        service = a_service(session, 3)
        category = session.exec(select(ServiceAttribute.taxonomy_term_id)
                                .where(ServiceAttribute.service_id == service.id,
                                       ServiceAttribute.link_type == "category")).first()
        code = session.get(TaxonomyTerm, category).code
        last = max(group.position for group in thesaurus.groups(session))
        session.add(ThesaurusGroup(position=last + 1, kind="topic", phrases=["flumpetry"], query_only=[],
                                   categories=[code], needs=[], updated_at=utcnow()))
        thesaurus.record_rebuild(session)
        session.commit()
        version = thesaurus.version(session)
    # A web process on the same folder, started before the edit.
    web = create_app({**followed.config, "SEARCH_INDEX_PATH": str(follower.index.root)})
    web.extensions["search"].synonyms = followed.extensions["search"].synonyms
    applied = follower.poll()
    assert applied.rebuilt and follower.thesaurus.version == version
    assert str(service.id) in found(followed, "flumpetry")
    web_follower = web.extensions["search_thesaurus"]
    web_follower.follow_built_version(web.extensions["db"].session_factory, interval=0)
    assert web_follower.version == version and str(service.id) in found(web, "flumpetry")
    web.extensions["db"].engine.dispose()


@pytest.fixture
def postgresql_only(backend):
    if backend != "postgresql":
        pytest.skip("SQLite lets one transaction write at a time: ids become visible in order")


def test_a_change_committed_after_a_later_one_is_applied_not_skipped(postgresql_only, followed):
    """PostgreSQL gives out ids when rows are written, not when they commit: the follower sees id n+1 before n.
    (Two listing changes cannot do this: the directory revision's row lock orders them. A listing change and a
    thesaurus edit can.)"""
    follower = SearchFollower.for_app(followed)
    follower.start()
    factory = followed.extensions["db"].session_factory
    late = factory()
    try:
        early_service = a_service(late, 4)
        writer.update_service(late, early_service.id, {"summary": "Quazzlewort classes for the whole family"},
                              source="import")
        late.flush()  # its search change has its id now, and stays invisible until the commit below
        late_id = late.exec(select(SearchChange.id).where(SearchChange.service_id == early_service.id)
                            .order_by(SearchChange.id.desc()).limit(1)).one()
        with factory() as session:  # a thesaurus edit, committed first
            session.add(ThesaurusGroup(position=1000, kind="topic", phrases=["plonkering"], query_only=[],
                                       categories=[], needs=[], updated_at=utcnow()))
            thesaurus.record_rebuild(session)
            session.commit()
        assert newest_change(followed) > late_id
        applied = follower.poll()
        assert applied.changes == 1 and applied.rebuilt
        assert not found(followed, "quazzlewort")
        state = search_state.read_state(follower.index.root)
        assert not state.is_applied(late_id) and state.last_applied > late_id and state.watermark < late_id
        late.commit()
    finally:
        late.close()
    applied = follower.poll()
    assert applied.changes == 1 and found(followed, "quazzlewort") == {str(early_service.id)}
    assert search_state.read_state(follower.index.root).is_applied(late_id)


# --- search check: ids and revisions --------------------------------------------------------------------------

def test_search_check_finds_a_document_of_an_older_revision_and_repairs_it(followed):
    SearchFollower.for_app(followed).start()
    service_id = change_summary(followed, 6, "Snorkelling club for children with additional needs")
    runner = followed.test_cli_runner()
    result = runner.invoke(args=["search", "check"])
    assert result.exit_code == 1
    assert "0 service(s) missing from the index, 1 of an older listing revision" in result.output
    assert f"stale:   {service_id}" in result.output
    repaired = runner.invoke(args=["search", "check", "--repair"])
    assert repaired.exit_code == 0 and "Repaired" in repaired.output
    assert found(followed, "snorkelling") == {service_id}
    assert runner.invoke(args=["search", "check"]).output.strip() == "The search index matches the database."


def test_after_a_restore_the_follower_builds_the_index_again_and_starts_its_record_afresh(followed):
    follower = SearchFollower.for_app(followed)
    follower.start()
    newest = newest_change(followed)
    with search_state.updating(follower.index.root) as state:  # what a folder that followed a later database holds
        state.watermark, state.applied = newest + 50, {newest + 60}
    applied = follower.poll()
    assert applied.rebuilt and applied.changes == 0
    assert search_state.read_state(follower.index.root).last_applied == newest
    service_id = change_summary(followed, 7, "Tiddlywinking mornings for younger children")
    with followed.extensions["db"].session_factory() as session:
        # The service, and those whose documents carry its summary (offered while families wait for it).
        waiting = {str(i) for i in documents.waiting_services(session, [uuid.UUID(service_id)])}
    assert follower.poll().changes == 1 + len(waiting)
    assert found(followed, "tiddlywinking") == {service_id} | waiting
