"""The append-only audit log: who did what to which record, when, and from where."""

import uuid
from datetime import datetime

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from directory.encryption import EncryptedText
from directory.models.accounts import utcnow


class AuditEntry(SQLModel, table=True):
    """Written, never changed: the application has no update or delete path, and on PostgreSQL a trigger refuses
    UPDATE, and DELETE of entries younger than the retention period (migration 0005)."""

    __tablename__ = "audit_entry"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    user_id: uuid.UUID | None = Field(default=None, foreign_key="user_account.id", index=True)
    action: str = Field(max_length=50, index=True)  # e.g. "view", "update", "submit", "allocate"
    object_type: str = Field(max_length=50)
    object_id: uuid.UUID | None = Field(default=None, index=True)
    # The family record the entry is about, whatever its object (a referral, a draft...): subject access finds it.
    record_id: uuid.UUID | None = Field(default=None, index=True)
    # The address the request came from (behind TRUSTED_PROXIES, the client's); None for commands.
    client_address: str | None = Field(default=None, max_length=45)
    # What was touched, by field name only: never the values, so the log holds no personal data.
    detail: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # A reason someone gave for what they did (a reset, an export), encrypted: it is free text.
    reason: str | None = Field(default=None, sa_column=Column(EncryptedText, nullable=True))
