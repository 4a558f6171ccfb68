"""Keep the search index following the database: note changes in a transaction, apply them after commit.

Sessions made by the app carry the index in `session.info`; a flush notes which services its changes touch,
a commit writes those services' current rows to the index, and a rollback forgets them. The thesaurus is read
from the database too: a change to it is a search change that asks for a whole new index, which the server that
made it builds after commit (in a background thread), and every other server when it next checks the thesaurus's
version (every THESAURUS_CHECK_SECONDS).

With SEARCH_FOLLOWER set (several servers on one PostgreSQL), the committing process writes no index: every change
a commit makes to what the index holds is in the `search_change` feed (the listing writer and thesaurus edits write
their rows; a commit that changes an organisation, a term or a district adds rows for the services they appear in),
and one `flask search follow` process per index folder applies the feed (directory/search/follow.py). The web
processes only reopen their searchers when the index changes, and take the thesaurus the index was built with.
"""

import logging
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from flask import Flask
from sqlalchemy import event
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from directory import thesaurus
from directory.listings.revision import directory_revision
from directory.models import (
    CostOption,
    District,
    Organisation,
    SearchChange,
    Service,
    ServiceArea,
    ServiceAttribute,
    ServiceRelation,
    TaxonomyTerm,
    ThesaurusGroup,
)
from directory.search import SearchIndex, SearchUnavailable, documents
from directory.search import state as search_state
from directory.search.learned import LearnedRanking
from directory.search.synonyms import Synonyms

log = logging.getLogger(__name__)
INFO_KEY = "search_index"
PENDING_KEY = "search_pending"
THESAURUS_KEY = "search_thesaurus"
FOLLOWED_KEY = "search_followed"  # set: a follower process writes the index, not the committing one
# Rows whose change alters one service's document, by the attribute naming that service.
_SERVICE_PARTS = {ServiceAttribute: "service_id", ServiceArea: "service_id", CostOption: "service_id"}


@dataclass
class PendingChanges:
    services: set[uuid.UUID] = field(default_factory=set)
    organisations: set[uuid.UUID] = field(default_factory=set)
    terms: set[uuid.UUID] = field(default_factory=set)
    districts: set[uuid.UUID] = field(default_factory=set)
    thesaurus: bool = False  # the thesaurus changed: the whole index is built again
    change_ids: set[int] = field(default_factory=set)  # the search changes written in the transaction
    in_feed: set[uuid.UUID] = field(default_factory=set)  # services with a search change written for them

    def note(self, obj) -> None:
        if isinstance(obj, SearchChange):
            if obj.id is not None:
                self.change_ids.add(obj.id)
            if obj.service_id is not None:
                self.in_feed.add(obj.service_id)
            self.thesaurus = self.thesaurus or obj.rebuild
        elif isinstance(obj, ThesaurusGroup):
            self.thesaurus = True
        elif isinstance(obj, Service):
            self.services.add(obj.id)
        elif type(obj) in _SERVICE_PARTS:
            self.services.add(getattr(obj, _SERVICE_PARTS[type(obj)]))
        elif isinstance(obj, ServiceRelation):
            # Both ends: a service's document says what it offers families waiting for the other.
            self.services.update({obj.service_id, obj.related_service_id})
        elif isinstance(obj, Organisation):
            self.organisations.add(obj.id)
        elif isinstance(obj, TaxonomyTerm):
            self.terms.add(obj.id)
        elif isinstance(obj, District):
            self.districts.add(obj.id)


def _after_flush(session: Session, _context) -> None:
    if INFO_KEY not in session.info:
        return
    pending = session.info.setdefault(PENDING_KEY, PendingChanges())
    for obj in (*session.new, *session.dirty, *session.deleted):
        pending.note(obj)


def _before_commit(session: Session) -> None:
    """With a follower: a commit that changes what some services' documents hold without the listing writer (an
    organisation's name, a term, a district) adds their search changes, in the same transaction."""
    if INFO_KEY not in session.info or not session.info.get(FOLLOWED_KEY):
        return
    session.flush()  # notes every change still unflushed
    pending = session.info.get(PENDING_KEY)
    if pending is None:
        return
    services = affected_services(session, pending) - pending.in_feed
    if not services:
        return
    revision = directory_revision(session)
    for service_id in sorted(services):
        session.add(SearchChange(service_id=service_id, directory_revision=revision))
    session.flush()


