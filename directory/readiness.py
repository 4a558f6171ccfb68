"""Is this server ready for traffic: its database, its search index (and how far it is behind), the outbox backlog."""

import os
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, func, select
from whoosh import index as whoosh_index

from directory import thesaurus
from directory.models import OutboxMessage, SearchChange, Service
from directory.search import SearchIndex
from directory.search import state as search_state
from directory.search.sync import ThesaurusFollower


def _age_seconds(moment: datetime | None, now: datetime) -> float | None:
    if moment is None:
        return None
    if moment.tzinfo is None:  # SQLite gives back naive datetimes; the app writes UTC
        moment = moment.replace(tzinfo=UTC)
    return round(max((now - moment).total_seconds(), 0.0), 1)


def check_database(session: Session) -> dict:
    started = time.perf_counter()
    session.exec(text("SELECT 1")).one()
    return {"status": "ok", "ms": round((time.perf_counter() - started) * 1000, 2)}


def _index_facts(index: SearchIndex) -> tuple[int, datetime, int | None]:
    """(documents, when the index was last written, the thesaurus version it was built with) from the index folder
    alone: the document count is in Whoosh's table of contents, so nothing is read document by document."""
    folder = Path(os.path.realpath(index.current))
    documents = whoosh_index.open_dir(str(folder)).doc_count()
    # Every write (an update after a commit, a rebuild) ends with a new table of contents.
    written = max(toc.stat().st_mtime for toc in folder.glob("*.toc"))
    try:
        built_with = int((index.root / ThesaurusFollower.VERSION_FILE).read_text().strip())
    except (OSError, ValueError):
        built_with = None
    return documents, datetime.fromtimestamp(written, UTC), built_with


def check_search(session: Session, index: SearchIndex, now: datetime) -> dict:
    """The index's real lag: the search changes it has not applied, by the record its folder keeps of what it
    applied (directory/search/state.py), their count and the age of the oldest (`lag_seconds`, 0 when none). Also
    the document count against the active services, and whether it was built with the database's thesaurus."""
    if not index.exists():
        return {"status": "missing"}
    try:
        documents, written_at, built_with = _index_facts(index)
    except (OSError, ValueError, whoosh_index.IndexError):
        return {"status": "missing"}
    active = session.exec(select(func.count()).select_from(Service).where(Service.status == "active")).one()
    newest = session.exec(select(func.max(SearchChange.id))).one()
    state = search_state.read_state(index.root)
    # Without a record (an index built before records were kept) every change counts as not applied.
    state = state or search_state.FollowState()
    unapplied_where = [SearchChange.id > state.watermark]
    if state.applied:
        unapplied_where.append(SearchChange.id.not_in(sorted(state.applied)))
    unapplied, oldest_at = session.exec(select(func.count(), func.min(SearchChange.created_at))
                                        .where(*unapplied_where)).one()
    thesaurus_version = thesaurus.version(session)
    thesaurus_current = built_with is None or built_with == thesaurus_version
    behind = bool(unapplied) or documents != active or not thesaurus_current
    return {
        "status": "behind" if behind else "ok",
        "documents": documents,
        "active_services": active,
        "newest_change_id": newest,
        "last_applied_change_id": state.last_applied or None,
        "unapplied_changes": unapplied,
        "lag_seconds": _age_seconds(oldest_at, now) if unapplied else 0.0,
        "index_written_age_seconds": _age_seconds(written_at, now),
        "thesaurus_current": thesaurus_current,
    }


def check_outbox(session: Session, now: datetime) -> dict:
    queued, oldest = session.exec(select(func.count(), func.min(OutboxMessage.created_at))
                                  .where(OutboxMessage.status == "queued")).one()
    failed = session.exec(select(func.count()).select_from(OutboxMessage)
                          .where(OutboxMessage.status == "failed")).one()
    return {"status": "ok", "queued": queued, "oldest_queued_age_seconds": _age_seconds(oldest, now),
            "failed": failed}


def readiness(session_factory, index: SearchIndex) -> tuple[bool, dict]:
    """(ready, report). Not ready when the database cannot be reached or the index is missing: a server that
    cannot answer. An index that is behind or a backlog in the outbox is reported, not a reason to take the
    server out (every server shares the outbox, and a lagging index still answers)."""
    now = datetime.now(UTC)
    report: dict = {}
    try:
        with session_factory() as session:
            report["database"] = check_database(session)
            report["search"] = check_search(session, index, now)
            report["outbox"] = check_outbox(session, now)
    except SQLAlchemyError as error:
        # The kind of error only: its message can name the host or the user. Reached but failing (the tables not
        # there: migrations not run) is as unready as not reached.
        failing = "error" if "database" in report else "unavailable"
        report["database"] = {"status": failing, "error": error.__class__.__name__}
        report.setdefault("search", {"status": "unknown"} if index.exists() else {"status": "missing"})
        report.setdefault("outbox", {"status": "unknown"})
    ready = report["database"]["status"] == "ok" and report["search"]["status"] != "missing"
    fine = ready and report["search"]["status"] == "ok"
    report = {"status": "ok" if fine else ("degraded" if ready else "unavailable"), **report}
    return ready, report
