"""Keep the search index following the database: note changes in a transaction, apply them after commit.

Sessions made by the app carry the index in `session.info`; a flush notes which services its changes touch,
a commit writes those services' current rows to the index, and a rollback forgets them.
"""

import logging
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from flask import Flask
from sqlalchemy import event
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from directory.data import search_documents as documents
from directory.models import (
    CostOption,
    District,
    Organisation,
    Service,
    ServiceArea,
    ServiceAttribute,
    TaxonomyTerm,
)
from directory.search import SearchIndex, SearchUnavailable
from directory.synonyms import Synonyms

log = logging.getLogger(__name__)
INFO_KEY = "search_index"
PENDING_KEY = "search_pending"
# Rows whose change alters one service's document, by the attribute naming that service.
_SERVICE_PARTS = {ServiceAttribute: "service_id", ServiceArea: "service_id", CostOption: "service_id"}


@dataclass
class PendingChanges:
    services: set[uuid.UUID] = field(default_factory=set)
    organisations: set[uuid.UUID] = field(default_factory=set)
    terms: set[uuid.UUID] = field(default_factory=set)
    districts: set[uuid.UUID] = field(default_factory=set)

    def note(self, obj) -> None:
        if isinstance(obj, Service):
            self.services.add(obj.id)
        elif type(obj) in _SERVICE_PARTS:
            self.services.add(getattr(obj, _SERVICE_PARTS[type(obj)]))
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


def _after_commit(session: Session) -> None:
    pending = session.info.pop(PENDING_KEY, None)
    index = session.info.get(INFO_KEY)
    if pending is None or index is None:
        return
    # The committed session cannot run SQL: read the new rows through a fresh session on the same connection.
    try:
        with Session(bind=session.bind if session.bind is not None else session.get_bind()) as reader:
            apply_changes(index, reader, pending)
    except (SearchUnavailable, SQLAlchemyError, OSError) as error:
        # The database change stands; `flask search check --repair` brings the index back in line.
        log.error("Search index not updated after commit: %s", error)


def _after_rollback(session: Session) -> None:
    session.info.pop(PENDING_KEY, None)


def apply_changes(index: SearchIndex, session: Session, pending: PendingChanges) -> None:
    services = set(pending.services)
    if pending.organisations:
        services |= documents.services_of_organisations(session, pending.organisations)
    if pending.terms:
        services |= documents.services_linked_to_terms(session, pending.terms)
    if pending.districts:
        services |= documents.services_in_districts(session, pending.districts)
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
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_rollback", _after_rollback)
        _registered = True


def get_index(app: Flask) -> SearchIndex:
    return app.extensions["search"]


@dataclass
class CheckReport:
    missing: set[str]  # in the database, not in the index
    extra: set[str]  # in the index, not in the database

    @property
    def ok(self) -> bool:
        return not self.missing and not self.extra


def check(index: SearchIndex, session: Session) -> CheckReport:
    db_ids = documents.active_service_ids(session)
    index_ids = index.document_ids()
    return CheckReport(missing=db_ids - index_ids, extra=index_ids - db_ids)


def repair(index: SearchIndex, session: Session, report: CheckReport) -> None:
    docs = list(documents.service_documents(session, [uuid.UUID(i) for i in report.missing]))
    index.update(docs, deleted_ids=report.extra)


def rebuild(index: SearchIndex, session: Session) -> int:
    return index.rebuild(documents.service_documents(session))


def ensure_index(app: Flask) -> None:
    """At start-up: build a missing index, repair a stale one, or say clearly why search is unavailable."""
    index = get_index(app)
    database = app.extensions["db"]
    try:
        with database.session_factory() as session:
            documents.active_service_ids(session)  # fails here, before any writing, if the tables are not there
            if not index.exists():
                count = rebuild(index, session)
                log.warning("The search index was missing: built it with %d services.", count)
                return
            report = check(index, session)
            if not report.ok:
                repair(index, session, report)
                log.warning("The search index was stale: added %d and removed %d services.",
                            len(report.missing), len(report.extra))
    except SQLAlchemyError as error:
        log.warning("Search index not checked: the database is not ready (%s). Run flask db upgrade.",
                    error.__class__.__name__)
    except SearchUnavailable as error:
        log.error("Search is unavailable: %s", error)


def init_app(app: Flask) -> None:
    _register_events()
    root = app.config.get("SEARCH_INDEX_PATH") or str(Path(app.instance_path) / "search")
    index = SearchIndex(root, Synonyms.from_file(app.config["SYNONYMS_PATH"]))
    app.extensions["search"] = index
    app.extensions["db"].session_info[INFO_KEY] = index
    if app.config.get("SEARCH_CHECK_ON_START"):
        ensure_index(app)
