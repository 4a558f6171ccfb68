"""Reference data kept until the directory revision changes: built once, one revision read per request, rebuilt
after a listing change, never shared between apps."""

from flask import Flask
from sqlalchemy import event
from sqlmodel import select

from directory import reference_cache
from directory.db import get_session
from directory.listings import writer
from directory.listings.revision import bump
from directory.models import Service


class Builds:
    """A build function that counts its calls and returns a fresh value each time."""

    def __init__(self):
        self.calls = 0

    def __call__(self, session):
        self.calls += 1
        return ("value", self.calls)



def change_a_listing(db_session) -> None:
    """A committed listing change through the writer: the directory revision moves on."""
    service = db_session.exec(select(Service).limit(1)).one()
    writer.update_service(db_session, service.id, {"description": service.description + " More."},
                          source="import", reason="test")
    db_session.commit()

def revision_reads(session):
    """A list that gathers the SQL of every directory_revision read made through the session's connection."""
    reads = []

    def _seen(conn, cursor, statement, *_):
        if "directory_revision" in statement:
            reads.append(statement)

    event.listen(session.connection(), "before_cursor_execute", _seen)
    return reads


def test_built_once_while_the_revision_stays(app):
    build = Builds()
    for _ in range(3):
        with app.test_request_context():
            session = get_session()
            assert reference_cache.cached("thing", session, build) == ("value", 1)
    assert build.calls == 1


def test_one_revision_read_per_request(app):
    with app.test_request_context():
        session = get_session()
        reads = revision_reads(session)
        for name in ("a", "b", "c"):
            reference_cache.cached(name, session, Builds())
            reference_cache.cached(name, session, Builds())
        assert len(reads) == 1
    with app.test_request_context():
        session = get_session()
        reads = revision_reads(session)
        reference_cache.cached("a", session, Builds())
        assert len(reads) == 1  # a new request reads it again


def test_rebuilt_after_a_listing_change(app, db_session):
    build = Builds()
    with app.test_request_context():
        assert reference_cache.cached("thing", get_session(), build) == ("value", 1)
    change_a_listing(db_session)
    with app.test_request_context():
        assert reference_cache.cached("thing", get_session(), build) == ("value", 2)
        assert reference_cache.cached("thing", get_session(), build) == ("value", 2)
    assert build.calls == 2


def test_a_request_that_bumps_the_revision_reads_the_new_one(app):
    build = Builds()
    with app.test_request_context():
        session = get_session()
        before = reference_cache.revision(session)
        reference_cache.cached("thing", session, build)
        bump(session)
        assert reference_cache.revision(session) == before + 1
        assert reference_cache.cached("thing", session, build) == ("value", 2)


def test_one_app_context_across_requests_reads_each_request(app, db_session):
    """A test may keep one app context (one `g`) across requests: the memo belongs to a request, not to `g`."""
    build = Builds()
    with app.app_context():
        with app.test_request_context():
            reference_cache.cached("thing", get_session(), build)
        change_a_listing(db_session)
        with app.test_request_context():
            assert reference_cache.cached("thing", get_session(), build) == ("value", 2)


def test_outside_a_request_the_revision_is_read_each_time(app):
    build = Builds()
    with app.app_context():
        session = get_session()
        reads = revision_reads(session)
        reference_cache.cached("thing", session, build)
        reference_cache.cached("thing", session, build)
        assert len(reads) == 2
        assert build.calls == 1


def test_outside_an_app_nothing_is_kept(db_session):
    build = Builds()
    reference_cache.cached("thing", db_session, build)
    reference_cache.cached("thing", db_session, build)
    assert build.calls == 2


def test_apps_do_not_share_values(app, db_session):
    other = Flask("other")
    with app.app_context():
        assert reference_cache.cached("thing", db_session, lambda s: "first app") == "first app"
    with other.app_context():
        assert reference_cache.cached("thing", db_session, lambda s: "second app") == "second app"
    with app.app_context():
        assert reference_cache.cached("thing", db_session, lambda s: "rebuilt") == "first app"


def test_per_key_values_are_built_once_each_and_the_least_recent_dropped(app):
    built = []

    def build(session, key):
        built.append(key)
        return None if key == "missing" else f"value of {key}"

    with app.test_request_context():
        session = get_session()
        for key in ("a", "b", "a", "c", "a", "missing", "missing"):
            value = reference_cache.cached_per_key("things", key, session, build, limit=2)
            assert value == (None if key == "missing" else f"value of {key}")
        assert built == ["a", "b", "c", "missing", "missing"]  # "b" was dropped for "c"; None is never kept
        reference_cache.cached_per_key("things", "b", session, build, limit=2)
        assert built[-1] == "b"


def test_per_key_values_are_rebuilt_after_a_listing_change(app, db_session):
    built = []

    def build(session, key):
        built.append(key)
        return len(built)

    with app.test_request_context():
        assert reference_cache.cached_per_key("things", "a", get_session(), build) == 1
    change_a_listing(db_session)
    with app.test_request_context():
        assert reference_cache.cached_per_key("things", "a", get_session(), build) == 2
        assert reference_cache.cached_per_key("things", "a", get_session(), build) == 2
