"""Reference data (term labels, districts, organisations...) kept per process until the directory revision changes.

    from directory import reference_cache

    labels = reference_cache.cached("category-labels", session, lambda s: term_names(s, (CATEGORIES,)))

- `cached(name, session, build)` returns `build(session)`, built once per app and process and kept until the
  directory revision (directory.listings.revision) moves on; then the next call builds it again. Every change to
  the directory bumps that revision in its own transaction, so a cached value is never older than what was
  committed, on any server.
- `cached_per_key(name, key, session, build)` is the same for many values of one kind (a service's page by its
  slug): `build(session, key)` kept per key, the least recently used dropped beyond `limit` keys; a None is not kept
  (an unknown key costs a build each time, and fills nothing).
- `detached(session, rows)` takes ORM rows out of the session so that a cache may keep them: a rollback or close
  of the request's session then leaves them as they were read.
- `revision(session)` is the revision itself: read once per request (memoised on `flask.g`, forgotten when this
  request's own transaction bumps it), and once per call outside a request (a CLI or a follower process sees every
  change).
- `build` must return plain values (dicts, tuples, frozen dataclasses), never rows bound to the session: the value
  is shared by every later request and thread. Treat it as read-only.
- The store lives on the app (`app.extensions`), so apps on different databases (the tests make one per test)
  never share values. Outside an app context nothing is kept: `build` runs every time.
"""

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from flask import current_app, g, has_app_context, has_request_context, request
from sqlalchemy import event, select
from sqlalchemy.orm import ORMExecuteState
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session

from directory.listings.revision import directory_revision
from directory.models import DirectoryRevision

T = TypeVar("T")

_EXTENSION = "reference_cache"
_MEMO = "_reference_cache_revision"


class ReferenceCache:
    """One app's values: {name: (revision, value)}."""

    def __init__(self):
        self._values: dict[str, tuple[int, Any]] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def get(self, name: str, current: int, session: Session, build: Callable[[Session], T]) -> T:
        kept = self._values.get(name)
        if kept is not None and kept[0] == current:
            return kept[1]
        with self._lock(name):
            kept = self._values.get(name)  # another thread may have built it while this one waited
            if kept is not None and kept[0] == current:
                return kept[1]
            # The revision was read before the data: the data is at least as new as the revision it is kept under,
            # so at worst it is built again once more.
            value = build(session)
            self._values[name] = (current, value)
            return value

    def clear(self) -> None:
        self._values.clear()

    def _lock(self, name: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(name, threading.Lock())


def cached(name: str, session: Session, build: Callable[[Session], T]) -> T:
    """`build(session)`, kept under `name` until the directory revision changes (see the module note)."""
    if not has_app_context():
        return build(session)
    return get_cache().get(name, revision(session), session, build)


class _Recent:
    """The values of one kind for one revision: at most `limit` keys, the least recently used dropped first."""

    def __init__(self, limit: int):
        self.limit = limit
        self.values: OrderedDict = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: Hashable, session: Session, build: Callable[[Session, Hashable], T]) -> T | None:
        with self.lock:
            if key in self.values:
                self.values.move_to_end(key)
                return self.values[key]
        value = build(session, key)  # outside the lock: two threads may build one key, and both get a right value
        if value is not None:
            with self.lock:
                self.values[key] = value
                while len(self.values) > self.limit:
                    self.values.popitem(last=False)
        return value


def cached_per_key(name: str, key: Hashable, session: Session, build: Callable[[Session, Hashable], T],
                   limit: int = 2000) -> T | None:
    """`build(session, key)`, kept per key under `name` until the directory revision changes (see the module note)."""
    if not has_app_context():
        return build(session, key)
    return cached(name, session, lambda _session: _Recent(limit)).get(key, session, build)


def detached(session: Session, rows: list) -> list:
    """The rows, taken out of the session (see the module note)."""
    for row in rows:
        if row in session:
            session.expunge(row)
    return rows


def revision(session: Session) -> int:
    """The directory revision: at most one read per request."""
    if not has_request_context():
        return directory_revision(session)
    _listen_for_bumps()
    memo = g.get(_MEMO)
    current_request = request._get_current_object()
    # Keyed to the request: a test may keep one app context (and so one `g`) across several requests.
    if memo is not None and memo[0] is current_request:
        return memo[1]
    value = _read_revision(session)
    setattr(g, _MEMO, (current_request, value))
    return value


_REVISION: list = []


def _read_revision(session: Session) -> int:
    """directory_revision(session) through SQLAlchemy Core: the same row, at half the cost of the ORM's select (it
    is read for every page)."""
    if not _REVISION:
        table = DirectoryRevision.__table__
        _REVISION.append(select(table.c.revision).where(table.c.id == 1))
    return session.connection().execute(_REVISION[0]).scalar_one()


def get_cache(app=None) -> ReferenceCache:
    app = app or current_app
    cache = app.extensions.get(_EXTENSION)
    if cache is None:
        cache = app.extensions.setdefault(_EXTENSION, ReferenceCache())
    return cache


def _forget_on_bump(state: ORMExecuteState) -> None:
    """A request that changes the directory (directory.listings.revision.bump) reads the new revision next time."""
    if state.is_update and has_app_context() and _MEMO in g:
        table = getattr(state.statement, "table", None)
        if getattr(table, "name", None) == "directory_revision":
            g.pop(_MEMO, None)


def _listen_for_bumps() -> None:
    # Registered on first use, not at import (nothing is set up at import time).
    if not event.contains(OrmSession, "do_orm_execute", _forget_on_bump):
        event.listen(OrmSession, "do_orm_execute", _forget_on_bump)