def _after_commit(session: Session) -> None:
    pending = session.info.pop(PENDING_KEY, None)
    index = session.info.get(INFO_KEY)
    if pending is None or index is None or session.info.get(FOLLOWED_KEY):
        return
    # The committed session cannot run SQL: read the new rows through a fresh session on the same connection.
    bind = session.bind if session.bind is not None else session.get_bind()
    try:
        with Session(bind=bind) as reader:
            apply_changes(index, reader, pending)
        if pending.change_ids:
            with search_state.updating(index.root) as state:
                state.applied_in_order(pending.change_ids)
    except (SearchUnavailable, SQLAlchemyError, OSError) as error:
        # The database change stands; `flask search check --repair` brings the index back in line.
        log.error("Search index not updated after commit: %s", error)
    follower = session.info.get(THESAURUS_KEY)
    if pending.thesaurus and follower is not None:
        follower.rebuild_after_commit(bind)


def _after_rollback(session: Session) -> None:
    session.info.pop(PENDING_KEY, None)


def affected_services(session: Session, pending: PendingChanges) -> set[uuid.UUID]:
    """The services whose documents the noted changes alter."""
    services = set(pending.services)
    if pending.organisations:
        services |= documents.services_of_organisations(session, pending.organisations)
    if pending.terms:
        services |= documents.services_linked_to_terms(session, pending.terms)
    if pending.districts:
        services |= documents.services_in_districts(session, pending.districts)
    # A service's name and summary are also in the documents of the services families may use while they wait
    # for it.
    return services | documents.waiting_services(session, services)


def apply_changes(index: SearchIndex, session: Session, pending: PendingChanges) -> None:
    services = affected_services(session, pending)
    if not services:
        return
    docs = list(documents.service_documents(session, services))
    present = {doc["id"] for doc in docs}
    # Services deleted or no longer active leave the index.
    index.update(docs, deleted_ids=[str(s) for s in services if str(s) not in present])


_registered = False


def _register_events() -> None:
    global _registered
    if not _registered:
        event.listen(Session, "after_flush", _after_flush)
        event.listen(Session, "before_commit", _before_commit)
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_rollback", _after_rollback)
        _registered = True


def get_index(app: Flask) -> SearchIndex:
    """The app's index; now and then (every THESAURUS_CHECK_SECONDS) this also asks whether another server
    changed the thesaurus, and if so starts building the index again with it."""
    follower = app.extensions.get(THESAURUS_KEY)
    if follower is not None and app.config.get("SEARCH_FOLLOWER"):
        follower.follow_built_version(app.extensions["db"].session_factory)
    elif follower is not None:
        follower.check_now_and_then(app.extensions["db"].session_factory)
    return app.extensions["search"]


