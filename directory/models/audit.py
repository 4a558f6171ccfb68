"""The append-only audit log: who did what to which record, and when."""

import uuid
from datetime import datetime

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from directory.models.accounts import utcnow


class AuditEntry(SQLModel, table=True):
    __tablename__ = "audit_entry"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    user_id: uuid.UUID | None = Field(default=None, foreign_key="user_account.id", index=True)
    action: str = Field(max_length=50)  # e.g. "view", "update", "submit", "allocate"
    object_type: str = Field(max_length=50)
    object_id: uuid.UUID | None = Field(default=None, index=True)
    # What changed, by field name only: never the values, so the log holds no personal data.
    detail: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
