"""The router's labels (the names of districts, councils, needs, conditions and referrer roles), kept until the
directory revision changes instead of seven queries each time a page explains a rule."""

from sqlmodel import Session

from directory import reference_cache, routing
from directory.rules import Labels


def labels(session: Session) -> Labels:
    """routing.labels(session), shared by every request until the directory revision changes: read it only."""
    return reference_cache.cached("routing-labels", session, routing.labels)
