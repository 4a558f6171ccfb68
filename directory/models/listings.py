"""How listings change: the directory's revision, each listing's history, the search changes every server
follows, the change requests leads make and admins approve, and the problems families report."""

import uuid
from datetime import datetime

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from directory.encryption import EncryptedText
from directory.models.accounts import utcnow

# Where a listing change came from.
SOURCES = ("seed", "import", "lead", "approval", "restore", "confirm", "open_referral")
CHANGE_REQUEST_STATUSES = ("pending", "approved", "rejected", "withdrawn")
PROBLEM_REPORT_STATUSES = ("open", "resolved")


class DirectoryRevision(SQLModel, table=True):
    """One row: the directory's revision, bumped by every listing change in the change's own transaction. Every
    cache of directory data keys on it."""

    __tablename__ = "directory_revision"

    id: int = Field(default=1, primary_key=True)
    revision: int = 0
    changed_at: datetime = Field(default_factory=utcnow)


class ListingRevision(SQLModel, table=True):
    """A listing as it was after one change: the whole service document (the import format), who, when, why."""

    __tablename__ = "listing_revision"
    __table_args__ = (UniqueConstraint("service_id", "number"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    service_id: uuid.UUID = Field(index=True)  # no foreign key: the history outlives a deleted listing
    number: int  # 1, 2, 3... for each service
    directory_revision: int
    source: str = Field(max_length=20)
    user_id: uuid.UUID | None = Field(default=None, foreign_key="user_account.id")
    reason: str | None = None
    # The service's entry in the import format after the change, and the names of its fields that changed.
    document: dict = Field(sa_column=Column(JSON, nullable=False))
    changed_fields: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)


class SearchChange(SQLModel, table=True):
    """A listing that changed, for every server's search index to follow in order (by id); or, with `rebuild`, a
    change to the thesaurus, after which every server builds its whole index again (no service_id)."""

    __tablename__ = "search_change"

    id: int | None = Field(default=None, primary_key=True)
    service_id: uuid.UUID | None = Field(default=None, index=True)
    rebuild: bool = Field(default=False, index=True)
    directory_revision: int
    created_at: datetime = Field(default_factory=utcnow)


class ChangeRequest(SQLModel, table=True):
    """A lead's change to one section of a listing, waiting for an admin. It keeps the listing revision it was
    made against: approving it after those fields changed is refused."""

    __tablename__ = "change_request"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    service_id: uuid.UUID = Field(foreign_key="service.id", index=True, ondelete="CASCADE")
    section: str = Field(max_length=30)
    base_revision: int  # the listing revision number it was made against
    # {field: new value} in the import format, and the old values as the lead saw them.
    changes: dict = Field(sa_column=Column(JSON, nullable=False))
    before: dict = Field(sa_column=Column(JSON, nullable=False))
    requested_by_id: uuid.UUID = Field(foreign_key="user_account.id")
    requested_at: datetime = Field(default_factory=utcnow)
    status: str = Field(default="pending", max_length=20, index=True)
    version: int = 1  # optimistic locking: two admins at once, one wins
    decided_by_id: uuid.UUID | None = Field(default=None, foreign_key="user_account.id")
    decided_at: datetime | None = None
    decision_reason: str | None = None


class ProblemReport(SQLModel, table=True):
    """Something a member of the public says is wrong on a service's page. The optional email is encrypted and
    deleted after 90 days (retention)."""

    __tablename__ = "problem_report"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    service_id: uuid.UUID = Field(foreign_key="service.id", index=True, ondelete="CASCADE")
    what: str = Field(sa_column=Column(EncryptedText, nullable=False))
    email: str | None = Field(default=None, sa_column=Column(EncryptedText, nullable=True))
    created_at: datetime = Field(default_factory=utcnow, index=True)
    status: str = Field(default="open", max_length=20, index=True)
    resolved_by_id: uuid.UUID | None = Field(default=None, foreign_key="user_account.id")
    resolved_at: datetime | None = None
