"""One follower per index folder: applies the database's search changes to that folder's index, in order.

`flask --app wsgi search follow` runs it on each app server (several servers on one PostgreSQL, SEARCH_FOLLOWER=1):
it polls the `search_change` feed, applies what its folder has not applied (a listing's document written again, or,
for a thesaurus change, a whole new index built with the database's thesaurus in a new folder and swapped in), and
records what it applied beside the index (directory/search/state.py), after the index write. It reads again the ids
above its watermark, so a change committed late (a long import's) is applied when it appears, never skipped. The
web workers write nothing: their searchers reopen when the index's table of contents changes.
"""

import logging
import threading
import time
from dataclasses import dataclass

from flask import Flask
from sqlalchemy.exc import SQLAlchemyError

from directory.search import SearchIndex, SearchUnavailable
from directory.search import state as search_state
from directory.search import sync as search_sync

log = logging.getLogger(__name__)


@dataclass
class Applied:
    changes: int = 0  # search changes applied by this poll
    services: int = 0  # documents written or removed
    rebuilt: bool = False


class SearchFollower:
    def __init__(self, index: SearchIndex, session_factory, thesaurus: search_sync.ThesaurusFollower):
        self.index, self.session_factory, self.thesaurus = index, session_factory, thesaurus

    @classmethod
    def for_app(cls, app: Flask) -> "SearchFollower":
        return cls(app.extensions["search"], app.extensions["db"].session_factory,
                   app.extensions[search_sync.THESAURUS_KEY])

    def start(self) -> None:
        """Build the index when it is missing, was built with another thesaurus or schema, or has no record of
        what it applied; otherwise search with the thesaurus it was built with."""
        with self.session_factory() as session:
            other_thesaurus = self.thesaurus.load(session)
            if (not self.index.exists() or other_thesaurus or search_state.read_state(self.index.root) is None
                    or not self.index.has_current_schema()):
                count = self.thesaurus.rebuild(session)
                log.info("Search follower: built the index with %d services.", count)

    def poll(self) -> Applied:
        """Apply every change the folder has not applied; then move the watermark up as far as is safe."""
        state = search_state.read_state(self.index.root) or search_state.FollowState()
        with self.session_factory() as session:
            if search_state.is_ahead_of(state, session):
                log.warning("Search follower: the index applied changes the database does not have (restored from "
                            "a backup?): building it again.")
                return Applied(services=self.thesaurus.rebuild(session), rebuilt=True)
            changes, xmin, xmax = search_state.read_changes(session, state.watermark)
        new = [change for change in changes if not state.is_applied(change.id)]
        applied = Applied(changes=len(new))
        if any(change.rebuild for change in new):
            # A whole new index from a later read holds every change read here; it records them itself.
            with self.session_factory() as session:
                applied.services = self.thesaurus.rebuild(session)
            applied.rebuilt = True
        elif new:
            services = {change.service_id for change in new if change.service_id is not None}
            with self.session_factory() as session:
                search_sync.apply_changes(self.index, session, search_sync.PendingChanges(services=services))
            applied.services = len(services)

        def record(saved: search_state.FollowState) -> None:
            saved.applied |= {change.id for change in new if not saved.is_applied(change.id)}
            if changes:
                saved.saw(changes[-1].id, xmax)
            saved.advance(xmin)

        probe = search_state.FollowState(state.watermark, set(state.applied), list(state.pending))
        record(probe)
        if probe != state:  # an idle poll writes nothing
            with search_state.updating(self.index.root) as saved:
                record(saved)
        return applied

    def run(self, interval: float, stop: threading.Event) -> None:
        """Poll every `interval` seconds until `stop` is set. A database or index that fails is logged and tried
        again on the next poll: nothing is recorded as applied until it is."""
        failing = False
        while not stop.is_set():
            started = time.monotonic()
            try:
                applied = self.poll()
                if applied.changes:
                    log.info("Search follower: applied %d change(s)%s in %.0f ms.", applied.changes,
                             " with a rebuild" if applied.rebuilt else f" to {applied.services} service(s)",
                             (time.monotonic() - started) * 1000)
                failing = False
            except (SQLAlchemyError, SearchUnavailable, OSError) as error:
                if not failing:  # once per outage, not five times a second
                    log.error("Search follower: changes not applied (%s); trying again.", error.__class__.__name__)
                failing = True
            stop.wait(max(0.0, interval - (time.monotonic() - started)) if not failing else max(interval, 1.0))
