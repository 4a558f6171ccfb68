"""Which search changes an index folder has applied: a small file beside the index, written after the index.

The `search_change` ids are given out by a sequence, and on PostgreSQL they do not become visible in id order: a
transaction that took id 7 may commit after the one that took id 8. So the state is a watermark (every change at or
below it is applied) plus the ids applied above it, and the changes seen but not yet safe: (the highest id seen by
a read, the `pg_snapshot_xmax` of that read's snapshot). Any change with a smaller id that the read did not see
belonged to a transaction still running then; once a later snapshot's `pg_snapshot_xmin` reaches that xmax, every
such transaction has ended (committed, and so seen by that later read, or rolled back), and the watermark moves up
to the id. On SQLite one connection writes at a time, so ids become visible in order and a read is safe at once.

Every writer of the index (the follower, a rebuild, the after-commit path of a single server, `search check
--repair`) changes the file under an exclusive lock, read-modify-write, and replaces it atomically.
"""

import fcntl
import json
import os
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, text
from sqlmodel import Session, select

from directory.models import SearchChange

STATE_FILE = "search-follow.json"
LOCK_FILE = "search-follow.lock"


@dataclass
class ChangeRow:
    id: int
    service_id: uuid.UUID | None
    rebuild: bool
    created_at: datetime | None


@dataclass
class FollowState:
    watermark: int = 0  # every change with an id up to here is applied
    applied: set[int] = field(default_factory=set)  # changes applied above the watermark
    pending: list[tuple[int, int]] = field(default_factory=list)  # (highest id seen, xmax of that snapshot)

    @property
    def last_applied(self) -> int:
        return max(self.watermark, *self.applied) if self.applied else self.watermark

    def is_applied(self, change_id: int) -> bool:
        return change_id <= self.watermark or change_id in self.applied

    def saw(self, highest_id: int, xmax: int) -> None:
        """A read saw changes up to `highest_id` in a snapshot with this xmax."""
        if highest_id <= self.watermark:
            return
        if self.pending and self.pending[-1][0] >= highest_id:
            return  # an earlier read saw as far, and its (smaller) xmax is reached sooner
        self.pending.append((highest_id, xmax))

    def advance(self, xmin: int) -> None:
        """Every transaction older than `xmin` has ended: a read in that snapshot (already applied) saw the changes
        of any that committed, so the reads whose xmax is at or below it become safe."""
        for highest_id, xmax in self.pending:
            if xmax <= xmin:
                self.watermark = max(self.watermark, highest_id)
        self._prune()

    def applied_in_order(self, change_ids: Iterable[int]) -> None:
        """For a single server applying its own commits (SQLite, or one server on PostgreSQL): ids up to the
        newest it applied are treated as applied, each committing process applying its own."""
        change_ids = list(change_ids)
        if change_ids:
            self.watermark = max(self.watermark, *change_ids)
        self._prune()

    def _prune(self) -> None:
        self.applied = {i for i in self.applied if i > self.watermark}
        self.pending = [(i, x) for i, x in self.pending if i > self.watermark]

    def as_json(self) -> dict:
        return {"watermark": self.watermark, "applied": sorted(self.applied),
                "pending": [list(p) for p in self.pending]}

    @classmethod
    def from_json(cls, data: dict) -> "FollowState":
        return cls(int(data.get("watermark", 0)), {int(i) for i in data.get("applied", [])},
                   [(int(i), int(x)) for i, x in data.get("pending", [])])


def read_state(root: Path) -> FollowState | None:
    """The folder's state; None when it has none (an index built before states were kept, or never built)."""
    try:
        return FollowState.from_json(json.loads((Path(root) / STATE_FILE).read_text()))
    except (OSError, ValueError, TypeError):
        return None


def _write_state(root: Path, state: FollowState) -> None:
    temporary = Path(root) / f"{STATE_FILE}.{os.getpid()}.tmp"
    temporary.write_text(json.dumps(state.as_json()))
    os.replace(temporary, Path(root) / STATE_FILE)  # atomic: a reader sees the old state or the new one


@contextmanager
def updating(root: Path) -> Iterator[FollowState]:
    """The folder's state (a new one if it has none), written back when the block ends without an error. Only one
    process at a time is inside (an exclusive lock on a file beside it)."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    with open(root / LOCK_FILE, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            state = read_state(root) or FollowState()
            yield state
            _write_state(root, state)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


# --- reading the change feed -----------------------------------------------------------------------------------

_READ_POSTGRESQL = text("""
    WITH snap AS (SELECT pg_current_snapshot() AS s)
    SELECT pg_snapshot_xmin(snap.s)::text::bigint, pg_snapshot_xmax(snap.s)::text::bigint,
           c.id, c.service_id, c.rebuild, c.created_at
    FROM snap LEFT JOIN search_change AS c ON c.id > :after
    ORDER BY c.id
""")


def read_changes(session: Session, after: int) -> tuple[list[ChangeRow], int, int]:
    """(the changes with an id above `after`, in id order; the snapshot's xmin and xmax), all from one statement,
    so one snapshot. Off PostgreSQL the xmin and xmax are 0: what is read is safe at once."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        rows = connection.execute(_READ_POSTGRESQL, {"after": after}).all()
        xmin, xmax = rows[0][0], rows[0][1]
        changes = [ChangeRow(r[2], uuid.UUID(str(r[3])) if r[3] is not None else None, bool(r[4]), r[5])
                   for r in rows if r[2] is not None]
        return changes, xmin, xmax
    rows = session.exec(select(SearchChange.id, SearchChange.service_id, SearchChange.rebuild,
                               SearchChange.created_at).where(SearchChange.id > after).order_by(SearchChange.id))
    return [ChangeRow(*row) for row in rows], 0, 0


def newest_id(session: Session) -> int:
    return session.exec(select(func.max(SearchChange.id))).one() or 0


def is_ahead_of(state: FollowState, session: Session) -> bool:
    """The record says changes were applied that the database does not have: it was restored from a backup, or
    the folder followed another database. The record is worthless then: the index must be built again."""
    return state.last_applied > newest_id(session)


def record_seen(root: Path, session: Session) -> "Recorder":
    """Before a whole rebuild reads the database: what it is about to include. Call `.done()` after the swap."""
    state = read_state(root)
    fresh = state is None or is_ahead_of(state, session)
    changes, xmin, xmax = read_changes(session, 0 if fresh else state.watermark)
    return Recorder(Path(root), changes, xmin, xmax, fresh)


@dataclass
class Recorder:
    root: Path
    changes: list[ChangeRow]
    xmin: int
    xmax: int
    fresh: bool  # the record is started again: it was missing or ahead of the database

    def done(self) -> None:
        """The index now holds everything these changes asked for (it was built from a later read)."""
        with updating(self.root) as state:
            if self.fresh:
                state.watermark, state.applied, state.pending = 0, set(), []
            state.applied |= {change.id for change in self.changes if not state.is_applied(change.id)}
            if self.changes:
                state.saw(self.changes[-1].id, self.xmax)
            state.advance(self.xmin)