class ThesaurusFollower:
    """Keeps one process's index built with the database's thesaurus. The index and the Synonyms it was built
    with change together: a new index is built with the new thesaurus in a new folder and swapped in, and only
    then does the search use the new Synonyms (a query's tokens always match the index's)."""

    VERSION_FILE = "thesaurus-version"

    def __init__(self, index: SearchIndex, engine, interval: float, background: bool, path: str | None):
        self.index, self.engine, self.interval, self.background, self.path = index, engine, interval, background, path
        self.version: int | None = None  # of the thesaurus the index was built with; None: not known
        self.entries: list[dict] | None = None
        self.checked_at = time.monotonic()
        self._lock = threading.Lock()
        self._building = False
        self._again = False

    # --- what the index was built with -------------------------------------------------------------------------

    def _built_version(self) -> int | None:
        try:
            return int((self.index.root / self.VERSION_FILE).read_text().strip())
        except (OSError, ValueError):
            return None

    @classmethod
    def note_built_version(cls, root: Path, version: int) -> None:
        try:
            root.mkdir(parents=True, exist_ok=True)
            (root / cls.VERSION_FILE).write_text(str(version))
        except OSError as error:
            log.warning("Could not note the thesaurus version of the search index: %s", error)

    def from_file(self) -> Synonyms:
        """Before the database has a thesaurus (a new database), the seed file's."""
        self.entries = thesaurus.read_file(self.path) if self.path else []
        return Synonyms.cached(self.entries)

    def load(self, session: Session) -> bool:
        """Use the database's thesaurus; True when the index on disk was built with another one (or unknown)."""
        entries = [thesaurus.entry(group) for group in thesaurus.groups(session)]
        version = thesaurus.version(session)
        if not entries:
            return False
        self.entries, self.version = entries, version
        self.index.synonyms = Synonyms.cached(entries)
        return self._built_version() != version

    def follow_built_version(self, session_factory, interval: float = 1.0) -> None:
        """With a follower process building the index: now and then, when the index was built with another
        thesaurus than the one this process searches with, take the database's (a query's tokens must match the
        index's). Between checks, one clock read."""
        now = time.monotonic()
        if now - self.checked_at < interval:
            return
        self.checked_at = now
        built = self._built_version()
        if built is None or built == self.version:
            return
        try:
            with session_factory() as session:
                entries = [thesaurus.entry(group) for group in thesaurus.groups(session)]
        except SQLAlchemyError as error:
            log.warning("Thesaurus not read: %s", error.__class__.__name__)
            return
        if entries:
            self.entries, self.version = entries, built
            self.index.synonyms = Synonyms.cached(entries)

    # --- rebuilding ----------------------------------------------------------------------------------------------

    def rebuild(self, session: Session) -> int:
        """Build the whole index with the database's thesaurus now, swap it in, then search with it."""
        count, version, entries = _rebuild_with_thesaurus(self.index, session)
        if entries:
            self.entries, self.version = entries, version
        log.info("Search index rebuilt with thesaurus version %d (%d services).", version, count)
        return count

    def rebuild_after_commit(self, bind) -> None:
        """After a commit that changed the thesaurus: in a background thread (its own session on the engine), or
        at once through the committing connection (tests, where the change is visible only there)."""
        if not self.background:
            try:
                with Session(bind=bind) as reader:
                    self.rebuild(reader)
            except (SearchUnavailable, SQLAlchemyError, OSError) as error:
                log.error("Search index not rebuilt after a thesaurus change: %s", error)
            return
        self.start_background_rebuild()

    def start_background_rebuild(self) -> None:
        with self._lock:
            if self._building:
                self._again = True  # another change while building: build once more when this one ends
                return
            self._building = True
        # Not a daemon: a process that ends (a command, a worker being replaced) first finishes the rebuild.
        threading.Thread(target=self._build_in_background, name="thesaurus-rebuild", daemon=False).start()

    def _build_in_background(self) -> None:
        while True:
            try:
                with Session(self.engine) as session:
                    self.rebuild(session)
            except Exception as error:  # noqa: BLE001 - a thread has no one to raise to: log and stop
                log.error("Search index not rebuilt after a thesaurus change: %s", error)
            with self._lock:
                if not self._again:
                    self._building = False
                    return
                self._again = False

    def check_now_and_then(self, session_factory, force: bool = False) -> None:
        """Every `interval` seconds: start a rebuild when the database's thesaurus is not the index's."""
        now = time.monotonic()
        if not force and (now - self.checked_at < self.interval or self._building):
            return  # a rebuild under way reads the newest thesaurus; the next check sees anything later
        self.checked_at = now
        try:
            with session_factory() as session:
                version = thesaurus.version(session)
                if version == self.version:
                    return
                entries = [thesaurus.entry(group) for group in thesaurus.groups(session)]
        except SQLAlchemyError as error:
            log.warning("Thesaurus version not checked: %s", error.__class__.__name__)
            return
        if self.version is None and entries == self.entries:
            self.version = version  # the index was built from the same groups (the seed file's)
            return
        if not entries:
            return
        if self.background:
            self.start_background_rebuild()
        else:
            with session_factory() as session:
                self.rebuild(session)


@dataclass
class CheckReport:
    missing: set[str]  # in the database, not in the index
    extra: set[str]  # in the index, not in the database
    stale: set[str] = field(default_factory=set)  # in both, but the index's document is of another listing revision
    old_schema: bool = False  # the index lacks a field documents are written with now: build it again

    @property
    def ok(self) -> bool:
        return not self.missing and not self.extra and not self.stale and not self.old_schema


