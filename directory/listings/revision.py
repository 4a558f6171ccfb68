"""The directory's revision: one number, bumped in the transaction of every change to the directory (a listing
through directory.listings.writer, places or taxonomies through the seed). Every cache of directory data keys on
it, so a cache is never older than what was committed, on any server."""

from sqlalchemy import update
from sqlmodel import Session, select

from directory.models import DirectoryRevision
from directory.models.accounts import utcnow


def directory_revision(session: Session) -> int:
    """The directory's revision now (one indexed read)."""
    return session.exec(select(DirectoryRevision.revision).where(DirectoryRevision.id == 1)).one()


def bump(session: Session) -> int:
    """The next revision. The row stays locked until the caller's transaction ends, so revisions are given out in
    commit order."""
    session.execute(update(DirectoryRevision).where(DirectoryRevision.id == 1)
                    .values(revision=DirectoryRevision.revision + 1, changed_at=utcnow()))
    return directory_revision(session)