def check(index: SearchIndex, session: Session) -> CheckReport:
    """The database's active services and their latest listing revisions against the index's documents."""
    in_database = documents.active_service_revisions(session)
    in_index = index.stored_revisions()
    stale = {i for i, revision in in_index.items() if i in in_database and revision != in_database[i]}
    return CheckReport(missing=set(in_database) - set(in_index), extra=set(in_index) - set(in_database),
                       stale=stale, old_schema=not index.has_current_schema())


def repair(index: SearchIndex, session: Session, report: CheckReport) -> None:
    if report.old_schema:
        rebuild(index, session)
        return
    docs = list(documents.service_documents(session, [uuid.UUID(i) for i in report.missing | report.stale]))
    present = {doc["id"] for doc in docs}
    # A service that stopped being active between the check and now leaves the index too.
    index.update(docs, deleted_ids=report.extra | ((report.missing | report.stale) - present))


def rebuild(index: SearchIndex, session: Session) -> int:
    """Build the whole index again, with the database's thesaurus when it has one (else the index's own)."""
    return _rebuild_with_thesaurus(index, session)[0]


def _rebuild_with_thesaurus(index: SearchIndex, session: Session) -> tuple[int, int, list[dict] | None]:
    """(services, thesaurus version, its groups) after building a new index in a new folder with the database's
    thesaurus, swapping it in, and only then giving `index` the new Synonyms."""
    # What the change feed holds now: the index built from the reads below holds all of it.
    seen = search_state.record_seen(index.root, session)
    version = thesaurus.version(session)
    entries = [thesaurus.entry(group) for group in thesaurus.groups(session)] or None
    synonyms = Synonyms.cached(entries) if entries else index.synonyms
    count = SearchIndex(index.root, synonyms, index.learned).rebuild(documents.service_documents(session))
    index.synonyms = synonyms
    if entries:
        ThesaurusFollower.note_built_version(index.root, version)
    seen.done()
    return count, version, entries


def ensure_index(app: Flask) -> None:
    """At start-up: use the database's thesaurus; build a missing index (or one built with another thesaurus),
    repair a stale one, or say clearly why search is unavailable."""
    index = app.extensions["search"]
    database = app.extensions["db"]
    follower = app.extensions[THESAURUS_KEY]
    try:
        with database.session_factory() as session:
            documents.active_service_ids(session)  # fails here, before any writing, if the tables are not there
            if app.config.get("SEARCH_FOLLOWER"):
                # The follower process builds and repairs this index: search with the thesaurus it was built with.
                follower.load(session)
                follower.version = follower._built_version()
                return
            if follower.load(session) and index.exists():
                count = follower.rebuild(session)
                log.warning("The search index was built with another thesaurus: rebuilt it with %d services.", count)
                return
            if not index.exists():
                count = rebuild(index, session)
                log.warning("The search index was missing: built it with %d services.", count)
                return
            report = check(index, session)
            if not report.ok:
                repair(index, session, report)
                log.warning("The search index was stale: added %d, updated %d and removed %d services.",
                            len(report.missing), len(report.stale), len(report.extra))
    except SQLAlchemyError as error:
        log.warning("Search index not checked: the database is not ready (%s). Run flask db upgrade.",
                    error.__class__.__name__)
    except SearchUnavailable as error:
        log.error("Search is unavailable: %s", error)


def init_app(app: Flask) -> None:
    _register_events()
    root = app.config.get("SEARCH_INDEX_PATH") or str(Path(app.instance_path) / "search")
    background = app.config.get("SEARCH_REBUILD_IN_BACKGROUND")
    database = app.extensions["db"]
    index = SearchIndex(root, Synonyms([]), LearnedRanking.from_file(app.config.get("SEARCH_MODEL_PATH")))
    follower = ThesaurusFollower(index, database.engine, float(app.config.get("THESAURUS_CHECK_SECONDS", 60)),
                                 (not app.testing) if background is None else bool(background),
                                 app.config.get("THESAURUS_PATH"))
    # Until the database is read (at start-up, or the first check): the seed file's thesaurus.
    index.synonyms = follower.from_file()
    app.extensions["search"] = index
    app.extensions[THESAURUS_KEY] = follower
    database.session_info[INFO_KEY] = index
    database.session_info[THESAURUS_KEY] = follower
    if app.config.get("SEARCH_FOLLOWER"):
        database.session_info[FOLLOWED_KEY] = True
    if app.config.get("SEARCH_CHECK_ON_START"):
        ensure_index(app)
